"""The emulator is as strict as Datadog where the issue found it lax (issue 16, section 4).

- template-variable presets that set both ``value`` and ``values`` are a 400, like
  ``default``+``defaults`` on template variables (recorded: "'template_variables' is invalid");
- a malformed path id is a 400 (bad parameter), not a 404: only a well-formed id that names
  nothing is "not found" (recorded 404s all use well-formed ids: monitor 0/12345, downtime 0,
  UUID 00000000-0000-1234-0000-000000000000, dashboards abc-def-ghi shaped);
- ``/api/v2/events`` create (202) and list, shaped as the client's recorded cassettes.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from dd_emulator import Emulator
from helpers import call

DASH = {
    "title": "Presets",
    "layout_type": "ordered",
    "widgets": [{"definition": {"type": "note", "content": "x"}}],
    "template_variables": [{"name": "env", "prefix": "env", "available_values": ["a", "b"]}],
}


def _presets(variable: dict[str, Any]) -> dict[str, Any]:
    return {
        **DASH,
        "template_variable_presets": [{"name": "p", "template_variables": [{"name": "env", **variable}]}],
    }


@pytest.mark.parametrize(
    ("variable", "status"),
    [({"values": ["a"]}, 200), ({"value": "a"}, 200), ({"value": "a", "values": ["a"]}, 400)],
)
def test_preset_value_and_values_are_alternatives(
    dd_emulator: Emulator, variable: dict[str, Any], status: int
) -> None:
    answer = call(dd_emulator, "POST", "/api/v1/dashboard", _presets(variable))
    assert answer.status == status, answer.body
    if status == 400:
        assert answer.body == {"errors": ["'template_variable_presets' is invalid"]}
        assert call(dd_emulator, "GET", "/api/v1/dashboard").body["dashboards"] == []


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    [
        ("GET", "/api/v1/dashboard/not-a-dashboard", "dashboard_id"),
        ("PUT", "/api/v1/dashboard/ABC-DEF-GHI", "dashboard_id"),
        ("DELETE", "/api/v1/dashboard/abc", "dashboard_id"),
        ("GET", "/api/v1/monitor/abc", "monitor_id"),
        ("PUT", "/api/v1/monitor/-1", "monitor_id"),
        ("DELETE", "/api/v1/monitor/1.5", "monitor_id"),
        ("POST", "/api/v1/monitor/x/validate", "monitor_id"),
        ("GET", "/api/v2/downtime/not-a-uuid", "downtime_id"),
        ("PATCH", "/api/v2/downtime/1234", "downtime_id"),
        ("DELETE", "/api/v2/downtime/zzzzzzzz-0000-1234-0000-000000000000", "downtime_id"),
        ("GET", "/api/v2/monitor/abc/downtime_matches", "monitor_id"),
        ("GET", "/api/v1/downtime/abc", "downtime_id"),
        ("PUT", "/api/v1/downtime/1e3", "downtime_id"),
        ("DELETE", "/api/v1/downtime/abc", "downtime_id"),
        ("GET", "/api/v1/monitor/abc/downtimes", "monitor_id"),
    ],
)
def test_malformed_id_is_a_bad_request(dd_emulator: Emulator, method: str, path: str, parameter: str) -> None:
    body = {"message": "x"} if method in ("PUT", "PATCH", "POST") else None
    answer = call(dd_emulator, method, path, body)
    assert answer.status == 400, answer.body
    assert answer.body["errors"][0].startswith(f"The value provided for parameter '{parameter}' is invalid")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/dashboard/abc-def-ghi", "Dashboard with ID abc-def-ghi not found"),
        ("/api/v1/monitor/0", "Monitor not found"),
        ("/api/v2/downtime/00000000-0000-1234-0000-000000000000", "Downtime not found"),
        ("/api/v1/downtime/0", "Downtime not found"),
    ],
)
def test_well_formed_unknown_id_is_not_found(dd_emulator: Emulator, path: str, message: str) -> None:
    answer = call(dd_emulator, "GET", path)
    assert (answer.status, answer.body) == (404, {"errors": [message]})


def test_bulk_delete_refuses_malformed_ids(dd_emulator: Emulator) -> None:
    body = {"data": [{"type": "dashboard", "id": "nope"}]}
    answer = call(dd_emulator, "DELETE", "/api/v1/dashboard", body)
    assert answer.status == 400
    assert "'data.id'" in answer.body["errors"][0]


CHANGE_EVENT = {
    "data": {
        "type": "event",
        "attributes": {
            "title": "payments flag updated",
            "message": "fallback_payments_test enabled",
            "category": "change",
            "host": "lab-host",
            "tags": ["env:lab"],
            "aggregation_key": "flag-1",
            "integration_id": "custom-events",
            "attributes": {
                "changed_resource": {"name": "fallback_payments_test", "type": "feature_flag"},
                "author": {"name": "lab@example.com", "type": "user"},
            },
        },
    }
}


def test_v2_event_create_then_list(dd_emulator: Emulator) -> None:
    assert call(dd_emulator, "GET", "/api/v2/events").body == {"data": []}  # recorded empty answer
    created = call(dd_emulator, "POST", "/api/v2/events", CHANGE_EVENT)
    assert created.status == 202, created.body
    data = created.body["data"]
    assert (data["id"], data["type"]) == ("_", "event")
    evt = data["attributes"]["attributes"]["evt"]
    assert set(evt) == {"id", "uid"} and evt["id"].isdigit()
    assert created.body["links"]["self"].endswith(f"/event/event?uid={evt['uid']}")
    listed = call(dd_emulator, "GET", "/api/v2/events?filter[query]=env:lab&page[limit]=5")
    assert listed.status == 200
    assert set(listed.body) == {"meta", "data", "links"}
    item = listed.body["data"][0]
    assert item["type"] == "event"
    assert set(item["attributes"]) == {"attributes", "message", "tags", "timestamp"}
    assert item["attributes"]["attributes"]["evt"]["id"] == evt["id"]
    assert item["attributes"]["attributes"]["title"] == "payments flag updated"
    assert item["attributes"]["message"] == "fallback_payments_test enabled"
    after = listed.body["meta"]["page"]["after"]
    assert f"page%5Bcursor%5D={after}" in listed.body["links"]["next"]
    assert call(dd_emulator, "GET", f"/api/v2/events?page[cursor]={after}").body == {"data": []}
    assert call(dd_emulator, "GET", "/api/v2/events?filter[query]=env:other").body == {"data": []}
    assert call(dd_emulator, "GET", "/api/v1/events?start=0&end=9999999999").body["events"][0]["title"] == (
        "payments flag updated"
    )  # one event stream for both API versions


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"category": "nope"}, "'nope' is not one of"),
        ({"title": ""}, "Minimum length of parameter 'title' should be 1"),
        ({"tags": []}, "Minimum number of elements in parameter 'tags' should be 1"),
        ({"timestamp": "2001-01-01T00:00:00Z"}, "Event too far in the past"),
        ({"unknown": 1}, "Additional properties are not allowed ('unknown' was unexpected)"),
    ],
)
def test_v2_event_create_refuses_bad_bodies(
    dd_emulator: Emulator, change: dict[str, Any], fragment: str
) -> None:
    body = {"data": {**CHANGE_EVENT["data"], "attributes": {**CHANGE_EVENT["data"]["attributes"], **change}}}
    answer = call(dd_emulator, "POST", "/api/v2/events", body)
    assert answer.status == 400, answer.body
    assert fragment in " ".join(answer.body["errors"])
    assert call(dd_emulator, "GET", "/api/v2/events").body == {"data": []}


@pytest.mark.parametrize(
    "query",
    ["sort=newest", "page[limit]=1001", "page[limit]=0", "filter[from]=yesterday", "page[cursor]=%%%"],
)
def test_v2_event_list_refuses_bad_parameters(dd_emulator: Emulator, query: str) -> None:
    assert call(dd_emulator, "GET", f"/api/v2/events?{query}").status == 400


def test_v2_event_list_window_and_sort(dd_emulator: Emulator) -> None:
    for title in ("first", "second"):
        body = {
            "data": {
                **CHANGE_EVENT["data"],
                "attributes": {**CHANGE_EVENT["data"]["attributes"], "title": title},
            }
        }
        assert call(dd_emulator, "POST", "/api/v2/events", body).status == 202
        time.sleep(0.01)
    old = call(dd_emulator, "GET", "/api/v2/events?filter[from]=now-2d&filter[to]=now-1d").body
    assert old == {"data": []}
    ordered = call(dd_emulator, "GET", "/api/v2/events?sort=-timestamp").body["data"]
    assert [e["attributes"]["attributes"]["title"] for e in ordered][:2] in (
        ["second", "first"],
        ["first", "second"],
    )
    assert all(isinstance(e["id"], str) for e in ordered)
