"""Dashboards v1: create, get, update (PUT), delete, list, bulk delete and restore."""

from __future__ import annotations

import random
import re
import string
from typing import Any

from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.dashboard_bulk_delete_request import DashboardBulkDeleteRequest
from datadog_api_client.v1.model.dashboard_restore_request import DashboardRestoreRequest

from dd_emulator.errors import bad_request, not_found
from dd_emulator.ids import dashboard_id
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import USER, iso, now
from dd_emulator.validation import to_json, validate

_RNG = random.SystemRandom()
# Server-owned fields: ignored in request bodies, filled in by the server on every read.
_SERVER_FIELDS = ("id", "author_handle", "author_name", "url", "created_at", "modified_at", "deleted_at")
# Datadog ignores and no longer returns the deprecated is_read_only (recordings from 2025-12 on).
_IGNORED_FIELDS = ("is_read_only",)
_SUMMARY_FIELDS = (
    "id",
    "title",
    "description",
    "layout_type",
    "url",
    "is_read_only",
    "created_at",
    "modified_at",
    "author_handle",
    "deleted_at",
)


def _new_id(taken: set[str]) -> str:
    alphabet = string.ascii_lowercase + string.digits
    while True:
        candidate = "-".join("".join(_RNG.choice(alphabet) for _ in range(3)) for _ in range(3))
        if candidate not in taken:
            return candidate


def slug(title: str) -> str:
    """The URL slug Datadog derives from a title (lowercase, punctuation dropped, 80 chars)."""
    text = re.sub(r"[^a-z0-9 -]", "", title.lower())
    text = re.sub(r"[\s-]+", "-", text.strip()).strip("-")
    return text[:80]


def _widget_id() -> int:
    return _RNG.randrange(10**14, 2**53)


def _assign_widget_ids(widgets: list[dict[str, Any]]) -> None:
    """Every widget, nested group widgets too, gets an integer id (kept when the client sent one)."""
    for widget in widgets:
        if not isinstance(widget.get("id"), int):
            widget["id"] = _widget_id()
        inner = widget.get("definition", {}).get("widgets")
        if isinstance(inner, list):
            _assign_widget_ids(inner)


def _check_rules(body: dict[str, Any]) -> None:
    """Datadog's checks beyond the schema (texts as recorded from the real API)."""
    for variable in body.get("template_variables") or []:
        if "default" in variable and "defaults" in variable:
            raise bad_request("'template_variables' is invalid")
        for value in variable.get("defaults") or []:
            if value == "":
                raise bad_request("Minimum length of parameter 'defaults' should be 1")
    for preset in body.get("template_variable_presets") or []:
        for variable in preset.get("template_variables") or []:
            # `value` (deprecated) and `values` are alternatives, as `default`/`defaults` are
            # (recorded: both -> "'template_variables' is invalid").
            if "value" in variable and "values" in variable:
                raise bad_request("'template_variable_presets' is invalid")
    if body.get("layout_type") == "free":
        if "reflow_type" in body:
            raise bad_request("'reflow_type' is only valid for dashboards with layout_type 'ordered'")
        for index, widget in enumerate(body.get("widgets") or []):
            if "layout" not in widget:
                raise bad_request(f"'layout' is a required property (widgets[{index}], free layout)")


def _document(stored: dict[str, Any]) -> dict[str, Any]:
    """The dashboard as Datadog returns it: server fields first, then the rest as sent."""
    doc: dict[str, Any] = {
        "id": stored["id"],
        "title": stored["title"],
        "description": stored.get("description"),
        "author_handle": stored["author_handle"],
        "author_name": stored.get("author_name"),
        "layout_type": stored["layout_type"],
        "url": stored["url"],
        "template_variables": stored.get("template_variables"),
        "widgets": stored["widgets"],
        "notify_list": stored.get("notify_list"),
        "created_at": stored["created_at"],
        "modified_at": stored["modified_at"],
        "restricted_roles": stored.get("restricted_roles") or [],
    }
    for key, value in stored.items():
        if key not in doc and key not in ("deleted_at", "is_read_only"):
            doc[key] = value
    return doc


def _summary(stored: dict[str, Any]) -> dict[str, Any]:
    doc = _document(stored)
    doc["deleted_at"] = stored.get("deleted_at")
    doc["is_read_only"] = False  # still in list summaries (recorded), gone from full reads since 2025-12
    return {key: doc.get(key) for key in _SUMMARY_FIELDS}


def _parse(req: Request) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    body = {k: v for k, v in body.items() if k not in _SERVER_FIELDS}
    data = to_json(validate(body, Dashboard))
    for key in _IGNORED_FIELDS:
        data.pop(key, None)
    _check_rules(data)
    return data


def create(req: Request) -> Reply:
    data = _parse(req)
    with req.store.lock:
        taken = set(req.store.dashboards) | set(req.store.deleted_dashboards)
        dash_id = _new_id(taken)
        stamp = iso(now())
        _assign_widget_ids(data["widgets"])
        stored = {
            **data,
            "id": dash_id,
            "author_handle": USER["handle"],
            "author_name": None,
            "url": f"/dashboard/{dash_id}/{slug(data['title'])}",
            "created_at": stamp,
            "modified_at": stamp,
        }
        req.store.dashboards[dash_id] = stored
        req.store.save()
        return Reply(body=_document(stored))


def _get(req: Request) -> dict[str, Any]:
    dash_id = dashboard_id(req.params["dashboard_id"])
    stored = req.store.dashboards.get(dash_id)
    if stored is None:
        raise not_found(f"Dashboard with ID {dash_id} not found")
    return stored


def get(req: Request) -> Reply:
    with req.store.lock:
        return Reply(body=_document(_get(req)))


def update(req: Request) -> Reply:
    with req.store.lock:
        current = _get(req)
    data = _parse(req)
    with req.store.lock:
        current = _get(req)
        _assign_widget_ids(data["widgets"])
        stored = {
            **data,
            **{k: current[k] for k in ("id", "author_handle", "author_name", "created_at")},
            "url": f"/dashboard/{current['id']}/{slug(data['title'])}",
            "modified_at": iso(now()),
        }
        req.store.dashboards[current["id"]] = stored
        req.store.save()
        return Reply(body=_document(stored))


def delete(req: Request) -> Reply:
    with req.store.lock:
        stored = _get(req)
        _soft_delete(req, stored["id"])
        req.store.save()
    return Reply(body={"deleted_dashboard_id": stored["id"]})


def _soft_delete(req: Request, dash_id: str) -> None:
    stored = req.store.dashboards.pop(dash_id)
    stored["deleted_at"] = iso(now())
    req.store.deleted_dashboards[dash_id] = stored


def list_(req: Request) -> Reply:
    shared = req.flag("filter[shared]", False)
    deleted = req.flag("filter[deleted]", False)
    count = req.integer("count", None, minimum=0)
    start = req.integer("start", 0, minimum=0) or 0
    with req.store.lock:
        pool = req.store.deleted_dashboards if deleted else req.store.dashboards
        items = sorted(pool.values(), key=lambda d: d["created_at"])
        # No dashboard of the emulated org is shared publicly.
        items = [] if shared else items
        items = items[start:] if count is None else items[start : start + count]
        return Reply(body={"dashboards": [_summary(d) for d in items]})


def _bulk_ids(req: Request, model: type) -> list[str]:
    body = req.body if isinstance(req.body, dict) else {}
    validate(body, model)
    return [dashboard_id(item["id"], "data.id") for item in body["data"]]


def bulk_delete(req: Request) -> Reply:
    ids = _bulk_ids(req, DashboardBulkDeleteRequest)
    with req.store.lock:
        missing = [i for i in ids if i not in req.store.dashboards]
        if missing:
            raise not_found(*[f"Dashboard with ID {i} not found" for i in missing])
        for dash_id in ids:
            _soft_delete(req, dash_id)
        req.store.save()
    return Reply(status=204)


def restore(req: Request) -> Reply:
    ids = _bulk_ids(req, DashboardRestoreRequest)
    with req.store.lock:
        missing = [i for i in ids if i not in req.store.deleted_dashboards]
        if missing:
            raise not_found(*[f"Dashboard with ID {i} not found" for i in missing])
        for dash_id in ids:
            stored = req.store.deleted_dashboards.pop(dash_id)
            stored.pop("deleted_at", None)
            req.store.dashboards[dash_id] = stored
        req.store.save()
    return Reply(status=204)


ROUTES = [
    Route("POST", "/api/v1/dashboard", create, limit_name="dashboards"),
    Route("GET", "/api/v1/dashboard", list_, limit_name="dashboards"),
    Route("DELETE", "/api/v1/dashboard", bulk_delete, limit_name="dashboards"),
    Route("PATCH", "/api/v1/dashboard", restore, limit_name="dashboards"),
    Route("GET", "/api/v1/dashboard/{dashboard_id}", get, limit_name="dashboards"),
    Route("PUT", "/api/v1/dashboard/{dashboard_id}", update, limit_name="dashboards"),
    Route("DELETE", "/api/v1/dashboard/{dashboard_id}", delete, limit_name="dashboards"),
]
