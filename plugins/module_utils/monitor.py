# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog monitors (API v1): lookup, normalisation, validation and the present/absent flow."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    check_key,
    clean,
    drop_defaults,
    key_matches,
    load_document,
    squash_spaces,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import Plan, absent_key, unknown_id
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import PAGE_SIZE, RaceRules
from ansible_collections.datadog_exercise.stack.plugins.module_utils.service import ResourceService

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

# GET /api/v1/monitor: "page_size ... inclusive_maximum 1000" (datadog-api-client's MonitorsApi).
LIST_ALL_PAGE_SIZE = 1000

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
    "classification",
    "restriction_policy",
)


# Top-level fields of a monitor document (``definition``) the module manages.
DOCUMENT_FIELDS = (
    "name",
    "type",
    "query",
    "message",
    "tags",
    "priority",
    "options",
    "restricted_roles",
    "draft_status",
)
DRAFT_STATUSES = ("draft", "published")

# Option bounds from the API reference (MonitorOptions in datadog-api-client): (minimum, maximum).
OPTION_BOUNDS: dict[str, tuple[int, int | None]] = {
    "no_data_timeframe": (1, None),  # minutes before notifying on missing data
    "renotify_interval": (0, None),  # minutes; 0 or null = never re-notify
    "renotify_occurrences": (1, None),
    "evaluation_delay": (0, None),  # "a non-negative integer" (seconds)
    "new_group_delay": (0, None),  # "must be a non negative integer" (seconds)
    "new_host_delay": (0, None),  # "should be a non negative integer" (seconds)
    "timeout_h": (0, 24),  # "minimum 0 hours, maximum 24 hours"
    "min_failure_duration": (0, 7200),  # seconds, max 7200
    "min_location_failed": (1, None),  # "integer, >= 1"
}
# group_retention_duration: "minimum one hour, maximum 72 hours", e.g. "60m", "1h", "2d".
_RETENTION = re.compile(r"^(\d+)([mhd])$")
_RETENTION_MINUTES = {"m": 1, "h": 60, "d": 1440}
# A threshold query ends with "<comparator> <number>".
_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")


def _fail(name: Any, detail: str) -> DatadogError:
    return DatadogError("check", f"monitor {name!r}" if name else "monitor", detail=detail)


def load_monitor_definition(definition: Any) -> dict[str, Any]:
    """``definition`` (dict, JSON or YAML text, as exported from the UI) -> the fields it manages."""
    doc = load_document(definition, "monitor definition")
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in SERVER_ONLY:
            continue
        if key == "assets" and not value:
            continue  # exports carry an empty list; links to runbooks are not managed here
        if key not in DOCUMENT_FIELDS:
            raise DatadogError(
                "parse",
                "monitor definition",
                detail=f"definition.{key} is not a monitor field this module manages "
                f"(known: {', '.join(DOCUMENT_FIELDS)})",
            )
        out[key] = copy.deepcopy(value)
    if "options" in out and not isinstance(out["options"], dict):
        raise DatadogError("parse", "monitor definition", detail="definition.options must be a mapping")
    if isinstance(out.get("options"), dict):
        out["options"].pop("silenced", None)  # v1 mutes: server state, not configuration
    return out


def desired_monitor(params: dict[str, Any]) -> dict[str, Any]:
    """The API body for the task's monitor (options include explicit defaults, see OPTION_DEFAULTS).

    With ``definition``, the document gives the fields the task's own options leave unset.
    """
    doc = load_monitor_definition(params["definition"]) if params.get("definition") is not None else {}

    def pick(option: str, field: str) -> Any:
        value = params.get(option)
        return value if value is not None else doc.get(field)

    options: dict[str, Any] = dict(OPTION_DEFAULTS)
    options.update(doc.get("options") or {})
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
        "name": pick("name", "name"),
        "type": pick("type", "type"),
        "query": pick("query", "query"),
        "message": pick("notification_message", "message") or "",
        "tags": string_set(pick("tags", "tags")),
        "priority": pick("priority", "priority"),
        "options": options,
    }
    restricted = pick("restricted_roles", "restricted_roles")
    if restricted is not None:
        body["restricted_roles"] = string_set(restricted)
    draft = pick("draft_status", "draft_status")
    if draft is not None:
        body["draft_status"] = draft
    return body


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_thresholds(name: Any, query: str, thresholds: dict[str, Any]) -> None:
    """Thresholds are numbers; ``critical`` is the query's; the others sit on the right side."""
    for key, value in thresholds.items():
        if key not in THRESHOLD_KEYS:
            raise _fail(name, f"options.thresholds.{key} is not a threshold ({', '.join(THRESHOLD_KEYS)})")
        if value is not None and not _number(value):
            raise _fail(name, f"options.thresholds.{key} must be a number (got {value!r})")
    match = _COMPARISON.search(query or "")
    if not match:
        return
    operator, value = match.group(1), float(match.group(2))
    critical = thresholds.get("critical")
    if critical is not None and float(critical) != value:
        raise _fail(
            name,
            f"options.thresholds.critical ({critical}) must equal the threshold in the query ({value:g})",
        )
    critical = value
    if operator in (">", ">="):
        above, word = True, "below"
    elif operator in ("<", "<="):
        above, word = False, "above"
    else:
        return  # == and != have no side

    def wrong_side(x: float, limit: float, strict: bool) -> bool:
        if above:
            return x >= limit if strict else x > limit
        return x <= limit if strict else x < limit

    warning = thresholds.get("warning")
    rules = [
        ("critical_recovery", "critical", critical, True),
        ("warning", "critical", critical, False),
        ("warning_recovery", "warning", warning, True),
    ]
    for key, other, limit, strict in rules:
        got = thresholds.get(key)
        if got is None or limit is None:
            continue
        if wrong_side(float(got), float(limit), strict):
            rel = word if strict else f"{word} or equal to"
            raise _fail(
                name,
                f"options.thresholds.{key} ({got:g}) must be {rel} options.thresholds.{other} "
                f"({float(limit):g}) for a query that alerts when the value is {operator} {critical:g}",
            )


def _check_retention(name: Any, value: Any) -> None:
    match = _RETENTION.match(value) if isinstance(value, str) else None
    minutes = int(match.group(1)) * _RETENTION_MINUTES[match.group(2)] if match else -1
    if not 60 <= minutes <= 72 * 60:
        raise _fail(
            name,
            f"options.group_retention_duration {value!r} must be a duration from 1h to 72h "
            "(for example '60m', '1h', '2d')",
        )


def validate_monitor(body: dict[str, Any]) -> None:
    """Datadog's documented rules, checked before any request (check mode too), field named."""
    name = body.get("name")
    missing = [k for k in ("name", "type", "query") if not body.get(k)]
    if missing:
        raise _fail(
            name, f"state=present but missing: {', '.join(missing)} (give them as options or in definition)"
        )
    check_key(name, "name", "monitor")
    if body["type"] not in MONITOR_TYPES:
        raise _fail(name, f"type {body['type']!r} is not one of: {', '.join(MONITOR_TYPES)}")
    priority = body.get("priority")
    if priority is not None and (
        not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 5
    ):
        raise _fail(name, f"priority must be an integer from 1 to 5 (got {priority!r})")
    draft = body.get("draft_status")
    if draft is not None and draft not in DRAFT_STATUSES:
        raise _fail(name, f"draft_status must be one of {', '.join(DRAFT_STATUSES)} (got {draft!r})")
    options = body.get("options") or {}
    for key, (low, high) in OPTION_BOUNDS.items():
        value = options.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(name, f"options.{key} must be an integer (got {value!r})")
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise _fail(name, f"options.{key} must be {bound} (got {value})")
    if options.get("group_retention_duration") is not None:
        _check_retention(name, options["group_retention_duration"])
    thresholds = options.get("thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, dict):
            raise _fail(name, "options.thresholds must be a mapping")
        _check_thresholds(name, body["query"], thresholds)


def managed_option_keys(desired: dict[str, Any]) -> set[str]:
    return set(OPTION_DEFAULTS) | {k for k, v in desired.get("options", {}).items() if v is not None}


def update_body(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The PUT body. Datadog keeps top-level fields a PUT leaves out but replaces ``options`` as a
    whole (recorded: options not sent are reset), so the options the task does not manage are
    sent back with their current value."""
    keys = managed_option_keys(desired)
    options = {k: copy.deepcopy(v) for k, v in (current.get("options") or {}).items() if k not in keys}
    options.update(copy.deepcopy(desired.get("options") or {}))
    return dict(desired, options=options)


def normalise(
    monitor: dict[str, Any], option_keys: set[str], manage_roles: bool, manage_draft: bool = False
) -> dict[str, Any]:
    """Project a monitor (from the server or the task) onto what the task manages."""
    mtype = monitor.get("type")
    out: dict[str, Any] = {
        "name": monitor.get("name"),
        "type": TYPE_ALIASES.get(mtype, mtype) if mtype else None,
        "query": squash_spaces(monitor.get("query")),
        "message": trim(monitor.get("message")) or None,
        "tags": string_set(monitor.get("tags")) or None,
        "priority": monitor.get("priority"),
    }
    if manage_roles:
        out["restricted_roles"] = string_set(monitor.get("restricted_roles")) or None
    if manage_draft:
        out["draft_status"] = monitor.get("draft_status") or "published"
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


class MonitorService(ResourceService):
    """Monitors (API v1): the shared skeleton (service.py) with the monitor's calls."""

    API = MonitorsApi
    RACE = RaceRules(
        "monitor",
        "name",
        created=lambda m: m.get("created"),
        creator=lambda m: (m.get("creator") or {}).get("handle"),
    )
    LIST_SIZE = LIST_ALL_PAGE_SIZE

    def send_read(self, object_id: int) -> Any:
        return self.api.get_monitor(object_id)

    def page(self, n: int, size: int, what: str, **filters: Any) -> list[dict[str, Any]]:
        return self.client.call("list", what, self.api.list_monitors, page=n, page_size=size, **filters)

    def matches(self, key: str) -> list[dict[str, Any]]:
        """``GET /api/v1/monitor?name=`` (a substring search, paged); matched client-side by
        normalize.key_matches (surrounding whitespace of the server's name ignored)."""
        found = self.list_all(f"monitors named {key!r}", PAGE_SIZE, name=key)
        return [m for m in found if key_matches(m.get("name"), key)]

    def send_create(self, body: dict[str, Any]) -> Any:
        return self.api.create_monitor(body=body)

    def send_update(self, object_id: int, body: dict[str, Any]) -> Any:
        # Datadog cannot change a monitor's type (plan() refuses it): the PUT leaves it out.
        return self.api.update_monitor(object_id, body={k: v for k, v in body.items() if k != "type"})

    def send_delete(self, object_id: int, force: bool) -> Any:
        return self.api.delete_monitor(object_id, **({"force": "true"} if force else {}))

    def predict_update(self, current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        return dict(current, **{k: v for k, v in body.items() if k != "type"})

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


# --- options: one definition for datadog_monitor and datadog_resources' monitors ------------------

THRESHOLD_OPTIONS = {k: {"type": "float"} for k in THRESHOLD_KEYS}
MONITOR_OPTIONS: dict[str, Any] = {
    "thresholds": {"type": "dict", "options": THRESHOLD_OPTIONS},
    "threshold_windows": {
        "type": "dict",
        "options": {"trigger_window": {"type": "str"}, "recovery_window": {"type": "str"}},
    },
    "notify_no_data": {"type": "bool"},
    "no_data_timeframe": {"type": "int"},
    "renotify_interval": {"type": "int"},
    "renotify_occurrences": {"type": "int"},
    "renotify_statuses": {"type": "list", "elements": "str", "choices": ["alert", "no data", "warn"]},
    "include_tags": {"type": "bool"},
    "require_full_window": {"type": "bool"},
    "evaluation_delay": {"type": "int"},
    "new_group_delay": {"type": "int"},
    "new_host_delay": {"type": "int"},
    "timeout_h": {"type": "int"},
    "escalation_message": {"type": "str"},
    "notify_audit": {"type": "bool"},
    "on_missing_data": {
        "type": "str",
        "choices": ["default", "show_no_data", "show_and_notify_no_data", "resolve"],
    },
    "notify_by": {"type": "list", "elements": "str"},
}


def option_spec() -> dict[str, Any]:
    """The monitor's options (without the connection options), as AnsibleModule takes them."""
    return copy.deepcopy(
        {
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "id": {"type": "int"},
            "name": {"type": "str"},
            "type": {"type": "str", "choices": MONITOR_TYPES},
            "query": {"type": "str"},
            "notification_message": {"type": "str"},
            "tags": {"type": "list", "elements": "str"},
            "priority": {"type": "int", "choices": [1, 2, 3, 4, 5]},
            "restricted_roles": {"type": "list", "elements": "str"},
            "draft_status": {"type": "str", "choices": list(DRAFT_STATUSES)},
            "definition": {"type": "raw"},
            "options": {"type": "dict", "default": {}, "options": MONITOR_OPTIONS},
            "extra_options": {"type": "dict", "default": {}},
            "force": {"type": "bool", "default": False},
        }
    )


def option_rules() -> dict[str, Any]:
    """The spec's cross-option rules (AnsibleModule / ArgumentSpecValidator keyword arguments)."""
    return {
        "required_if": [
            ("state", "present", ("name", "definition"), True),
            ("state", "absent", ("id", "name", "definition"), True),
        ],
    }


# --- plan / apply (see plan.py) -------------------------------------------------------------------


@dataclass
class Wanted:
    """The task's monitor, checked: ``desired`` is the API body (None for state=absent)."""

    monitor_id: int | None
    name: str | None
    desired: dict[str, Any] | None
    force: bool = False


def wanted(params: dict[str, Any]) -> Wanted:
    """Every check that needs no request; bad input fails here (check mode too)."""
    monitor_id = params.get("id")
    desired: dict[str, Any] | None = None
    if params.get("state", "present") == "present":
        desired = desired_monitor(params)
        validate_monitor(desired)
        name = desired["name"]
    else:
        name = absent_key(params, "name", "monitor", load_monitor_definition)
    if monitor_id is None and not name:
        raise DatadogError("look up", "monitor", detail="give id or name (option or in definition)")
    return Wanted(monitor_id, name, desired, bool(params.get("force", False)))


def lookup(svc: MonitorService, want: Wanted) -> dict[str, Any] | None:
    """The server's monitor for one task: by id (one GET) or by name (one paged search)."""
    if want.monitor_id is not None:
        return svc.get(want.monitor_id)
    return svc.find(want.name or "")


def plan(want: Wanted, current: dict[str, Any] | None) -> Plan:
    """Compare; no request. Raises when the task cannot be carried out (type change, unknown id)."""
    if want.desired is None:
        key = want.name or (current or {}).get("name")
        everything = set(OPTION_DEFAULTS)
        return Plan.for_absent(
            "monitor",
            key,
            current,
            want.monitor_id,
            normalise=lambda found: normalise(found, everything | set(found.get("options") or {}), True),
            extra={"force": want.force},
        )
    desired = want.desired
    if want.monitor_id is not None and current is None:
        raise unknown_id("monitor", want.monitor_id)
    keys = managed_option_keys(desired)
    manage_roles = "restricted_roles" in desired
    manage_draft = "draft_status" in desired
    after = normalise(desired, keys, manage_roles, manage_draft)

    def update(found: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
        if before.get("type") != after.get("type"):
            raise DatadogError(
                "update",
                f"monitor {found['id']}",
                detail=f"Datadog cannot change a monitor's type ({found.get('type')!r} -> "
                f"{desired['type']!r}); delete it (state=absent) and create it again",
            )
        return update_body(found, desired)

    return Plan.for_present(
        "monitor",
        want.name,
        current,
        (desired, after),
        normalise=lambda found: normalise(found, keys, manage_roles, manage_draft),
        update_body=update,
    )


def check(svc: MonitorService, planned: Plan) -> None:
    """Datadog's validate endpoint for a body about to be sent (create or update; check mode too)."""
    if planned.body is not None:  # a create or an update
        svc.validate(planned.body, planned.object_id)


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Make the monitor match ``params``; return the module result."""
    svc = MonitorService(client)
    want = wanted(params)
    planned = plan(want, lookup(svc, want))
    check(svc, planned)
    return svc.apply(planned, check_mode)
