# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog dashboards (API v1): structured options or an exported JSON/YAML document."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.models import check_body
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    check_key,
    clean,
    load_document,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import Plan, absent_key, unknown_id
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import RaceRules
from ansible_collections.datadog_exercise.stack.plugins.module_utils.service import ResourceService
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import app_url_for

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
    "restricted_roles",
)
# Always managed (the API requires them in every PUT); the others only when the task sets them.
ALWAYS_MANAGED = ("title", "layout_type", "widgets")
SET_FIELDS = ("notify_list", "tags", "restricted_roles")
DEFAULTS: dict[str, Any] = {"reflow_type": "auto"}
# Fields of the current dashboard that may be sent back in a PUT (the client's model, less the
# deprecated is_read_only that Datadog ignores).
SENDABLE = frozenset(Dashboard.attribute_map) - {"is_read_only"} if Dashboard is not None else frozenset()


def load_definition(definition: Any) -> dict[str, Any]:
    """``definition`` option (dict, JSON text or YAML text) -> dict."""
    return load_document(definition, "dashboard definition")


def _where(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def check_rules(body: dict[str, Any], resource: str) -> None:
    """Datadog's rules beyond the client's schema, checked before any request (field named).

    From the API's answers (recorded): an empty string in a template variable's ``defaults``
    ("Minimum length of parameter 'defaults' should be 1"), ``default`` and ``defaults`` together
    ("'template_variables' is invalid"); from the schema's description: every widget of a
    ``free`` layout needs its ``layout`` (position and size), ``reflow_type`` is for ``ordered``.
    """
    for index, variable in enumerate(body.get("template_variables") or []):
        where = ("template_variables", index)
        if not isinstance(variable, dict):
            raise DatadogError("check", resource, detail=f"{_where(where)} must be a mapping")
        if not variable.get("name"):
            raise DatadogError("check", resource, detail=f"{_where((*where, 'name'))} is required")
        if "default" in variable and "defaults" in variable:
            raise DatadogError(
                "check",
                resource,
                detail=f"{_where(where)}: give 'defaults' (a list) or the deprecated 'default', not both",
            )
        for pos, value in enumerate(variable.get("defaults") or []):
            if not isinstance(value, str) or not value:
                raise DatadogError(
                    "check",
                    resource,
                    detail=f"{_where((*where, 'defaults', pos))} must be a non-empty string "
                    f"(got {value!r}); use '*' for all values",
                )
    if body.get("layout_type") == "free":
        for index, widget in enumerate(body.get("widgets") or []):
            if isinstance(widget, dict) and not widget.get("layout"):
                raise DatadogError(
                    "check",
                    resource,
                    detail=f"widgets[{index}].layout is required in a 'free' layout "
                    "(x, y, width and height of the widget)",
                )


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
    check_key(body["title"], "title", "dashboard")
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


def managed_keys(desired: dict[str, Any]) -> set[str]:
    """What the task manages: the required fields and every field it (or its document) sets."""
    return set(ALWAYS_MANAGED) | {k for k in MANAGED if k in desired}


def update_body(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The PUT body: Datadog replaces the whole dashboard, so what the task does not manage is
    sent with its current value (``restricted_roles``, ``description``, ``tags``, ...)."""
    body = copy.deepcopy(desired)
    for key, value in current.items():
        if key in body or key in SERVER_ONLY or key not in SENDABLE or value is None:
            continue
        if key == "reflow_type" and body.get("layout_type") == "free":
            continue
        body[key] = copy.deepcopy(value)
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


def normalise(dashboard: dict[str, Any], keys: set[str] | None = None) -> dict[str, Any]:
    """Project a dashboard onto the fields in ``keys`` (all of MANAGED by default)."""
    out: dict[str, Any] = {}
    for key in MANAGED:
        if keys is not None and key not in keys:
            continue
        value = dashboard.get(key)
        if key in SET_FIELDS:
            value = string_set(value) or None
        elif key == "widgets":
            value = _strip_widget_ids(copy.deepcopy(value or []))
        elif key == "description":
            value = trim(value) or None
        elif key in ("template_variables", "template_variable_presets"):
            value = value or None
        if key in DEFAULTS and value == DEFAULTS[key]:
            value = None
        out[key] = value
    if out.get("layout_type") == "free":
        out["reflow_type"] = None
    return clean(out)


class DashboardService(ResourceService):
    """Dashboards (API v1): the shared skeleton (service.py) with the dashboard's calls.

    The list (``GET /api/v1/dashboard``, paged) holds summaries (no widgets, no tags): a lookup by
    title matches the summaries and reads the one match in full.
    """

    API = DashboardsApi
    RACE = RaceRules(
        "dashboard", "title", created=lambda d: d.get("created_at"), creator=lambda d: d.get("author_handle")
    )
    SUMMARIES = True

    def send_read(self, object_id: str) -> Any:
        return self.api.get_dashboard(object_id)

    def page(self, n: int, size: int, what: str, **filters: Any) -> list[dict[str, Any]]:
        answer = self.client.call(
            "list",
            what,
            self.api.list_dashboards,
            filter_deleted=False,
            count=size,
            start=n * size,
            **filters,
        )
        return answer.get("dashboards") or []

    def send_create(self, body: dict[str, Any]) -> Any:
        return self.api.create_dashboard(body=body)

    def send_update(self, object_id: str, body: dict[str, Any]) -> Any:
        return self.api.update_dashboard(object_id, body=body)

    def send_delete(self, object_id: str, force: bool) -> Any:
        return self.api.delete_dashboard(object_id)

    def also_returned(self, planned: Plan, obj: dict[str, Any]) -> dict[str, Any]:
        return {"url": dashboard_url(self.client.url, obj)}


def dashboard_url(client_url: str, dashboard: dict[str, Any]) -> str | None:
    """Datadog returns a relative ``url`` (``/dashboard/abc-def-ghi/title``); make it absolute.

    The web app host comes from the table of sites (``api.us3.datadoghq.com`` ->
    ``us3.datadoghq.com``, ``api.datadoghq.com`` -> ``app.datadoghq.com``); any other api_url
    (the lab emulator serves its pages on the API port) is used as it is.
    """
    url = dashboard.get("url")
    if not url or url.startswith("http"):
        return url
    return app_url_for(client_url) + url


# --- options: one definition for datadog_dashboard and datadog_resources' dashboards --------------


def option_spec() -> dict[str, Any]:
    """The dashboard's options (without the connection options), as AnsibleModule takes them."""
    return {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "id": {"type": "str"},
        "title": {"type": "str"},
        "description": {"type": "str"},
        "layout_type": {"type": "str", "choices": ["ordered", "free"]},
        "reflow_type": {"type": "str", "choices": ["auto", "fixed"]},
        "widgets": {"type": "list", "elements": "dict"},
        "template_variables": {"type": "list", "elements": "dict"},
        "template_variable_presets": {"type": "list", "elements": "dict"},
        "notify_list": {"type": "list", "elements": "str"},
        "tags": {"type": "list", "elements": "str"},
        "restricted_roles": {"type": "list", "elements": "str"},
        "definition": {"type": "raw"},
    }


def option_rules() -> dict[str, Any]:
    """The spec's cross-option rules (AnsibleModule / ArgumentSpecValidator keyword arguments)."""
    return {
        "mutually_exclusive": [("definition", "widgets")],
        "required_one_of": [("id", "title", "definition")],
    }


# --- plan / apply (see plan.py) -------------------------------------------------------------------


@dataclass
class Wanted:
    """The task's dashboard, checked: ``desired`` is the API body (None for state=absent)."""

    dashboard_id: str | None
    title: str | None
    desired: dict[str, Any] | None


def wanted(params: dict[str, Any]) -> Wanted:
    """Every check that needs no request; bad input fails here, with the field named (check mode too)."""
    dashboard_id = params.get("id")
    if params.get("state", "present") == "present":
        desired: dict[str, Any] | None = desired_dashboard(params)
        title = desired["title"]
        resource = f"dashboard {title!r}"
        check_rules(desired, resource)
        check_body(desired, Dashboard, "check", resource)
    else:
        desired = None
        title = absent_key(params, "title", "dashboard", load_definition)
    if not dashboard_id and not title:
        raise DatadogError("look up", "dashboard", detail="give id or title")
    return Wanted(dashboard_id, title, desired)


def lookup(svc: DashboardService, want: Wanted) -> dict[str, Any] | None:
    """The server's dashboard for one task: by id (one GET) or by title (the list, then one GET)."""
    if want.dashboard_id:
        return svc.get(want.dashboard_id)
    return svc.find(want.title or "")


def plan(want: Wanted, current: dict[str, Any] | None) -> Plan:
    """Compare; no request. Raises for an id that does not exist with state=present."""
    if want.desired is None:
        key = want.title or (current or {}).get("title")
        return Plan.for_absent("dashboard", key, current, want.dashboard_id, normalise=normalise)
    desired = want.desired
    if want.dashboard_id and current is None:
        raise unknown_id("dashboard", want.dashboard_id)
    keys = managed_keys(desired)
    return Plan.for_present(
        "dashboard",
        want.title,
        current,
        (desired, normalise(desired, keys)),
        normalise=lambda found: normalise(found, keys),
        update_body=lambda found, _before: update_body(found, desired),
    )


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Make the dashboard match ``params``; return the module result."""
    svc = DashboardService(client)
    want = wanted(params)
    return svc.apply(plan(want, lookup(svc, want)), check_mode)
