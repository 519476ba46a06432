"""Downtimes v1: create, get, update (PUT), cancel (DELETE), list, cancel by scope, per monitor.

At Datadog the v1 and v2 downtime APIs are two views of the same objects: a downtime created
with one is listed, read, changed and cancelled by the other (v1 answers carry the v2 id as
``uuid``). The emulator keeps one store (``Store.downtimes``, the v2 form) and derives the v1
view from it; what v1 can say and v2 cannot (a scope *list*, a ``days/weeks/months/years``
recurrence, a first occurrence to the second) is kept beside it (``v1_*`` keys) until a v2
write replaces that part.

Mapping (v1 -> v2): ``scope`` list -> the terms joined with `` AND `` (v1 applies a downtime to
sources matching all scopes); ``monitor_id`` / ``monitor_tags`` (default ``["*"]``) ->
``monitor_identifier``; ``timezone`` -> ``display_timezone``; ``start``/``end`` (POSIX) -> a
one-time schedule, or with ``recurrence`` a recurring schedule whose rrule is built from the
recurrence and whose duration is ``end - start``.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from datadog_api_client.v1.model.cancel_downtimes_by_scope_request import CancelDowntimesByScopeRequest
from datadog_api_client.v1.model.downtime import Downtime

from dd_emulator import downtimes
from dd_emulator.errors import ApiError, bad_request, not_found
from dd_emulator.ids import integer_id
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import ORG_ID, USER, iso, now, parse_iso
from dd_emulator.validation import to_json, validate

DEFAULT_END_STATES = ["alert", "no data", "warn"]
WEEK_DAYS = {"Mon": "MO", "Tue": "TU", "Wed": "WE", "Thu": "TH", "Fri": "FR", "Sat": "SA", "Sun": "SU"}
_FREQUENCIES = {"days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY", "years": "YEARLY"}
RECURRENCE_TYPES = (*_FREQUENCIES, "rrule")
# Read-only fields of a v1 downtime a client may send back from a read; Datadog ignores them.
_SERVER_FIELDS = (
    "id",
    "org_id",
    "uuid",
    "active",
    "active_child",
    "canceled",
    "created",
    "modified",
    "creator_id",
    "updater_id",
    "creator",
    "disabled",
    "downtime_type",
    "parent_id",
    "child_id",
    "status",
)
# Messages recorded from Datadog (typo included).
WEEK_DAYS_ERROR = "Invalid set of days in week_days. Be sure that the first letter is capitalized."
UNTIL_ERROR = "You must provide only provide one of (until_occurrences, until_date)"


def _epoch(value: str | None) -> int | None:
    return None if value is None else int(parse_iso(value).timestamp())


def _from_epoch(value: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)


def downtime_type(scope: list[str]) -> int:
    """0 for ``*``, 1 when only one host is scoped, 2 otherwise (as every recording shows)."""
    if scope == ["*"]:
        return 0
    if len(scope) == 1 and scope[0].startswith("host:"):
        return 1
    return 2


def _normalise_recurrence(recurrence: dict[str, Any] | None) -> dict[str, Any] | None:
    """Validate a v1 recurrence and return it the way Datadog echoes it."""
    if recurrence is None:
        return None
    kind = recurrence.get("type")
    if kind not in RECURRENCE_TYPES:
        raise bad_request(f"Invalid recurrence type '{kind}': must be one of {', '.join(RECURRENCE_TYPES)}")
    if kind == "rrule":
        rule = recurrence.get("rrule")
        if not rule:
            raise bad_request("A recurrence of type 'rrule' needs an 'rrule'")
        downtimes.check_rrule(rule)
        return {"type": "rrule", "rrule": rule}
    week_days = recurrence.get("week_days")
    if week_days is not None and (not week_days or any(day not in WEEK_DAYS for day in week_days)):
        raise bad_request(WEEK_DAYS_ERROR)
    if recurrence.get("until_occurrences") is not None and recurrence.get("until_date") is not None:
        raise bad_request(UNTIL_ERROR)
    period = recurrence.get("period", 1)
    if period < 1:
        raise bad_request("The recurrence 'period' must be a positive integer")
    if recurrence.get("until_occurrences") is not None and recurrence["until_occurrences"] < 1:
        raise bad_request("The recurrence 'until_occurrences' must be a positive integer")
    return {
        "type": kind,
        "period": period,
        "week_days": week_days,
        "until_occurrences": recurrence.get("until_occurrences"),
        "until_date": recurrence.get("until_date"),
    }


def _rrule(recurrence: dict[str, Any]) -> str:
    if recurrence["type"] == "rrule":
        return str(recurrence["rrule"])
    parts = [f"FREQ={_FREQUENCIES[recurrence['type']]}", f"INTERVAL={recurrence['period']}"]
    if recurrence["type"] == "weeks" and recurrence["week_days"]:
        parts.append("BYDAY=" + ",".join(WEEK_DAYS[day] for day in recurrence["week_days"]))
    if recurrence["until_occurrences"] is not None:
        parts.append(f"COUNT={recurrence['until_occurrences']}")
    if recurrence["until_date"] is not None:
        parts.append("UNTIL=" + _from_epoch(recurrence["until_date"]).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def _duration_text(seconds: int) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _schedule(
    start: int, end: int | None, recurrence: dict[str, Any] | None, timezone: str
) -> dict[str, Any]:
    """The stored (v2) schedule for a v1 start/end/recurrence."""
    if end is not None and end <= start:
        raise bad_request("Downtime end must be after its start")
    if recurrence is None:
        return {
            "kind": "one_time",
            "start": iso(_from_epoch(start)),
            "end": iso(_from_epoch(end)) if end else None,
        }
    if end is None:
        raise bad_request("A recurring downtime needs an 'end': its occurrences last end - start")
    if recurrence.get("until_date") is not None and recurrence["until_date"] <= start:
        raise bad_request("The recurrence 'until_date' must be after the downtime start")
    local = _from_epoch(start).astimezone(downtimes.zone(timezone, "timezone"))
    rule = _rrule(recurrence)
    downtimes.check_rrule(rule)
    return {
        "kind": "recurring",
        "timezone": timezone,
        "recurrences": [
            {
                "duration": _duration_text(end - start),
                "rrule": rule,
                "start": local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M"),
            }
        ],
    }


def _v1_window(stored: dict[str, Any], moment: datetime.datetime) -> tuple[int | None, int | None]:
    """start/end as v1 shows them: the first occurrence until it ends, then the current one."""
    schedule = stored["schedule"]
    if schedule["kind"] == "one_time":
        return _epoch(schedule["start"]), _epoch(schedule["end"])
    first = stored.get("v1_start"), stored.get("v1_end")
    if first[0] is not None and (first[1] is None or first[1] > moment.timestamp()):
        return first
    occurrence = downtimes.current_window(schedule, moment)
    if occurrence is not None:
        return int(occurrence[0].timestamp()), int(occurrence[1].timestamp())
    if first[0] is not None:
        return first
    item = schedule["recurrences"][0]
    start = datetime.datetime.fromisoformat(item["start"]).replace(
        tzinfo=downtimes.zone(schedule["timezone"], "timezone")
    )
    return int(start.timestamp()), int((start + downtimes.span(item["duration"])).timestamp())


def _v1_status(stored: dict[str, Any], start: int | None, end: int | None, moment: datetime.datetime) -> str:
    if stored["canceled"]:
        return "canceled"
    stamp = moment.timestamp()
    if start is not None and start > stamp:
        return "scheduled"
    if end is not None and end <= stamp:
        return "ended"
    return "active"


def _v1_recurrence(stored: dict[str, Any]) -> dict[str, Any] | None:
    if stored["schedule"]["kind"] != "recurring":
        return None
    if stored.get("v1_recurrence"):
        return dict(stored["v1_recurrence"])
    return {"type": "rrule", "rrule": stored["schedule"]["recurrences"][0]["rrule"]}


def document(stored: dict[str, Any], with_creator: bool = False) -> dict[str, Any]:
    """A downtime as the v1 API returns it (key order as recorded)."""
    moment = now()
    start, end = _v1_window(stored, moment)
    state = _v1_status(stored, start, end, moment)
    identifier = stored["monitor_identifier"]
    scope = downtimes.v1_scope(stored)
    doc: dict[str, Any] = {
        "id": stored["v1_id"],
        "monitor_id": identifier.get("monitor_id"),
        "org_id": ORG_ID,
        "start": start,
        "end": end,
        "canceled": _epoch(stored["canceled"]),
        "created": _epoch(stored["created"]),
        "modified": _epoch(stored["modified"]),
        "message": stored["message"],
        "active": state == "active",
        "disabled": stored["canceled"] is not None,
        "recurrence": _v1_recurrence(stored),
        "timezone": stored["display_timezone"],
        "parent_id": None,
        "child_id": None,
        "creator_id": stored.get("creator_id", USER["id"]),
        "updater_id": stored.get("updater_id"),
        "downtime_type": downtime_type(scope),
        "status": state,
        "monitor_tags": list(identifier.get("monitor_tags") or ["*"]),
        "mute_first_recovery_notification": stored["mute_first_recovery_notification"],
        "notify_end_types": stored["notify_end_types"],
        "notify_end_states": stored["notify_end_states"],
        "uuid": stored["id"],
        "scope": scope,
    }
    if with_creator:
        doc["creator"] = {
            "id": USER["id"],
            "email": USER["email"],
            "handle": USER["handle"],
            "name": USER["name"],
        }
    return doc


def _parse(req: Request) -> dict[str, Any]:
    body = req.body
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _SERVER_FIELDS}
    data = to_json(validate(body, Downtime))
    if "scope" in data and (not data["scope"] or any(not str(s).strip() for s in data["scope"])):
        raise bad_request("The value provided for parameter 'scope' is invalid: an empty scope")
    if data.get("timezone") is not None:
        downtimes.zone(data["timezone"], "timezone")
    return data


def _lookup(req: Request) -> dict[str, Any]:
    wanted = integer_id(req.params["downtime_id"], "downtime_id")
    for stored in req.store.downtimes.values():
        if stored.get("v1_id") == wanted:
            return stored
    raise not_found("Downtime not found")


def _apply(stored: dict[str, Any], data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Merge a validated v1 body into a stored downtime (a copy) and re-derive the v2 form."""
    updated = dict(stored)
    if "scope" in data:
        updated["v1_scope"] = list(data["scope"])
        updated["scope"] = " AND ".join(data["scope"])
    for key in ("message", "mute_first_recovery_notification", "notify_end_states", "notify_end_types"):
        if key in data:
            updated[key] = data[key]
    if "monitor_id" in data or "monitor_tags" in data:
        monitor_id = data.get("monitor_id", updated["monitor_identifier"].get("monitor_id"))
        if monitor_id is not None:
            updated["monitor_identifier"] = {"monitor_id": monitor_id}
        else:
            updated["monitor_identifier"] = {"monitor_tags": list(data.get("monitor_tags") or ["*"])}
    timezone = data.get("timezone") or updated["display_timezone"]
    schedule_keys = ("start", "end", "recurrence", "timezone")
    if creating or any(key in data for key in schedule_keys):
        start_now, end_now = _v1_window(stored, now()) if not creating else (None, None)
        start = data.get("start")
        if start is None:
            start = start_now if start_now is not None and "start" not in data else int(now().timestamp())
        end = data.get("end", end_now)
        if "recurrence" in data:
            recurrence = _normalise_recurrence(data["recurrence"])
        else:
            recurrence = None if creating else _v1_recurrence(stored)
        updated["schedule"] = _schedule(start, end, recurrence, timezone)
        for key in downtimes.V1_SCHEDULE_KEYS:
            updated.pop(key, None)
        if recurrence is not None:
            updated.update({"v1_recurrence": recurrence, "v1_start": start, "v1_end": end})
    updated["display_timezone"] = timezone
    return updated


def create(req: Request) -> Reply:
    data = _parse(req)
    if not data.get("scope"):
        raise bad_request("'scope' is a required property")
    stamp = iso(now())
    blank = {
        "id": str(uuid.uuid1()),
        "display_timezone": "UTC",
        "scope": "",
        "message": None,
        "monitor_identifier": {"monitor_tags": ["*"]},
        "mute_first_recovery_notification": False,
        "notify_end_states": list(DEFAULT_END_STATES),
        "notify_end_types": list(downtimes.DEFAULT_END_TYPES),
        "schedule": {},
        "created": stamp,
        "modified": stamp,
        "canceled": None,
        "creator_id": USER["id"],
        "updater_id": None,
    }
    stored = _apply(blank, data, creating=True)
    with req.store.lock:
        stored["v1_id"] = req.store.new_downtime_id()
        req.store.downtimes[stored["id"]] = stored
        req.store.save()
        return Reply(body=document(stored))


def get(req: Request) -> Reply:
    with req.store.lock:
        return Reply(body=document(_lookup(req)))


def update(req: Request) -> Reply:
    with req.store.lock:
        _lookup(req)
    data = _parse(req)
    with req.store.lock:
        current = _lookup(req)
        updated = _apply(current, data, creating=False)
        updated["updater_id"] = USER["id"]
        req.store.downtimes[updated["id"]] = updated
        req.store.save()
        doc = document(updated)
    doc["uuid"] = None  # Datadog's PUT answer carries no uuid (recorded); reads do
    return Reply(body=doc)


def _cancel(stored: dict[str, Any], stamp: str) -> None:
    stored["canceled"] = stamp
    stored["modified"] = stamp
    stored["updater_id"] = USER["id"]


def cancel(req: Request) -> Reply:
    raw = req.params["downtime_id"]
    integer_id(raw, "downtime_id")
    with req.store.lock:
        try:
            stored = _lookup(req)
        except ApiError:
            raise not_found(f"Downtime {raw} not found") from None
        if not stored["canceled"]:
            _cancel(stored, iso(now()))
            req.store.save()
    return Reply(status=204)


def cancel_by_scope(req: Request) -> Reply:
    scope = to_json(validate(req.body, CancelDowntimesByScopeRequest))["scope"]
    with req.store.lock:
        found = [
            stored
            for stored in sorted(req.store.downtimes.values(), key=lambda d: d["v1_id"])
            if not stored["canceled"] and (scope in downtimes.v1_scope(stored) or stored["scope"] == scope)
        ]
        if not found:
            raise not_found("No downtimes found")
        stamp = iso(now())
        for stored in found:
            _cancel(stored, stamp)
        req.store.save()
    return Reply(body={"cancelled_ids": [stored["v1_id"] for stored in found]})


def list_(req: Request) -> Reply:
    current_only = req.flag("current_only", False)
    with_creator = req.flag("with_creator", False)
    with req.store.lock:
        docs = [
            document(stored, with_creator)
            for stored in sorted(req.store.downtimes.values(), key=lambda d: d["v1_id"])
        ]
    if current_only:
        docs = [doc for doc in docs if doc["active"]]
    return Reply(body=docs)


def for_monitor(req: Request) -> Reply:
    monitor_id = integer_id(req.params["monitor_id"], "monitor_id")
    with req.store.lock:
        monitor = req.store.monitors.get(monitor_id)
        if monitor is None:
            raise not_found("Monitor not found")
        return Reply(body=downtimes.matching_v1(req.store, monitor))


ROUTES = [
    Route("POST", "/api/v1/downtime", create, limit_name="downtimes"),
    Route("GET", "/api/v1/downtime", list_, limit_name="downtimes"),
    Route("POST", "/api/v1/downtime/cancel/by_scope", cancel_by_scope, limit_name="downtimes"),
    Route("GET", "/api/v1/downtime/{downtime_id}", get, limit_name="downtimes"),
    Route("PUT", "/api/v1/downtime/{downtime_id}", update, limit_name="downtimes"),
    Route("DELETE", "/api/v1/downtime/{downtime_id}", cancel, limit_name="downtimes"),
    Route("GET", "/api/v1/monitor/{monitor_id}/downtimes", for_monitor, limit_name="downtimes"),
]
