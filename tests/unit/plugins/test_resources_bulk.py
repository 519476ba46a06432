"""datadog_resources (module_utils/bulk.py) against the lab API emulator, in process.

Reads, writes and request counts are the emulator's own counters; the emulator enforces Datadog's
rules (and its rate limit) independently of the module code.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import bulk
from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard as dashboard_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils import downtime as downtime_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor as monitor_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient, RateLimiter
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy
from dd_emulator import Emulator
from fake_time import FakeTime

RECURRENCE = {"days": ["mon", "tue"], "start_time": "19:00", "end_time": "21:00"}


def client_for(emu: Emulator, read_only: bool = False, retries: int = 3) -> DatadogClient:
    return DatadogClient(
        api_key=emu.api_key,
        app_key=emu.app_key,
        url=emu.url,
        timeout=15.0,
        policy=RetryPolicy(retries=retries, backoff=0.05),
        read_only=read_only,
    )


def content(monitors: int = 4, dashboards: int = 2, downtimes: int = 2, changed: int = 0) -> dict[str, Any]:
    def threshold(i: int) -> int:
        return 900 if i < changed else 800

    return {
        "monitors": [
            {
                "name": f"bulk monitor {i}",
                "type": "metric alert",
                "query": f"avg(last_5m):avg:bulk.metric{i}{{*}} > {threshold(i)}",
                "tags": ["managed-by:ansible", f"shard:{i % 3}"],
                "options": {"thresholds": {"critical": threshold(i), "warning": 500}},
            }
            for i in range(monitors)
        ],
        "dashboards": [
            {
                "title": f"bulk dashboard {i}",
                "layout_type": "ordered",
                "widgets": [{"definition": {"type": "note", "content": f"note {i}"}}],
            }
            for i in range(dashboards)
        ],
        "downtimes": [
            {"name": f"bulk downtime {i}", "monitor": f"bulk monitor {i}", "recurrences": [RECURRENCE]}
            for i in range(downtimes)
        ],
    }


def run(emu: Emulator, args: dict[str, Any], check_mode: bool = False, **client_kw: Any) -> dict[str, Any]:
    client = client_for(emu, read_only=check_mode, **client_kw)
    try:
        params = {"concurrency": 4, "prune": False, "prune_tag": "managed-by:ansible", **copy.deepcopy(args)}
        return bulk.reconcile(client, params, check_mode)
    finally:
        client.close()


def test_plan_apply_and_noop_with_the_fewest_requests(dd_emulator: Emulator) -> None:
    args = content(monitors=6, dashboards=3, downtimes=2)
    plan = run(dd_emulator, args, check_mode=True)
    assert plan["summary"] == {"create": 11, "update": 0, "delete": 0, "unchanged": 0}
    assert dd_emulator.writes() == 0
    applied = run(dd_emulator, args)
    assert applied["changed"] and applied["summary"]["create"] == 11
    # What was written is what the plan showed (downtimes: the created monitors' ids instead).
    planned = {r["where"]: r["after"] for r in plan["resources"] if r["kind"] != "downtime"}
    assert planned == {r["where"]: r["after"] for r in applied["resources"] if r["kind"] != "downtime"}
    # The downtimes silence the monitors created in the same run, by id.
    by_name = {r["name"]: r["id"] for r in applied["resources"] if r["kind"] == "monitor"}
    for r in applied["resources"]:
        if r["kind"] == "downtime":
            assert r["after"]["monitor_identifier"] == {"monitor_id": by_name[r["monitor"]]}
    dd_emulator.reset_counts()
    again = run(dd_emulator, args)
    assert not again["changed"] and again["summary"]["unchanged"] == 11
    assert dd_emulator.writes() == 0
    # One list per kind plus one GET per managed dashboard.
    assert dd_emulator.counts() == {
        "GET /api/v1/monitor": 1,
        "GET /api/v1/dashboard": 1,
        "GET /api/v1/dashboard/{dashboard_id}": 3,
        "GET /api/v2/downtime": 1,
    }


def test_change_is_planned_then_written_once(dd_emulator: Emulator) -> None:
    run(dd_emulator, content())
    dd_emulator.reset_counts()
    plan = run(dd_emulator, content(changed=1), check_mode=True)
    assert plan["summary"] == {"create": 0, "update": 1, "delete": 0, "unchanged": 7}
    assert dd_emulator.writes() == 0
    assert len(plan["diff"]) == 1 and plan["diff"][0]["before_header"] == "monitor 'bulk monitor 0'"
    dd_emulator.reset_counts()
    applied = run(dd_emulator, content(changed=1))
    assert applied["diff"] == plan["diff"]
    assert dd_emulator.writes() == 1
    assert dd_emulator.counts()["PUT /api/v1/monitor/{monitor_id}"] == 1


def test_bad_items_are_all_named_before_any_request(dd_emulator: Emulator) -> None:
    args = content()
    args["monitors"][1]["priority"] = 9
    args["monitors"][2]["options"]["thresholds"]["critical"] = 700  # not the query's 800
    args["monitors"][3]["bogus"] = 1
    args["dashboards"][1]["layout_type"] = "grid"
    args["downtimes"][0]["monitor_id"] = 5  # with monitor: exclusive
    args["downtimes"].append(dict(args["downtimes"][1]))  # a duplicate name
    with pytest.raises(bulk.BadItems) as err:
        run(dd_emulator, args)
    text = str(err.value)
    for where in (
        "monitors[1].priority:",
        "monitors[2]:",
        "options.thresholds.critical (700.0) must equal",
        "monitors[3].bogus:",
        "dashboards[1].layout_type:",
        "downtimes[0]: parameters are mutually exclusive: monitor|monitor_id",
        "downtimes[2].name: 'bulk downtime 1' is also the name of downtimes[1]",
    ):
        assert where in text, where
    assert dd_emulator.reads() == 0 and dd_emulator.writes() == 0


def test_a_query_datadog_refuses_stops_the_run_before_any_write(dd_emulator: Emulator) -> None:
    args = content(monitors=3, dashboards=1, downtimes=0)
    args["monitors"][2]["query"] = "avg(last_5m):avg:bulk.metric2{*} >"  # no threshold
    args["monitors"][2]["options"] = {}
    with pytest.raises(bulk.BadItems, match=r"monitors\[2\]"):
        run(dd_emulator, args)
    assert dd_emulator.writes() == 0


def test_downtime_names_a_monitor_of_the_org_or_fails_before_writing(dd_emulator: Emulator) -> None:
    run(dd_emulator, content(monitors=2, dashboards=0, downtimes=0))
    by_org = {"downtimes": [{"name": "org dt", "monitor": "bulk monitor 1", "recurrences": [RECURRENCE]}]}
    plan = run(dd_emulator, by_org, check_mode=True)
    monitor_id = next(
        m["id"] for m in dd_emulator.store.snapshot()["monitors"] if m["name"] == "bulk monitor 1"
    )
    assert plan["resources"][0]["after"]["monitor_identifier"] == {"monitor_id": monitor_id}
    unknown = {"downtimes": [{"name": "org dt", "monitor": "no such monitor", "recurrences": [RECURRENCE]}]}
    with pytest.raises(bulk.BadItems, match=r"downtimes\[0\]\.monitor.*no monitor has this name"):
        run(dd_emulator, unknown)
    assert dd_emulator.writes() == 2 + 0  # the two monitors of the first run only


def test_prune_lists_then_deletes_tagged_objects_not_in_the_lists(dd_emulator: Emulator) -> None:
    run(dd_emulator, content(monitors=4, dashboards=0, downtimes=0))
    tagged_dt = {"name": "by tag", "monitor_tags": ["managed-by:ansible"], "recurrences": [RECURRENCE]}
    run(dd_emulator, {"downtimes": [tagged_dt]})
    keep = content(monitors=2, dashboards=0, downtimes=0)
    plan = run(dd_emulator, dict(keep, prune=True), check_mode=True)
    pruned = [(r["kind"], r["name"], r["action"]) for r in plan["resources"] if r["where"] == "prune"]
    assert sorted(pruned) == [
        ("downtime", "by tag", "delete"),
        ("monitor", "bulk monitor 2", "delete"),
        ("monitor", "bulk monitor 3", "delete"),
    ]
    assert plan["summary"] == {"create": 0, "update": 0, "delete": 3, "unchanged": 2}
    dd_emulator.reset_counts()
    run(dd_emulator, keep)  # prune off (the default): nothing deleted
    assert dd_emulator.writes() == 0
    applied = run(dd_emulator, dict(keep, prune=True))
    assert applied["summary"]["delete"] == 3
    names = sorted(m["name"] for m in dd_emulator.store.snapshot()["monitors"])
    assert names == ["bulk monitor 0", "bulk monitor 1"]
    assert run(dd_emulator, dict(keep, prune=True))["changed"] is False


def test_rate_limited_bulk_apply_surfaces_no_429() -> None:
    """60 objects, 4 workers, an emulator allowing 25 requests per second per endpoint group."""
    with Emulator(api_key="k", app_key="a", port=0, rate_limit=25, rate_period=1).start() as emu:
        args = content(monitors=40, dashboards=5, downtimes=15)
        client = client_for(emu, retries=1)
        backoffs: list[float] = []

        def sleep(seconds: float) -> None:
            backoffs.append(seconds)
            time.sleep(seconds)

        # The client's own waits (retry backoffs); the rate limiter keeps its own sleep.
        client.sleep = sleep
        try:
            out = bulk.reconcile(
                client, {"concurrency": 4, "prune": False, "prune_tag": "x:y", **args}, False
            )
        finally:
            client.close()
        assert out["summary"]["create"] == 60 and not out["failures"]
        # The shared limiter paused the workers instead of letting them draw 429s (without it,
        # the same run draws about 20 429s, each a retry after the reset).
        assert client.limiter.paused
        throttled = [w for w in backoffs if w > 0]
        assert len(throttled) <= 1, backoffs


def test_limiter_429_pauses_every_worker_of_its_group_only() -> None:
    fake = FakeTime()
    limiter = RateLimiter(fake.clock, fake.sleep)
    limiter.before("v1/monitor")
    limiter.after("v1/monitor", 429, {"X-RateLimit-Reset": "3", "X-RateLimit-Remaining": "0"})
    limiter.before("v1/dashboard")  # another group: not paused
    assert fake.slept == []
    limiter.before("v1/monitor")
    assert fake.slept == [3.0]
    limiter.before("v1/monitor")  # the period has reset: the budget is unknown, no wait
    assert fake.slept == [3.0]


def test_limiter_spends_the_budget_of_remaining_and_waits_for_reset() -> None:
    fake = FakeTime()
    limiter = RateLimiter(fake.clock, fake.sleep)
    limiter.before("v2/downtime")
    limiter.before("v2/downtime")  # a second request in flight
    limiter.after("v2/downtime", 200, {"x-ratelimit-remaining": "3", "x-ratelimit-reset": "7"})
    # 3 left at the server, one of ours still in flight: 2 more may go, then a wait for the reset.
    limiter.before("v2/downtime")
    limiter.before("v2/downtime")
    assert fake.slept == []
    limiter.before("v2/downtime")
    assert fake.slept == [7.0]


def test_single_modules_and_bulk_items_share_one_option_definition() -> None:
    for list_name, mod in (
        ("monitors", monitor_mod),
        ("dashboards", dashboard_mod),
        ("downtimes", downtime_mod),
    ):
        spec, rules = bulk.item_spec(list_name)
        own = mod.option_spec()
        assert {k: v for k, v in spec.items() if k != "monitor"} == own
        for key, value in mod.option_rules().items():
            assert all(rule in rules[key] for rule in value)


def test_every_item_gets_its_own_defaults() -> None:
    """Validating one item must not leave the spec's defaults filled in for the next one."""
    items = bulk.check_items(
        {
            "monitors": [{"name": "a", "state": "absent"}, {"name": "b", "state": "absent"}],
            "concurrency": 4,
        }
    )
    assert [i.key for i in items] == ["a", "b"]
    assert all(set(i.params["options"].values()) == {None} for i in items)
