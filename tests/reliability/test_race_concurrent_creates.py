"""Concurrent applies converge on exactly one object per natural key (issue 14, item 1).

N runs of a module's ``ensure`` (the code between argument parsing and ``exit_json``) start at
the same moment against one emulator, each with its own client, as N ``ansible-playbook`` runs
or N hosts of a play without ``run_once`` do. Each run's first lookup is held by the emulator
(an injected delay) until every run has looked, so all of them find nothing and all create:
the race happens on every run of this test. Afterwards exactly one object carries the key,
every run succeeded and reports that object, and a further run changes nothing.

The second part covers duplicates that already exist when a run starts (a run killed between
its create and its settling): copies left by a race are settled on the oldest; deliberate
duplicates (different content) fail with their ids and are left alone.
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.request
from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import DuplicateError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy
from reliability_helpers import state
from test_faults import RESOURCES

RUNS = 5
HOLD = 0.6  # seconds the emulator holds each run's first lookup
LIST_ROUTES = {
    "monitor": "/api/v1/monitor",
    "dashboard": "/api/v1/dashboard",
    "downtime": "/api/v2/downtime",
}


def make_client(url: str, read_only: bool = False) -> DatadogClient:
    return DatadogClient(
        api_key="lab-api-key",
        app_key="lab-app-key",
        url=url,
        timeout=15.0,
        policy=RetryPolicy(retries=2, backoff=0.05),
        read_only=read_only,
    )


def run(
    url: str, kind: str, params: dict[str, Any], read_only: bool = False
) -> tuple[dict[str, Any], list[str]]:
    client = make_client(url, read_only)
    try:
        outcome = RESOURCES[kind]["ensure"](client, copy.deepcopy(params), read_only)
        return outcome, list(client.warnings)
    finally:
        client.close()


@pytest.mark.parametrize("kind", ["monitor", "dashboard", "downtime"])
def test_parallel_creates_end_with_one_object(kind: str, dd_emulator) -> None:
    res = RESOURCES[kind]
    url = dd_emulator.url
    dd_emulator.inject_fault(route=LIST_ROUTES[kind], method="GET", delay=HOLD, times=RUNS)
    barrier = threading.Barrier(RUNS)
    outcomes: list[dict[str, Any] | None] = [None] * RUNS
    errors: list[BaseException | None] = [None] * RUNS

    def worker(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = run(url, kind, res["v1"])[0]
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a run hung"

    assert errors == [None] * RUNS, f"every run must succeed: {errors}"
    creates = dd_emulator.counts().get(f"POST {LIST_ROUTES[kind]}", 0)
    # Normally all RUNS create; on a starved machine a late run may already find the object.
    assert creates >= 2, f"the race did not happen ({creates} creates for {RUNS} runs)"
    objects = res["live"](state(url))
    assert len(objects) == 1, f"{len(objects)} {kind}s with one key after {RUNS} concurrent runs"
    winner = objects[0]
    assert {str(o["id"]) for o in outcomes if o} == {str(winner["id"])}, "every run reports the survivor"

    again, warnings = run(url, kind, res["v1"])
    assert again["changed"] is False, again["diff"]
    assert str(again["id"]) == str(winner["id"])
    assert warnings == []


# --- duplicates found when a run starts --------------------------------------------------------

NAME = "copies"


def raw_create(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST straight to the emulator (what a run killed before settling leaves behind)."""
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "DD-API-KEY": "lab-api-key",
            "DD-APPLICATION-KEY": "lab-app-key",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def monitor_body(query: str) -> dict[str, Any]:
    return {"name": NAME, "type": "metric alert", "query": query, "message": "m", "options": {}}


def dashboard_body(description: str) -> dict[str, Any]:
    return {"title": NAME, "layout_type": "ordered", "description": description, "widgets": []}


def downtime_body(scope: str) -> dict[str, Any]:
    attrs = {
        "scope": scope,
        "monitor_identifier": {"monitor_tags": ["team:copies"]},
        "message": f"[ansible-name: {NAME}]",
    }
    return {"data": {"type": "downtime", "attributes": attrs}}


COPIES: dict[str, Any] = {
    "monitor": (
        "/api/v1/monitor",
        monitor_body,
        ("avg(last_5m):avg:a{*} > 1", "avg(last_5m):avg:b{*} > 1"),
        lambda answer: answer["id"],
        dict(RESOURCES["monitor"]["v1"], name=NAME),
    ),
    "dashboard": (
        "/api/v1/dashboard",
        dashboard_body,
        ("one", "two"),
        lambda answer: answer["id"],
        dict(RESOURCES["dashboard"]["v1"], title=NAME),
    ),
    "downtime": (
        "/api/v2/downtime",
        downtime_body,
        ("env:a", "env:b"),
        lambda answer: answer["data"]["id"],
        dict(RESOURCES["downtime"]["v1"], name=NAME),
    ),
}


@pytest.mark.parametrize("kind", ["monitor", "dashboard", "downtime"])
def test_race_copies_found_at_start_settle_on_the_oldest(kind: str, dd_emulator) -> None:
    path, body, (value, _other), ident, params = COPIES[kind]
    url = dd_emulator.url
    first, second = (ident(raw_create(url, path, body(value))) for _attempt in range(2))

    # Check mode: the oldest is used, nothing is deleted, the copy is reported.
    _result, warnings = run(url, kind, params, read_only=True)
    assert len(RESOURCES[kind]["live"](state(url))) == 2
    assert any("would delete" in w and str(second) in w for w in warnings), warnings

    outcome, warnings = run(url, kind, params)
    objects = RESOURCES[kind]["live"](state(url))
    assert [str(o["id"]) for o in objects] == [str(first)], "the oldest copy must be kept"
    assert str(outcome["id"]) == str(first)
    assert any("deleted" in w and str(second) in w for w in warnings), warnings
    assert run(url, kind, params)[0]["changed"] is False


@pytest.mark.parametrize("kind", ["monitor", "dashboard", "downtime"])
def test_deliberate_duplicates_fail_and_are_left_alone(kind: str, dd_emulator) -> None:
    path, body, values, ident, params = COPIES[kind]
    url = dd_emulator.url
    ids = [str(ident(raw_create(url, path, body(v)))) for v in values]
    with pytest.raises(DuplicateError) as caught:
        run(url, kind, params)
    message = str(caught.value)
    assert isinstance(caught.value, DatadogError)
    assert "different content" in message
    assert all(i in message for i in ids), message
    assert sorted(str(o["id"]) for o in RESOURCES[kind]["live"](state(url))) == sorted(ids)
