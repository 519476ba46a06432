"""Downtime schedule conversion: friendly options and raw rrules -> Datadog v2 recurrences."""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import schedule as s

WEDNESDAY = datetime.date(2025, 1, 1)
NOON = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)


def test_weekday_nights_become_one_weekly_recurrence_of_14_hours() -> None:
    got = s.build_schedule(
        {
            "timezone": "Europe/Paris",
            "recurrences": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start_time": "19:00", "end_time": "09:00"}
            ],
        },
        today=WEDNESDAY,
    )
    assert s.api_schedule(got) == {
        "timezone": "Europe/Paris",
        "recurrences": [
            {"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "start": "2025-01-01T19:00", "duration": "14h"}
        ],
    }


def test_whole_weekend_all_day_starts_on_next_saturday() -> None:
    got = s.build_schedule({"recurrences": [{"days": ["Sunday", "sat"], "all_day": True}]}, today=WEDNESDAY)
    assert got["timezone"] == "UTC"
    assert s.api_schedule(got)["recurrences"] == [
        {"rrule": "FREQ=WEEKLY;BYDAY=SA,SU", "start": "2025-01-04T00:00", "duration": "1d"}
    ]
    assert got["recurrences"][0]["date_managed"] is False


def test_weekend_as_one_48h_block() -> None:
    got = s.build_schedule({"recurrences": [{"days": ["sat"], "duration": "2d", "start_date": "2025-01-04"}]})
    assert s.api_schedule(got)["recurrences"] == [
        {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T00:00", "duration": "2d"}
    ]
    assert got["recurrences"][0]["date_managed"] is True


def test_raw_rrule_is_validated_and_canonicalised() -> None:
    got = s.build_schedule(
        {
            "recurrences": [
                {"rrule": "RRULE:bymonthday=1;freq=monthly", "start": "2025-02-01 02:00", "duration": "120m"}
            ]
        }
    )
    assert s.api_schedule(got)["recurrences"] == [
        {"rrule": "FREQ=MONTHLY;BYMONTHDAY=1", "start": "2025-02-01T02:00", "duration": "2h"}
    ]


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ({"rrule": "FREQ=DAILY;DTSTART=20250101T000000", "duration": "1h"}, "DTSTART is not allowed"),
        (
            {"rrule": "DTSTART:20250101T000000Z\nRRULE:FREQ=DAILY", "duration": "1h"},
            "recurrences[0].rrule: DTSTART is not allowed",
        ),
        ({"rrule": "FREQ=DAILY;FOO=1", "duration": "1h"}, "recurrences[0].rrule: FOO is not an RFC 5545"),
        (
            {"rrule": "FREQ=WEEKLY;BYDAY=1MO", "duration": "1h"},
            "only allowed with FREQ=MONTHLY or FREQ=YEARLY",
        ),
        ({"rrule": "FREQ=DAILY;BYDAY=-1FR", "duration": "1h"}, "not FREQ=DAILY"),
        ({"rrule": "FREQ=YEARLY;BYWEEKNO=2;BYDAY=1MO", "duration": "1h"}, "not allowed with BYWEEKNO"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=0MO", "duration": "1h"}, "the number must be 1..53"),
        ({"rrule": "FREQ=DAILY;INTERVAL=0", "duration": "1h"}, "INTERVAL=0 must be a positive integer"),
        ({"rrule": "FREQ=DAILY;INTERVAL=-2", "duration": "1h"}, "INTERVAL=-2 must be a positive integer"),
        ({"rrule": "FREQ=DAILY;INTERVAL=1.5", "duration": "1h"}, "INTERVAL=1.5 must be a positive integer"),
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=32", "duration": "1h"}, "BYMONTHDAY=32 - '32' is not in 1..31"),
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=0", "duration": "1h"}, "BYMONTHDAY=0"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=13", "duration": "1h"}, "BYMONTH=13"),
        (
            {"rrule": "FREQ=WEEKLY;BYMONTHDAY=1", "duration": "1h"},
            "BYMONTHDAY is not allowed with FREQ=WEEKLY",
        ),
        (
            {"rrule": "FREQ=MONTHLY;BYYEARDAY=10", "duration": "1h"},
            "BYYEARDAY is not allowed with FREQ=MONTHLY",
        ),
        (
            {"rrule": "FREQ=MONTHLY;BYWEEKNO=10", "duration": "1h"},
            "BYWEEKNO is not allowed with FREQ=MONTHLY",
        ),
        ({"rrule": "FREQ=MONTHLY;BYSETPOS=1", "duration": "1h"}, "BYSETPOS needs another BYxxx"),
        ({"rrule": "FREQ=DAILY;WKST=XX", "duration": "1h"}, "WKST=XX"),
        (
            {"rrule": "FREQ=DAILY;UNTIL=20990101T000000", "duration": "1h"},
            "UNTIL=20990101T000000 must be a UTC",
        ),
        ({"rrule": "FREQ=DAILY;UNTIL=20990101", "duration": "1h"}, "must be a UTC date-time"),
        (
            {
                "rrule": "FREQ=DAILY;COUNT=2;UNTIL=20990101T000000Z",
                "start": "2025-01-01T00:00",
                "duration": "1h",
            },
            "COUNT or UNTIL, not both",
        ),
        ({"rrule": "FREQ=DAILY;COUNT=5", "duration": "1h"}, "recurrences[0]: COUNT counts occurrences"),
        ({"rrule": "FREQ=DAILY;COUNT=0", "start": "2025-01-01T00:00", "duration": "1h"}, "COUNT=0"),
        ({"rrule": "FREQ=DAILY;BYHOUR", "duration": "1h"}, "is not KEY=VALUE"),
        ({"rrule": "BYDAY=MO", "duration": "1h"}, "needs FREQ"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX", "duration": "1h"}, "BYDAY value(s) XX"),
        ({"days": ["funday"], "start_time": "19:00", "duration": "1h"}, "recurrences[0].days: 'funday'"),
        ({"days": ["mon"], "start_time": "25:00", "duration": "1h"}, "recurrences[0].start_time"),
        ({"days": ["mon"], "start_time": "19:00"}, "exactly one of end_time, duration, all_day"),
        ({"days": ["mon"], "end_time": "09:00", "duration": "1h"}, "exactly one of"),
        ({"days": ["mon"], "duration": "soon"}, "recurrences[0].duration: 'soon'"),
        ({"days": ["mon"], "rrule": "FREQ=DAILY", "duration": "1h"}, "not both"),
        ({"start_time": "19:00", "duration": "1h"}, "needs days"),
        (
            {"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00+01:00", "duration": "1h"},
            "must not carry a UTC offset",
        ),
    ],
)
def test_bad_recurrences_name_the_field(item: dict, needle: str) -> None:
    with pytest.raises(s.ScheduleError) as err:
        s.build_schedule({"recurrences": [item]}, today=WEDNESDAY, now=NOON)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    ("rule", "first"),
    [
        # BYMONTH contains the letters MO and TH: the old weekday scan started on a Thursday.
        ("FREQ=YEARLY;BYDAY=FR;BYMONTH=3", "2025-03-07T02:00"),
        # No BYDAY: the old scan took today, which is not the 15th.
        ("FREQ=MONTHLY;BYMONTHDAY=15", "2025-01-15T02:00"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "2025-01-31T02:00"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T02:00"),
        ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR", "2025-01-31T02:00"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "2025-01-01T02:00"),
    ],
)
def test_raw_rrule_first_start_is_its_first_occurrence(rule: str, first: str) -> None:
    got = s.build_schedule(
        {"recurrences": [{"rrule": rule, "start_time": "02:00", "duration": "1h"}]}, today=WEDNESDAY, now=NOON
    )
    assert got["recurrences"][0]["start"] == first
    assert got["recurrences"][0]["date_managed"] is False


@pytest.mark.parametrize(
    "item",
    [
        {"rrule": "FREQ=DAILY;UNTIL=20241231T000000Z", "start": "2024-06-01T02:00", "duration": "1h"},
        {"rrule": "FREQ=DAILY;COUNT=3", "start": "2024-12-01T02:00", "duration": "1h"},
        {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "duration": "1h"},
        {"rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "start": "2024-01-01T00:00", "duration": "1h"},
    ],
)
def test_recurrence_wholly_in_the_past_is_bad_input(item: dict) -> None:
    with pytest.raises(s.ScheduleError, match=r"recurrences\[0\]"):
        s.build_schedule({"recurrences": [item]}, today=WEDNESDAY, now=NOON)


def test_recurrence_whose_last_window_is_running_is_kept() -> None:
    item = {"rrule": "FREQ=DAILY;COUNT=31", "start": "2024-12-02T11:00", "duration": "2h"}
    got = s.build_schedule({"recurrences": [item]}, today=WEDNESDAY, now=NOON)
    assert got["recurrences"][0]["rrule"] == "FREQ=DAILY;COUNT=31"


def test_recurrence_uses_its_timezone_for_the_past_check() -> None:
    # Last window 2025-01-01 10:00-12:30 in Paris = 09:00-11:30 UTC: over at noon UTC.
    item = {"rrule": "FREQ=DAILY;COUNT=31", "start": "2024-12-02T10:00", "duration": "150m"}
    with pytest.raises(s.ScheduleError, match="no occurrence that ends after now"):
        s.build_schedule({"timezone": "Europe/Paris", "recurrences": [item]}, today=WEDNESDAY, now=NOON)
    assert s.build_schedule(
        {"timezone": "America/New_York", "recurrences": [item]}, today=WEDNESDAY, now=NOON
    )


def test_one_time_end_in_the_past_is_bad_input() -> None:
    with pytest.raises(s.ScheduleError, match=r"^end: 2025-01-01T11:00:00Z is in the past"):
        s.build_schedule({"start": "2025-01-01T10:00:00Z", "end": "2025-01-01T11:00:00Z"}, now=NOON)
    with pytest.raises(s.ScheduleError, match=r"^end: .* is in the past"):
        s.build_schedule({"end": "2025-01-01T12:00:00+01:00"}, now=NOON)
    # Started in the past, ends later: a running window is fine.
    assert s.build_schedule({"start": "2024-12-31T00:00:00Z", "end": "2025-01-01T13:00:00Z"}, now=NOON)


def test_server_rrules_are_read_leniently() -> None:
    """A rule set outside Ansible (unknown part, odd spelling) is compared, not rejected."""
    server = {
        "timezone": "UTC",
        "recurrences": [{"rrule": "freq=daily;x-name=a", "start": "2025-01-01T02:00"}],
    }
    got = s.normalise_schedule(server, None)
    assert got["recurrences"][0]["rrule"] == "FREQ=DAILY;X-NAME=A"
    with pytest.raises(s.ScheduleError):
        s.normalise_schedule({"recurrences": [{"rrule": "FREQ=DAILY;junk", "duration": "1h"}]}, None)


def test_bad_timezone_is_rejected() -> None:
    with pytest.raises(s.ScheduleError, match="timezone: 'Mars/Olympus'"):
        s.build_schedule({"timezone": "Mars/Olympus", "recurrences": [{"days": ["mon"], "all_day": True}]})


def test_one_time_schedule_in_timezone_becomes_utc() -> None:
    got = s.build_schedule(
        {"timezone": "Europe/Paris", "start": "2025-03-01T22:00", "end": "2025-03-02T02:00:00+01:00"},
        now=NOON,
    )
    assert got == {"start": "2025-03-01T21:00:00Z", "end": "2025-03-02T01:00:00Z"}


def test_one_time_end_before_start_fails() -> None:
    with pytest.raises(s.ScheduleError, match=r"end .* must be after start"):
        s.build_schedule({"start": "2025-03-02T00:00:00Z", "end": "2025-03-01T00:00:00Z"})


def test_recurrences_and_one_time_are_exclusive() -> None:
    with pytest.raises(s.ScheduleError, match="mutually exclusive"):
        s.build_schedule(
            {"start": "2025-03-02T00:00:00Z", "recurrences": [{"days": ["mon"], "all_day": True}]}
        )


@pytest.mark.parametrize(
    ("text", "minutes", "canonical"),
    [
        ("14h", 840, "14h"),
        ("1d", 1440, "1d"),
        ("24h", 1440, "1d"),
        ("90m", 90, "90m"),
        ("1h30m", 90, "90m"),
        ("1w", 10080, "1w"),
        ("2d", 2880, "2d"),
    ],
)
def test_durations(text: str, minutes: int, canonical: str) -> None:
    assert s.parse_duration(text, "d") == minutes
    assert s.format_duration(minutes) == canonical


def test_undated_recurrence_compares_by_time_of_day_only() -> None:
    desired = s.build_schedule({"recurrences": [{"days": ["sat", "sun"], "all_day": True}]}, today=WEDNESDAY)
    server = {
        "timezone": "UTC",
        "current_downtime": {"start": "2024-12-28T00:00:00Z"},
        "recurrences": [
            {"rrule": "FREQ=WEEKLY;BYDAY=SA,SU", "start": "2024-12-28T00:00:00", "duration": "24h"}
        ],
    }
    assert s.normalise_schedule(server, desired) == s.normalise_schedule(s.api_schedule(desired), desired)
    moved = dict(server, recurrences=[dict(server["recurrences"][0], start="2024-12-28T01:00")])
    assert s.normalise_schedule(moved, desired) != s.normalise_schedule(s.api_schedule(desired), desired)


def test_recurrences_compare_as_a_set() -> None:
    a = {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T00:00", "duration": "2d"}
    b = {"rrule": "FREQ=DAILY", "start": "2025-01-04T19:00", "duration": "1h"}
    one = s.normalise_schedule({"timezone": "UTC", "recurrences": [a, b]}, None)
    two = s.normalise_schedule({"timezone": "UTC", "recurrences": [b, a]}, None)
    assert one == two


def test_one_time_start_left_open_is_not_compared() -> None:
    desired = s.build_schedule({"end": "2030-01-01T00:00:00Z"})
    server = {"start": "2025-01-01T10:11:12Z", "end": "2030-01-01T00:00:00Z"}
    assert s.normalise_schedule(server, desired) == s.normalise_schedule(desired, desired)
