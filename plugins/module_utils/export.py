# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Objects read from Datadog -> task options of the single modules and ``datadog_resources``.

The ``export`` form of a monitor, dashboard or downtime holds exactly the options the module
would need to produce that object, under the module's option names, and nothing else: no
server-only fields (ids, authors, timestamps, states), no server defaults (a value equal to
what the module or Datadog uses when the option is left out), no nulls or empty lists.
Applying an export to the org it came from is therefore a no-op (``changed=false``, no write):
the module's own normalisation of the task equals its normalisation of the server object.
"""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard as dashboard_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils import downtime as downtime_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor as monitor_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import clean, string_set, trim
from ansible_collections.datadog_exercise.stack.plugins.module_utils.schedule import (
    ScheduleError,
    normalise_rrule,
    parse_instant,
)

# Options Datadog adds on every read when they were not sent (recorded answers of
# POST/GET /api/v1/monitor), besides the ones the module always manages (monitor.OPTION_DEFAULTS).
# ``silenced`` is v1 mute state, not configuration.
MONITOR_SERVER_OPTION_DEFAULTS: dict[str, Any] = {"new_host_delay": 300, "groupby_simple_monitor": False}
MONITOR_STATE_OPTIONS = frozenset({"silenced"})

# What to do with a downtime that carries no ``[ansible-name: ...]`` marker (it has no natural key).
UNNAMED_CHOICES = ("adopt", "id", "skip")
MONITOR_REFERENCE_CHOICES = ("id", "name")


def adopted_name(downtime_id: Any) -> str:
    """The stable name given to an unnamed downtime (``unnamed_downtimes=adopt``)."""
    return f"downtime-{downtime_id}"


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


# --- monitors -------------------------------------------------------------------------------------


def _monitor_default(key: str, value: Any) -> bool:
    for defaults in (monitor_mod.OPTION_DEFAULTS, MONITOR_SERVER_OPTION_DEFAULTS):
        if key in defaults and clean(value) == clean(defaults[key]):
            return True
    return False


def monitor_option_specs() -> dict[str, Any]:
    """datadog_monitor's ``options`` suboptions (the one definition, monitor.option_spec())."""
    return monitor_mod.option_spec()["options"]["options"]


def _fits(spec: dict[str, Any] | None, value: Any) -> bool:
    """A value the suboption accepts as it is (its choices); else it goes to ``extra_options``."""
    if spec is None:
        return False
    choices = spec.get("choices")
    if not choices:
        return True
    values = value if isinstance(value, list) else [value]
    return all(v in choices for v in values)


def monitor_options(options: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A monitor's ``options`` -> (``options``, ``extra_options``) of datadog_monitor, defaults left out.

    Keys datadog_monitor has a suboption for go to ``options``; every other key (options set in the
    UI that the module does not list, such as ``scheduling_options``), and a value outside a
    suboption's choices (one Datadog added after this collection), goes to ``extra_options``.
    """
    specs = monitor_option_specs()
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, raw in sorted((options or {}).items()):
        if key in MONITOR_STATE_OPTIONS or raw is None:
            continue
        value = {k: v for k, v in raw.items() if v is not None} if isinstance(raw, dict) else raw
        if _monitor_default(key, value) or _empty(value):
            continue
        (known if _fits(specs.get(key), value) else extra)[key] = clean(copy.deepcopy(value))
    return known, extra


def export_monitor(monitor: dict[str, Any]) -> dict[str, Any]:
    """A monitor as Datadog returns it -> datadog_monitor options."""
    out: dict[str, Any] = {
        "name": monitor.get("name"),
        "type": monitor.get("type"),
        "query": monitor.get("query"),
    }
    if trim(monitor.get("message")):
        out["notification_message"] = monitor["message"]
    tags = string_set(monitor.get("tags"))
    if tags:
        out["tags"] = tags
    if monitor.get("priority") is not None:
        out["priority"] = monitor["priority"]
    roles = string_set(monitor.get("restricted_roles"))
    if roles:
        out["restricted_roles"] = roles
    if monitor.get("draft_status") and monitor["draft_status"] != "published":
        out["draft_status"] = monitor["draft_status"]
    options, extra = monitor_options(monitor.get("options"))
    if options:
        out["options"] = options
    if extra:
        out["extra_options"] = extra
    return out


def monitor_problem(item: dict[str, Any]) -> str | None:
    """Why datadog_monitor would refuse this export item (its own pre-request checks), or None."""
    try:
        monitor_mod.validate_monitor(monitor_mod.desired_monitor(item))
    except DatadogError as err:
        return str(err)
    return None


# --- dashboards -----------------------------------------------------------------------------------


def export_dashboard(dashboard: dict[str, Any]) -> dict[str, Any]:
    """A dashboard as Datadog returns it (GET) -> datadog_dashboard options (no widget ids)."""
    projected = dashboard_mod.normalise(dashboard)  # server-only fields, widget ids, defaults out
    out: dict[str, Any] = {"title": dashboard.get("title"), "layout_type": dashboard.get("layout_type")}
    if trim(dashboard.get("description")):
        out["description"] = dashboard["description"]
    for key in dashboard_mod.MANAGED:
        if key in out or key == "description":
            continue
        value = projected.get(key)
        if key == "widgets":
            out[key] = value or []
        elif not _empty(value):
            out[key] = value
    return out


def dashboard_problem(item: dict[str, Any]) -> str | None:
    try:
        body = dashboard_mod.desired_dashboard(item)
        dashboard_mod.check_rules(body, f"dashboard {body.get('title')!r}")
    except DatadogError as err:
        return str(err)
    return None


# --- downtimes ------------------------------------------------------------------------------------


def _recurrence(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rule = rec.get("rrule")
    if rule:
        try:
            out["rrule"] = normalise_rrule(rule, "rrule", strict=False)
        except ScheduleError:
            out["rrule"] = rule
    if rec.get("start"):
        out["start"] = str(rec["start"])[:16]
    if rec.get("duration"):
        out["duration"] = rec["duration"]
    return out


def _instant(value: Any) -> Any:
    try:
        return parse_instant(value, "start", "UTC")
    except ScheduleError:
        return value


def export_downtime(
    item: dict[str, Any],
    *,
    unnamed: str = "adopt",
    monitor_names: dict[int, str] | None = None,
) -> dict[str, Any] | None:
    """A v2 downtime (``data`` item) -> datadog_downtime options; None when it is skipped.

    ``unnamed`` decides for a downtime without the name marker: ``adopt`` exports it with its
    ``id`` and the name ``downtime-<id>`` (the first apply writes the marker into its message: one
    update, then no-ops), ``id`` exports it with its ``id`` only (a no-op for datadog_downtime,
    which keeps a downtime found by id unnamed), ``skip`` leaves it out.
    ``monitor_names`` (monitor id -> name): given, a downtime on one monitor names it with
    ``monitor`` instead of ``monitor_id`` (portable between orgs, for datadog_resources).
    """
    attrs = downtime_mod.attributes_of(item)
    message, name = downtime_mod.split_message(attrs.get("message"))
    out: dict[str, Any] = {}
    if name:
        out["name"] = name
    elif unnamed == "skip":
        return None
    else:
        out["id"] = item.get("id")
        if unnamed == "adopt":
            out["name"] = adopted_name(item.get("id"))
    ident = attrs.get("monitor_identifier") or {}
    if ident.get("monitor_id") is not None:
        monitor_id = int(ident["monitor_id"])
        if monitor_names is not None and monitor_id in monitor_names:
            out["monitor"] = monitor_names[monitor_id]
        else:
            out["monitor_id"] = monitor_id
    else:
        out["monitor_tags"] = string_set(ident.get("monitor_tags")) or ["*"]
    scope = (attrs.get("scope") or "").strip()
    if scope and scope != "*":
        out["scope"] = attrs["scope"]
    if message:
        out["downtime_message"] = message
    display = attrs.get("display_timezone") or "UTC"
    schedule = attrs.get("schedule") or {}
    if schedule.get("recurrences"):
        timezone = schedule.get("timezone") or "UTC"
        if timezone != "UTC":
            out["timezone"] = timezone
        if display != timezone:
            out["display_timezone"] = display
        out["recurrences"] = [_recurrence(r) for r in schedule["recurrences"] if isinstance(r, dict)]
    else:
        # One-time: start/end in UTC (...Z); the timezone only says how Datadog displays them.
        if display != "UTC":
            out["timezone"] = display
        for key in ("start", "end"):
            if schedule.get(key):
                out[key] = _instant(schedule[key])
    for key, default in (
        ("notify_end_states", downtime_mod.DEFAULT_END_STATES),
        ("notify_end_types", downtime_mod.DEFAULT_END_TYPES),
    ):
        value = attrs.get(key)
        if value is not None and string_set(value) != string_set(default):
            out[key] = string_set(value)
    if attrs.get("mute_first_recovery_notification"):
        out["mute_first_recovery_notification"] = True
    return out


def downtime_problem(item: dict[str, Any]) -> str | None:
    """Why datadog_downtime would refuse this export item before any request, or None."""
    params = dict(item)
    if "monitor" in params:  # named for datadog_resources; resolved there
        params["monitor_id"] = 0
        params.pop("monitor")
    try:
        if params.get("name"):
            downtime_mod.check_name(params["name"])
        downtime_mod.desired_attributes(params)
    except DatadogError as err:
        return str(err)
    return None
