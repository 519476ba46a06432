# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog monitors (API v1): lookup, normalisation, validation and the present/absent flow."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    clean,
    drop_defaults,
    squash_spaces,
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
    from datadog_api_client.v1.api.monitors_api import MonitorsApi
except ImportError:  # pragma: no cover - the module reports missing_required_lib first
    MonitorsApi = None

# The types datadog-api-client 2.62 knows (datadog_api_client.v1.model.monitor_type); a unit test
# keeps this list in sync with the installed client.
MONITOR_TYPES = [
    "audit alert",
    "ci-pipelines alert",
    "ci-tests alert",
    "composite",
    "cost alert",
    "data-jobs alert",
    "data-quality alert",
    "database-monitoring alert",
    "error-tracking alert",
    "event alert",
    "event-v2 alert",
    "llm-observability alert",
    "log alert",
    "metric alert",
    "network-path alert",
    "network-performance alert",
    "process alert",
    "query alert",
    "rum alert",
    "service check",
    "slo alert",
    "synthetics alert",
    "trace-analytics alert",
]

# Datadog stores "metric alert" monitors as "query alert" in some answers: same type for us.
TYPE_ALIASES = {"query alert": "metric alert"}

# Options the module always manages, with the value the server uses when they are not sent.
# Leaving one out of the task therefore means "the default", and drift is reverted.
OPTION_DEFAULTS: dict[str, Any] = {
    "notify_audit": False,
    "include_tags": True,
    "notify_no_data": False,
    "require_full_window": False,
    "renotify_interval": None,
    "evaluation_delay": None,
    "timeout_h": None,
    "escalation_message": "",
}

THRESHOLD_KEYS = ("critical", "critical_recovery", "warning", "warning_recovery", "ok", "unknown")

# Fields the server adds and the user never manages.
SERVER_ONLY = (
    "id",
    "created",
    "created_at",
    "modified",
    "creator",
    "deleted",
    "multi",
    "org_id",
    "overall_state",
    "overall_state_modified",
    "state",
    "matching_downtimes",
    "draft_status",
    "classification",
    "restriction_policy",
)


def desired_monitor(params: dict[str, Any]) -> dict[str, Any]:
    """The API body for the task's monitor (options include explicit defaults, see OPTION_DEFAULTS)."""
    options: dict[str, Any] = dict(OPTION_DEFAULTS)
    for key, value in (params.get("extra_options") or {}).items():
        options[key] = value
    for key, value in (params.get("options") or {}).items():
        if value is not None:
            options[key] = value
    if isinstance(options.get("thresholds"), dict):
        options["thresholds"] = {k: v for k, v in options["thresholds"].items() if v is not None}
        if not options["thresholds"]:
            del options["thresholds"]
    if isinstance(options.get("threshold_windows"), dict):
        options["threshold_windows"] = {
            k: v for k, v in options["threshold_windows"].items() if v is not None
        }
    body: dict[str, Any] = {
        "name": params["name"],
        "type": params["type"],
        "query": params["query"],
        "message": params.get("notification_message") or "",
        "tags": string_set(params.get("tags")),
        "priority": params.get("priority"),
        "options": options,
    }
    if params.get("restricted_roles") is not None:
        body["restricted_roles"] = string_set(params["restricted_roles"])
    return body


def managed_option_keys(desired: dict[str, Any]) -> set[str]:
    return set(OPTION_DEFAULTS) | {k for k, v in desired.get("options", {}).items() if v is not None}


def normalise(monitor: dict[str, Any], option_keys: set[str], manage_roles: bool) -> dict[str, Any]:
    """Project a monitor (from the server or the task) onto what the task manages."""
    mtype = monitor.get("type")
    out: dict[str, Any] = {
        "name": trim(monitor.get("name")),
        "type": TYPE_ALIASES.get(mtype, mtype) if mtype else None,
        "query": squash_spaces(monitor.get("query")),
        "message": trim(monitor.get("message")) or None,
        "tags": string_set(monitor.get("tags")) or None,
        "priority": monitor.get("priority"),
    }
    if manage_roles:
        out["restricted_roles"] = string_set(monitor.get("restricted_roles")) or None
    raw = monitor.get("options") or {}
    options = {k: copy.deepcopy(raw[k]) for k in option_keys if k in raw}
    if isinstance(options.get("thresholds"), dict):
        options["thresholds"] = {
            k: v for k, v in options["thresholds"].items() if v is not None and k in THRESHOLD_KEYS
        }
    options = drop_defaults(clean(options), OPTION_DEFAULTS)
    options = {k: v for k, v in options.items() if v not in ({}, [], "")}
    out["options"] = options or None
    return clean(out)


class MonitorService:
    """The HTTP operations on monitors, each through the retrying client."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client
        self.api = MonitorsApi(client.api)

    def get(self, monitor_id: int) -> dict[str, Any] | None:
        return self.client.read_or_none(f"monitor {monitor_id}", self.api.get_monitor, monitor_id)

    def find_by_name(self, name: str) -> dict[str, Any] | None:
        """``GET /api/v1/monitor?name=`` (a substring search, paged); exact match client-side."""

        def page(n: int) -> list[dict[str, Any]]:
            return self.client.call(
                "list",
                f"monitors named {name!r}",
                self.api.list_monitors,
                name=name,
                page=n,
                page_size=PAGE_SIZE,
            )

        matches = [m for m in paginate(page, key=lambda m: m.get("id")) if m.get("name") == name]
        return only_one(matches, "monitor", "name", name)

    def validate(self, body: dict[str, Any], monitor_id: int | None) -> None:
        if monitor_id is None:
            self.client.call("validate", f"monitor {body['name']!r}", self.api.validate_monitor, body=body)
        else:
            self.client.call(
                "validate",
                f"monitor {monitor_id}",
                self.api.validate_existing_monitor,
                monitor_id,
                body=body,
            )

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.call(
            "create",
            f"monitor {body['name']!r}",
            self.api.create_monitor,
            body=body,
            idempotent=False,
            recover=lambda: self.find_by_name(body["name"]),
        )

    def update(self, monitor_id: int, body: dict[str, Any]) -> dict[str, Any]:
        update = {k: v for k, v in body.items() if k != "type"}
        return self.client.call(
            "update", f"monitor {monitor_id}", self.api.update_monitor, monitor_id, body=update
        )

    def delete(self, monitor_id: int, force: bool) -> None:
        kwargs = {"force": "true"} if force else {}
        try:
            self.client.call("delete", f"monitor {monitor_id}", self.api.delete_monitor, monitor_id, **kwargs)
        except DatadogError as err:
            if err.status != 404:
                raise


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Make the monitor match ``params``; return the module result."""
    svc = MonitorService(client)
    monitor_id = params.get("id")
    name = params.get("name")
    current = svc.get(monitor_id) if monitor_id is not None else svc.find_by_name(name) if name else None

    if params["state"] == "absent":
        if current is None:
            return result(False, None, None, monitor={}, id=monitor_id)
        before = normalise(current, set(OPTION_DEFAULTS) | set(current.get("options") or {}), True)
        if not check_mode:
            svc.delete(current["id"], params.get("force", False))
        return result(True, before, None, monitor={}, id=current["id"])

    if monitor_id is not None and current is None:
        raise DatadogError(
            "read", f"monitor {monitor_id}", 404, detail="cannot update a monitor id that does not exist"
        )
    missing = [k for k in ("name", "type", "query") if not params.get(k)]
    if missing:
        raise DatadogError(
            "ensure", f"monitor {name or monitor_id!r}", detail=f"state=present needs: {', '.join(missing)}"
        )
    desired = desired_monitor(params)
    keys = managed_option_keys(desired)
    manage_roles = "restricted_roles" in desired
    after = normalise(desired, keys, manage_roles)
    if current is None:
        svc.validate(desired, None)
        created = dict(desired, id=None) if check_mode else svc.create(desired)
        return result(True, None, after, monitor=created, id=created.get("id"))

    before = normalise(current, keys, manage_roles)
    if before == after:
        return result(False, before, after, monitor=current, id=current["id"])
    if before.get("type") != after.get("type"):
        raise DatadogError(
            "update",
            f"monitor {current['id']}",
            detail=f"Datadog cannot change a monitor's type ({current.get('type')!r} -> "
            f"{desired['type']!r}); delete it (state=absent) and create it again",
        )
    svc.validate(desired, current["id"])
    if check_mode:
        merged = dict(current, **{k: v for k, v in desired.items() if k != "type"})
        return result(True, before, after, monitor=merged, id=current["id"])
    updated = svc.update(current["id"], desired)
    return result(True, before, after, monitor=updated, id=current["id"])
