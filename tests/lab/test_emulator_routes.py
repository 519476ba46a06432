"""Every emulated route, with its error paths, over raw HTTP."""

from __future__ import annotations

import time

import pytest
from helpers import call

DASH = {
    "title": "Exercise board",
    "layout_type": "ordered",
    "widgets": [
        {"definition": {"type": "timeseries", "requests": [{"q": "avg:my_metric{host:web-1}"}]}},
        {
            "definition": {
                "type": "group",
                "layout_type": "ordered",
                "widgets": [{"definition": {"type": "note", "content": "hello"}}],
            }
        },
    ],
}
MON = {
    "name": "my_metric high",
    "type": "metric alert",
    "query": "avg(last_5m):avg:my_metric{host:web-1} by {host} > 800",
    "message": "high @ops",
    "tags": ["team:exercise"],
    "options": {"thresholds": {"critical": 800, "warning": 500}},
}


def downtime(**attributes):
    base = {"scope": "env:lab", "monitor_identifier": {"monitor_tags": ["team:exercise"]}}
    return {"data": {"type": "downtime", "attributes": {**base, **attributes}}}


# -- auth ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [{}, {"DD-API-KEY": "wrong", "DD-APPLICATION-KEY": "lab-app-key"}, {"DD-API-KEY": "lab-api-key"}],
)
def test_forbidden_without_both_keys(dd_emulator, headers) -> None:
    answer = call(dd_emulator, "GET", "/api/v1/dashboard", keys=False, headers=headers)
    assert (answer.status, answer.body) == (403, {"errors": ["Forbidden"]})


def test_validate_needs_only_the_api_key(dd_emulator) -> None:
    assert call(
        dd_emulator, "GET", "/api/v1/validate", keys=False, headers={"DD-API-KEY": "lab-api-key"}
    ).body == {"valid": True}
    assert call(dd_emulator, "GET", "/api/v1/validate", keys=False, headers={"DD-API-KEY": "x"}).status == 403


def test_unknown_route_and_method(dd_emulator) -> None:
    assert call(dd_emulator, "GET", "/api/v1/nothing").status == 404
    assert call(dd_emulator, "PUT", "/api/v1/monitor").status == 405
    bad = call(dd_emulator, "POST", "/api/v1/monitor", headers={}, body=None)
    assert bad.status == 400


# -- dashboards ------------------------------------------------------------------------------
def test_dashboard_lifecycle(dd_emulator) -> None:
    created = call(dd_emulator, "POST", "/api/v1/dashboard", DASH).body
    group = created["widgets"][1]
    assert isinstance(group["id"], int)
    assert isinstance(group["definition"]["widgets"][0]["id"], int)
    assert created["url"] == f"/dashboard/{created['id']}/exercise-board"
    assert created["restricted_roles"] == [] and created["description"] is None
    dash_id = created["id"]
    assert call(dd_emulator, "GET", f"/api/v1/dashboard/{dash_id}").body == created
    put = call(
        dd_emulator, "PUT", f"/api/v1/dashboard/{dash_id}", {**DASH, "title": "New", "tags": ["team:x"]}
    )
    assert put.status == 200 and put.body["title"] == "New" and put.body["tags"] == ["team:x"]
    assert put.body["created_at"] == created["created_at"]
    second = call(dd_emulator, "POST", "/api/v1/dashboard", DASH).body
    listed = call(dd_emulator, "GET", "/api/v1/dashboard").body["dashboards"]
    assert [d["id"] for d in listed] == [dash_id, second["id"]]
    assert set(listed[0]) == {
        "id", "title", "description", "layout_type", "url", "is_read_only",
        "created_at", "modified_at", "author_handle", "deleted_at",
    }  # fmt: skip
    paged = call(dd_emulator, "GET", "/api/v1/dashboard?count=1&start=1").body["dashboards"]
    assert [d["id"] for d in paged] == [second["id"]]
    assert call(dd_emulator, "GET", "/api/v1/dashboard?filter%5Bshared%5D=true").body == {"dashboards": []}
    assert call(dd_emulator, "DELETE", f"/api/v1/dashboard/{dash_id}").body == {
        "deleted_dashboard_id": dash_id
    }
    deleted = call(dd_emulator, "GET", "/api/v1/dashboard?filter%5Bdeleted%5D=true").body["dashboards"]
    assert [d["id"] for d in deleted] == [dash_id] and deleted[0]["deleted_at"]
    for method in ("GET", "DELETE"):
        answer = call(dd_emulator, method, f"/api/v1/dashboard/{dash_id}")
        assert answer.body == {"errors": [f"Dashboard with ID {dash_id} not found"]}
    assert call(dd_emulator, "PUT", f"/api/v1/dashboard/{dash_id}", DASH).status == 404
    restore = {"data": [{"id": dash_id, "type": "dashboard"}]}
    assert call(dd_emulator, "PATCH", "/api/v1/dashboard", restore).status == 204
    assert call(dd_emulator, "GET", f"/api/v1/dashboard/{dash_id}").status == 200
    assert call(dd_emulator, "PATCH", "/api/v1/dashboard", restore).status == 404
    bulk = {"data": [{"id": dash_id, "type": "dashboard"}, {"id": second["id"], "type": "dashboard"}]}
    assert call(dd_emulator, "DELETE", "/api/v1/dashboard", bulk).status == 204
    assert call(dd_emulator, "GET", "/api/v1/dashboard").body == {"dashboards": []}
    assert call(dd_emulator, "DELETE", "/api/v1/dashboard", bulk).status == 404


def test_put_leaves_out_means_lost_as_at_datadog(dd_emulator) -> None:
    """Omitted fields on update, as recorded: a dashboard PUT replaces the whole dashboard
    (``restricted_roles`` left out comes back ``[]``); a monitor PUT keeps omitted top-level fields
    but replaces ``options`` as a whole (cassette test_edit_a_monitor_returns_ok_response)."""
    role = "00000000-0000-0000-0000-000000000001"
    dash = call(
        dd_emulator, "POST", "/api/v1/dashboard", {**DASH, "restricted_roles": [role], "tags": ["team:x"]}
    )
    assert dash.body["restricted_roles"] == [role]
    put = call(dd_emulator, "PUT", f"/api/v1/dashboard/{dash.body['id']}", {**DASH, "description": "new"})
    assert put.body["restricted_roles"] == [] and "tags" not in put.body
    mon = call(
        dd_emulator, "POST", "/api/v1/monitor", {**MON, "options": {**MON["options"], "new_group_delay": 60}}
    )
    mid = mon.body["id"]
    put = call(dd_emulator, "PUT", f"/api/v1/monitor/{mid}", {"options": {"thresholds": {"critical": 800}}})
    assert "new_group_delay" not in put.body["options"]
    assert put.body["tags"] == MON["tags"] and put.body["message"] == MON["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "x", "widgets": []}, "'layout_type' is a required property"),
        ({**DASH, "layout_type": "grid"}, "'grid' is not one of ['free', 'ordered'] at 'layout_type'"),
        (
            {**DASH, "widgets": [{"definition": {"type": "nope"}}]},
            "Invalid widget definition at 'widgets[0].definition': "
            "type 'nope' is unknown or its fields are invalid",
        ),
        (
            {
                **DASH,
                "widgets": [{"definition": {"type": "timeseries", "requests": [{"q": "a", "bogus": 1}]}}],
            },
            "Additional properties are not allowed ('bogus' was unexpected)",
        ),
        (
            {
                **DASH,
                "template_variables": [{"name": "h", "prefix": "host", "default": "a", "defaults": ["a"]}],
            },
            "'template_variables' is invalid",
        ),
        (
            {**DASH, "template_variables": [{"name": "h", "prefix": "host", "defaults": [""]}]},
            "Minimum length of parameter 'defaults' should be 1",
        ),
        ({**DASH, "layout_type": "free"}, "'layout' is a required property (widgets[0], free layout)"),
        ({**DASH, "title": 5}, None),
    ],
)
def test_dashboard_rejections(dd_emulator, body, message) -> None:
    answer = call(dd_emulator, "POST", "/api/v1/dashboard", body)
    assert answer.status == 400
    if message:
        assert answer.body == {"errors": [message]}
    assert call(dd_emulator, "GET", "/api/v1/dashboard").body == {"dashboards": []}


# -- monitors --------------------------------------------------------------------------------
def test_monitor_lifecycle(dd_emulator) -> None:
    created = call(dd_emulator, "POST", "/api/v1/monitor", MON).body
    assert created["type"] == "query alert" and created["multi"] is True
    assert created["options"]["thresholds"] == {"critical": 800.0, "warning": 500.0}
    assert created["options"]["silenced"] == {} and created["options"]["notify_no_data"] is False
    assert created["overall_state"] == "No Data" and created["deleted"] is None
    assert created["created_at"] % 1000 == 0
    mid = created["id"]
    got = call(dd_emulator, "GET", f"/api/v1/monitor/{mid}?with_downtimes=true").body
    assert got["matching_downtimes"] == []
    assert call(dd_emulator, "GET", f"/api/v1/monitor/{mid}?group_states=bogus").body == {
        "errors": ["Invalid group_state filters."]
    }
    put = call(dd_emulator, "PUT", f"/api/v1/monitor/{mid}", {"options": {"thresholds": {"critical": 800}}})
    assert put.body["options"]["thresholds"] == {"critical": 800.0}  # options are replaced, not merged
    assert put.body["name"] == MON["name"]
    bad_type = call(dd_emulator, "PUT", f"/api/v1/monitor/{mid}", {"type": "log alert"})
    assert bad_type.status == 400
    other = call(dd_emulator, "POST", "/api/v1/monitor", {**MON, "name": "other", "tags": []}).body
    assert [m["id"] for m in call(dd_emulator, "GET", "/api/v1/monitor").body] == [mid, other["id"]]
    assert [m["id"] for m in call(dd_emulator, "GET", "/api/v1/monitor?name=OTHER").body] == [other["id"]]
    assert [m["id"] for m in call(dd_emulator, "GET", "/api/v1/monitor?monitor_tags=team:exercise").body] == [
        mid
    ]
    assert [m["id"] for m in call(dd_emulator, "GET", "/api/v1/monitor?tags=host:web-1").body] == [
        mid,
        other["id"],
    ]
    assert [m["id"] for m in call(dd_emulator, "GET", "/api/v1/monitor?page=1&page_size=1").body] == [
        other["id"]
    ]
    assert call(dd_emulator, "GET", "/api/v1/monitor?page_size=5000").status == 400
    search = call(dd_emulator, "GET", "/api/v1/monitor/search?query=tag:team:exercise").body
    assert [m["id"] for m in search["monitors"]] == [mid]
    assert search["metadata"] == {"total_count": 1, "page_count": 1, "page": 0, "per_page": 30}
    composite = call(
        dd_emulator,
        "POST",
        "/api/v1/monitor",
        {"name": "c", "type": "composite", "query": f"{mid} && {other['id']}"},
    ).body
    assert composite["type"] == "composite"
    can = call(dd_emulator, "GET", f"/api/v1/monitor/can_delete?monitor_ids={mid},{composite['id']}")
    assert (
        can.status == 409 and can.body["data"]["ok"] == [composite["id"]] and str(mid) in can.body["errors"]
    )
    assert call(dd_emulator, "GET", "/api/v1/monitor/can_delete?monitor_ids=1").status == 404
    assert call(dd_emulator, "GET", "/api/v1/monitor/can_delete").status == 400
    assert call(dd_emulator, "DELETE", f"/api/v1/monitor/{mid}").status == 400  # referenced by the composite
    assert call(dd_emulator, "DELETE", f"/api/v1/monitor/{mid}?force=true").body == {
        "deleted_monitor_id": mid
    }
    for method, body in (("GET", None), ("PUT", {"name": "x"}), ("DELETE", None)):
        answer = call(dd_emulator, method, f"/api/v1/monitor/{mid}", body)
        assert (answer.status, answer.body) == (404, {"errors": ["Monitor not found"]})


def test_monitor_validate_endpoints(dd_emulator) -> None:
    assert call(dd_emulator, "POST", "/api/v1/monitor/validate", MON).body == {}
    assert call(dd_emulator, "POST", "/api/v1/monitor/validate", {**MON, "query": "nonsense"}).status == 400
    created = call(dd_emulator, "POST", "/api/v1/monitor", MON).body
    assert call(dd_emulator, "POST", f"/api/v1/monitor/{created['id']}/validate", MON).body == {}
    assert call(dd_emulator, "POST", "/api/v1/monitor/42/validate", MON).status == 404
    assert dd_emulator.writes() == 1  # only the create


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"query": "avg(last_5m):avg:my_metric{*}"}, "invalid operator specified"),
        ({"query": "avg(last_5m):avg:my_metric{* > 1"}, "unbalanced"),
        ({"options": {"thresholds": {"critical": 900}}}, "Alert threshold (900.0) does not match"),
        ({"options": {"thresholds": {"critical": 800, "warning": 900}}}, "warning threshold"),
        ({"type": "metric-alert"}, "is not one of"),
        ({"type": "service check", "query": "avg(last_5m):avg:a{*} > 1"}, "is invalid"),
        ({"type": "composite", "query": "1 && 2"}, "not found"),
        ({"query": None}, None),
        ({"options": {"thresholds": {"critical": "high"}}}, "options.thresholds.critical"),
        # documented bounds (MonitorOptions in the API reference)
        ({"options": {"thresholds": {"critical": 800}, "timeout_h": 25}}, "options.timeout_h"),
        ({"options": {"thresholds": {"critical": 800}, "evaluation_delay": -1}}, "options.evaluation_delay"),
        ({"options": {"thresholds": {"critical": 800}, "new_group_delay": -1}}, "options.new_group_delay"),
        ({"options": {"thresholds": {"critical": 800}, "no_data_timeframe": 0}}, "options.no_data_timeframe"),
        (
            {"options": {"thresholds": {"critical": 800}, "renotify_interval": -1}},
            "options.renotify_interval",
        ),
        (
            {"options": {"thresholds": {"critical": 800}, "group_retention_duration": "5d"}},
            "options.group_retention_duration",
        ),
        ({"options": {"thresholds": {"critical": 800, "critical_recovery": 800}}}, "critical_recovery"),
        (
            {"options": {"thresholds": {"critical": 800, "warning": 500, "warning_recovery": 700}}},
            "warning_recovery",
        ),
    ],
)
def test_monitor_rejections(dd_emulator, changes, message) -> None:
    body = {k: v for k, v in {**MON, **changes}.items() if v is not None}
    answer = call(dd_emulator, "POST", "/api/v1/monitor", body)
    assert answer.status == 400
    if message:
        assert message in answer.body["errors"][0]
    assert call(dd_emulator, "GET", "/api/v1/monitor").body == []


def test_log_and_service_check_monitors(dd_emulator) -> None:
    log = call(
        dd_emulator,
        "POST",
        "/api/v1/monitor",
        {
            "name": "l",
            "type": "log alert",
            "query": 'logs("service:web").index("*").rollup("count").last("5m") > 2',
        },
    ).body
    assert log["options"]["groupby_simple_monitor"] is False and log["multi"] is False
    check = {
        "name": "s",
        "type": "service check",
        "query": '"datadog.agent.up".over("*").by("host").last(2).count_by_status()',
    }
    assert call(dd_emulator, "POST", "/api/v1/monitor", check).status == 200


# -- downtimes -------------------------------------------------------------------------------
def test_downtime_lifecycle(dd_emulator) -> None:
    mon = call(dd_emulator, "POST", "/api/v1/monitor", MON).body
    created = call(dd_emulator, "POST", "/api/v2/downtime", downtime(message="maintenance")).body
    attrs = created["data"]["attributes"]
    assert attrs["status"] == "active" and attrs["canceled"] is None and attrs["display_timezone"] == "UTC"
    assert attrs["notify_end_types"] == ["expired"] and attrs["schedule"]["end"] is None
    assert created["included"][0]["type"] == "users"
    assert created["data"]["relationships"]["monitor"] == {"data": None}
    dt_id = created["data"]["id"]
    got = call(dd_emulator, "GET", f"/api/v2/downtime/{dt_id}").body
    assert set(got) == {"data"} and "relationships" not in got["data"]
    assert (
        "relationships"
        in call(dd_emulator, "GET", f"/api/v2/downtime/{dt_id}?include=created_by").body["data"]
    )
    matches = call(dd_emulator, "GET", f"/api/v2/monitor/{mon['id']}/downtime_matches").body
    assert [m["id"] for m in matches["data"]] == [dt_id]
    assert matches["meta"] == {"page": {"total_filtered_count": 1}}
    with_dt = call(dd_emulator, "GET", f"/api/v1/monitor/{mon['id']}?with_downtimes=true").body
    assert with_dt["matching_downtimes"][0]["scope"] == ["env:lab"]
    start = "2030-01-01T10:00:00+00:00"
    patch = {"data": {"id": dt_id, "type": "downtime", "attributes": {"schedule": {"start": start}}}}
    patched = call(dd_emulator, "PATCH", f"/api/v2/downtime/{dt_id}", patch).body["data"]["attributes"]
    assert patched["status"] == "scheduled" and patched["message"] == "maintenance"
    assert patched["schedule"]["start"] == start
    wrong_id = {"data": {"id": "other", "type": "downtime", "attributes": {"message": "x"}}}
    assert call(dd_emulator, "PATCH", f"/api/v2/downtime/{dt_id}", wrong_id).status == 400
    unknown = {"data": {"id": dt_id, "type": "downtime", "attributes": {"invalid_field": "x"}}}
    assert call(dd_emulator, "PATCH", f"/api/v2/downtime/{dt_id}", unknown).body == {
        "errors": ["Additional properties are not allowed ('invalid_field' was unexpected)"]
    }
    second = call(dd_emulator, "POST", "/api/v2/downtime", downtime()).body["data"]["id"]
    page = call(dd_emulator, "GET", "/api/v2/downtime?page%5Blimit%5D=1&page%5Boffset%5D=1").body
    assert [d["id"] for d in page["data"]] == [second] and page["meta"]["page"]["total_filtered_count"] == 2
    assert call(dd_emulator, "DELETE", f"/api/v2/downtime/{dt_id}").status == 204
    assert call(dd_emulator, "DELETE", f"/api/v2/downtime/{dt_id}").status == 204
    listed = call(dd_emulator, "GET", "/api/v2/downtime").body["data"]
    assert [d["attributes"]["status"] for d in listed] == ["canceled", "active"]
    assert [d["id"] for d in call(dd_emulator, "GET", "/api/v2/downtime?current_only=true").body["data"]] == [
        second
    ]
    missing = "00000000-0000-1234-0000-000000000000"
    assert call(dd_emulator, "GET", f"/api/v2/downtime/{missing}").status == 404
    assert call(dd_emulator, "DELETE", f"/api/v2/downtime/{missing}").body == {
        "errors": [f"Downtime {missing} not found"]
    }
    patch_missing = {"data": {"id": missing, "type": "downtime", "attributes": {"message": "x"}}}
    assert call(dd_emulator, "PATCH", f"/api/v2/downtime/{missing}", patch_missing).body == {
        "errors": ["Downtime not found"]
    }
    assert call(dd_emulator, "GET", "/api/v2/monitor/0/downtime_matches").body == {
        "errors": ["Monitor with id 0 not found"]
    }


def test_recurring_downtime(dd_emulator) -> None:
    schedule = {
        "timezone": "America/New_York",
        "recurrences": [{"rrule": "FREQ=DAILY;INTERVAL=1", "duration": "1h", "start": "2024-01-01T02:00"}],
    }
    answer = call(
        dd_emulator,
        "POST",
        "/api/v2/downtime",
        downtime(display_timezone="America/New_York", schedule=schedule),
    )
    attrs = answer.body["data"]["attributes"]
    current = attrs["schedule"]["current_downtime"]
    assert attrs["schedule"]["timezone"] == "America/New_York"
    assert attrs["status"] in ("active", "scheduled")
    assert current["start"] < current["end"]


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"scope": "BAD_SCOPE_MISSING_KEY_VALUE_FORMAT"}, "All values must have a key"),
        (
            {"display_timezone": "UTC", "schedule": {"timezone": "Europe/Paris", "recurrences": [
                {"rrule": "FREQ=DAILY", "duration": "1h"}]}},
            "timezone must match display_timezone",
        ),
        ({"schedule": {"recurrences": [{"rrule": "DTSTART:20240101T000000Z;FREQ=DAILY", "duration": "1h"}]}},
         "DTSTART"),
        ({"schedule": {"recurrences": [{"rrule": "FREQ=SOMETIMES", "duration": "1h"}]}}, "Invalid RRULE"),
        ({"schedule": {"recurrences": [{"rrule": "FREQ=DAILY", "duration": "1 hour"}]}}, "Invalid duration"),
        ({"schedule": {"recurrences": [
            {"rrule": "FREQ=DAILY", "duration": "1h", "start": "2024-01-01T00:00+02:00"}]}},
         "without UTC offset"),
        ({"schedule": {"start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}}, "after its start"),
        ({"display_timezone": "Mars/Olympus"}, "Invalid timezone"),
        ({"notify_end_states": ["sometimes"]}, "is not one of"),
        ({"monitor_identifier": {"monitor_id": "abc"}}, None),
    ],
)  # fmt: skip
def test_downtime_rejections(dd_emulator, attributes, message) -> None:
    answer = call(dd_emulator, "POST", "/api/v2/downtime", downtime(**attributes))
    assert answer.status == 400, answer.body
    if message:
        assert message in answer.body["errors"][0]
    assert call(dd_emulator, "GET", "/api/v2/downtime").body["data"] == []


# -- events and snapshots --------------------------------------------------------------------
def test_events(dd_emulator) -> None:
    event = {"title": "Deploy", "text": "v2", "tags": ["team:exercise"]}
    posted = call(
        dd_emulator, "POST", "/api/v1/events", event, keys=False, headers={"DD-API-KEY": "lab-api-key"}
    )
    assert posted.status == 202 and posted.body["status"] == "ok"
    assert posted.body["event"]["id_str"] == str(posted.body["event"]["id"])
    past = call(dd_emulator, "POST", "/api/v1/events", {**event, "date_happened": 1})
    assert past.body == {"errors": ["Event too far in the past"]}
    assert call(dd_emulator, "POST", "/api/v1/events", {"text": "no title"}).status == 400
    now = int(time.time())
    listed = call(
        dd_emulator, "GET", f"/api/v1/events?start={now - 60}&end={now + 60}&tags=team:exercise"
    ).body
    assert [e["title"] for e in listed["events"]] == ["Deploy"]
    assert call(dd_emulator, "GET", "/api/v1/events").status == 400
    event_id = posted.body["event"]["id"]
    assert call(dd_emulator, "GET", f"/api/v1/events/{event_id}").body["event"]["title"] == "Deploy"
    assert call(dd_emulator, "GET", "/api/v1/events/1").status == 404


def test_snapshot(dd_emulator) -> None:
    now = int(time.time())
    answer = call(
        dd_emulator,
        "GET",
        f"/api/v1/graph/snapshot?metric_query=avg:my_metric%7B*%7D&start={now - 600}&end={now}",
    )
    assert answer.status == 200 and answer.body["metric_query"] == "avg:my_metric{*}"
    png = call(dd_emulator, "GET", answer.body["snapshot_url"].removeprefix(dd_emulator.url), keys=False)
    assert png.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert call(dd_emulator, "GET", f"/api/v1/graph/snapshot?start={now - 600}&end={now}").status == 400
    assert call(dd_emulator, "GET", "/api/v1/graph/snapshot?metric_query=a").status == 400
    assert (
        call(dd_emulator, "GET", f"/api/v1/graph/snapshot?metric_query=a&start={now}&end={now - 1}").status
        == 400
    )
    graph = call(
        dd_emulator, "GET", f"/api/v1/graph/snapshot?graph_def=%7B%7D&start={now - 600}&end={now}"
    ).body
    assert graph["graph_def"] == "{}"
    assert (
        call(dd_emulator, "GET", f"/api/v1/graph/snapshot?graph_def=nope&start={now - 600}&end={now}").status
        == 400
    )


def test_html_page_lists_everything(dd_emulator) -> None:
    call(dd_emulator, "POST", "/api/v1/dashboard", DASH)
    call(dd_emulator, "POST", "/api/v1/monitor", MON)
    call(dd_emulator, "POST", "/api/v2/downtime", downtime(message="nightly"))
    page = call(dd_emulator, "GET", "/", keys=False).body.decode()
    for text in (
        "Exercise board",
        "avg:my_metric{host:web-1}",
        "my_metric high",
        "env:lab",
        "nightly",
        "hello",
    ):
        assert text in page


def test_downtime_rrule_until_is_utc(dd_emulator) -> None:
    def recurring(rrule: str) -> dict:
        return downtime(
            schedule={"recurrences": [{"rrule": rrule, "duration": "1h", "start": "2024-01-01T02:00"}]}
        )

    accepted = call(dd_emulator, "POST", "/api/v2/downtime", recurring("FREQ=DAILY;UNTIL=20990101T000000Z"))
    assert accepted.status == 200, accepted.body
    local = call(dd_emulator, "POST", "/api/v2/downtime", recurring("FREQ=DAILY;UNTIL=20990101T000000"))
    assert local.status == 400 and "Invalid RRULE" in local.body["errors"][0]
