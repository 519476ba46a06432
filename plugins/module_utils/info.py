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
from typing import Any

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
from ansible_collections.datadog_exercise.stack.plugins.module_utils.monitor import (
    LIST_ALL_PAGE_SIZE,
    MonitorService,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import check_key, key_matches
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import PAGE_SIZE, paginate


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


# --- monitors -------------------------------------------------------------------------------------


def list_monitors(svc: MonitorService, name: str | None, tags: list[str]) -> list[dict[str, Any]]:
    """``GET /api/v1/monitor`` through every page of up to 1000 monitors (the API's maximum),
    ``name`` and ``monitor_tags`` sent to the server, without each monitor's downtimes."""
    kwargs: dict[str, Any] = {"with_downtimes": False}
    if name:
        kwargs["name"] = name
    if tags:
        kwargs["monitor_tags"] = ",".join(tags)

    def page(n: int) -> list[dict[str, Any]]:
        return svc.client.call(
            "list", "monitors", svc.api.list_monitors, page=n, page_size=LIST_ALL_PAGE_SIZE, **kwargs
        )

    return list(paginate(page, key=lambda m: m.get("id"), size=LIST_ALL_PAGE_SIZE))


def monitor_info(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    client.read_only = True
    svc = MonitorService(client)
    name = params.get("name")
    if name is not None:
        check_key(name, "name", "monitor filter")
    tags = check_tags(params.get("tags"), "monitor")
    monitor_id = params.get("id")
    if monitor_id is not None:
        if monitor_id <= 0:
            raise _bad_filter("monitor", f"id must be a positive integer (got {monitor_id})")
        found = svc.get(monitor_id)
        if found is None:
            raise DatadogError("read", f"monitor {monitor_id}", 404, detail="no monitor has this id")
        monitors = [found]
    else:
        monitors = list_monitors(svc, name, tags)
    if name is not None:
        monitors = [m for m in monitors if key_matches(m.get("name"), name)]
    monitors = [m for m in monitors if all(t in (m.get("tags") or []) for t in tags)]
    monitors.sort(key=lambda m: (str(m.get("name")), m.get("id") or 0))
    export = [export_mod.export_monitor(m) for m in monitors]
    warnings = _warn_duplicates(export, monitors, "name", "monitor")
    warnings += _problems(export, export_mod.monitor_problem, "monitor", "name")
    client.warnings.extend(warnings)
    return {"changed": False, "monitors": monitors, "export": export, "count": len(monitors)}


# --- dashboards -----------------------------------------------------------------------------------


def list_dashboard_summaries(svc: DashboardService) -> list[dict[str, Any]]:
    """``GET /api/v1/dashboard`` through every page (summaries: no widgets, no tags)."""

    def page(n: int) -> list[dict[str, Any]]:
        answer = svc.client.call(
            "list",
            "dashboards",
            svc.api.list_dashboards,
            filter_deleted=False,
            count=PAGE_SIZE,
            start=n * PAGE_SIZE,
        )
        return answer.get("dashboards") or []

    return list(paginate(page, key=lambda d: d.get("id")))


def dashboard_info(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    client.read_only = True
    svc = DashboardService(client)
    title = params.get("title")
    if title is not None:
        check_key(title, "title", "dashboard filter")
    tags = check_tags(params.get("tags"), "dashboard")
    dashboard_id = params.get("id")
    if dashboard_id is not None:
        if not str(dashboard_id).strip():
            raise _bad_filter("dashboard", "id must not be empty")
        found = svc.get(dashboard_id)
        if found is None:
            raise DatadogError("read", f"dashboard {dashboard_id}", 404, detail="no dashboard has this id")
        dashboards = [found]
    else:
        summaries = list_dashboard_summaries(svc)
        if title is not None:
            summaries = [d for d in summaries if key_matches(d.get("title"), title)]
        dashboards = []
        for summary in summaries:  # one GET each: widgets and tags are not in the summaries
            full = svc.get(summary["id"])
            if full is not None:  # deleted since the list
                dashboards.append(full)
    if title is not None:
        dashboards = [d for d in dashboards if key_matches(d.get("title"), title)]
    dashboards = [d for d in dashboards if all(t in (d.get("tags") or []) for t in tags)]
    dashboards.sort(key=lambda d: (str(d.get("title")), str(d.get("id"))))
    export = [export_mod.export_dashboard(d) for d in dashboards]
    warnings = _warn_duplicates(export, dashboards, "title", "dashboard")
    warnings += _problems(export, export_mod.dashboard_problem, "dashboard", "title")
    client.warnings.extend(warnings)
    return {"changed": False, "dashboards": dashboards, "export": export, "count": len(dashboards)}


# --- downtimes ------------------------------------------------------------------------------------


def list_downtimes(svc: DowntimeService) -> list[dict[str, Any]]:
    """``GET /api/v2/downtime`` through every page, without ``current_only`` (see downtime.py)."""

    def page(n: int) -> list[dict[str, Any]]:
        answer = svc.client.call(
            "list", "downtimes", svc.api.list_downtimes, page_offset=n * PAGE_SIZE, page_limit=PAGE_SIZE
        )
        return answer.get("data") or []

    return list(paginate(page, key=lambda d: d.get("id")))


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
        found = svc.get(downtime_id)
        if found is None:
            raise DatadogError("read", f"downtime {downtime_id}", 404, detail="no downtime has this id")
        items = [found]
    else:
        items = list_downtimes(svc)
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
    client.warnings.extend(warnings)
    downtimes = [flatten(d) for d in items]
    return {"changed": False, "downtimes": downtimes, "export": export, "count": len(downtimes)}
