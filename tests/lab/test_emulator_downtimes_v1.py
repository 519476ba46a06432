"""Downtimes v1 (and monitor group search) over raw HTTP: routes, errors, the shared v1/v2 store."""

from __future__ import annotations

import time

import pytest
from dd_emulator import Emulator
from helpers import call

MON = {
    "name": "load high",
    "type": "metric alert",
    "query": "avg(last_5m):avg:system.load.5{host:web-1} > 2",
    "tags": ["team:exercise"],
    "options": {"thresholds": {"critical": 2}},
}
# Every key a v1 downtime answer has (recorded from Datadog, in this order).
V1_KEYS = [
    "id",
    "monitor_id",
    "org_id",
    "start",
    "end",
    "canceled",
    "created",
    "modified",
    "message",
    "active",
    "disabled",
    "recurrence",
    "timezone",
    "parent_id",
    "child_id",
    "creator_id",
    "updater_id",
    "downtime_type",
    "status",
    "monitor_tags",
    "mute_first_recovery_notification",
    "notify_end_types",
    "notify_end_states",
    "uuid",
    "scope",
]


def _now() -> int:
    return int(time.time())


def test_create_get_update_cancel(dd_emulator: Emulator) -> None:
    created = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:lab"], "message": "maint"})
    assert created.status == 200, created.body
    doc = created.body
    assert list(doc) == V1_KEYS
    assert isinstance(doc["id"], int) and doc["uuid"]
    assert doc["monitor_tags"] == ["*"] and doc["monitor_id"] is None
    assert doc["active"] is True and doc["disabled"] is False and doc["status"] == "active"
    assert doc["canceled"] is None and doc["end"] is None and doc["recurrence"] is None
    assert doc["timezone"] == "UTC" and doc["downtime_type"] == 2
    assert doc["notify_end_states"] == ["alert", "no data", "warn"]
    assert doc["notify_end_types"] == ["expired"]
    assert doc["mute_first_recovery_notification"] is False
    assert isinstance(doc["creator_id"], int) and doc["updater_id"] is None
    assert doc["created"] == doc["modified"] and abs(doc["start"] - _now()) < 5
    dt_id = doc["id"]

    got = call(dd_emulator, "GET", f"/api/v1/downtime/{dt_id}")
    assert got.status == 200 and got.body == doc

    changes = {"message": "maint-updated", "notify_end_types": ["canceled", "expired"]}
    put = call(dd_emulator, "PUT", f"/api/v1/downtime/{dt_id}", changes)
    assert put.status == 200, put.body
    assert put.body["message"] == "maint-updated" and put.body["scope"] == ["env:lab"]
    assert put.body["notify_end_types"] == ["canceled", "expired"]
    assert put.body["updater_id"] == doc["creator_id"]
    assert put.body["uuid"] is None  # as Datadog answers a PUT; reads carry it
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{dt_id}").body["uuid"] == doc["uuid"]

    deleted = call(dd_emulator, "DELETE", f"/api/v1/downtime/{dt_id}")
    assert (deleted.status, deleted.body) == (204, None)
    after = call(dd_emulator, "GET", f"/api/v1/downtime/{dt_id}").body  # cancelled stay readable
    assert after["status"] == "canceled" and after["disabled"] is True and after["active"] is False
    assert isinstance(after["canceled"], int)
    assert call(dd_emulator, "DELETE", f"/api/v1/downtime/{dt_id}").status == 204


@pytest.mark.parametrize(
    ("scope", "kind"),
    [(["*"], 0), (["host:web-1"], 1), (["host:a", "host:b"], 2), (["env:lab"], 2), (["somescope"], 2)],
)
def test_downtime_type_follows_the_scope(dd_emulator: Emulator, scope: list[str], kind: int) -> None:
    assert call(dd_emulator, "POST", "/api/v1/downtime", {"scope": scope}).body["downtime_type"] == kind


def test_monitor_downtime(dd_emulator: Emulator) -> None:
    monitor = call(dd_emulator, "POST", "/api/v1/monitor", MON).body
    body = {"scope": ["host:web-1"], "monitor_id": monitor["id"], "timezone": "Etc/UTC", "start": _now()}
    doc = call(dd_emulator, "POST", "/api/v1/downtime", body).body
    assert doc["monitor_id"] == monitor["id"] and doc["monitor_tags"] == ["*"]
    listed = call(dd_emulator, "GET", f"/api/v1/monitor/{monitor['id']}/downtimes")
    assert listed.status == 200
    assert [(m["id"], m["scope"]) for m in listed.body] == [(doc["id"], ["host:web-1"])]
    assert (
        call(dd_emulator, "GET", f"/api/v1/monitor/{monitor['id']}?with_downtimes=true").body[
            "matching_downtimes"
        ][0]["id"]
        == doc["id"]
    )
    assert call(dd_emulator, "GET", "/api/v1/monitor/42/downtimes").body == {"errors": ["Monitor not found"]}


def test_recurrence_is_normalised(dd_emulator: Emulator) -> None:
    start = _now() + 3600
    weekly = {"type": "weeks", "period": 1, "week_days": ["Mon", "Fri"], "until_date": start + 30 * 86400}
    body = {"scope": ["env:lab"], "start": start, "end": start + 7200, "recurrence": weekly}
    doc = call(dd_emulator, "POST", "/api/v1/downtime", body).body
    assert doc["recurrence"] == {**weekly, "until_occurrences": None}
    assert list(doc["recurrence"]) == ["type", "period", "week_days", "until_occurrences", "until_date"]
    assert (doc["start"], doc["end"], doc["status"], doc["active"]) == (
        start,
        start + 7200,
        "scheduled",
        False,
    )
    yearly = call(
        dd_emulator,
        "POST",
        "/api/v1/downtime",
        {"scope": ["*"], "start": start, "end": start + 60, "recurrence": {"type": "years"}},
    ).body
    assert yearly["recurrence"] == {
        "type": "years",
        "period": 1,
        "week_days": None,
        "until_occurrences": None,
        "until_date": None,
    }
    rrule = {"type": "rrule", "rrule": "FREQ=MONTHLY;BYSETPOS=3;BYDAY=WE;INTERVAL=1"}
    monthly = call(
        dd_emulator,
        "POST",
        "/api/v1/downtime",
        {"scope": ["env:lab"], "start": start, "end": start + 3600, "recurrence": rrule},
    ).body
    assert monthly["recurrence"] == rrule


def test_an_ended_recurrence_moves_to_its_current_occurrence(dd_emulator: Emulator) -> None:
    start = _now() - 10 * 86400  # first occurrence long over; daily, one hour
    body = {"scope": ["env:lab"], "start": start, "end": start + 3600, "recurrence": {"type": "days"}}
    doc = call(dd_emulator, "POST", "/api/v1/downtime", body).body
    assert doc["start"] > _now() - 86400 and doc["end"] - doc["start"] == 3600
    assert (doc["start"] - start) % 86400 == 0


def test_list_current_only_and_with_creator(dd_emulator: Emulator) -> None:
    later = _now() + 86400
    active = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:a"]}).body["id"]
    scheduled = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:b"], "start": later}).body["id"]
    cancelled = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:c"]}).body["id"]
    call(dd_emulator, "DELETE", f"/api/v1/downtime/{cancelled}")
    listed = call(dd_emulator, "GET", "/api/v1/downtime").body
    assert [d["id"] for d in listed] == [active, scheduled, cancelled]
    assert "creator" not in listed[0]
    assert [d["id"] for d in call(dd_emulator, "GET", "/api/v1/downtime?current_only=true").body] == [active]
    with_creator = call(dd_emulator, "GET", "/api/v1/downtime?with_creator=true").body[0]
    assert set(with_creator["creator"]) == {"id", "email", "handle", "name"}
    assert call(dd_emulator, "GET", "/api/v1/downtime?current_only=maybe").status == 400


def test_cancel_by_scope(dd_emulator: Emulator) -> None:
    first = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:lab", "role:db"]}).body["id"]
    second = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:lab"]}).body["id"]
    other = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:prod"]}).body["id"]
    answer = call(dd_emulator, "POST", "/api/v1/downtime/cancel/by_scope", {"scope": "env:lab"})
    assert (answer.status, answer.body) == (200, {"cancelled_ids": [first, second]})
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{first}").body["status"] == "canceled"
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{other}").body["status"] == "active"
    again = call(dd_emulator, "POST", "/api/v1/downtime/cancel/by_scope", {"scope": "env:lab"})
    assert (again.status, again.body) == (404, {"errors": ["No downtimes found"]})
    assert call(dd_emulator, "POST", "/api/v1/downtime/cancel/by_scope", {}).body == {
        "errors": ["'scope' is a required property"]
    }


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/api/v1/downtime/0", "Downtime not found"),
        ("PUT", "/api/v1/downtime/0", "Downtime not found"),
        ("DELETE", "/api/v1/downtime/0", "Downtime 0 not found"),
    ],
)
def test_unknown_downtime(dd_emulator: Emulator, method: str, path: str, message: str) -> None:
    answer = call(dd_emulator, method, path, {"message": "x"} if method == "PUT" else None)
    assert (answer.status, answer.body) == (404, {"errors": [message]})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"scope": ["*"], "start": 1, "end": 3601, "recurrence": {"type": "weeks", "week_days": ["mon"]}},
            "Invalid set of days in week_days. Be sure that the first letter is capitalized.",
        ),
        (
            {
                "scope": ["*"],
                "start": 1,
                "end": 3601,
                "recurrence": {"type": "weeks", "until_date": 99999, "until_occurrences": 3},
            },
            "You must provide only provide one of (until_occurrences, until_date)",
        ),
        (
            {"scope": ["*"], "start": 1, "end": 61, "recurrence": {"type": "fortnights"}},
            "Invalid recurrence type",
        ),
        ({"scope": ["*"], "start": 1, "end": 61, "recurrence": {"type": "rrule"}}, "needs an 'rrule'"),
        (
            {
                "scope": ["*"],
                "start": 1,
                "end": 61,
                "recurrence": {"type": "rrule", "rrule": "DTSTART:2024;FREQ=DAILY"},
            },
            "DTSTART",
        ),
        ({"scope": ["*"], "start": 1, "recurrence": {"type": "days"}}, "needs an 'end'"),
        ({"scope": ["*"], "start": 100, "end": 50}, "end must be after its start"),
        ({"scope": ["*"], "timezone": "Mars/Olympus"}, "Invalid timezone"),
        ({"scope": "env:lab"}, "parameter 'scope' is invalid"),
        ({"scope": []}, "parameter 'scope' is invalid"),
        ({"message": "no scope"}, "'scope' is a required property"),
        ({"scope": ["*"], "notify_end_states": ["sometimes"]}, "is not one of"),
        (
            {"scope": ["*"], "invalid_field": 1},
            "Additional properties are not allowed ('invalid_field' was unexpected)",
        ),
        ({"scope": ["*"], "monitor_id": "abc"}, "parameter 'monitor_id' is invalid"),
    ],
)
def test_invalid_bodies(dd_emulator: Emulator, body: dict, message: str) -> None:
    answer = call(dd_emulator, "POST", "/api/v1/downtime", body)
    assert answer.status == 400, answer.body
    assert list(answer.body) == ["errors"] and message in answer.body["errors"][0]
    assert call(dd_emulator, "GET", "/api/v1/downtime").body == []


def test_invalid_update_changes_nothing(dd_emulator: Emulator) -> None:
    doc = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:lab"]}).body
    bad = call(dd_emulator, "PUT", f"/api/v1/downtime/{doc['id']}", {"end": doc["start"] - 10})
    assert bad.status == 400
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{doc['id']}").body == doc


def test_server_fields_sent_back_are_ignored(dd_emulator: Emulator) -> None:
    doc = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:lab"]}).body
    echoed = {**doc, "message": "round trip", "id": 7, "uuid": "x", "status": "ended"}
    put = call(dd_emulator, "PUT", f"/api/v1/downtime/{doc['id']}", echoed).body
    assert (put["id"], put["status"], put["message"]) == (doc["id"], "active", "round trip")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/downtime"),
        ("GET", "/api/v1/downtime"),
        ("GET", "/api/v1/downtime/1"),
        ("PUT", "/api/v1/downtime/1"),
        ("DELETE", "/api/v1/downtime/1"),
        ("POST", "/api/v1/downtime/cancel/by_scope"),
        ("GET", "/api/v1/monitor/1/downtimes"),
        ("GET", "/api/v1/monitor/groups/search"),
    ],
)
def test_new_routes_need_both_keys(dd_emulator: Emulator, method: str, path: str) -> None:
    answer = call(dd_emulator, method, path, {} if method in ("POST", "PUT") else None, keys=False,
                  headers={"DD-API-KEY": dd_emulator.api_key})  # fmt: skip
    assert (answer.status, answer.body) == (403, {"errors": ["Forbidden"]})


# -- one store, two APIs -----------------------------------------------------------------------
def test_v1_downtime_seen_through_v2(dd_emulator: Emulator) -> None:
    start = _now() + 3600
    body = {
        "scope": ["env:lab", "role:db"],
        "monitor_tags": ["team:exercise"],
        "start": start,
        "end": start + 7200,
        "timezone": "Europe/Paris",
        "recurrence": {"type": "weeks", "week_days": ["Mon", "Tue"], "until_occurrences": 4},
    }
    doc = call(dd_emulator, "POST", "/api/v1/downtime", body).body
    v2 = call(dd_emulator, "GET", f"/api/v2/downtime/{doc['uuid']}").body["data"]
    attrs = v2["attributes"]
    assert attrs["scope"] == "env:lab AND role:db"
    assert attrs["monitor_identifier"] == {"monitor_tags": ["team:exercise"]}
    assert attrs["display_timezone"] == "Europe/Paris" and attrs["status"] == "scheduled"
    recurrence = attrs["schedule"]["recurrences"][0]
    assert recurrence["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU;COUNT=4"
    assert recurrence["duration"] == "2h"
    assert [d["id"] for d in call(dd_emulator, "GET", "/api/v2/downtime").body["data"]] == [doc["uuid"]]

    # v2 cancels it: v1 reads it cancelled; v1 cancel of a v2 downtime likewise
    assert call(dd_emulator, "DELETE", f"/api/v2/downtime/{doc['uuid']}").status == 204
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{doc['id']}").body["status"] == "canceled"


def test_v2_downtime_seen_through_v1(dd_emulator: Emulator) -> None:
    monitor = call(dd_emulator, "POST", "/api/v1/monitor", MON).body
    attributes = {
        "scope": "env:lab",
        "monitor_identifier": {"monitor_id": monitor["id"]},
        "schedule": {"start": "2030-01-01T10:00:00+00:00", "end": "2030-01-01T12:00:00+00:00"},
    }
    created = call(
        dd_emulator, "POST", "/api/v2/downtime", {"data": {"type": "downtime", "attributes": attributes}}
    )
    uuid = created.body["data"]["id"]
    listed = call(dd_emulator, "GET", "/api/v1/downtime").body
    assert [d["uuid"] for d in listed] == [uuid]
    doc = listed[0]
    assert (doc["scope"], doc["monitor_id"], doc["status"]) == (["env:lab"], monitor["id"], "scheduled")
    assert (doc["start"], doc["end"]) == (1893492000, 1893499200)
    assert call(dd_emulator, "GET", f"/api/v1/monitor/{monitor['id']}/downtimes").body[0]["id"] == doc["id"]

    # v1 updates it: v2 sees the change; v2 rewrites the scope: v1 sees the v2 query
    call(
        dd_emulator,
        "PUT",
        f"/api/v1/downtime/{doc['id']}",
        {"message": "from v1", "scope": ["env:a", "env:b"]},
    )
    attrs = call(dd_emulator, "GET", f"/api/v2/downtime/{uuid}").body["data"]["attributes"]
    assert (attrs["message"], attrs["scope"]) == ("from v1", "env:a AND env:b")
    patch = {"data": {"id": uuid, "type": "downtime", "attributes": {"scope": "env:a OR env:c"}}}
    assert call(dd_emulator, "PATCH", f"/api/v2/downtime/{uuid}", patch).status == 200
    assert call(dd_emulator, "GET", f"/api/v1/downtime/{doc['id']}").body["scope"] == ["env:a OR env:c"]

    assert call(dd_emulator, "DELETE", f"/api/v1/downtime/{doc['id']}").status == 204
    assert (
        call(dd_emulator, "GET", f"/api/v2/downtime/{uuid}").body["data"]["attributes"]["status"]
        == "canceled"
    )


def test_v1_ids_survive_a_restart(tmp_path) -> None:
    state = str(tmp_path / "state.json")
    with Emulator(state_file=state) as emu:
        doc = call(emu, "POST", "/api/v1/downtime", {"scope": ["env:lab"]}).body
    with Emulator(state_file=state) as emu:
        assert call(emu, "GET", f"/api/v1/downtime/{doc['id']}").body["uuid"] == doc["uuid"]
        assert call(emu, "POST", "/api/v1/downtime", {"scope": ["env:x"]}).body["id"] == doc["id"] + 1


# -- monitor group search ----------------------------------------------------------------------
def test_monitor_group_search(dd_emulator: Emulator) -> None:
    bad = call(dd_emulator, "GET", "/api/v1/monitor/groups/search?query=status%3Anotastatus")
    assert (bad.status, bad.body) == (
        400,
        {"errors": ["Query parsing error: 'notastatus' is not a valid monitor status"]},
    )
    call(dd_emulator, "POST", "/api/v1/monitor", MON)
    good = call(
        dd_emulator, "GET", "/api/v1/monitor/groups/search?query=status%3A%22no%20data%22&per_page=10"
    )
    assert good.status == 200
    assert good.body == {
        "counts": {"status": [], "type": []},
        "groups": [],
        "metadata": {"total_count": 0, "page_count": 0, "page": 0, "per_page": 10},
    }
    assert call(dd_emulator, "GET", "/api/v1/monitor/search?query=status%3Amaybe").status == 400
    assert call(dd_emulator, "GET", "/api/v1/monitor/search?query=status%3Aalert").status == 200
