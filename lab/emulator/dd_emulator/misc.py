"""Key validation, events v1 and graph snapshots."""

from __future__ import annotations

import hashlib
import json
import random
import time
from typing import Any

from datadog_api_client.v1.model.event_create_request import EventCreateRequest

from dd_emulator.errors import bad_request, not_found
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import ORG_ID
from dd_emulator.validation import to_json, validate

_RNG = random.SystemRandom()
PAST_LIMIT = 18 * 3600  # Datadog accepts events up to 18 hours in the past
FUTURE_LIMIT = 2 * 3600  # and two hours in the future


def validate_keys(_req: Request) -> Reply:
    return Reply(body={"valid": True})


def _event_doc(event: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {
        "id": event["id"],
        "id_str": str(event["id"]),
        "title": event["title"],
        "text": event["text"],
        "date_happened": event["date_happened"],
        "handle": None,
        "priority": event.get("priority"),
        "related_event_id": event.get("related_event_id"),
        "tags": event.get("tags") or [],
        "url": f"{base_url}/event/event?id={event['id']}",
    }


def create_event(req: Request) -> Reply:
    data = to_json(validate(req.body, EventCreateRequest))
    current = int(time.time())
    happened = data.get("date_happened", current)
    if happened < current - PAST_LIMIT:
        raise bad_request("Event too far in the past")
    if happened > current + FUTURE_LIMIT:
        raise bad_request("Event too far in the future")
    event = {**data, "id": _RNG.randrange(2**62, 2**63), "date_happened": happened}
    event.setdefault("alert_type", "info")
    event.setdefault("priority", "normal")
    with req.store.lock:
        req.store.events.append(event)
        req.store.save()
    return Reply(status=202, body={"status": "ok", "event": _event_doc(event, req.base_url)})


def _listed(event: dict[str, Any], base_url: str) -> dict[str, Any]:
    doc = _event_doc(event, base_url)
    doc.update(
        {
            "alert_type": event.get("alert_type", "info"),
            "host": event.get("host"),
            "device_name": event.get("device_name"),
            "source_type_name": event.get("source_type_name", "My Apps"),
        }
    )
    doc.pop("handle")
    return doc


def list_events(req: Request) -> Reply:
    start = req.integer("start", None)
    end = req.integer("end", None)
    if start is None or end is None:
        raise bad_request("The parameters 'start' and 'end' are required")
    tags = [t for t in (req.arg("tags") or "").split(",") if t]
    priority = req.arg("priority")
    with req.store.lock:
        items = [e for e in req.store.events if start <= e["date_happened"] <= end]
    if tags:
        items = [e for e in items if all(t in (e.get("tags") or []) for t in tags)]
    if priority:
        items = [e for e in items if e.get("priority") == priority]
    items.sort(key=lambda e: e["date_happened"], reverse=True)  # newest first, like Datadog's stream
    return Reply(body={"events": [_listed(e, req.base_url) for e in items], "status": "ok"})


def get_event(req: Request) -> Reply:
    raw = req.params["event_id"]
    with req.store.lock:
        found = [e for e in req.store.events if str(e["id"]) == raw]
    if not found:
        raise not_found("Event not found")
    return Reply(body={"event": _listed(found[0], req.base_url)})


def snapshot(req: Request) -> Reply:
    start = req.integer("start", None)
    end = req.integer("end", None)
    if start is None or end is None:
        raise bad_request("The parameters 'start' and 'end' are required")
    if end <= start:
        raise bad_request("'end' must be after 'start'")
    metric_query = req.arg("metric_query")
    graph_def = req.arg("graph_def")
    if not metric_query and not graph_def:
        raise bad_request("Either 'metric_query' or 'graph_def' is required")
    if graph_def:
        try:
            json.loads(graph_def)
        except ValueError:
            raise bad_request("The value provided for parameter 'graph_def' is invalid JSON") from None
    seed = f"{metric_query}|{graph_def}|{start}|{end}|{req.arg('title')}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
    day = time.strftime("%Y-%m-%d", time.gmtime(end))
    url = f"{req.base_url}/snapshot/view/dd-snapshots-prod/org_{ORG_ID}/{day}/{digest}.png"
    body: dict[str, Any] = {"metric_query": metric_query, "snapshot_url": url}
    body = {"graph_def": graph_def, **body} if graph_def else body
    return Reply(body=body)


ROUTES = [
    Route("GET", "/api/v1/validate", validate_keys, auth="api", limit_name="validate"),
    Route("POST", "/api/v1/events", create_event, auth="api", limit_name="events"),
    Route("GET", "/api/v1/events", list_events, limit_name="events"),
    Route("GET", "/api/v1/events/{event_id}", get_event, limit_name="events"),
    Route("GET", "/api/v1/graph/snapshot", snapshot, limit_name="snapshot"),
]
