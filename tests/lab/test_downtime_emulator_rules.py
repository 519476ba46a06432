"""The emulator's downtime rules that the module must not be able to hide (issue 14 items 3, 6, 9, 14).

- ``current_only`` (v1 and v2): "only return downtimes that are active when the request is made"
  (API reference): a downtime not started yet, or a recurring one between two windows, is
  ``scheduled`` and left out; the plain list has every downtime, cancelled and ended ones too.
- A recurring schedule's timezone must match ``display_timezone``: Datadog answers 400
  ``timezone must match display_timezone`` (DataDog/terraform-provider-datadog#2567), also on a
  PATCH that changes only ``schedule.timezone`` of a downtime whose display timezone differs.
- RRULEs: RFC 5545 (3.3.10) forms only, checked independently of the module.
- Scopes: ``key:value`` terms (``key:(a OR b)`` groups) with AND/OR/NOT; a bare word is
  "All values must have a key" (recorded).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers import call

LEAP_DAY = {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "start": "2024-02-29T00:00", "duration": "1m"}


def downtime(**attributes: Any) -> dict[str, Any]:
    base = {"scope": "env:lab", "monitor_identifier": {"monitor_tags": ["team:exercise"]}}
    return {"data": {"type": "downtime", "attributes": {**base, **attributes}}}


def create(emu: Any, **attributes: Any) -> dict[str, Any]:
    answer = call(emu, "POST", "/api/v2/downtime", downtime(**attributes))
    assert answer.status == 200, answer.body
    return answer.body["data"]


def test_v2_current_only_lists_active_downtimes_only(dd_emulator: Any) -> None:
    active = create(dd_emulator)["id"]
    future = create(dd_emulator, schedule={"start": "2099-01-01T00:00:00Z"})
    between = create(dd_emulator, schedule={"timezone": "UTC", "recurrences": [LEAP_DAY]})
    ended = create(dd_emulator, schedule={"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"})
    cancelled = create(dd_emulator)["id"]
    call(dd_emulator, "DELETE", f"/api/v2/downtime/{cancelled}")
    assert future["attributes"]["status"] == "scheduled"
    assert between["attributes"]["status"] == "scheduled"
    assert between["attributes"]["schedule"]["current_downtime"]["start"] > "2028-02-28"
    assert ended["attributes"]["status"] == "ended"

    listed = call(dd_emulator, "GET", "/api/v2/downtime").body["data"]
    assert [d["attributes"]["status"] for d in listed] == [
        "active",
        "scheduled",
        "scheduled",
        "ended",
        "canceled",
    ]
    current = call(dd_emulator, "GET", "/api/v2/downtime?current_only=true").body
    assert [d["id"] for d in current["data"]] == [active]
    assert current["meta"]["page"]["total_filtered_count"] == 1


def test_v1_current_only_leaves_out_a_recurring_downtime_between_windows(dd_emulator: Any) -> None:
    now = int(time.time())
    start = now + 3600
    recurring = {
        "scope": ["env:a"],
        "start": start,
        "end": start + 60,
        "recurrence": {"type": "days", "period": 1},
    }
    scheduled = call(dd_emulator, "POST", "/api/v1/downtime", recurring).body
    assert scheduled["status"] == "scheduled" and scheduled["active"] is False
    active = call(dd_emulator, "POST", "/api/v1/downtime", {"scope": ["env:b"]}).body["id"]
    listed = call(dd_emulator, "GET", "/api/v1/downtime?current_only=true").body
    assert [d["id"] for d in listed] == [active]


def test_timezone_must_match_display_timezone(dd_emulator: Any) -> None:
    paris = {"timezone": "Europe/Paris", "recurrences": [LEAP_DAY]}
    made = create(dd_emulator, schedule=paris)
    assert made["attributes"]["display_timezone"] == "Europe/Paris"
    path = f"/api/v2/downtime/{made['id']}"
    new_york = {"timezone": "America/New_York", "recurrences": [LEAP_DAY]}

    def patch(**attributes: Any) -> Any:
        return call(
            dd_emulator,
            "PATCH",
            path,
            {"data": {"id": made["id"], "type": "downtime", "attributes": attributes}},
        )

    refused = patch(schedule=new_york)
    assert (refused.status, refused.body) == (400, {"errors": ["timezone must match display_timezone"]})
    assert call(dd_emulator, "GET", path).body["data"]["attributes"]["schedule"]["timezone"] == "Europe/Paris"
    accepted = patch(schedule=new_york, display_timezone="America/New_York")
    assert accepted.status == 200, accepted.body
    assert accepted.body["data"]["attributes"]["display_timezone"] == "America/New_York"
    mismatch = call(dd_emulator, "POST", "/api/v2/downtime", downtime(display_timezone="UTC", schedule=paris))
    assert mismatch.body == {"errors": ["timezone must match display_timezone"]}
    # A one-time schedule has no timezone: any display timezone goes.
    assert (
        create(dd_emulator, display_timezone="Asia/Tokyo")["attributes"]["display_timezone"] == "Asia/Tokyo"
    )


@pytest.mark.parametrize(
    ("rrule", "problem"),
    [
        ("FREQ=DAILY;FOO=1", "unknown parameter 'FOO'"),
        ("FREQ=WEEKLY;BYDAY=1MO", "numeric value but FREQ is WEEKLY"),
        ("FREQ=YEARLY;BYWEEKNO=3;BYDAY=1MO", "numeric value with BYWEEKNO"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a positive integer"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be a positive integer"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a positive integer"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20990101T000000Z", "COUNT and UNTIL"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY value '32' is out of range"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH value '13' is out of range"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY must not be specified when FREQ is WEEKLY"),
        ("FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY must not be specified when FREQ is MONTHLY"),
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO must only be used when FREQ is YEARLY"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS must be used with another BYxxx"),
        ("FREQ=DAILY;UNTIL=20990101T000000", "Invalid RRULE"),
        ("DTSTART:20250101T000000Z\nRRULE:FREQ=DAILY", "DTSTART"),
    ],
)
def test_rrules_rfc5545_forms(dd_emulator: Any, rrule: str, problem: str) -> None:
    schedule = {"recurrences": [{"rrule": rrule, "duration": "1h", "start": "2024-01-01T02:00"}]}
    answer = call(dd_emulator, "POST", "/api/v2/downtime", downtime(schedule=schedule))
    assert answer.status == 400, answer.body
    assert problem in answer.body["errors"][0]
    v1 = {"scope": ["env:a"], "start": int(time.time()), "end": int(time.time()) + 60,
          "recurrence": {"type": "rrule", "rrule": rrule}}  # fmt: skip
    assert call(dd_emulator, "POST", "/api/v1/downtime", v1).status == 400
    assert call(dd_emulator, "GET", "/api/v2/downtime").body["data"] == []


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=MONTHLY;BYDAY=1MO,-1FR",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        "FREQ=DAILY;INTERVAL=2;UNTIL=20990101T000000Z",
        "FREQ=WEEKLY;WKST=SU;BYDAY=SA,SU",
    ],
)
def test_rrules_rfc5545_accepted(dd_emulator: Any, rrule: str) -> None:
    schedule = {"recurrences": [{"rrule": rrule, "duration": "1h", "start": "2024-01-01T02:00"}]}
    answer = call(dd_emulator, "POST", "/api/v2/downtime", downtime(schedule=schedule))
    assert answer.status == 200, answer.body


@pytest.mark.parametrize(
    ("scope", "ok"),
    [
        ("*", True),
        ("env:prod", True),
        ("host:web-1 AND env:prod", True),
        ("env:(prod OR staging) AND NOT team:qa", True),
        ('service:"web store"', True),
        ("-env:dev", True),
        ("BAD_SCOPE_MISSING_KEY_VALUE_FORMAT", False),
        ("env:prod AND web", False),
        ("env:(prod OR staging", False),
    ],
)
def test_scopes(dd_emulator: Any, scope: str, ok: bool) -> None:
    answer = call(dd_emulator, "POST", "/api/v2/downtime", downtime(scope=scope))
    assert (answer.status == 200) is ok, answer.body
