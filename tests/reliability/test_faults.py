"""Fault matrix: every resource x every write x every fault the lab emulator can inject.

Each case drives the modules' own logic (``module_utils.<resource>.ensure`` with the retrying
``DatadogClient``, exactly what the module runs between argument parsing and ``exit_json``)
against a fresh in-process emulator with short retry settings, and asserts the outcome:

* transient faults (429 with a reset header, bursts of 500/502/503, a response slower than the
  timeout, a connection dropped mid-request) end in success after retries, with exactly one
  object in the org, fully written;
* a persistent 5xx ends in one clear ``DatadogError`` naming the operation, the resource and the
  status, with the org unchanged (no duplicate, no half-written dashboard).

tests/reliability/test_module_failures.py runs the same kinds of faults through
``ansible-playbook`` to check what a user sees (one message, no traceback).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import (
    dashboard,
    downtime,
    monitor,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy
from reliability_helpers import state

TIMEOUT = 0.6  # the client's request timeout in these tests
SLOW = 1.2  # a "slow" fault answers after this many seconds: beyond the timeout
RETRIES = 4
BACKOFF = 0.02
RESET = "0.3"  # X-RateLimit-Reset sent with the 429s (seconds)

# --- the three resources: task parameters before/after an update, and how to find them ----------

MONITOR = {
    "state": "present",
    "id": None,
    "name": "reliability monitor",
    "type": "metric alert",
    "query": "avg(last_5m):avg:my_metric{*} > 800",
    "notification_message": "my_metric is high @you@example.com",
    "tags": ["team:reliability"],
    "priority": None,
    "restricted_roles": None,
    "options": {"thresholds": {"critical": 800.0, "warning": 500.0}},
    "extra_options": {},
    "force": False,
}
MONITOR_V2 = dict(
    MONITOR,
    query="avg(last_5m):avg:my_metric{*} > 900",
    options={"thresholds": {"critical": 900.0, "warning": 600.0}},
    tags=["team:reliability", "phase:two"],
)

WIDGETS = [
    {"definition": {"type": "timeseries", "title": f"graph {i}", "requests": [{"q": f"avg:m{i}{{*}}"}]}}
    for i in range(6)
]
DASHBOARD = {
    "state": "present",
    "id": None,
    "title": "reliability dashboard",
    "description": "six graphs",
    "layout_type": "ordered",
    "reflow_type": None,
    "widgets": WIDGETS,
    "template_variables": None,
    "template_variable_presets": None,
    "notify_list": None,
    "tags": None,
    "definition": None,
}
DASHBOARD_V2 = dict(
    DASHBOARD,
    description="eight graphs",
    widgets=[
        *WIDGETS,
        {"definition": {"type": "note", "content": "added"}},
        {"definition": {"type": "query_value", "requests": [{"q": "avg:m9{*}"}]}},
    ],
)

DOWNTIME = {
    "state": "present",
    "id": None,
    "name": "reliability nights",
    "monitor_id": None,
    "monitor_tags": ["team:reliability"],
    "scope": "env:lab",
    "downtime_message": "quiet nights",
    "timezone": "Europe/Paris",
    "start": None,
    "end": None,
    "recurrences": [
        {
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "start_time": "19:00",
            "end_time": "09:00",
            "duration": None,
            "all_day": None,
            "start_date": None,
            "rrule": None,
            "start": None,
        }
    ],
    "notify_end_states": None,
    "notify_end_types": None,
    "mute_first_recovery_notification": False,
}
DOWNTIME_V2 = dict(DOWNTIME, scope="env:lab AND team:reliability", downtime_message="quieter nights")


def live_monitors(st: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_items(st, "monitors"))


def live_dashboards(st: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in _items(st, "dashboards") if not d.get("deleted")]


def live_downtimes(st: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in _items(st, "downtimes"):
        attrs = item.get("attributes", item)
        if not attrs.get("canceled"):
            out.append(attrs)
    return out


def _items(st: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = st.get(key) or {}
    return list(value.values()) if isinstance(value, dict) else list(value)


RESOURCES: dict[str, dict[str, Any]] = {
    "monitor": {
        "ensure": monitor.ensure,
        "v1": MONITOR,
        "v2": MONITOR_V2,
        "live": live_monitors,
        "routes": {
            "create": ("/api/v1/monitor", "POST"),
            "update": ("/api/v1/monitor/{monitor_id}", "PUT"),
            "delete": ("/api/v1/monitor/{monitor_id}", "DELETE"),
        },
        "fingerprint": lambda m: (m["query"], sorted(m.get("tags") or []), m["options"]["thresholds"]),
    },
    "dashboard": {
        "ensure": dashboard.ensure,
        "v1": DASHBOARD,
        "v2": DASHBOARD_V2,
        "live": live_dashboards,
        "routes": {
            "create": ("/api/v1/dashboard", "POST"),
            "update": ("/api/v1/dashboard/{dashboard_id}", "PUT"),
            "delete": ("/api/v1/dashboard/{dashboard_id}", "DELETE"),
        },
        "fingerprint": lambda d: (d.get("description"), [w["definition"]["type"] for w in d["widgets"]]),
    },
    "downtime": {
        "ensure": downtime.ensure,
        "v1": DOWNTIME,
        "v2": DOWNTIME_V2,
        "live": live_downtimes,
        "routes": {
            "create": ("/api/v2/downtime", "POST"),
            "update": ("/api/v2/downtime/{downtime_id}", "PATCH"),
            "delete": ("/api/v2/downtime/{downtime_id}", "DELETE"),
        },
        "fingerprint": lambda a: (a.get("scope"), a.get("message")),
    },
}

# --- the faults ---------------------------------------------------------------------------------

FAULTS: dict[str, dict[str, Any]] = {
    "429-reset": {"status": 429, "times": 2, "headers": {"X-RateLimit-Reset": RESET}},
    "500-burst": {"status": 500, "times": 2},
    "502-burst": {"status": 502, "times": 3},
    "503-burst": {"status": 503, "times": 2},
    "slow-beyond-timeout": {"delay": SLOW, "times": 1},
    "drop-mid-request": {"drop": True, "times": 1},
    "persistent-503": {"status": 503, "times": None},
    "persistent-500": {"status": 500, "times": None},
}
PERSISTENT = {"persistent-503", "persistent-500"}
OPERATIONS = ("create", "update", "delete")


def make_client(url: str) -> DatadogClient:
    return DatadogClient(
        api_key="lab-api-key",
        app_key="lab-app-key",
        url=url,
        timeout=TIMEOUT,
        policy=RetryPolicy(retries=RETRIES, backoff=BACKOFF),
    )


def run(url: str, ensure: Callable[..., dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    client = make_client(url)
    try:
        return ensure(client, copy.deepcopy(params), False)
    finally:
        client.close()


def cases() -> list[Any]:
    out = []
    for kind in RESOURCES:
        for operation in OPERATIONS:
            for fault in FAULTS:
                out.append(pytest.param(kind, operation, fault, id=f"{kind}-{operation}-{fault}"))
    return out


@pytest.mark.parametrize(("kind", "operation", "fault"), cases())
def test_fault(kind: str, operation: str, fault: str, dd_emulator) -> None:
    res = RESOURCES[kind]
    ensure, live, fingerprint = res["ensure"], res["live"], res["fingerprint"]
    url = dd_emulator.url

    # Arrange: the object exists for update/delete.
    if operation != "create":
        run(url, ensure, res["v1"])
    before = state(url)
    assert len(live(before)) == (0 if operation == "create" else 1)

    params = {"create": res["v1"], "update": res["v2"], "delete": dict(res["v1"], state="absent")}[operation]
    route, method = res["routes"][operation]
    spec = FAULTS[fault]
    dd_emulator.inject_fault(route=route, method=method, **spec)
    started = time.monotonic()
    error: DatadogError | None = None
    outcome: dict[str, Any] | None = None
    try:
        outcome = run(url, ensure, params)
    except DatadogError as err:
        error = err
    elapsed = time.monotonic() - started
    dd_emulator.clear_faults()
    if spec.get("delay"):
        time.sleep(SLOW + 0.3)  # the request the client gave up on finishes on the server
    after = state(url)
    objects = live(after)

    if fault in PERSISTENT:
        # One clear error naming operation, resource and status; the org is unchanged.
        assert error is not None, f"persistent {spec['status']} must fail, got {outcome}"
        message = str(error)
        verb = "cancel" if (kind, operation) == ("downtime", "delete") else operation
        assert message.startswith(f"Datadog API: {verb} {kind}"), message
        assert f"HTTP {spec['status']}" in message
        assert "Traceback" not in message
        if operation == "create":
            # A create is never re-sent blindly: re-read, then re-send (so at most one object).
            assert objects == [], f"persistent failure left objects: {objects}"
        else:
            assert error.detail and f"gave up after {RETRIES + 1} attempts" in error.detail, message
            assert len(objects) == 1
            assert fingerprint(objects[0]) == fingerprint(live(before)[0]), "object changed"
        return

    assert error is None, f"{fault} on {operation} {kind} should succeed after retries: {error}"
    assert outcome is not None and outcome["changed"] is True
    if operation == "delete":
        assert objects == [], f"{kind} still there after delete: {objects}"
    else:
        assert len(objects) == 1, f"{len(objects)} {kind}s after {fault} on {operation}: duplicate"
        assert fingerprint(objects[0]) == fingerprint(live(state(url))[0])
        want = res["v1"] if operation == "create" else res["v2"]
        # Fully written: a second run with the same parameters changes nothing.
        again = run(url, ensure, want)
        assert again["changed"] is False, f"half-written {kind}: {again['diff']}"
    if fault == "429-reset":
        assert elapsed >= 2 * float(RESET) - 0.05, "the X-RateLimit-Reset wait was not honoured"


# --- a create the server finishes long after the client gave up (issue 14, item 8) ------------

VERY_SLOW = 3.5 * TIMEOUT  # beyond the two re-reads the client used to make before re-sending


@pytest.mark.parametrize("kind", list(RESOURCES))
def test_create_answered_after_several_timeouts_is_found_not_duplicated(kind: str, dd_emulator) -> None:
    """The first create lands on the server ~3.5 timeouts after it was sent.

    The client must keep re-reading for the whole retry window (timeout x attempts) before it
    sends the create again, so it finds the slow object instead of creating a second one.
    """
    res = RESOURCES[kind]
    url = dd_emulator.url
    route, method = res["routes"]["create"]
    dd_emulator.inject_fault(route=route, method=method, delay=VERY_SLOW, times=1)
    outcome = run(url, res["ensure"], res["v1"])
    time.sleep(max(0.0, VERY_SLOW - TIMEOUT) + 0.5)  # let any request still in flight land
    objects = res["live"](state(url))
    assert len(objects) == 1, f"{len(objects)} {kind}s after a create answered late: duplicate"
    assert outcome["changed"] is True
    assert str(outcome["id"]) == str(objects[0]["id"])
    assert run(url, res["ensure"], res["v1"])["changed"] is False
    creates = dd_emulator.counts().get(f"{method} {route}", 0)
    assert creates == 1, f"the create was sent {creates} times"
