"""Events v2: ``POST /api/v2/events`` (create, 202) and ``GET /api/v2/events`` (list).

At Datadog the create goes to the event intake host (``event-management-intake.{site}``, the
client's operation-level server) and the list to the API host; the lab has one loopback
emulator for both. Shapes as recorded by the official client's tests: create answers
``{"data": {"attributes": {"attributes": {"evt": {"id", "uid"}}}, "id": "_", "type": "event"},
"links": {"self": ...}}``; a list answers ``{"data": []}`` when nothing matches, else
``{"meta": {"page": {"after"}}, "data": [...], "links": {"next"}}``. Events of both API versions
are one stream (Datadog's event explorer), so a v1 event is listed here too.
"""

from __future__ import annotations

import base64
import datetime
import json
import random
import re
import string
import time
from typing import Any
from urllib.parse import urlencode

from datadog_api_client.v2.model.event_create_request_payload import EventCreateRequestPayload

from dd_emulator.errors import bad_request
from dd_emulator.misc import PAST_LIMIT
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import parse_iso
from dd_emulator.validation import to_json, validate

_RNG = random.SystemRandom()
_UID_ALPHABET = string.ascii_letters + string.digits
_RELATIVE = re.compile(r"^now(?:-(\d+)(s|m|h|d|w))?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DEFAULT_LIMIT = 10  # page[limit] default in the API reference
MAX_LIMIT = 1000


def _uid() -> str:
    return "AZ" + "".join(_RNG.choice(_UID_ALPHABET) for _ in range(22))


def create(req: Request) -> Reply:
    body = to_json(validate(req.body, EventCreateRequestPayload))
    attrs = body["data"]["attributes"]
    current = time.time()
    happened = current
    if "timestamp" in attrs:
        try:
            happened = parse_iso(attrs["timestamp"]).timestamp()
        except ValueError:
            raise bad_request(
                "The value provided for parameter 'data.attributes.timestamp' is invalid: not ISO 8601"
            ) from None
        if happened < current - PAST_LIMIT:
            raise bad_request("Event too far in the past")  # "no older than 18 hours" (reference)
    uid = _uid()
    event = {
        "id": _RNG.randrange(2**62, 2**63),
        "uid": uid,
        "title": attrs["title"],
        "text": attrs.get("message", ""),
        "date_happened": int(happened),
        "timestamp_ms": int(happened * 1000),
        "tags": attrs.get("tags") or [],
        "host": attrs.get("host"),
        "aggregation_key": attrs.get("aggregation_key"),
        "priority": "normal",
        "alert_type": "info",
        "category": attrs["category"],
        "integration_id": attrs.get("integration_id"),
        "custom_attributes": attrs["attributes"],
        "api_version": 2,
    }
    with req.store.lock:
        req.store.events.append(event)
        req.store.save()
    answer = {
        "data": {
            "attributes": {"attributes": {"evt": {"id": str(event["id"]), "uid": uid}}},
            "id": "_",
            "type": "event",
        },
        "links": {"self": f"{req.base_url}/event/event?uid={uid}"},
    }
    return Reply(status=202, body=answer)


def _moment(value: str, name: str, current: float) -> float:
    """filter[from]/filter[to]: date math (``now``, ``now-15m``), ISO 8601 or epoch milliseconds."""
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = relative.groups()
        return current - (int(amount) * _UNIT_SECONDS[unit] if amount else 0)
    if value.isdigit():
        return int(value) / 1000.0
    try:
        return parse_iso(value).timestamp()
    except ValueError:
        raise bad_request(f"The value provided for parameter '{name}' is invalid: {value!r}") from None


def _matches(event: dict[str, Any], query: str) -> bool:
    for term in query.split():
        if term == "*":
            continue
        key, _, value = term.partition(":")
        if value and key == "host":
            if event.get("host") != value:
                return False
        elif value:
            if term not in (event.get("tags") or []):
                return False
        elif term.lower() not in f"{event.get('title', '')} {event.get('text', '')}".lower():
            return False
    return True


def _item(event: dict[str, Any]) -> dict[str, Any]:
    millis = int(event.get("timestamp_ms") or event["date_happened"] * 1000)
    inner: dict[str, Any] = {
        "title": event["title"],
        "timestamp": millis,
        "priority": event.get("priority") or "normal",
    }
    inner["status"] = {"error": "error", "warning": "warn", "success": "ok"}.get(
        event.get("alert_type", ""), "info"
    )
    if event.get("host"):
        inner["hostname"] = event["host"]
    if event.get("aggregation_key"):
        inner["aggregation_key"] = event["aggregation_key"]
    evt: dict[str, Any] = {"id": str(event["id"])}
    if event.get("uid"):
        evt["uid"] = event["uid"]
    inner["evt"] = evt
    stamp = datetime.datetime.fromtimestamp(millis / 1000, datetime.timezone.utc)
    return {
        "attributes": {
            "attributes": inner,
            "message": event.get("text", ""),
            "tags": list(event.get("tags") or []),
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "type": "event",
        "id": base64.urlsafe_b64encode(f"lab-event-{event['id']}".encode()).decode().rstrip("="),
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["after"])
    except (ValueError, KeyError, TypeError):
        raise bad_request("The value provided for parameter 'page[cursor]' is invalid") from None


def list_(req: Request) -> Reply:
    current = time.time()
    start = _moment(req.arg("filter[from]", "now-15m") or "now-15m", "filter[from]", current)
    end = _moment(req.arg("filter[to]", "now") or "now", "filter[to]", current)
    sort = req.arg("sort", "timestamp") or "timestamp"
    if sort not in ("timestamp", "-timestamp"):
        raise bad_request(f"The value provided for parameter 'sort' is invalid: {sort!r}")
    limit = req.integer("page[limit]", DEFAULT_LIMIT, minimum=1) or DEFAULT_LIMIT
    if limit > MAX_LIMIT:
        raise bad_request(
            f"The value provided for parameter 'page[limit]' is invalid: must be <= {MAX_LIMIT}"
        )
    cursor = req.arg("page[cursor]")
    offset = _offset(cursor) if cursor else 0
    query = req.arg("filter[query]", "") or ""
    with req.store.lock:
        events = [dict(e) for e in req.store.events]
    found = [
        e for e in events
        if start <= (e.get("timestamp_ms") or e["date_happened"] * 1000) / 1000 <= end and _matches(e, query)
    ]  # fmt: skip
    found.sort(key=lambda e: e.get("timestamp_ms") or e["date_happened"] * 1000, reverse=sort == "-timestamp")
    page = found[offset : offset + limit]
    if not page:
        return Reply(body={"data": []})
    after = _cursor(offset + len(page))
    params = {k: v[-1] for k, v in req.query.items() if k != "page[cursor]"}
    params["page[cursor]"] = after
    return Reply(
        body={
            "meta": {"page": {"after": after}},
            "data": [_item(e) for e in page],
            "links": {"next": f"{req.base_url}/api/v2/events?{urlencode(params)}"},
        }
    )


ROUTES = [
    Route("POST", "/api/v2/events", create, limit_name="events"),
    Route("GET", "/api/v2/events", list_, limit_name="events"),
]
