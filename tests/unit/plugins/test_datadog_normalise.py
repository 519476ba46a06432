"""Normalisation of monitors, dashboards and downtimes: what the server adds must not be a change."""

from __future__ import annotations

import json

import pytest
import yaml
from ansible_collections.datadog_exercise.stack.plugins.module_utils import (
    dashboard,
    downtime,
    monitor,
    normalize,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from datadog_api_client.v1.model.monitor_type import MonitorType

TASK = {
    "name": "my_metric is high",
    "type": "metric alert",
    "query": "avg(last_5m):avg:my_metric{*} > 800",
    "notification_message": "my_metric is above 800 @ops@example.com\n",
    "tags": ["team:ops", "exercise:datadog", "team:ops"],
    "priority": None,
    "options": {
        "thresholds": {"critical": 800, "warning": 500},
        "notify_no_data": True,
        "no_data_timeframe": 10,
    },
    "extra_options": {},
}

SERVER = {
    "id": 42,
    "org_id": 1,
    "created": "2025-01-01T00:00:00+00:00",
    "modified": "2025-01-01T00:00:00+00:00",
    "creator": {"email": "x@example.com"},
    "overall_state": "OK",
    "multi": False,
    "name": "my_metric is high",
    "type": "query alert",
    "query": "avg(last_5m):avg:my_metric{*}  >  800",
    "message": "my_metric is above 800 @ops@example.com",
    "tags": ["exercise:datadog", "team:ops"],
    "priority": None,
    "options": {
        "thresholds": {"critical": 800.0, "warning": 500.0},
        "notify_no_data": True,
        "no_data_timeframe": 10,
        "notify_audit": False,
        "include_tags": True,
        "require_full_window": False,
        "new_host_delay": 300,
        "silenced": {},
        "renotify_interval": None,
        "escalation_message": "",
    },
}


def norm_pair(server: dict) -> tuple[dict, dict]:
    desired = monitor.desired_monitor(TASK)
    keys = monitor.managed_option_keys(desired)
    return monitor.normalise(server, keys, False), monitor.normalise(desired, keys, False)


def test_monitor_server_extras_are_not_a_change() -> None:
    before, after = norm_pair(SERVER)
    assert before == after
    assert after["tags"] == ["exercise:datadog", "team:ops"]
    assert after["options"] == {
        "thresholds": {"critical": 800, "warning": 500},
        "notify_no_data": True,
        "no_data_timeframe": 10,
    }


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("options", "renotify_interval"), 60),
        (("options", "include_tags"), False),
        (("options", "thresholds"), {"critical": 900.0, "warning": 500.0}),
        (("message",), "someone edited this"),
        (("tags",), ["team:ops"]),
    ],
)
def test_monitor_drift_is_detected(path: tuple, value: object) -> None:
    server = json.loads(json.dumps(SERVER))
    target = server
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    before, after = norm_pair(server)
    assert before != after


def test_monitor_desired_body_sends_defaults_explicitly() -> None:
    body = monitor.desired_monitor(TASK)
    assert body["options"]["include_tags"] is True
    assert body["options"]["renotify_interval"] is None
    assert body["tags"] == ["exercise:datadog", "team:ops"]


def test_monitor_types_match_installed_client() -> None:
    assert sorted(MonitorType.allowed_values) == monitor.MONITOR_TYPES


EXPORT = {
    "id": "abc-def-ghi",
    "title": "Exercise timeboard",
    "description": "",
    "author_handle": "me@example.com",
    "url": "/dashboard/abc-def-ghi/exercise-timeboard",
    "created_at": "2025-01-01T00:00:00.000000+00:00",
    "modified_at": "2025-01-01T00:00:00.000000+00:00",
    "layout_type": "ordered",
    "reflow_type": "auto",
    "notify_list": [],
    "template_variables": [],
    "widgets": [
        {"id": 1, "definition": {"type": "timeseries", "requests": [{"q": "avg:my_metric{*}"}]}},
        {
            "id": 2,
            "definition": {
                "type": "group",
                "layout_type": "ordered",
                "widgets": [{"id": 3, "definition": {"type": "note", "content": "hi"}}],
            },
        },
    ],
}


def test_dashboard_export_as_json_or_yaml_equals_structured() -> None:
    structured = dashboard.desired_dashboard(
        {
            "title": "Exercise timeboard",
            "layout_type": "ordered",
            "widgets": [
                {"definition": {"type": "timeseries", "requests": [{"q": "avg:my_metric{*}"}]}},
                {
                    "definition": {
                        "type": "group",
                        "layout_type": "ordered",
                        "widgets": [{"definition": {"type": "note", "content": "hi"}}],
                    }
                },
            ],
        }
    )
    from_json = dashboard.desired_dashboard({"definition": json.dumps(EXPORT)})
    from_yaml = dashboard.desired_dashboard({"definition": yaml.safe_dump(EXPORT)})
    assert "id" not in from_json and "url" not in from_json
    assert dashboard.normalise(from_json) == dashboard.normalise(structured) == dashboard.normalise(from_yaml)
    assert dashboard.normalise(EXPORT) == dashboard.normalise(structured)


def test_dashboard_options_override_the_document() -> None:
    got = dashboard.desired_dashboard({"definition": EXPORT, "title": "Renamed"})
    assert got["title"] == "Renamed"


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"definition": "[1, 2]"}, "must be a mapping"),
        ({"definition": "{not: [valid"}, "neither JSON nor YAML"),
        ({"layout_type": "ordered"}, "title is required"),
        ({"title": "t"}, "layout_type must be 'ordered' or 'free'"),
    ],
)
def test_dashboard_bad_input(params: dict, needle: str) -> None:
    with pytest.raises(DatadogError, match=needle):
        dashboard.desired_dashboard(params)


def test_dashboard_url_is_made_absolute() -> None:
    assert dashboard.dashboard_url("https://api.datadoghq.eu", EXPORT) == (
        "https://app.datadoghq.eu/dashboard/abc-def-ghi/exercise-timeboard"
    )


def test_downtime_name_is_stored_as_last_message_line() -> None:
    text = downtime.compose_message("Out of hours @ops@example.com\n", "weekday-nights")
    assert text == "Out of hours @ops@example.com\n\n[ansible-name: weekday-nights]"
    assert downtime.split_message(text) == ("Out of hours @ops@example.com", "weekday-nights")
    assert downtime.split_message("[ansible-name: weekends]") == ("", "weekends")
    assert downtime.split_message("no marker") == ("no marker", None)


def test_downtime_server_defaults_are_not_a_change() -> None:
    params = {
        "name": "weekends",
        "monitor_id": 42,
        "scope": "*",
        "timezone": "UTC",
        "recurrences": [{"days": ["sat", "sun"], "all_day": True}],
    }
    attrs, sched = downtime.desired_attributes(params)
    server = dict(
        attrs,
        status="scheduled",
        created="2025-01-01T00:00:00Z",
        display_timezone="UTC",
        notify_end_states=["warn", "alert", "no data"],
        monitor_identifier={"monitor_id": 42},
        schedule={
            "timezone": "UTC",
            "current_downtime": {},
            "recurrences": [
                {"rrule": "FREQ=WEEKLY;BYDAY=SA,SU", "start": "2024-06-01T00:00", "duration": "24h"}
            ],
        },
    )
    assert downtime.normalise(server, sched) == downtime.normalise(attrs, sched)
    server["mute_first_recovery_notification"] = True
    assert downtime.normalise(server, sched) != downtime.normalise(attrs, sched)


@pytest.mark.parametrize("name", ["", "a]b", "two\nlines"])
def test_downtime_bad_names(name: str) -> None:
    with pytest.raises(DatadogError, match="name"):
        downtime.check_name(name)


@pytest.mark.parametrize("name", [" x", "x ", "x\n", "\tx"])
def test_natural_keys_with_surrounding_whitespace_are_refused_for_all_three(name: str) -> None:
    """Issue 14 item 11: one rule for monitor names, dashboard titles and downtime names."""
    with pytest.raises(DatadogError, match=r"name .* leading or trailing whitespace"):
        monitor.validate_monitor(monitor.desired_monitor(dict(TASK, name=name)))
    with pytest.raises(DatadogError, match=r"title .* leading or trailing whitespace"):
        dashboard.desired_dashboard({"title": name, "layout_type": "ordered"})
    with pytest.raises(DatadogError, match="name"):
        downtime.check_name(name)


def test_lookup_ignores_whitespace_around_server_names_but_comparison_does_not() -> None:
    assert normalize.key_matches(" x ", "x") and normalize.key_matches("x", "x")
    assert not normalize.key_matches("x y", "x") and not normalize.key_matches(None, "x")
    padded = dict(SERVER, name="my_metric is high ")
    before, after = norm_pair(padded)
    assert before["name"] != after["name"]  # a whitespace-only rename is a change


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"title": "t", "layout_type": "free", "widgets": [{"definition": {"type": "note", "content": "x"}}]},
         r"widgets\[0\]\.layout is required"),
        ({"title": "t", "layout_type": "ordered", "template_variables": [{"name": "h", "defaults": [""]}]},
         r"template_variables\[0\]\.defaults\[0\] must be a non-empty string"),
    ],
)  # fmt: skip
def test_dashboard_rules_beyond_the_schema(params: dict, needle: str) -> None:
    """Issue 14 item 9: what the server refuses beyond the client's schema fails before a request."""
    body = dashboard.desired_dashboard(params)
    with pytest.raises(DatadogError, match=needle):
        dashboard.check_rules(body, "dashboard 't'")


def test_monitor_definition_yaml_and_overrides() -> None:
    doc = yaml.safe_dump(
        {"id": 7, "name": "n", "type": "query alert", "query": "avg(last_5m):avg:a{*} > 1",
         "message": "m", "tags": ["b", "a"], "options": {"thresholds": {"critical": 1}, "silenced": {}},
         "overall_state": "OK", "draft_status": "draft", "assets": []}
    )  # fmt: skip
    body = monitor.desired_monitor({"definition": doc, "options": {"notify_no_data": True}, "tags": None})
    assert body["name"] == "n" and body["tags"] == ["a", "b"] and body["draft_status"] == "draft"
    assert body["options"]["thresholds"] == {"critical": 1} and body["options"]["notify_no_data"] is True
    assert "silenced" not in body["options"] and "id" not in body
