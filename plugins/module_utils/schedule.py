# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Downtime schedules: friendly options and raw rrules -> Datadog v2 schedules, and back.

A v2 recurrence is ``{"rrule": "FREQ=...", "start": "YYYY-MM-DDTHH:MM", "duration": "14h"}``
with one ``timezone`` for the whole schedule. ``start`` is local time in that timezone, with no
offset; the rrule must not carry DTSTART, DTEND or DURATION.

Rules are checked against RFC 5545 (section 3.3.10) before anything is sent: known parts only,
values in range, the BYxxx parts the given FREQ allows, a positive INTERVAL/COUNT, UNTIL in UTC
(the rule runs in the schedule's timezone, so RFC 5545 requires a UTC UNTIL). Occurrences are
computed with python-dateutil's RFC 5545 parser (a dependency of datadog-api-client).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python < 3.9
    ZoneInfo = None  # type: ignore[assignment,misc]
    ZoneInfoNotFoundError = KeyError  # type: ignore[assignment,misc]

try:
    from dateutil.rrule import rrulestr
except ImportError:  # pragma: no cover - comes with datadog-api-client
    rrulestr = None

WEEK_ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FREQS = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
FORBIDDEN_RRULE_PARTS = {"DTSTART", "DTEND", "DURATION"}
RRULE_PARTS = {
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
}  # fmt: skip
# RFC 5545 value ranges: part -> (lowest, highest, may be negative (then 0 is not allowed)).
NUMBER_RANGES = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
# RFC 5545: the FREQ values each BYxxx part may be used with (parts not listed: any FREQ).
ALLOWED_FREQS = {
    "BYMONTHDAY": {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "MONTHLY", "YEARLY"},
    "BYYEARDAY": {"SECONDLY", "MINUTELY", "HOURLY", "YEARLY"},
    "BYWEEKNO": {"YEARLY"},
}
UNTIL_RE = re.compile(r"^\d{8}T\d{6}Z$")
POSITIVE_RE = re.compile(r"^[1-9]\d*$")
UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.I)
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
BYDAY_RE = re.compile(r"^([+-]?)(\d{0,2})(MO|TU|WE|TH|FR|SA|SU)$")


class ScheduleError(ValueError):
    """Invalid schedule input; the message names the field."""


def day_code(day: Any, field: str) -> str:
    """``mon``/``Monday``/``MO`` -> ``MO``."""
    text = str(day).strip().lower()
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for name, code in zip(names, WEEK_ORDER):
        if text in (name, name[:3], code.lower()):
            return code
    raise ScheduleError(f"{field}: {day!r} is not a day of the week (use mon, tue, wed, thu, fri, sat, sun)")


def parse_duration(text: Any, field: str) -> int:
    """``"14h"``, ``"2d"``, ``"1h30m"``, ``"90m"``, ``"1w"`` -> minutes (> 0)."""
    match = DURATION_RE.match(str(text))
    if not match or not any(match.groups()):
        raise ScheduleError(f"{field}: {text!r} is not a duration (examples: 30m, 14h, 2d, 1w, 1h30m)")
    weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    total = weeks * UNIT_MINUTES["w"] + days * UNIT_MINUTES["d"] + hours * 60 + minutes
    if total <= 0:
        raise ScheduleError(f"{field}: duration must be longer than 0, got {text!r}")
    return total


def format_duration(minutes: int) -> str:
    """Minutes -> the one-unit form Datadog accepts (largest unit that divides evenly)."""
    for unit in ("w", "d", "h"):
        if minutes % UNIT_MINUTES[unit] == 0:
            return f"{minutes // UNIT_MINUTES[unit]}{unit}"
    return f"{minutes}m"


def parse_time(text: Any, field: str) -> tuple[int, int]:
    match = TIME_RE.match(str(text).strip())
    if not match:
        raise ScheduleError(f"{field}: {text!r} is not a time of day HH:MM (00:00 to 23:59)")
    return int(match.group(1)), int(match.group(2))


def check_timezone(name: str, field: str = "timezone") -> str:
    if ZoneInfo is None:
        return name
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"{field}: {name!r} is not a known IANA timezone (example: Europe/Paris)"
        ) from exc
    return name


def _check_numbers(key: str, value: str, field: str) -> None:
    low, high, signed = NUMBER_RANGES[key]
    for item in value.split(","):
        text = item[1:] if signed and item[:1] in "+-" else item
        number = int(text) if text.isdigit() else None
        if number is None or not low <= number <= high:
            allowed = f"{low}..{high}" + (f" or -{high}..-{low}" if signed else "")
            raise ScheduleError(f"{field}: {key}={value} - {item!r} is not in {allowed} (RFC 5545)")


def _check_byday(parts: dict[str, str], field: str) -> list[str]:
    freq = parts["FREQ"]
    days = parts["BYDAY"].split(",")
    bad = [d for d in days if not BYDAY_RE.match(d)]
    if bad:
        raise ScheduleError(
            f"{field}: BYDAY value(s) {', '.join(bad)} are not days "
            "(MO..SU, optionally numbered like 1MO or -1FR)"
        )
    for day in days:
        match = BYDAY_RE.match(day)
        if match is None:  # day codes were checked above
            raise AssertionError(f"BYDAY value {day!r} escaped the check")
        sign, number, _code = match.groups()
        if not number:
            if sign:
                raise ScheduleError(f"{field}: BYDAY value {day!r} has a sign but no number")
            continue
        if freq not in ("MONTHLY", "YEARLY"):
            raise ScheduleError(
                f"{field}: BYDAY={parts['BYDAY']} - a numbered day ({day}) is only allowed with "
                f"FREQ=MONTHLY or FREQ=YEARLY, not FREQ={freq} (RFC 5545)"
            )
        if freq == "YEARLY" and "BYWEEKNO" in parts:
            raise ScheduleError(
                f"{field}: BYDAY={parts['BYDAY']} - a numbered day ({day}) is not allowed "
                "with BYWEEKNO (RFC 5545)"
            )
        if not 1 <= int(number) <= 53:
            raise ScheduleError(f"{field}: BYDAY value {day!r} - the number must be 1..53 or -53..-1")
    return days


def _check_parts(parts: dict[str, str], rule: str, field: str) -> None:
    """RFC 5545 (3.3.10) constraints, plus Datadog's: UNTIL in UTC, no DTSTART/DTEND/DURATION."""
    freq = parts.get("FREQ")
    if freq not in FREQS:
        raise ScheduleError(
            f"{field}: {rule!r} needs FREQ=DAILY|WEEKLY|MONTHLY|YEARLY (or another RFC 5545 FREQ)"
        )
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not POSITIVE_RE.match(parts[key]):
            raise ScheduleError(f"{field}: {key}={parts[key]} must be a positive integer (1, 2, ...)")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError(f"{field}: give COUNT or UNTIL, not both (RFC 5545)")
    if "UNTIL" in parts and not UNTIL_RE.match(parts["UNTIL"]):
        raise ScheduleError(
            f"{field}: UNTIL={parts['UNTIL']} must be a UTC date-time YYYYMMDDTHHMMSSZ "
            "(the rule runs in the schedule's timezone, so RFC 5545 requires UNTIL in UTC)"
        )
    for key, freqs in ALLOWED_FREQS.items():
        if key in parts and freq not in freqs:
            raise ScheduleError(
                f"{field}: {key} is not allowed with FREQ={freq} "
                f"(RFC 5545 allows it with FREQ={'|'.join(sorted(freqs))})"
            )
    if "BYSETPOS" in parts and not any(k.startswith("BY") and k != "BYSETPOS" for k in parts):
        raise ScheduleError(f"{field}: BYSETPOS needs another BYxxx part (RFC 5545)")
    if "WKST" in parts and parts["WKST"] not in WEEK_ORDER:
        raise ScheduleError(f"{field}: WKST={parts['WKST']} is not a day (MO..SU)")
    for key in NUMBER_RANGES:
        if key in parts:
            _check_numbers(key, parts[key], field)


def normalise_rrule(rule: str, field: str = "rrule", strict: bool = True) -> str:
    """Validate an RFC 5545 rule for Datadog and give it one canonical spelling.

    ``strict=False`` (rules read from the server) only canonicalises the spelling.
    """
    text = str(rule).strip()
    if "DTSTART" in text.upper():
        raise ScheduleError(
            f"{field}: DTSTART is not allowed in a Datadog rrule; give the first start in "
            f"{field.rsplit('.', 1)[0]}.start (raw form) or start_date/start_time (friendly form)"
        )
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        if "=" not in chunk:
            raise ScheduleError(f"{field}: {chunk!r} in {rule!r} is not KEY=VALUE")
        key, value = (s.strip().upper() for s in chunk.split("=", 1))
        if key in FORBIDDEN_RRULE_PARTS:
            raise ScheduleError(
                f"{field}: {key} is not allowed in a Datadog rrule (use start and duration instead)"
            )
        if strict and key not in RRULE_PARTS:
            raise ScheduleError(
                f"{field}: {key} is not an RFC 5545 rule part (known: {', '.join(sorted(RRULE_PARTS))})"
            )
        if key in parts:
            raise ScheduleError(f"{field}: {key} appears twice in {rule!r}")
        if strict and not value:
            raise ScheduleError(f"{field}: {key} has no value in {rule!r}")
        parts[key] = value
    if strict:
        _check_parts(parts, rule, field)
    if "BYDAY" in parts:
        days = _check_byday(parts, field) if strict else parts["BYDAY"].split(",")
        if all(d in WEEK_ORDER for d in days):
            days = sorted(set(days), key=WEEK_ORDER.index)
        parts["BYDAY"] = ",".join(days)
    ordered = ["FREQ", *sorted(k for k in parts if k != "FREQ")] if "FREQ" in parts else sorted(parts)
    return ";".join(f"{k}={parts[k]}" for k in ordered)


def zone(timezone: str) -> datetime.tzinfo:
    if ZoneInfo is None:  # pragma: no cover - Python < 3.9
        return datetime.timezone.utc
    return ZoneInfo(timezone)


def next_occurrence(
    rule: str, start: datetime.datetime, after: datetime.datetime, field: str
) -> datetime.datetime | None:
    """The first occurrence of ``rule`` (first start ``start``, zone-aware) at or after ``after``.

    None when the rule has no occurrence there (UNTIL/COUNT reached, or a rule that never
    matches, such as BYMONTH=2;BYMONTHDAY=30).
    """
    if rrulestr is None:  # pragma: no cover - comes with datadog-api-client
        raise ScheduleError(f"{field}: python-dateutil is needed to evaluate rrules")
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"{field}: {rule!r} is not a valid RFC 5545 rule ({exc})") from None
    found: datetime.datetime | None = parsed.after(after, inc=True)
    return found


def first_date(
    today: datetime.date, rule: str, *, hour: int, minute: int, timezone: str, field: str
) -> datetime.date:
    """The first day on or after ``today`` on which ``rule`` occurs (at ``hour:minute`` local)."""
    start = datetime.datetime(today.year, today.month, today.day, hour, minute, tzinfo=zone(timezone))
    found = next_occurrence(rule, start, start, field)
    if found is None:
        raise ScheduleError(f"{field}: {rule!r} has no occurrence from {today.isoformat()} on")
    return found.date()


def parse_local(text: str, field: str) -> str:
    """``YYYY-MM-DDTHH:MM[:SS]`` (no offset) -> ``YYYY-MM-DDTHH:MM``."""
    try:
        value = datetime.datetime.fromisoformat(str(text).strip().replace(" ", "T"))
    except ValueError as exc:
        raise ScheduleError(f"{field}: {text!r} is not a local date-time YYYY-MM-DDTHH:MM") from exc
    if value.tzinfo is not None:
        raise ScheduleError(
            f"{field}: {text!r} must not carry a UTC offset (the schedule's timezone applies)"
        )
    return value.strftime("%Y-%m-%dT%H:%M")


def recurrence(
    item: dict[str, Any], index: int, today: datetime.date, timezone: str = "UTC"
) -> dict[str, Any]:
    """One task recurrence -> ``{"rrule", "start", "duration", "date_managed"}``.

    Friendly form: ``days`` + ``start_time`` + one of ``end_time``/``duration``/``all_day``,
    optional ``start_date``. Raw form: ``rrule`` + ``duration`` (+ optional ``start``).
    ``date_managed`` is False when the task gives no date: the first occurrence date is then
    computed from today (the first day the rule occurs, found with an RFC 5545 parser) and only
    the time of day is compared later (idempotent across days).
    """
    field = f"recurrences[{index}]"
    friendly = item.get("days") is not None
    if friendly and item.get("rrule"):
        raise ScheduleError(f"{field}: give either days (friendly form) or rrule, not both")
    if not friendly and not item.get("rrule"):
        raise ScheduleError(f"{field}: needs days (with start_time) or an rrule")
    lengths = [k for k in ("end_time", "duration", "all_day") if item.get(k) not in (None, False)]
    if len(lengths) != 1:
        raise ScheduleError(
            f"{field}: give exactly one of end_time, duration, all_day (got {lengths or 'none'})"
        )
    if item.get("end_time") is not None and not friendly:
        raise ScheduleError(f"{field}: end_time needs start_time and days; with rrule use duration")
    if item.get("all_day") and item.get("start_time") not in (None, "00:00"):
        raise ScheduleError(f"{field}: all_day starts at 00:00; drop start_time or all_day")
    if item.get("start") and (item.get("start_date") or item.get("start_time")):
        raise ScheduleError(f"{field}: give start, or start_date/start_time, not both")

    if friendly:
        days = item["days"]
        if not days:
            raise ScheduleError(f"{field}.days: give at least one day")
        codes = sorted({day_code(d, f"{field}.days") for d in days}, key=WEEK_ORDER.index)
        rrule = f"FREQ=WEEKLY;BYDAY={','.join(codes)}"
    else:
        rrule = normalise_rrule(item["rrule"], f"{field}.rrule")
        if "COUNT=" in rrule and not item.get("start") and not item.get("start_date"):
            raise ScheduleError(
                f"{field}: COUNT counts occurrences from the first start; give {field}.start "
                "(or start_date), otherwise the first start moves with the day of the run"
            )

    hour, minute = parse_time(item.get("start_time") or "00:00", f"{field}.start_time")
    if item.get("all_day"):
        minutes = 24 * 60
    elif item.get("duration") is not None:
        minutes = parse_duration(item["duration"], f"{field}.duration")
    else:
        end_h, end_m = parse_time(item["end_time"], f"{field}.end_time")
        minutes = ((end_h * 60 + end_m) - (hour * 60 + minute)) % (24 * 60) or 24 * 60

    if item.get("start"):
        start = parse_local(item["start"], f"{field}.start")
        managed = True
    elif item.get("start_date"):
        try:
            date = datetime.date.fromisoformat(str(item["start_date"]))
        except ValueError as exc:
            raise ScheduleError(f"{field}.start_date: {item['start_date']!r} is not YYYY-MM-DD") from exc
        start = f"{date.isoformat()}T{hour:02d}:{minute:02d}"
        managed = True
    else:
        day = first_date(today, rrule, hour=hour, minute=minute, timezone=timezone, field=f"{field}.rrule")
        start = f"{day.isoformat()}T{hour:02d}:{minute:02d}"
        managed = False
    return {"rrule": rrule, "start": start, "duration": format_duration(minutes), "date_managed": managed}


def today_in(timezone: str) -> datetime.date:
    if ZoneInfo is None:
        return datetime.datetime.now(datetime.timezone.utc).date()
    return datetime.datetime.now(ZoneInfo(timezone)).date()


def parse_instant(text: str, field: str, timezone: str) -> str:
    """A one-time start/end: ISO date-time, with offset or in ``timezone`` -> UTC ``...Z``."""
    raw = str(text).strip().replace(" ", "T")
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ScheduleError(
            f"{field}: {text!r} is not an ISO 8601 date-time (2025-01-31T19:00:00+01:00)"
        ) from exc
    if value.tzinfo is None:
        tz = ZoneInfo(timezone) if ZoneInfo is not None else datetime.timezone.utc
        value = value.replace(tzinfo=tz)
    utc = value.astimezone(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    return utc.isoformat() + "Z"


def check_not_over(schedule: dict[str, Any] | None, now: datetime.datetime) -> None:
    """A window wholly in the past is bad input: it would silence nothing (and never be found
    again, since ended downtimes are not live)."""
    if not schedule:
        return
    if "recurrences" in schedule:
        tz = zone(schedule["timezone"])
        for index, rec in enumerate(schedule["recurrences"]):
            field = f"recurrences[{index}]"
            length = datetime.timedelta(minutes=parse_duration(rec["duration"], f"{field}.duration"))
            start = datetime.datetime.fromisoformat(rec["start"]).replace(tzinfo=tz)
            # An occurrence still matters when it ends after now: it starts after now - length.
            after = now - length + datetime.timedelta(seconds=1)
            if next_occurrence(rec["rrule"], start, after, f"{field}.rrule") is None:
                raise ScheduleError(
                    f"{field}: {rec['rrule']!r} starting {rec['start']} has no occurrence that ends "
                    f"after now ({now.strftime('%Y-%m-%dT%H:%M:%SZ')}): the downtime would be over "
                    "before it is scheduled (check UNTIL/COUNT/start, or remove the task)"
                )
        return
    if schedule.get("end") and schedule["end"] <= now.strftime("%Y-%m-%dT%H:%M:%SZ"):
        raise ScheduleError(
            f"end: {schedule['end']} is in the past (now {now.strftime('%Y-%m-%dT%H:%M:%SZ')}): the "
            "downtime would be over before it is scheduled; move the window or remove the task"
        )


def build_schedule(
    params: dict[str, Any],
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any] | None:
    """Task options -> the v2 ``schedule`` (recurrences carry ``date_managed`` for comparison).

    Returns ``None`` for "starts now, never ends" (no start, end nor recurrences). A schedule
    wholly in the past (see ``check_not_over``) is an error.
    """
    timezone = check_timezone(params.get("timezone") or "UTC")
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    recurrences = params.get("recurrences") or []
    if recurrences and (params.get("start") or params.get("end")):
        raise ScheduleError("start/end (one-time downtime) and recurrences are mutually exclusive")
    if recurrences:
        day = today or today_in(timezone)
        built: dict[str, Any] = {
            "timezone": timezone,
            "recurrences": [recurrence(item, i, day, timezone) for i, item in enumerate(recurrences)],
        }
        check_not_over(built, moment)
        return built
    schedule: dict[str, Any] = {}
    if params.get("start"):
        schedule["start"] = parse_instant(params["start"], "start", timezone)
    if params.get("end"):
        schedule["end"] = parse_instant(params["end"], "end", timezone)
    if "start" in schedule and "end" in schedule and schedule["end"] <= schedule["start"]:
        raise ScheduleError(f"end ({params['end']}) must be after start ({params['start']})")
    check_not_over(schedule, moment)
    return schedule or None


def api_schedule(schedule: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop our bookkeeping keys: what is sent to Datadog."""
    if not schedule:
        return None
    if "recurrences" in schedule:
        return {
            "timezone": schedule["timezone"],
            "recurrences": [
                {k: r[k] for k in ("rrule", "start", "duration")} for r in schedule["recurrences"]
            ],
        }
    return dict(schedule)


def _recurrence_key(rec: dict[str, Any]) -> tuple[str, str, int]:
    return (rec["rrule"], rec["start"], rec["duration_min"])


def normalise_schedule(
    schedule: dict[str, Any] | None, desired: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Server or task schedule -> comparable form, in the light of the task's ``desired`` schedule.

    Recurrences are a set; durations compare by length (``24h`` == ``1d``); a start whose date
    the task does not manage compares by time of day only; a one-time start the task leaves
    open ("now") is not compared.
    """
    if not schedule:
        return None
    if schedule.get("recurrences"):
        undated = {
            r["rrule"] for r in (desired or {}).get("recurrences", []) if not r.get("date_managed", True)
        }
        recs = []
        for rec in schedule["recurrences"]:
            rule = normalise_rrule(rec.get("rrule", ""), "schedule.recurrences[].rrule", strict=False)
            minutes = parse_duration(rec.get("duration", "0m"), "duration") if rec.get("duration") else 0
            start = str(rec.get("start") or "")[:16]
            if rule in undated:
                start = start[11:16]
            recs.append({"rrule": rule, "start": start, "duration_min": minutes})
        recs.sort(key=_recurrence_key)
        return {
            "timezone": schedule.get("timezone") or "UTC",
            "recurrences": [
                {"rrule": r["rrule"], "start": r["start"], "duration": format_duration(r["duration_min"])}
                if r["duration_min"]
                else {"rrule": r["rrule"], "start": r["start"]}
                for r in recs
            ],
        }
    out: dict[str, Any] = {}
    for key in ("start", "end"):
        if schedule.get(key):
            if key == "start" and not (desired or {}).get("start"):
                continue
            out[key] = parse_instant(schedule[key], key, "UTC")
    return out or None
