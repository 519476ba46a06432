# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only listing of monitors, dashboards and downtimes (the ``*_info`` modules).

Every list is read through all of its pages. The client is switched to read-only first: the
lookups never settle race copies (that deletes), whatever the check mode. Each function returns
the module result: the objects as Datadog returns them and their ``export`` form
(see export.py), which the single modules and ``datadog_resources`` take as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from ansible_collections.datadog_exercise.stack.plugins.module_utils import export as export_mod
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.dashboard import DashboardService
from ansible_collections.datadog_exercise.stack.plugins.module_utils.downtime import (
    DowntimeService,
    attributes_of,
    check_name,
    flatten,
    is_live,
    split_message,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.monitor import MonitorService
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import check_key, key_matches
from ansible_collections.datadog_exercise.stack.plugins.module_utils.service import ResourceService


def _bad_filter(what: str, detail: str) -> DatadogError:
    return DatadogError("check", f"{what} filter", detail=detail)


def check_tags(tags: list[str] | None, what: str, field: str = "tags") -> list[str]:
    """A tag filter: non-empty strings without surrounding whitespace, no commas (the list
    parameter of the API is comma-separated)."""
    out = []
    for index, tag in enumerate(tags or []):
        if not isinstance(tag, str) or not tag.strip() or tag != tag.strip() or "," in tag:
            raise _bad_filter(
                what,
                f"{field}[{index}] {tag!r} must be a non-empty tag without surrounding whitespace or commas",
            )
        out.append(tag)
    return out


def _warn_duplicates(
    items: list[dict[str, Any]], objects: list[dict[str, Any]], key: str, kind: str
) -> list[str]:
    """Export items sharing a natural key get the object's ``id`` (else applying them fails)."""
    counts = Counter(item.get(key) for item in items)
    warnings = []
    for item, obj in zip(items, objects):
        if counts[item.get(key)] > 1:
            item["id"] = obj.get("id")
    for value, count in sorted(counts.items(), key=lambda kv: str(kv[0])):
        if count > 1:
            warnings.append(
                f"{count} {kind}s have the {key} {value!r}: their export items carry their id "
                f"(a {kind} is found by {key} otherwise); make the {key}s unique to manage them by {key}"
            )
    return warnings


def _problems(items: list[dict[str, Any]], check: Any, kind: str, key: str) -> list[str]:
    out = []
    for item in items:
        problem = check(item)
        if problem:
            out.append(
                f"{kind} {item.get(key) or item.get('id')!r} is exported as Datadog holds it, but the "
                f"module would refuse it: {problem}"
            )
    return out


def by_id(svc: ResourceService, object_id: Any) -> list[dict[str, Any]]:
    """The filter ``id``: one read; an id that does not exist fails the task."""
    found = svc.get(object_id)
    if found is None:
        raise DatadogError("read", f"{svc.kind} {object_id}", 404, detail=f"no {svc.kind} has this id")
    return [found]


def listed(
    client: DatadogClient, name: str, objects: list[dict[str, Any]], export: list[Any], warnings: list[str]
) -> dict[str, Any]:
    """The result of an info module; the warnings go out with it (DatadogModule.run)."""
    client.warnings.extend(warnings)
    return {"changed": False, name: objects, "export": export, "count": len(objects)}


def listing(
    svc: Any,
    params: dict[str, Any],
    field: str,
    *,
    bad_id: Callable[[Any], str],
    read_all: Callable[[Any, str | None, list[str]], list[dict[str, Any]]],
    export_one: Callable[[dict[str, Any]], dict[str, Any]],
    problem: Callable[[dict[str, Any]], str | None],
    id_order: Callable[[Any], Any],
) -> dict[str, Any]:
    """monitor_info and dashboard_info: the filters checked (``bad_id`` says why an id is refused),
    one read by id or ``read_all(svc, key, tags)``, then only what has the key and all the tags,
    sorted by key then id, and exported (see export.py) with warnings."""
    kind, client = svc.kind, svc.client
    client.read_only = True
    key = params.get(field)
    if key is not None:
        check_key(key, field, f"{kind} filter")
    tags = check_tags(params.get("tags"), kind)
    object_id = params.get("id")
    if object_id is not None:
        why = bad_id(object_id)
        if why:
            raise _bad_filter(kind, why)
        objects = by_id(svc, object_id)
    else:
        objects = read_all(svc, key, tags)
    if key is not None:
        objects = [o for o in objects if key_matches(o.get(field), key)]
    objects = [o for o in objects if all(t in (o.get("tags") or []) for t in tags)]
    objects.sort(key=lambda o: (str(o.get(field)), id_order(o.get("id"))))
    export = [export_one(o) for o in objects]
    warnings = _warn_duplicates(export, objects, field, kind) + _problems(export, problem, kind, field)
    return listed(client, f"{kind}s", objects, export, warnings)


def tag_filter() -> dict[str, Any]:
    return {"type": "list", "elements": "str"}


# --- monitors -------------------------------------------------------------------------------------


def list_monitors(svc: MonitorService, name: str | None, tags: list[str]) -> list[dict[str, Any]]:
    """``GET /api/v1/monitor`` through every page of up to 1000 monitors (the API's maximum),
    ``name`` and ``monitor_tags`` sent to the server, without each monitor's downtimes."""
    filters: dict[str, Any] = {"with_downtimes": False}
    if name:
        filters["name"] = name
    if tags:
        filters["monitor_tags"] = ",".join(tags)
    return svc.list_all(**filters)


def monitor_info_spec() -> dict[str, Any]:
    """The options of datadog_monitor_info (without the connection options)."""
    return {"id": {"type": "int"}, "name": {"type": "str"}, "tags": tag_filter()}


def monitor_info(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    return listing(
        MonitorService(client),
        params,
        "name",
        bad_id=lambda monitor_id: (
            "" if monitor_id > 0 else f"id must be a positive integer (got {monitor_id})"
        ),
        read_all=list_monitors,
        export_one=export_mod.export_monitor,
        problem=export_mod.monitor_problem,
        id_order=lambda n: n or 0,
    )


# --- dashboards -----------------------------------------------------------------------------------


def dashboard_info_spec() -> dict[str, Any]:
    """The options of datadog_dashboard_info (without the connection options)."""
    return {"id": {"type": "str"}, "title": {"type": "str"}, "tags": tag_filter()}


def read_dashboards(svc: DashboardService, title: str | None, tags: list[str]) -> list[dict[str, Any]]:
    """Every dashboard with this title (all without one) in full: the list holds summaries without
    widgets or tags, so each one is read (one GET each); one deleted since the list is left out."""
    summaries = svc.list_all()
    if title is not None:
        summaries = [d for d in summaries if key_matches(d.get("title"), title)]
    found = [svc.get(summary["id"]) for summary in summaries]
    return [d for d in found if d is not None]


def dashboard_info(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    return listing(
        DashboardService(client),
        params,
        "title",
        bad_id=lambda dashboard_id: "" if str(dashboard_id).strip() else "id must not be empty",
        read_all=read_dashboards,
        export_one=export_mod.export_dashboard,
        problem=export_mod.dashboard_problem,
        id_order=str,
    )


# --- downtimes ------------------------------------------------------------------------------------


def _monitor_id_by_name(client: DatadogClient, name: str) -> int:
    """The id of the one monitor named ``name`` (filter ``monitor``); none or several is an error."""
    check_key(name, "monitor", "downtime filter")
    svc = MonitorService(client)
    matches = [m for m in list_monitors(svc, name, []) if key_matches(m.get("name"), name)]
    if not matches:
        raise _bad_filter("downtime", f"monitor {name!r}: no monitor has this name")
    if len(matches) > 1:
        ids = ", ".join(str(m.get("id")) for m in matches)
        raise _bad_filter(
            "downtime",
            f"monitor {name!r}: {len(matches)} monitors have this name (ids: {ids}); use monitor_id",
        )
    return int(matches[0]["id"])


def _monitor_names(client: DatadogClient, ids: set[int]) -> tuple[dict[int, str], list[str]]:
    """Monitor id -> name for ``ids`` (one paged list of all monitors); names shared by several
    monitors, and monitors that do not exist, are left out (with a warning)."""
    if not ids:
        return {}, []
    monitors = list_monitors(MonitorService(client), None, [])
    counts = Counter(m.get("name") for m in monitors)
    names: dict[int, str] = {}
    warnings = []
    by_id = {int(m["id"]): m.get("name") for m in monitors}
    for monitor_id in sorted(ids):
        name = by_id.get(monitor_id)
        if name is None:
            warnings.append(
                f"monitor {monitor_id} (silenced by a downtime) does not exist: exported with monitor_id"
            )
        elif counts[name] > 1:
            warnings.append(
                f"monitor {monitor_id}: {counts[name]} monitors are named {name!r}: exported with monitor_id"
            )
        else:
            names[monitor_id] = name
    return names, warnings


def downtime_info_spec() -> dict[str, Any]:
    """The options of datadog_downtime_info (without the connection options)."""
    return {
        "id": {"type": "str"},
        "name": {"type": "str"},
        "monitor_id": {"type": "int"},
        "monitor": {"type": "str"},
        "monitor_tags": tag_filter(),
        "include_ended": {"type": "bool", "default": False},
        "unnamed_downtimes": {"type": "str", "choices": list(export_mod.UNNAMED_CHOICES), "default": "adopt"},
        "monitor_reference": {
            "type": "str",
            "choices": list(export_mod.MONITOR_REFERENCE_CHOICES),
            "default": "id",
        },
    }


def downtime_info_rules() -> dict[str, Any]:
    """The cross-option rules of datadog_downtime_info (AnsibleModule keyword arguments)."""
    return {
        "mutually_exclusive": [
            ("monitor_id", "monitor"),
            ("monitor_id", "monitor_tags"),
            ("monitor", "monitor_tags"),
        ],
    }


def downtime_info(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    client.read_only = True
    svc = DowntimeService(client)
    name = params.get("name")
    if name is not None:
        check_name(name)
    monitor_id = params.get("monitor_id")
    if monitor_id is not None and monitor_id <= 0:
        raise _bad_filter("downtime", f"monitor_id must be a positive integer (got {monitor_id})")
    tags = check_tags(params.get("monitor_tags"), "downtime", "monitor_tags")
    if params.get("monitor") is not None:
        monitor_id = _monitor_id_by_name(client, params["monitor"])
    downtime_id = params.get("id")
    if downtime_id is not None:
        if not str(downtime_id).strip():
            raise _bad_filter("downtime", "id must not be empty")
        items = by_id(svc, downtime_id)
    else:
        items = svc.list_all()  # without current_only (see downtime.py)
    if not params.get("include_ended"):
        items = [d for d in items if is_live(d)]
    if name is not None:
        items = [d for d in items if split_message(attributes_of(d).get("message"))[1] == name]
    if monitor_id is not None:
        items = [
            d
            for d in items
            if str((attributes_of(d).get("monitor_identifier") or {}).get("monitor_id")) == str(monitor_id)
        ]
    if tags:
        items = [
            d
            for d in items
            if all(
                t in ((attributes_of(d).get("monitor_identifier") or {}).get("monitor_tags") or [])
                for t in tags
            )
        ]
    items.sort(key=lambda d: (split_message(attributes_of(d).get("message"))[1] or "~", str(d.get("id"))))

    warnings: list[str] = []
    monitor_names = None
    if params.get("monitor_reference") == "name":
        ids = {
            int(ident["monitor_id"])
            for d in items
            if is_live(d)
            for ident in [attributes_of(d).get("monitor_identifier") or {}]
            if ident.get("monitor_id") is not None
        }
        monitor_names, more = _monitor_names(client, ids)
        warnings += more
    unnamed = params.get("unnamed_downtimes") or "adopt"
    export: list[dict[str, Any]] = []
    exported: list[dict[str, Any]] = []
    skipped, adopted = [], []
    for item in items:
        if not is_live(item):
            continue  # ended/cancelled: history, and a window in the past cannot be applied
        entry = export_mod.export_downtime(item, unnamed=unnamed, monitor_names=monitor_names)
        if entry is None:
            skipped.append(str(item.get("id")))
            continue
        if unnamed == "adopt" and "id" in entry:
            adopted.append(str(item.get("id")))
        export.append(entry)
        exported.append(item)
    if skipped:
        warnings.append(
            f"{len(skipped)} downtime(s) without a name marker were left out of the export "
            f"(unnamed_downtimes=skip): {', '.join(skipped)}"
        )
    if adopted:
        warnings.append(
            f"{len(adopted)} downtime(s) without a name marker are exported with their id and the name "
            f"downtime-<id>: the first apply writes that name into their message (one update each): "
            f"{', '.join(adopted)}"
        )
    named = [e for e in export if e.get("name")]
    warnings += _warn_duplicates(
        named, [o for o, e in zip(exported, export) if e.get("name")], "name", "downtime"
    )
    warnings += _problems(export, export_mod.downtime_problem, "downtime", "name")
    return listed(client, "downtimes", [flatten(d) for d in items], export, warnings)
