"""The export form (module_utils/export.py) and the info modules' filters (module_utils/info.py)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import export, info, monitor
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError


def test_monitor_options_split_by_the_module_spec_and_defaults_left_out() -> None:
    known, extra = export.monitor_options(
        {
            "notify_audit": False,  # module default
            "include_tags": True,  # module default
            "new_host_delay": 300,  # Datadog adds it on every read
            "groupby_simple_monitor": False,  # Datadog adds it to log monitors
            "silenced": {"*": None},  # v1 mute state
            "no_data_timeframe": None,  # echoed null
            "escalation_message": "",  # module default
            "thresholds": {"critical": 800.0, "warning": None},
            "renotify_statuses": ["alert", "future-state"],  # not in the suboption's choices
            "on_missing_data": "resolve",
            "scheduling_options": {"evaluation_window": {"day_starts": "04:00"}},
        }
    )
    assert known == {"thresholds": {"critical": 800}, "on_missing_data": "resolve"}
    assert extra == {
        "renotify_statuses": ["alert", "future-state"],
        "scheduling_options": {"evaluation_window": {"day_starts": "04:00"}},
    }


def test_every_option_suboption_is_exported_under_options() -> None:
    spec = monitor.option_spec()["options"]["options"]
    assert set(spec) == set(export.monitor_option_specs())
    assert "thresholds" in spec and "scheduling_options" not in spec


def test_export_monitor_leaves_out_server_fields() -> None:
    item = export.export_monitor(
        {
            "id": 1,
            "org_id": 2,
            "name": "m",
            "type": "query alert",
            "query": "avg(last_5m):avg:x{*} > 1",
            "message": "",
            "tags": ["b", "a", "a"],
            "priority": None,
            "restricted_roles": None,
            "draft_status": "published",
            "options": {"notify_audit": False, "silenced": {}},
            "overall_state": "OK",
            "creator": {"handle": "x"},
            "created": "2025-01-01T00:00:00Z",
            "multi": False,
            "assets": [],
        }
    )
    assert item == {
        "name": "m",
        "type": "query alert",
        "query": "avg(last_5m):avg:x{*} > 1",
        "tags": ["a", "b"],
    }
    assert export.monitor_problem(item) is None


def test_monitor_problem_names_what_the_module_would_refuse() -> None:
    item = {"name": "m", "type": "metric alert", "query": "avg(last_5m):avg:x{*} > 1", "priority": 9}
    assert "priority" in (export.monitor_problem(item) or "")


def test_export_dashboard_strips_widget_ids_and_defaults() -> None:
    item = export.export_dashboard(
        {
            "id": "abc-def-ghi",
            "title": "t",
            "description": None,
            "layout_type": "ordered",
            "reflow_type": "auto",
            "url": "/dashboard/abc-def-ghi/t",
            "author_handle": "x",
            "template_variables": [],
            "notify_list": None,
            "restricted_roles": [],
            "widgets": [
                {
                    "id": 1,
                    "definition": {
                        "type": "group",
                        "layout_type": "ordered",
                        "widgets": [{"id": 2, "definition": {"type": "note", "content": "x"}}],
                    },
                }
            ],
        }
    )
    assert item == {
        "title": "t",
        "layout_type": "ordered",
        "widgets": [
            {
                "definition": {
                    "type": "group",
                    "layout_type": "ordered",
                    "widgets": [{"definition": {"type": "note", "content": "x"}}],
                }
            }
        ],
    }
    assert export.dashboard_problem(item) is None


def downtime_item(**attrs: Any) -> dict[str, Any]:
    base = {
        "message": "hello\n\n[ansible-name: nights]",
        "scope": "*",
        "display_timezone": "Europe/Paris",
        "monitor_identifier": {"monitor_id": 42},
        "notify_end_states": ["warn", "alert", "no data"],
        "notify_end_types": ["expired", "canceled"],
        "mute_first_recovery_notification": False,
        "schedule": {
            "timezone": "Europe/Paris",
            "recurrences": [
                {"rrule": "RRULE:FREQ=WEEKLY;BYDAY=TU,MO", "start": "2025-01-06T19:00:00", "duration": "14h"}
            ],
            "current_downtime": {"start": "x", "end": "y"},
        },
        "status": "scheduled",
        "created": "2025-01-01T00:00:00Z",
    }
    base.update(attrs)
    return {"id": "dt-1", "type": "downtime", "attributes": base}


def test_export_downtime_recurring() -> None:
    item = export.export_downtime(downtime_item())
    assert item == {
        "name": "nights",
        "monitor_id": 42,
        "downtime_message": "hello",
        "timezone": "Europe/Paris",
        "recurrences": [{"rrule": "FREQ=WEEKLY;BYDAY=MO,TU", "start": "2025-01-06T19:00", "duration": "14h"}],
    }
    assert export.downtime_problem(item) is None
    assert export.export_downtime(downtime_item(), monitor_names={42: "m"})["monitor"] == "m"
    assert "monitor_id" not in export.export_downtime(downtime_item(), monitor_names={42: "m"})


def test_export_downtime_one_time_in_utc_with_display_timezone() -> None:
    item = export.export_downtime(
        downtime_item(
            message="[ansible-name: upgrade]",
            monitor_identifier={"monitor_tags": ["team:b", "team:a"]},
            scope="host:db-1",
            notify_end_types=["expired"],
            mute_first_recovery_notification=True,
            schedule={"start": "2030-03-01T21:00:00.123456+00:00", "end": "2030-03-01T23:00:00+01:00"},
        )
    )
    assert item == {
        "name": "upgrade",
        "monitor_tags": ["team:a", "team:b"],
        "scope": "host:db-1",
        "timezone": "Europe/Paris",
        "start": "2030-03-01T21:00:00Z",
        "end": "2030-03-01T22:00:00Z",
        "notify_end_types": ["expired"],
        "mute_first_recovery_notification": True,
    }


@pytest.mark.parametrize(
    ("unnamed", "expected"),
    [
        ("adopt", {"id": "dt-1", "name": "downtime-dt-1"}),
        ("id", {"id": "dt-1"}),
        ("skip", None),
    ],
)
def test_unnamed_downtimes(unnamed: str, expected: dict[str, Any] | None) -> None:
    item = export.export_downtime(downtime_item(message="made in the UI"), unnamed=unnamed)
    if expected is None:
        assert item is None
    else:
        assert item is not None
        assert {k: item[k] for k in ("id", "name") if k in item} == expected
        assert item["downtime_message"] == "made in the UI"


def test_downtime_problem_names_a_rule_the_module_checks() -> None:
    item = export.export_downtime(
        downtime_item(
            schedule={
                "timezone": "UTC",
                "recurrences": [
                    {"rrule": "FREQ=WEEKLY;BYMONTHDAY=1", "start": "2025-01-01T00:00", "duration": "1h"}
                ],
            }
        )
    )
    assert "BYMONTHDAY" in (export.downtime_problem(item) or "")


class NoRequests(DatadogClient):
    """A client that fails the test if any request is made (bad filters fail before)."""

    def __init__(self) -> None:
        super().__init__(api_key="k", app_key="a", url="http://127.0.0.1:9")

    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no request expected")


@pytest.mark.parametrize(
    ("func", "params", "needle"),
    [
        (info.monitor_info, {"name": " x"}, "leading or trailing whitespace"),
        (info.monitor_info, {"tags": ["a", ""]}, "tags[1]"),
        (info.monitor_info, {"tags": ["a,b"]}, "tags[0]"),
        (info.monitor_info, {"id": 0}, "id must be a positive integer"),
        (info.dashboard_info, {"title": "x "}, "leading or trailing whitespace"),
        (info.dashboard_info, {"id": " "}, "id must not be empty"),
        (info.downtime_info, {"name": "a]b"}, "one line, no ']'"),
        (info.downtime_info, {"monitor_id": -1}, "monitor_id must be a positive integer"),
        (info.downtime_info, {"monitor_tags": [" team:a"]}, "monitor_tags[0]"),
    ],
)
def test_bad_filters_fail_before_any_request(func: Any, params: dict[str, Any], needle: str) -> None:
    with pytest.raises(DatadogError) as err:
        func(NoRequests(), params, False)
    assert needle in str(err.value)


def test_info_never_settles_race_copies() -> None:
    """The info functions switch the client to read-only: a lookup never deletes."""
    client = NoRequests()
    with pytest.raises(DatadogError):
        info.monitor_info(client, {"id": 0}, False)
    assert client.read_only is True
