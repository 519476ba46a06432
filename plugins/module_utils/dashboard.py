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
    key_matches,
    load_document,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    Plan,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import (
    PAGE_SIZE,
    RaceRules,
    all_matches,
    content,
    paginate,
    result,
    settle_created,
    settle_found,
)
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


class DashboardService:
    def __init__(self, client: DatadogClient) -> None:
        self.client = client
        self.api = DashboardsApi(client.api)

    def get(self, dashboard_id: str) -> dict[str, Any] | None:
        return self.client.read_or_none(f"dashboard {dashboard_id}", self.api.get_dashboard, dashboard_id)

    def list_summaries(self) -> list[dict[str, Any]]:
        """Every dashboard's summary (``GET /api/v1/dashboard``, paged; no widgets, no tags)."""

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

        return list(paginate(page, key=lambda d: d.get("id")))

    def find_by_title(self, title: str) -> dict[str, Any] | None:
        """List summaries (paged), match the title (see normalize.key_matches), read the one match."""

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

        matches = [d for d in paginate(page, key=lambda d: d.get("id")) if key_matches(d.get("title"), title)]
        summary = self.one_of(matches, title)
        return self.get(summary["id"]) if summary else None

    # -- concurrent runs: the oldest dashboard with the title wins (see resource.py) -------------
    RACE = RaceRules(
        "dashboard", "title", created=lambda d: d.get("created_at"), creator=lambda d: d.get("author_handle")
    )

    def one_of(self, matches: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
        """The one dashboard summary a lookup found (race copies settled on the oldest; else an error)."""
        return settle_found(
            matches,
            title,
            self.RACE,
            delete=self.delete,
            read_only=self.client.read_only,
            warn=self.client.warnings.append,
            read=lambda summary: self.get(summary["id"]),
        )

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        title = body["title"]
        created = self.client.call(
            "create",
            f"dashboard {title!r}",
            self.api.create_dashboard,
            body=body,
            idempotent=False,
            recover=lambda: self.find_by_title(title),
        )
        return settle_created(
            created,
            self.RACE,
            find_all=lambda: all_matches(lambda: self.find_by_title(title)),
            delete=self.delete,
            read=lambda found: self.get(found["id"]),
            update=lambda dashboard_id: self.update(dashboard_id, body),
            same=lambda ours, other: (
                content({k: ours.get(k) for k in body}) == content({k: other.get(k) for k in body})
            ),
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
        title = params.get("title")
        if title is None and params.get("definition") is not None:
            title = load_definition(params["definition"]).get("title")
        if title is not None:
            check_key(title, "title", "dashboard")
    if not dashboard_id and not title:
        raise DatadogError("look up", "dashboard", detail="give id or title")
    return Wanted(dashboard_id, title, desired)


def lookup(svc: DashboardService, want: Wanted) -> dict[str, Any] | None:
    """The server's dashboard for one task: by id (one GET) or by title (the list, then one GET)."""
    if want.dashboard_id:
        return svc.get(want.dashboard_id)
    return svc.find_by_title(want.title or "")


def plan(want: Wanted, current: dict[str, Any] | None) -> Plan:
    """Compare; no request. Raises for an id that does not exist with state=present."""
    if want.desired is None:
        if current is None:
            return Plan("dashboard", want.title, UNCHANGED, None, None, object_id=want.dashboard_id)
        return Plan(
            "dashboard", want.title or current.get("title"), DELETE, normalise(current), None, current,
            object_id=current["id"],
        )  # fmt: skip
    desired = want.desired
    if want.dashboard_id and current is None:
        raise DatadogError(
            "read",
            f"dashboard {want.dashboard_id}",
            404,
            detail="cannot update a dashboard id that does not exist",
        )
    keys = managed_keys(desired)
    after = normalise(desired, keys)
    if current is None:
        return Plan("dashboard", want.title, CREATE, None, after, None, desired)
    before = normalise(current, keys)
    if before == after:
        return Plan("dashboard", want.title, UNCHANGED, before, after, current, object_id=current["id"])
    return Plan(
        "dashboard", want.title, UPDATE, before, after, current, update_body(current, desired),
        object_id=current["id"],
    )  # fmt: skip


def apply(svc: DashboardService, planned: Plan, check_mode: bool) -> dict[str, Any]:
    """Carry out the plan (nothing is written in check mode); return the module result."""
    action, current, body = planned.action, planned.current, planned.body
    url = svc.client.url
    if action == DELETE and current is not None:
        if not check_mode:
            svc.delete(current["id"])
        return result(True, planned.before, None, dashboard={}, id=current["id"], url=None)
    if action == UNCHANGED:
        if current is None:
            return result(False, None, None, dashboard={}, id=planned.object_id, url=None)
        return result(
            False, planned.before, planned.after, dashboard=current, id=current["id"],
            url=dashboard_url(url, current),
        )  # fmt: skip
    if body is None:  # a plan that writes always carries it
        raise AssertionError("body missing from the plan")
    if action == CREATE:
        created = dict(body, id=None) if check_mode else svc.create(body)
        return result(
            True,
            None,
            planned.after,
            dashboard=created,
            id=created.get("id"),
            url=dashboard_url(url, created),
        )
    if current is None:  # a plan that writes always carries it
        raise AssertionError("current missing from the plan")
    updated = dict(current, **body) if check_mode else svc.update(current["id"], body)
    return result(
        True,
        planned.before,
        planned.after,
        dashboard=updated,
        id=current["id"],
        url=dashboard_url(url, updated),
    )


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Make the dashboard match ``params``; return the module result."""
    svc = DashboardService(client)
    want = wanted(params)
    return apply(svc, plan(want, lookup(svc, want)), check_mode)
