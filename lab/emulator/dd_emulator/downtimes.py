"""Downtimes v2: create, get, update (PATCH), cancel (DELETE), list, monitor downtime matches."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest
from dateutil import rrule as rrule_mod

from dd_emulator.errors import bad_request, not_found
from dd_emulator.ids import integer_id, uuid_id
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import USER, Store, iso, now, parse_iso
from dd_emulator.validation import to_json, validate

DEFAULT_END_STATES = ["alert", "no data", "warn"]
DEFAULT_END_TYPES = ["expired"]
# What a downtime written through v1 keeps of its v1 form (see downtimes_v1).
V1_SCHEDULE_KEYS = ("v1_recurrence", "v1_start", "v1_end")
_DURATION = re.compile(r"^(\d+)([mhdw])$")
_STORED_DURATION = re.compile(r"^(\d+)([smhdw])$")  # v1 recurrences may last any number of seconds
_LOCAL_START = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
_FORBIDDEN_RRULE = ("DTSTART", "DTEND", "DURATION")
_SCOPE_OPERATORS = frozenset({"AND", "OR", "NOT"})
# key:(a OR b) - a group of values for one key (common search syntax).
_SCOPE_VALUE_GROUP = re.compile(r'([^\s()":]+):\(([^()]*)\)')
# RFC 5545 3.3.10: the parts of a RECUR value and the ranges of the numeric ones
# (name -> (lowest, highest, whether -highest..-lowest is allowed too)).
_RRULE_NUMBERS = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_RRULE_OTHER = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST")
_WEEKDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(f"Invalid timezone '{name}' for parameter '{field}'") from None


def check_scope(scope: str) -> None:
    """Every term of a downtime scope is ``key:value`` (or ``*``), combined with AND/OR/NOT;
    ``key:(a OR b)`` gives one key several values (common search syntax)."""
    if not scope.strip():
        raise bad_request("Scope must not be empty")
    flat = _SCOPE_VALUE_GROUP.sub(lambda m: f"{m.group(1)}:grouped", re.sub(r'"[^"]*"', "q", scope))
    if flat.count("(") != flat.count(")"):
        raise bad_request(f"Invalid scope '{scope}': unbalanced parentheses")
    for word in re.findall(r'[^\s()"]+(?:"[^"]*")?', flat):
        if word.upper() in _SCOPE_OPERATORS or word == "*":
            continue
        term = word.lstrip("-!")
        key, sep, value = term.partition(":")
        if not sep or not key or not value:
            raise bad_request("All values must have a key")


def _duration(value: str) -> datetime.timedelta:
    match = _DURATION.match(value or "")
    if not match:
        raise bad_request(
            f"Invalid duration '{value}': "
            "must begin with an integer and end with one of 'm', 'h', 'd', or 'w'"
        )
    return datetime.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def span(value: str) -> datetime.timedelta:
    """The length of a stored recurrence (v2 durations, or v1 ones converted to seconds)."""
    match = _STORED_DURATION.match(value)
    if not match:
        return _duration(value)
    return datetime.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _rrule_problem(parts: dict[str, str]) -> str | None:
    """What RFC 5545 (3.3.10) forbids in a RECUR value that dateutil lets through."""
    freq = parts.get("FREQ")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) > 0):
            return f"{name} must be a positive integer"
    if "COUNT" in parts and "UNTIL" in parts:
        return "COUNT and UNTIL must not occur in the same rule"
    for name, (low, high, signed) in _RRULE_NUMBERS.items():
        for item in parts[name].split(",") if name in parts else []:
            digits = item[1:] if signed and item[:1] in "+-" else item
            if not digits.isdigit() or not low <= int(digits) <= high:
                return f"{name} value '{item}' is out of range"
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        return "BYMONTHDAY must not be specified when FREQ is WEEKLY"
    if "BYYEARDAY" in parts and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        return f"BYYEARDAY must not be specified when FREQ is {freq}"
    if "BYWEEKNO" in parts and freq != "YEARLY":
        return "BYWEEKNO must only be used when FREQ is YEARLY"
    if "BYSETPOS" in parts and not any(k.startswith("BY") and k != "BYSETPOS" for k in parts):
        return "BYSETPOS must be used with another BYxxx rule part"
    for day in parts["BYDAY"].split(",") if "BYDAY" in parts else []:
        match = _WEEKDAY.match(day)
        if match is None:
            return f"BYDAY value '{day}' is not a weekday"
        if match.group(1):
            if freq not in ("MONTHLY", "YEARLY"):
                return f"BYDAY value '{day}' has a numeric value but FREQ is {freq}, not MONTHLY or YEARLY"
            if freq == "YEARLY" and "BYWEEKNO" in parts:
                return f"BYDAY value '{day}' has a numeric value with BYWEEKNO"
            if not 1 <= abs(int(match.group(1))) <= 53:
                return f"BYDAY value '{day}' is out of range"
    return None


def check_rrule(text: str) -> None:
    upper = text.upper()
    for word in _FORBIDDEN_RRULE:
        if word in upper:
            raise bad_request(f"Invalid RRULE: attributes specifying the duration ({word}) are not supported")
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in upper.removeprefix("RRULE:").split(";"))):
        name, _, value = chunk.partition("=")
        if name in parts:
            raise bad_request(f"Invalid RRULE '{text}': {name} appears twice")
        parts[name.strip()] = value.strip()
    unknown = [name for name in parts if name not in _RRULE_NUMBERS and name not in _RRULE_OTHER]
    problem = f"unknown parameter '{unknown[0]}'" if unknown else _rrule_problem(parts)
    if problem:
        raise bad_request(f"Invalid RRULE '{text}': {problem}")
    try:
        # Evaluated with a zone-aware start (see current_window): UNTIL must then be UTC ("...Z").
        rrule_mod.rrulestr(text, dtstart=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    except (ValueError, TypeError) as exc:
        raise bad_request(f"Invalid RRULE '{text}': {exc}") from None


def _local_start(value: str | None, tz: ZoneInfo) -> str:
    if value is None:
        return datetime.datetime.now(tz).strftime("%Y-%m-%dT%H:%M")
    if not _LOCAL_START.match(value):
        raise bad_request(f"Invalid recurrence start '{value}': an ISO-8601 datetime without UTC offset")
    return value[:16]


def _normalise_schedule(schedule: dict[str, Any] | None, current: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a request schedule and return the stored form (one-time or recurring)."""
    if schedule is None:
        if current is not None:
            return current
        return {"kind": "one_time", "start": iso(now()), "end": None}
    if "recurrences" in schedule or (current and current["kind"] == "recurring" and "start" not in schedule):
        base = (
            current if current and current["kind"] == "recurring" else {"timezone": "UTC", "recurrences": []}
        )
        timezone = schedule.get("timezone") or base["timezone"]
        tz = zone(timezone, "schedule.timezone")
        recurrences = []
        for item in schedule.get("recurrences", base["recurrences"]):
            _duration(item["duration"])
            check_rrule(item["rrule"])
            recurrences.append(
                {
                    "duration": item["duration"],
                    "rrule": item["rrule"],
                    "start": _local_start(item.get("start"), tz),
                }
            )
        if not recurrences:
            raise bad_request("Minimum number of elements in parameter 'recurrences' should be 1")
        return {"kind": "recurring", "timezone": timezone, "recurrences": recurrences}
    base = current if current and current["kind"] == "one_time" else {}
    start = schedule.get("start", base.get("start"))
    start = iso(now()) if start is None else iso(parse_iso(start))
    end = schedule.get("end", base.get("end"))
    end = None if end is None else iso(parse_iso(end))
    if end is not None and parse_iso(end) <= parse_iso(start):
        raise bad_request("Downtime end must be after its start")
    return {"kind": "one_time", "start": start, "end": end}


def current_window(
    schedule: dict[str, Any], moment: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The running or next occurrence of a recurring schedule, or None when it has ended."""
    tz = ZoneInfo(schedule["timezone"])
    best: tuple[datetime.datetime, datetime.datetime] | None = None
    for item in schedule["recurrences"]:
        length = span(item["duration"])
        start = datetime.datetime.fromisoformat(item["start"]).replace(tzinfo=tz)
        rule = rrule_mod.rrulestr(item["rrule"], dtstart=start)
        occurrence = rule.after(moment - length, inc=False)
        if occurrence is None:
            continue
        candidate = (occurrence, occurrence + length)
        if best is None or candidate[0] < best[0]:
            best = candidate
    return best


def status(stored: dict[str, Any], moment: datetime.datetime) -> str:
    if stored["canceled"]:
        return "canceled"
    schedule = stored["schedule"]
    if schedule["kind"] == "recurring":
        occurrence = current_window(schedule, moment)
        if occurrence is None:
            return "ended"
        return "active" if occurrence[0] <= moment else "scheduled"
    if parse_iso(schedule["start"]) > moment:
        return "scheduled"
    if schedule["end"] and parse_iso(schedule["end"]) <= moment:
        return "ended"
    return "active"


def _schedule_doc(schedule: dict[str, Any], moment: datetime.datetime) -> dict[str, Any]:
    if schedule["kind"] == "one_time":
        return {"end": schedule["end"], "start": schedule["start"]}
    occurrence = current_window(schedule, moment)
    doc: dict[str, Any] = {
        "recurrences": [dict(r) for r in schedule["recurrences"]],
        "timezone": schedule["timezone"],
    }
    if occurrence is not None:
        doc["current_downtime"] = {"end": iso(occurrence[1]), "start": iso(occurrence[0])}
    return doc


def _user_ref() -> dict[str, Any]:
    return {"type": "users", "id": USER["uuid"]}


def _user_included() -> dict[str, Any]:
    return {
        "type": "users",
        "id": USER["uuid"],
        "attributes": {
            "name": USER["name"],
            "handle": USER["handle"],
            "created_at": "2019-10-02T08:15:39.795051+00:00",
            "modified_at": "2020-06-15T12:33:12.884459+00:00",
            "email": USER["email"],
            "icon": None,
            "title": None,
            "verified": True,
            "service_account": False,
            "disabled": False,
            "allowed_login_methods": [],
            "status": "Active",
        },
    }


def data_doc(stored: dict[str, Any], relationships: bool) -> dict[str, Any]:
    moment = now()
    attributes = {
        "display_timezone": stored["display_timezone"],
        "scope": stored["scope"],
        "notify_end_states": stored["notify_end_states"],
        "message": stored["message"],
        "created": stored["created"],
        "status": status(stored, moment),
        "modified": stored["modified"],
        "canceled": stored["canceled"],
        "monitor_identifier": stored["monitor_identifier"],
        "schedule": _schedule_doc(stored["schedule"], moment),
        "notify_end_types": stored["notify_end_types"],
        "mute_first_recovery_notification": stored["mute_first_recovery_notification"],
    }
    doc: dict[str, Any] = {"type": "downtime", "attributes": attributes, "id": stored["id"]}
    if relationships:
        monitor_id = stored["monitor_identifier"].get("monitor_id")
        doc["relationships"] = {
            "monitor": {"data": {"type": "monitors", "id": str(monitor_id)} if monitor_id else None},
            "created_by": {"data": _user_ref()},
        }
    return doc


def _single(stored: dict[str, Any], full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"data": data_doc(stored, relationships=full)}
    if full:
        body["included"] = [_user_included()]
    return body


def _check_timezones(display_timezone: str, schedule: dict[str, Any]) -> None:
    zone(display_timezone, "display_timezone")
    if schedule["kind"] == "recurring" and schedule["timezone"] != display_timezone:
        # Datadog's answer (reported in DataDog/terraform-provider-datadog#2567).
        raise bad_request("timezone must match display_timezone")


def create(req: Request) -> Reply:
    body = to_json(validate(req.body, DowntimeCreateRequest))
    attrs = body["data"]["attributes"]
    check_scope(attrs["scope"])
    schedule = _normalise_schedule(attrs.get("schedule"), None)
    display_timezone = attrs.get("display_timezone") or (
        schedule["timezone"] if schedule["kind"] == "recurring" else "UTC"
    )
    _check_timezones(display_timezone, schedule)
    stamp = iso(now())
    stored = {
        "id": str(uuid.uuid1()),
        "v1_id": req.store.new_downtime_id(),
        "display_timezone": display_timezone,
        "scope": attrs["scope"],
        "message": attrs.get("message"),
        "monitor_identifier": attrs["monitor_identifier"],
        "mute_first_recovery_notification": attrs.get("mute_first_recovery_notification", False),
        "notify_end_states": attrs.get("notify_end_states", list(DEFAULT_END_STATES)),
        "notify_end_types": attrs.get("notify_end_types", list(DEFAULT_END_TYPES)),
        "schedule": schedule,
        "created": stamp,
        "modified": stamp,
        "canceled": None,
        "creator_id": USER["id"],
        "updater_id": None,
    }
    with req.store.lock:
        # Stamped when it becomes visible (as a database commit would): of two concurrent
        # creates, the one listed first is always the one created first.
        stored["created"] = stored["modified"] = iso(now())
        req.store.downtimes[stored["id"]] = stored
        req.store.save()
    return Reply(body=_single(stored, full=True))


def get(req: Request) -> Reply:
    with req.store.lock:
        stored = req.store.downtimes.get(uuid_id(req.params["downtime_id"], "downtime_id"))
        if stored is None:
            raise not_found("Downtime not found")
        return Reply(body=_single(stored, full=bool(req.arg("include"))))


def update(req: Request) -> Reply:
    downtime_id = uuid_id(req.params["downtime_id"], "downtime_id")
    with req.store.lock:
        if downtime_id not in req.store.downtimes:
            raise not_found("Downtime not found")
    body = to_json(validate(req.body, DowntimeUpdateRequest))
    if body["data"]["id"] != downtime_id:
        raise bad_request("The downtime id in the request body does not match the one in the path")
    attrs = body["data"]["attributes"]
    with req.store.lock:
        current = req.store.downtimes.get(downtime_id)
        if current is None:
            raise not_found("Downtime not found")
        if "scope" in attrs:
            check_scope(attrs["scope"])
        schedule = _normalise_schedule(attrs.get("schedule"), current["schedule"])
        display_timezone = attrs.get("display_timezone", current["display_timezone"])
        _check_timezones(display_timezone, schedule)
        updated = dict(current)
        for key in (
            "scope",
            "message",
            "monitor_identifier",
            "mute_first_recovery_notification",
            "notify_end_states",
            "notify_end_types",
        ):
            if key in attrs:
                updated[key] = attrs[key]
        updated.update(
            {
                "schedule": schedule,
                "display_timezone": display_timezone,
                "modified": iso(now()),
                "updater_id": USER["id"],
            }
        )
        # The v1 view keeps the v1 form of what v1 wrote until v2 rewrites that part.
        if "scope" in attrs:
            updated.pop("v1_scope", None)
        if "schedule" in attrs:
            for key in V1_SCHEDULE_KEYS:
                updated.pop(key, None)
        req.store.downtimes[downtime_id] = updated
        req.store.save()
        return Reply(body=_single(updated, full=True))


def cancel(req: Request) -> Reply:
    downtime_id = uuid_id(req.params["downtime_id"], "downtime_id")
    with req.store.lock:
        stored = req.store.downtimes.get(downtime_id)
        if stored is None:
            raise not_found(f"Downtime {downtime_id} not found")
        if not stored["canceled"]:
            stamp = iso(now())
            stored["canceled"] = stamp
            stored["modified"] = stamp
            stored["updater_id"] = USER["id"]
            req.store.save()
    return Reply(status=204)


def _page(req: Request) -> tuple[int, int]:
    offset = req.integer("page[offset]", 0) or 0
    limit = req.integer("page[limit]", 30, minimum=1) or 30
    return offset, limit


def list_(req: Request) -> Reply:
    """All downtimes, cancelled and ended ones included (Datadog lists them for a while).

    ``current_only``: "Only return downtimes that are active when the request is made" (API
    reference) - a downtime that has not started yet, or a recurring one between two of its
    windows (``scheduled``), is left out.
    """
    current_only = req.flag("current_only", False)
    offset, limit = _page(req)
    moment = now()
    with req.store.lock:
        items = sorted(req.store.downtimes.values(), key=lambda d: d["created"])
        if current_only:
            items = [d for d in items if status(d, moment) == "active"]
        docs = [data_doc(d, relationships=bool(req.arg("include"))) for d in items[offset : offset + limit]]
    return Reply(body={"data": docs, "meta": {"page": {"total_filtered_count": len(items)}}})


def applies(stored: dict[str, Any], monitor: dict[str, Any]) -> bool:
    identifier = stored["monitor_identifier"]
    if "monitor_id" in identifier:
        return int(identifier["monitor_id"]) == monitor["id"]
    wanted = identifier.get("monitor_tags") or []
    return wanted == ["*"] or all(tag in monitor.get("tags", []) for tag in wanted)


def _active_for(store: Store, monitor: dict[str, Any]) -> list[dict[str, Any]]:
    moment = now()
    found = []
    for stored in sorted(store.downtimes.values(), key=lambda d: d["created"]):
        if status(stored, moment) in ("active", "scheduled") and applies(stored, monitor):
            found.append(stored)
    return found


def window(stored: dict[str, Any]) -> tuple[str | None, str | None]:
    schedule = stored["schedule"]
    if schedule["kind"] == "one_time":
        return schedule["start"], schedule["end"]
    occurrence = current_window(schedule, now())
    return (iso(occurrence[0]), iso(occurrence[1])) if occurrence else (None, None)


def matches(req: Request) -> Reply:
    raw = req.params["monitor_id"]
    monitor_id = integer_id(raw, "monitor_id")
    offset, limit = _page(req)
    with req.store.lock:
        monitor = req.store.monitors.get(monitor_id)
        if monitor is None:
            raise not_found(f"Monitor with id {raw} not found")
        found = _active_for(req.store, monitor)
    data = []
    for stored in found[offset : offset + limit]:
        start, end = window(stored)
        data.append(
            {
                "type": "downtime_match",
                "id": stored["id"],
                "attributes": {"groups": ["*"], "scope": stored["scope"], "start": start, "end": end},
            }
        )
    return Reply(body={"data": data, "meta": {"page": {"total_filtered_count": len(found)}}})


def v1_scope(stored: dict[str, Any]) -> list[str]:
    """The scope as the v1 API shows it: the list v1 wrote, else the v2 query as one item."""
    return list(stored.get("v1_scope") or [stored["scope"]])


def matching_v1(store: Store, monitor: dict[str, Any]) -> list[dict[str, Any]]:
    """``matching_downtimes`` of a monitor read, in the v1 downtime shape Datadog uses there."""
    out = []
    for stored in _active_for(store, monitor):
        start, end = window(stored)
        out.append(
            {
                "id": stored["v1_id"],
                "start": int(parse_iso(start).timestamp()) if start else None,
                "end": int(parse_iso(end).timestamp()) if end else None,
                "scope": v1_scope(stored),
                "active": status(stored, now()) == "active",
                "monitor_id": monitor["id"],
            }
        )
    return out


ROUTES = [
    Route("POST", "/api/v2/downtime", create, limit_name="downtimes"),
    Route("GET", "/api/v2/downtime", list_, limit_name="downtimes"),
    Route("GET", "/api/v2/downtime/{downtime_id}", get, limit_name="downtimes"),
    Route("PATCH", "/api/v2/downtime/{downtime_id}", update, limit_name="downtimes"),
    Route("DELETE", "/api/v2/downtime/{downtime_id}", cancel, limit_name="downtimes"),
    Route("GET", "/api/v2/monitor/{monitor_id}/downtime_matches", matches, limit_name="downtimes"),
]
