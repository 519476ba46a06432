"""datadog_monitor against the lab emulator: what an update leaves alone, names, draft_status,
definition and the documented bounds (issue 14 items 2, 11, 14; issue 15 item 9).

The emulator behaves like Datadog on ``PUT /api/v1/monitor/{id}`` (recorded in the official
client's cassette ``test_edit_a_monitor_returns_ok_response``): top-level fields left out of the
body are kept, but ``options`` is replaced as a whole, so an option not sent is lost.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from emulator_helpers import raw

QUERY = "avg(last_5m):avg:my_metric{host:web-1} > 800"


def params(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "state": "present",
        "id": None,
        "name": "my_metric is high",
        "type": "metric alert",
        "query": QUERY,
        "notification_message": "my_metric is above 800 @ops@example.com",
        "tags": ["team:ops"],
        "priority": None,
        "restricted_roles": None,
        "draft_status": None,
        "definition": None,
        "options": {"thresholds": {"critical": 800, "warning": 500}, "notify_no_data": True},
        "extra_options": {},
        "force": False,
    }
    base.update(overrides)
    return base


def ui_edit_options(emu: Any, monitor_id: int, **extra: Any) -> dict[str, Any]:
    """Add options in the UI: the UI sends the whole options object (current + new)."""
    current = raw(emu, "GET", f"/api/v1/monitor/{monitor_id}")
    options = dict(current["options"], **extra)
    options.pop("silenced", None)
    return raw(emu, "PUT", f"/api/v1/monitor/{monitor_id}", {"options": options})


# --- item 2: what an update leaves alone ------------------------------------------------------------
def test_update_keeps_options_set_outside_ansible(client: DatadogClient, dd_emulator: Any) -> None:
    created = monitor.ensure(client, params(), False)
    mid = created["id"]
    ui_edit_options(dd_emulator, mid, new_group_delay=120, notify_by=["host"], group_retention_duration="2h")

    task = params(
        query="avg(last_5m):avg:my_metric{host:web-1} > 900",
        options={"thresholds": {"critical": 900, "warning": 500}, "notify_no_data": True},
    )
    predicted = monitor.ensure(client, task, True)
    done = monitor.ensure(client, task, False)

    assert done["changed"] and predicted["diff"] == done["diff"]
    before, after = done["diff"]["before"], done["diff"]["after"]
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == {"query", "options"}
    assert before["options"]["thresholds"] == {"critical": 800, "warning": 500}
    assert after["options"]["thresholds"] == {"critical": 900, "warning": 500}
    server = raw(dd_emulator, "GET", f"/api/v1/monitor/{mid}")["options"]
    assert server["new_group_delay"] == 120
    assert server["notify_by"] == ["host"]
    assert server["group_retention_duration"] == "2h"
    assert server["thresholds"] == {"critical": 900.0, "warning": 500.0}
    assert predicted["monitor"]["options"]["new_group_delay"] == 120  # check mode predicts the same
    assert monitor.ensure(client, task, False)["changed"] is False


def test_always_managed_options_are_still_reverted(client: DatadogClient, dd_emulator: Any) -> None:
    """OPTION_DEFAULTS keep their documented rule: left out of the task = Datadog's default."""
    mid = monitor.ensure(client, params(), False)["id"]
    ui_edit_options(dd_emulator, mid, renotify_interval=60, new_group_delay=30)
    result = monitor.ensure(client, params(), False)
    assert result["changed"]
    assert result["diff"]["before"]["options"]["renotify_interval"] == 60
    assert "renotify_interval" not in result["diff"]["after"]["options"]
    assert "new_group_delay" not in result["diff"]["before"]["options"]  # not managed: not shown
    server = raw(dd_emulator, "GET", f"/api/v1/monitor/{mid}")["options"]
    assert server["renotify_interval"] is None and server["new_group_delay"] == 30


def test_update_keeps_unmanaged_top_level_fields(client: DatadogClient, dd_emulator: Any) -> None:
    roles = ["00000000-0000-0000-0000-000000000001"]
    mid = monitor.ensure(client, params(draft_status="draft"), False)["id"]
    raw(dd_emulator, "PUT", f"/api/v1/monitor/{mid}", {"restricted_roles": roles})
    result = monitor.ensure(client, params(notification_message="new text"), False)
    assert result["changed"]
    server = raw(dd_emulator, "GET", f"/api/v1/monitor/{mid}")
    assert server["restricted_roles"] == roles
    assert server["draft_status"] == "draft"  # draft_status not set by the task: left alone
    assert server["message"] == "new text"


# --- issue 15 item 9: draft_status and definition ----------------------------------------------------
def test_draft_status_is_managed_when_set(client: DatadogClient, dd_emulator: Any) -> None:
    created = monitor.ensure(client, params(draft_status="draft"), False)
    assert raw(dd_emulator, "GET", f"/api/v1/monitor/{created['id']}")["draft_status"] == "draft"
    assert monitor.ensure(client, params(draft_status="draft"), False)["changed"] is False
    published = monitor.ensure(client, params(draft_status="published"), False)
    assert published["changed"]
    assert published["diff"]["before"]["draft_status"] == "draft"
    assert published["diff"]["after"]["draft_status"] == "published"
    assert raw(dd_emulator, "GET", f"/api/v1/monitor/{created['id']}")["draft_status"] == "published"


def test_definition_as_exported_equals_structured(client: DatadogClient, dd_emulator: Any) -> None:
    created = monitor.ensure(client, params(), False)
    export = raw(dd_emulator, "GET", f"/api/v1/monitor/{created['id']}")
    bare = params(name=None, type=None, query=None, notification_message=None, tags=None, options={})
    for text in (json.dumps(export), export):
        assert monitor.ensure(client, dict(bare, definition=text), False)["changed"] is False
    override = monitor.ensure(client, dict(bare, definition=export, tags=["team:web"]), True)
    assert override["changed"] and override["diff"]["after"]["tags"] == ["team:web"]


def test_definition_unknown_field_is_named() -> None:
    with pytest.raises(DatadogError, match=r"definition\.colour"):
        monitor.desired_monitor(params(definition={"name": "x", "colour": "red"}))


# --- item 11: names with surrounding whitespace -------------------------------------------------------
@pytest.mark.parametrize("name", [" my_metric is high", "my_metric is high ", "\tx"])
def test_name_with_surrounding_whitespace_is_bad_input(
    client: DatadogClient, dd_emulator: Any, name: str
) -> None:
    dd_emulator.reset_counts()
    for state in ("present", "absent"):
        with pytest.raises(DatadogError, match=r"name .* leading or trailing whitespace"):
            monitor.ensure(client, params(name=name, state=state), True)
    assert raw(dd_emulator, "GET", "/lab/admin/counts")["counts"] == {}


def test_server_name_with_spaces_is_found_and_renamed_not_duplicated(
    client: DatadogClient, dd_emulator: Any
) -> None:
    body = monitor.desired_monitor(params(name="my_metric is high "))
    made = raw(dd_emulator, "POST", "/api/v1/monitor", body)
    result = monitor.ensure(client, params(), False)
    assert result["id"] == made["id"]
    assert result["changed"]
    assert result["diff"]["before"]["name"] == "my_metric is high "
    assert result["diff"]["after"]["name"] == "my_metric is high"
    assert [m["name"] for m in raw(dd_emulator, "GET", "/api/v1/monitor")] == ["my_metric is high"]
    assert monitor.ensure(client, params(), False)["changed"] is False


def test_whitespace_only_rename_by_id_is_applied(client: DatadogClient, dd_emulator: Any) -> None:
    made = raw(dd_emulator, "POST", "/api/v1/monitor", monitor.desired_monitor(params(name=" padded")))
    result = monitor.ensure(client, params(id=made["id"], name="padded"), False)
    assert result["changed"]
    assert raw(dd_emulator, "GET", f"/api/v1/monitor/{made['id']}")["name"] == "padded"


# --- item 14: documented bounds, before any request ---------------------------------------------------
@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"no_data_timeframe": 0}, "options.no_data_timeframe"),
        ({"renotify_interval": -5}, "options.renotify_interval"),
        ({"renotify_occurrences": 0}, "options.renotify_occurrences"),
        ({"evaluation_delay": -1}, "options.evaluation_delay"),
        ({"new_group_delay": -60}, "options.new_group_delay"),
        ({"timeout_h": 25}, "options.timeout_h"),
        ({"timeout_h": -1}, "options.timeout_h"),
        ({"min_failure_duration": 7201}, "options.min_failure_duration"),
        ({"group_retention_duration": "30m"}, "options.group_retention_duration"),
        ({"group_retention_duration": "4d"}, "options.group_retention_duration"),
        ({"evaluation_delay": "soon"}, "options.evaluation_delay"),
        ({"thresholds": {"critical": 800, "critical_recovery": 900}}, "options.thresholds.critical_recovery"),
        ({"thresholds": {"critical": 800, "critical_recovery": 800}}, "options.thresholds.critical_recovery"),
        ({"thresholds": {"critical": 800, "warning": 900}}, "options.thresholds.warning"),
        (
            {"thresholds": {"critical": 800, "warning": 500, "warning_recovery": 600}},
            "options.thresholds.warning_recovery",
        ),
        ({"thresholds": {"critical": 700}}, "options.thresholds.critical"),
    ],
)
def test_bounded_values_fail_before_any_request(
    client: DatadogClient, dd_emulator: Any, options: dict[str, Any], field: str
) -> None:
    dd_emulator.reset_counts()
    with pytest.raises(DatadogError) as err:
        monitor.ensure(client, params(options={}, extra_options=options), True)
    assert field in str(err.value)
    assert raw(dd_emulator, "GET", "/lab/admin/counts")["counts"] == {}


@pytest.mark.parametrize(
    ("query", "thresholds"),
    [
        ("avg(last_5m):avg:my_metric{*} > 800", {"critical": 800, "critical_recovery": 700, "warning": 500}),
        ("avg(last_5m):avg:my_metric{*} >= 800", {"critical": 800, "warning": 800, "warning_recovery": 400}),
        ("avg(last_5m):avg:my_metric{*} < 10", {"critical": 10, "critical_recovery": 20, "warning": 15}),
        ("avg(last_5m):avg:my_metric{*} <= 10", {"critical": 10, "warning": 15, "warning_recovery": 30}),
        ("avg(last_5m):avg:my_metric{*} == 1", {"critical": 1, "critical_recovery": 5}),
    ],
)
def test_right_side_thresholds_are_accepted(query: str, thresholds: dict[str, float]) -> None:
    monitor.validate_monitor(monitor.desired_monitor(params(query=query, options={"thresholds": thresholds})))


def test_emulator_rejects_what_the_module_rejects(dd_emulator: Any) -> None:
    """The emulator's own implementation agrees (so a lenient module would be caught)."""
    bad = monitor.desired_monitor(params(options={}, extra_options={"timeout_h": 48}))
    request = urllib.request.Request(
        dd_emulator.url + "/api/v1/monitor/validate",
        data=json.dumps(bad).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "DD-API-KEY": dd_emulator.api_key,
            "DD-APPLICATION-KEY": dd_emulator.app_key,
        },
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)  # loopback emulator
    assert err.value.code == 400
    assert "timeout_h" in err.value.read().decode()
