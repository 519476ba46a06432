# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog dashboards (API v1): structured options or an exported JSON/YAML document."""

from __future__ import annotations

import copy
import json
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.models import check_body
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    clean,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import (
    PAGE_SIZE,
    only_one,
    paginate,
    result,
)

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

try:
    from datadog_api_client.v1.api.dashboards_api import DashboardsApi
    from datadog_api_client.v1.model.dashboard import Dashboard
except ImportError:  # pragma: no cover
    DashboardsApi = None
    Dashboard = None

# What an export from the UI (or a GET) carries that the user does not manage.
SERVER_ONLY = {
    "id",
    "author_handle",
    "author_name",
    "created_at",
    "modified_at",
    "url",
    "deleted",
    "is_favorite",
    "is_shared",
    "popularity",
    "restricted_roles_default",
}
MANAGED = (
    "title",
    "description",
    "layout_type",
    "widgets",
    "template_variables",
    "template_variable_presets",
    "notify_list",
    "reflow_type",
    "tags",
)
SET_FIELDS = ("notify_list", "tags")
DEFAULTS: dict[str, Any] = {"reflow_type": "auto"}


def load_definition(definition: Any) -> dict[str, Any]:
    """``definition`` option (dict, JSON text or YAML text) -> dict."""
    if isinstance(definition, dict):
        return copy.deepcopy(definition)
    text = str(definition)
    try:
        data = json.loads(text)
    except ValueError:
        if yaml is None:
            raise DatadogError(
                "parse", "dashboard definition", detail="not JSON and PyYAML is missing"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DatadogError(
                "parse", "dashboard definition", detail=f"neither JSON nor YAML: {exc}"
            ) from None
    if not isinstance(data, dict):
        raise DatadogError(
            "parse", "dashboard definition", detail="must be a mapping (the exported dashboard JSON)"
        )
    return data


def desired_dashboard(params: dict[str, Any]) -> dict[str, Any]:
    """Task -> the dashboard body (structured options override the document's fields)."""
    body: dict[str, Any] = {}
    if params.get("definition") is not None:
        doc = load_definition(params["definition"])
        body.update({k: v for k, v in doc.items() if k not in SERVER_ONLY})
    for key in MANAGED:
        if params.get(key) is not None:
            body[key] = copy.deepcopy(params[key])
    if not body.get("title"):
        raise DatadogError("check", "dashboard", detail="title is required (option title or in definition)")
    if body.get("layout_type") not in ("ordered", "free"):
        raise DatadogError(
            "check",
            f"dashboard {body['title']!r}",
            detail=f"layout_type must be 'ordered' or 'free' (got {body.get('layout_type')!r})",
        )
    body.setdefault("widgets", [])
    if body.get("layout_type") == "free":
        body.pop("reflow_type", None)
    return body


def _strip_widget_ids(widgets: Any) -> Any:
    """Widget ``id``s are assigned by the server; group widgets nest widgets."""
    if not isinstance(widgets, list):
        return widgets
    out = []
    for widget in widgets:
        if not isinstance(widget, dict):
            out.append(widget)
            continue
        bare = {k: v for k, v in widget.items() if k != "id"}
        definition = bare.get("definition")
        if isinstance(definition, dict) and "widgets" in definition:
            bare["definition"] = dict(definition, widgets=_strip_widget_ids(definition["widgets"]))
        out.append(bare)
    return out


def normalise(dashboard: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in MANAGED:
        value = dashboard.get(key)
        if key in SET_FIELDS:
            value = string_set(value) or None
        elif key == "widgets":
            value = _strip_widget_ids(copy.deepcopy(value or []))
        elif key in ("description", "title"):
            value = trim(value) or None
        elif key in ("template_variables", "template_variable_presets"):
            value = value or None
        if key in DEFAULTS and value == DEFAULTS[key]:
            value = None
        out[key] = value
    if out.get("layout_type") == "free":
        out["reflow_type"] = None
    return clean(out)


class DashboardService:
    def __init__(self, client: DatadogClient) -> None:
        self.client = client
        self.api = DashboardsApi(client.api)

    def get(self, dashboard_id: str) -> dict[str, Any] | None:
        return self.client.read_or_none(f"dashboard {dashboard_id}", self.api.get_dashboard, dashboard_id)

    def find_by_title(self, title: str) -> dict[str, Any] | None:
        """List summaries (paged), match the exact title, then read the one full dashboard."""

        def page(n: int) -> list[dict[str, Any]]:
            answer = self.client.call(
                "list",
                "dashboards",
                self.api.list_dashboards,
                filter_deleted=False,
                count=PAGE_SIZE,
                start=n * PAGE_SIZE,
            )
            return answer.get("dashboards") or []

        matches = [d for d in paginate(page, key=lambda d: d.get("id")) if d.get("title") == title]
        summary = only_one(matches, "dashboard", "title", title)
        return self.get(summary["id"]) if summary else None

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.call(
            "create",
            f"dashboard {body['title']!r}",
            self.api.create_dashboard,
            body=body,
            idempotent=False,
            recover=lambda: self.find_by_title(body["title"]),
        )

    def update(self, dashboard_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.call(
            "update", f"dashboard {dashboard_id}", self.api.update_dashboard, dashboard_id, body=body
        )

    def delete(self, dashboard_id: str) -> None:
        try:
            self.client.call("delete", f"dashboard {dashboard_id}", self.api.delete_dashboard, dashboard_id)
        except DatadogError as err:
            if err.status != 404:
                raise


def dashboard_url(client_url: str, dashboard: dict[str, Any]) -> str | None:
    """Datadog returns a relative ``url`` (``/dashboard/abc-def-ghi/title``); make it absolute."""
    url = dashboard.get("url")
    if not url or url.startswith("http"):
        return url
    base = client_url.replace("://api.", "://app.", 1)
    return base.rstrip("/") + url


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    svc = DashboardService(client)
    dashboard_id = params.get("id")
    if params["state"] == "present":
        desired: dict[str, Any] | None = desired_dashboard(params)
        title = desired["title"]
    else:
        desired = None
        title = params.get("title")
        if title is None and params.get("definition") is not None:
            title = load_definition(params["definition"]).get("title")
    if dashboard_id:
        current = svc.get(dashboard_id)
    elif title:
        current = svc.find_by_title(title)
    else:
        raise DatadogError("look up", "dashboard", detail="give id or title")

    if desired is None:
        if current is None:
            return result(False, None, None, dashboard={}, id=dashboard_id, url=None)
        if not check_mode:
            svc.delete(current["id"])
        return result(True, normalise(current), None, dashboard={}, id=current["id"], url=None)

    if dashboard_id and current is None:
        raise DatadogError(
            "read",
            f"dashboard {dashboard_id}",
            404,
            detail="cannot update a dashboard id that does not exist",
        )
    # Bad widgets fail here, with the field named, before anything is written (check mode too).
    check_body(desired, Dashboard, "create" if current is None else "update", f"dashboard {title!r}")
    after = normalise(desired)
    if current is None:
        created = dict(desired, id=None) if check_mode else svc.create(desired)
        return result(
            True, None, after, dashboard=created, id=created.get("id"), url=dashboard_url(client.url, created)
        )
    before = normalise(current)
    if before == after:
        return result(
            False, before, after, dashboard=current, id=current["id"], url=dashboard_url(client.url, current)
        )
    updated = dict(current, **desired) if check_mode else svc.update(current["id"], desired)
    return result(
        True, before, after, dashboard=updated, id=current["id"], url=dashboard_url(client.url, updated)
    )
