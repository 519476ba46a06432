"""The exercise's default downtimes silence exactly the time out of the office.

"Out of the office" is every minute outside Monday-Friday 09:00-19:00 in the downtimes'
timezone. The test renders the inventory's ``datadog_exercise_downtimes`` with Ansible (as the
site playbook does), turns each item into the Datadog v2 schedule with the code the
``datadog_downtime`` module sends (``build_schedule`` + ``api_schedule``), expands every
recurrence with dateutil's RFC 5545 ``rrule`` over several weeks around each DST change, and
checks minute by minute:

- every minute out of the office is covered by a downtime, no minute in the office is;
- no minute is covered by two different downtimes (where one downtime ends while the other still
  runs, the ending one would send its end-of-downtime notification). Pieces of *one* downtime may
  overlap: Datadog merges them into one window (its own "combined downtime" example answers with
  one ``current_downtime`` spanning two overlapping recurrences).

Datadog does not document whether a recurrence's ``duration`` is wall-clock or elapsed time
across a DST change, so both readings are checked: the content must hold under either.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.vars.manager import VariableManager
from ansible_collections.datadog_exercise.stack.plugins.module_utils.schedule import (
    api_schedule,
    build_schedule,
    parse_duration,
)
from dateutil.rrule import rrulestr

REPO = Path(__file__).resolve().parents[2]
UTC = datetime.timezone.utc
YEAR = 2026
OFFICE_DAYS = range(5)  # Monday .. Friday
OFFICE_START = datetime.time(9, 0)
OFFICE_END = datetime.time(19, 0)
# Zones whose clocks change on different days and hours: Sunday small hours (US, EU at 02:00 or
# 03:00/04:00 local, southern hemisphere), Friday 02:00 (Israel), Saturday midnight (Chile).
OTHER_ZONES = [
    "America/New_York",
    "Europe/Helsinki",
    "Asia/Jerusalem",
    "America/Santiago",
    "Australia/Sydney",
]
SEMANTICS = ["wall-clock", "elapsed"]


def rendered(inventory: str) -> tuple[list[dict[str, Any]], str]:
    """``datadog_exercise_downtimes`` and ``datadog_exercise_timezone`` as Ansible renders them."""
    loader = DataLoader()
    inv = InventoryManager(loader=loader, sources=[str(REPO / "inventories" / inventory)])
    variables = VariableManager(loader=loader, inventory=inv).get_vars(host=inv.get_host("localhost"))
    templar = Templar(loader=loader, variables=variables)
    return (
        templar.template(variables["datadog_exercise_downtimes"]),
        templar.template(variables["datadog_exercise_timezone"]),
    )


def transitions(zone: ZoneInfo) -> list[datetime.datetime]:
    """The instants (UTC) in YEAR when the zone's UTC offset changes."""
    found = []
    t = datetime.datetime(YEAR, 1, 1, tzinfo=UTC)
    previous = t.astimezone(zone).utcoffset()
    while t.year == YEAR:
        t += datetime.timedelta(hours=1)
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(t)
            previous = offset
    return found


def windows(zone: ZoneInfo) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Three weeks around each DST change (whole local weeks, Monday 00:00 to Monday 00:00)."""
    out = []
    for change in transitions(zone) or [datetime.datetime(YEAR, 6, 1, tzinfo=UTC)]:
        local = change.astimezone(zone).date()
        monday = local - datetime.timedelta(days=local.weekday() + 7)
        start = datetime.datetime.combine(monday, datetime.time(0), zone)
        end = datetime.datetime.combine(monday + datetime.timedelta(weeks=3), datetime.time(0), zone)
        out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return out


def minute(t: datetime.datetime) -> int:
    return int(t.timestamp()) // 60


def occurrences(
    schedule: dict[str, Any], semantics: str, until: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """A v2 recurring schedule -> its occurrences [start, end) as UTC instants, up to ``until``."""
    zone = ZoneInfo(schedule["timezone"])
    limit = until.astimezone(zone).replace(tzinfo=None)
    out = []
    for rec in schedule["recurrences"]:
        first = datetime.datetime.fromisoformat(rec["start"])
        length = datetime.timedelta(minutes=parse_duration(rec["duration"], "duration"))
        for local_start in rrulestr(rec["rrule"], dtstart=first).between(first, limit, inc=True):
            start = local_start.replace(tzinfo=zone)
            if semantics == "wall-clock":
                end = (local_start + length).replace(tzinfo=zone)
            else:
                end = (start.astimezone(UTC) + length).astimezone(zone)
            out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return out


Span = tuple[datetime.datetime, datetime.datetime]


def coverage_errors(downtimes: list[dict[str, Any]], timezone: str, semantics: str, span: Span) -> list[str]:
    zone = ZoneInfo(timezone)
    first, last = span
    base, size = minute(first), minute(last) - minute(first)
    # The module computes the first occurrence from "today": start well before the window.
    today = (first - datetime.timedelta(days=8)).astimezone(zone).date()
    owners: list[bytearray] = []
    for item in downtimes:
        params = {"timezone": item.get("timezone") or timezone, "recurrences": item["recurrences"]}
        schedule = api_schedule(build_schedule(params, today=today))
        assert schedule is not None, item["name"]
        covered = bytearray(size)
        for start, end in occurrences(schedule, semantics, last):
            for m in range(max(minute(start), base), min(minute(end), base + size)):
                covered[m - base] = 1
        owners.append(covered)
    office = bytearray(size)
    day = first.astimezone(zone).date()
    while day <= last.astimezone(zone).date():
        if day.weekday() in OFFICE_DAYS:
            opens = minute(datetime.datetime.combine(day, OFFICE_START, zone))
            closes = minute(datetime.datetime.combine(day, OFFICE_END, zone))
            for m in range(max(opens, base), min(closes, base + size)):
                office[m - base] = 1
        day += datetime.timedelta(days=1)

    errors: list[str] = []

    def report(kind: str, m: int) -> None:
        local = datetime.datetime.fromtimestamp((base + m) * 60, UTC).astimezone(zone)
        text = f"{kind} at {local:%a %Y-%m-%d %H:%M %Z}"
        if not errors or not errors[-1].startswith(kind):
            errors.append(text)

    for m in range(size):
        count = sum(o[m] for o in owners)
        if office[m] and count:
            report("silenced in office hours", m)
        elif not office[m] and not count:
            report("not silenced out of the office", m)
        elif count > 1:
            report("covered by two downtimes", m)
    return errors


@pytest.mark.parametrize("inventory", ["example", "lab"])
@pytest.mark.parametrize("semantics", SEMANTICS)
@pytest.mark.parametrize("zone_choice", ["configured", *OTHER_ZONES])
def test_downtimes_cover_exactly_the_time_out_of_the_office(
    inventory: str, semantics: str, zone_choice: str
) -> None:
    downtimes, configured = rendered(inventory)
    timezone = configured if zone_choice == "configured" else zone_choice
    if zone_choice != "configured":
        downtimes = [dict(d, timezone=timezone) for d in downtimes]
    errors: list[str] = []
    for span in windows(ZoneInfo(timezone)):
        errors += coverage_errors(downtimes, timezone, semantics, span)
    assert not errors, f"{timezone}, duration as {semantics} time: " + "; ".join(errors[:8])


def test_the_windows_include_dst_changes_of_the_configured_zone() -> None:
    _downtimes, configured = rendered("example")
    assert len(transitions(ZoneInfo(configured))) == 2
    assert len(transitions(ZoneInfo("America/New_York"))) == 2


def test_two_downtimes_named_as_the_exercise_does() -> None:
    downtimes, _configured = rendered("example")
    assert [d["name"] for d in downtimes] == ["weekday-nights", "weekends"]
    assert all(d["monitor"] == "my_metric is high" for d in downtimes)
