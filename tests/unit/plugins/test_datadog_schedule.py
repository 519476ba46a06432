"""Downtime schedule conversion: friendly options and raw rrules -> Datadog v2 recurrences."""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import schedule as s

WEDNESDAY = datetime.date(2025, 1, 1)


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
        s.build_schedule({"recurrences": [item]}, today=WEDNESDAY)
    assert needle in str(err.value)


def test_bad_timezone_is_rejected() -> None:
    with pytest.raises(s.ScheduleError, match="timezone: 'Mars/Olympus'"):
        s.build_schedule({"timezone": "Mars/Olympus", "recurrences": [{"days": ["mon"], "all_day": True}]})


def test_one_time_schedule_in_timezone_becomes_utc() -> None:
    got = s.build_schedule(
        {"timezone": "Europe/Paris", "start": "2025-03-01T22:00", "end": "2025-03-02T02:00:00+01:00"}
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
