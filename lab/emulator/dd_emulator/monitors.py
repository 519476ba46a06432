"""Monitors v1: create, get, update (PUT), delete, list, validate, search, can_delete."""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

from datadog_api_client.v1.model.monitor import Monitor
from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest

from dd_emulator import downtimes
from dd_emulator.errors import ApiError, bad_request, not_found
from dd_emulator.ids import integer_id
from dd_emulator.routing import Reply, Request, Route
from dd_emulator.store import ORG_ID, USER, iso, now
from dd_emulator.validation import to_json, validate

# Types Datadog stores under another name (a "metric alert" reads back as "query alert").
TYPE_ALIASES = {"metric alert": "query alert"}
_GROUP_STATES = {"all", "alert", "warn", "no data"}
# Top-level keys the v1 monitor endpoints accept and ignore although the schema does not declare
# them: the `datadog` Python library's users (community.general.datadog_monitor, for years) send
# `escalation_message` beside `options` on every create/update, and Datadog takes those requests.
_IGNORED_LEGACY_FIELDS = ("escalation_message",)

_SERVER_FIELDS = (
    "id",
    "org_id",
    "created",
    "created_at",
    "creator",
    "modified",
    "deleted",
    "overall_state",
    "overall_state_modified",
    "multi",
    "matching_downtimes",
    "state",
)
_OPERATORS = (">=", "<=", "==", "!=", ">", "<")
_COMPARISON = re.compile(
    r"^(?P<lhs>.*?)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$", re.S
)
_METRIC = re.compile(r"^\s*(?P<agg>[a-z_0-9]+)\((?P<window>(?:last|current)_\d+[a-z]+)\):(?P<expr>.+)$", re.S)
_MSG = "The value provided for parameter 'query' is invalid"


def _balanced(text: str) -> bool:
    pairs = {")": "(", "}": "{", "]": "["}
    stack: list[str] = []
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in "({[":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack and quote is None


def _threshold_query(query: str) -> tuple[str, str, float]:
    match = _COMPARISON.match(query.strip())
    if not match:
        raise bad_request(f"{_MSG}: invalid operator specified: ")
    return match.group("lhs"), match.group("op"), float(match.group("value"))


def check_query(kind: str, query: str, options: dict[str, Any], store_monitors: dict[int, Any]) -> None:
    """Reject queries Datadog rejects, per monitor type (a practical subset of its parser)."""
    if not query.strip():
        raise bad_request(_MSG)
    if not _balanced(query):
        raise bad_request(f"{_MSG}: unbalanced parentheses, braces or quotes")
    if kind == "composite":
        ids = [int(n) for n in re.findall(r"\d+", query)]
        if not ids or re.search(r"[^\d\s()&|!]", query):
            raise bad_request(f"{_MSG}: a composite query combines monitor ids with &&, || and !")
        unknown = [i for i in ids if i not in store_monitors]
        if unknown:
            raise bad_request(f"{_MSG}: monitor(s) {unknown} not found")
        return
    if kind == "service check":
        if (
            not query.startswith('"')
            or ".last(" not in query
            or not query.rstrip().endswith(".count_by_status()")
        ):
            raise bad_request(_MSG)
        return
    lhs, operator, value = _threshold_query(query)
    if kind in ("metric alert", "query alert"):
        match = _METRIC.match(lhs)
        if not match or "{" not in match.group("expr"):
            raise bad_request(_MSG)
    elif kind == "log alert" and not lhs.startswith("logs("):
        raise bad_request(_MSG)
    thresholds = options.get("thresholds") or {}
    critical = thresholds.get("critical")
    if critical is not None and float(critical) != value:
        raise bad_request(
            f"{_MSG}: Alert threshold ({float(critical)}) does not match that used in the query ({value})."
        )
    warning = thresholds.get("warning")
    if warning is not None:
        above = operator in (">", ">=")
        if (above and float(warning) > value) or (not above and float(warning) < value):
            word = "below" if above else "above"
            raise bad_request(
                f"The value provided for parameter 'options' is invalid: warning threshold "
                f"({float(warning)}) must be {word} the alert threshold ({value}) for operator {operator}"
            )


# Integer options and their documented ranges (MonitorOptions in the API reference):
# name -> (lowest, highest or None).
_INT_OPTION_RANGES: dict[str, tuple[int, int | None]] = {
    "timeout_h": (0, 24),
    "evaluation_delay": (0, None),
    "new_group_delay": (0, None),
    "new_host_delay": (0, None),
    "no_data_timeframe": (1, None),
    "renotify_interval": (0, None),
    "renotify_occurrences": (1, None),
    "min_failure_duration": (0, 7200),
    "min_location_failed": (1, None),
}
_DURATION = re.compile(r"^(\d+)(m|h|d)$")


def _invalid_option(name: str, why: str) -> ApiError:
    return bad_request(f"The value provided for parameter 'options.{name}' is invalid: {why}")


def check_options(query: str, options: dict[str, Any]) -> None:
    """Option values Datadog documents as bounded, and the sides of recovery thresholds."""
    for name, (lowest, highest) in _INT_OPTION_RANGES.items():
        value = options.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid_option(name, "must be an integer")
        if value < lowest or (highest is not None and value > highest):
            limit = f"between {lowest} and {highest}" if highest is not None else f">= {lowest}"
            raise _invalid_option(name, f"must be {limit}, got {value}")
    retention = options.get("group_retention_duration")
    if retention is not None:
        found = _DURATION.match(str(retention))
        factor = {"m": 1, "h": 60, "d": 24 * 60}
        minutes = int(found.group(1)) * factor[found.group(2)] if found else 0
        if minutes < 60 or minutes > 72 * 60:
            raise _invalid_option("group_retention_duration", "must be between 1h and 72h")
    thresholds = options.get("thresholds") or {}
    found_cmp = _COMPARISON.match(query.strip())
    if not thresholds or not found_cmp:
        return
    operator = found_cmp.group("op")
    if operator not in (">", ">=", "<", "<="):
        return
    sign = 1.0 if operator in (">", ">=") else -1.0  # +1: alert when above, -1: when below
    alert = float(found_cmp.group("value"))
    pairs = (("critical_recovery", alert), ("warning_recovery", thresholds.get("warning")))
    for recovery, of in pairs:
        value = thresholds.get(recovery)
        if value is None or of is None:
            continue
        if sign * (float(of) - float(value)) <= 0:
            side = "below" if sign > 0 else "above"
            raise bad_request(
                f"The value provided for parameter 'options' is invalid: {recovery} threshold "
                f"({float(value)}) must be {side} the threshold it recovers from ({float(of)}) "
                f"for operator {operator}"
            )


def _is_multi(kind: str, query: str) -> bool:
    if kind in ("metric alert", "query alert"):
        return bool(re.search(r"\bby\s*\{", query))
    return ".by(" in query or bool(re.search(r"\bby\s*\{", query))


def _apply_option_defaults(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options Datadog adds on every read (seen in the recordings)."""
    out = dict(options)
    if out.get("on_missing_data") == "default":
        del out["on_missing_data"]  # "default" is the absence of the option: not echoed back
        out.pop("notify_no_data", None)
        no_data_default = False
    else:
        no_data_default = "on_missing_data" not in out
    out.setdefault("notify_audit", False)
    out.setdefault("include_tags", True)
    if no_data_default:
        out.setdefault("notify_no_data", False)
    out.setdefault("new_host_delay", 300)
    if kind == "log alert":
        out.setdefault("groupby_simple_monitor", False)
    out["silenced"] = out.get("silenced") or {}
    return out


def _parse_create(req: Request) -> dict[str, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    body = {k: v for k, v in body.items() if k not in _SERVER_FIELDS + _IGNORED_LEGACY_FIELDS}
    data = to_json(validate(body, Monitor))
    check_query(data["type"], data["query"], data.get("options") or {}, req.store.monitors)
    check_options(data["query"], data.get("options") or {})
    return data


def document(stored: dict[str, Any]) -> dict[str, Any]:
    """The monitor as Datadog returns it (key order as recorded)."""
    return {
        "id": stored["id"],
        "org_id": ORG_ID,
        "type": stored["type"],
        "name": stored.get("name", ""),
        "message": stored.get("message", ""),
        "tags": stored.get("tags", []),
        "query": stored["query"],
        "options": stored["options"],
        "multi": stored["multi"],
        "created_at": stored["created_at"],
        "created": stored["created"],
        "modified": stored["modified"],
        "deleted": None,
        "priority": stored.get("priority"),
        "restricted_roles": stored.get("restricted_roles"),
        "restriction_policy": stored.get("restriction_policy"),
        "draft_status": stored.get("draft_status", "published"),
        "assets": stored.get("assets", []),
        "overall_state_modified": None,
        "overall_state": "No Data",
        "creator": {"name": None, "handle": USER["handle"], "email": USER["email"], "id": USER["id"]},
    }


def _build(data: dict[str, Any], monitor_id: int, created: dict[str, Any] | None = None) -> dict[str, Any]:
    moment = now()
    kind = TYPE_ALIASES.get(data["type"], data["type"])
    stored = {k: v for k, v in data.items() if k not in _SERVER_FIELDS}
    stored.update(
        {
            "id": monitor_id,
            "type": kind,
            "options": _apply_option_defaults(kind, data.get("options") or {}),
            "multi": _is_multi(kind, data["query"]),
            "modified": iso(moment),
        }
    )
    if created:
        stored["created"] = created["created"]
        stored["created_at"] = created["created_at"]
    else:
        stored["created"] = iso(moment)
        stored["created_at"] = int(moment.timestamp()) * 1000
    return stored


def create(req: Request) -> Reply:
    data = _parse_create(req)
    with req.store.lock:
        stored = _build(data, req.store.new_monitor_id())
        req.store.monitors[stored["id"]] = stored
        req.store.save()
        return Reply(body=document(stored))


def _monitor_id(req: Request) -> int:
    return integer_id(req.params["monitor_id"], "monitor_id")


def _get(req: Request) -> dict[str, Any]:
    stored = req.store.monitors.get(_monitor_id(req))
    if stored is None:
        raise not_found("Monitor not found")
    return stored


def _group_states(req: Request) -> None:
    value = req.arg("group_states")
    if value is not None and any(s.strip() not in _GROUP_STATES for s in value.split(",")):
        raise bad_request("Invalid group_state filters.")


def get(req: Request) -> Reply:
    _group_states(req)
    with req.store.lock:
        stored = _get(req)
        doc = document(stored)
        if req.flag("with_downtimes", False):
            doc["matching_downtimes"] = downtimes.matching_v1(req.store, stored)
        return Reply(body=doc)


def update(req: Request) -> Reply:
    with req.store.lock:
        _get(req)
    body = req.body if isinstance(req.body, dict) else {}
    body = {k: v for k, v in body.items() if k not in _SERVER_FIELDS + _IGNORED_LEGACY_FIELDS}
    changes = to_json(validate(body, MonitorUpdateRequest))
    with req.store.lock:
        current = _get(req)
        merged = {k: copy.deepcopy(v) for k, v in current.items() if k not in ("options", "multi")}
        merged.update(changes)
        if "options" in changes:
            merged["options"] = changes["options"]
        else:
            merged["options"] = current["options"]
        if TYPE_ALIASES.get(merged["type"], merged["type"]) != current["type"]:
            raise bad_request(
                "The value provided for parameter 'type' is invalid: the type cannot be changed"
            )
        check_query(merged["type"], merged["query"], merged["options"], req.store.monitors)
        check_options(merged["query"], merged["options"])
        stored = _build(merged, current["id"], created=current)
        req.store.monitors[current["id"]] = stored
        req.store.save()
        return Reply(body=document(stored))


def _referencing(store_monitors: dict[int, Any], monitor_id: int) -> list[int]:
    refs = []
    for other in store_monitors.values():
        if other["type"] == "composite" and monitor_id in [
            int(n) for n in re.findall(r"\d+", other["query"])
        ]:
            refs.append(other["id"])
    return refs


def delete(req: Request) -> Reply:
    force = req.flag("force", False)
    with req.store.lock:
        stored = _get(req)
        refs = _referencing(req.store.monitors, stored["id"])
        if refs and not force:
            raise bad_request(f"monitor [{stored['id']},] is referenced in composite monitors: {refs}")
        del req.store.monitors[stored["id"]]
        req.store.save()
    return Reply(body={"deleted_monitor_id": stored["id"]})


def _matches_scope_tags(stored: dict[str, Any], wanted: list[str]) -> bool:
    scope = " ".join(re.findall(r"\{([^}]*)\}", stored["query"]))
    return all(tag in scope for tag in wanted)


def list_(req: Request) -> Reply:
    _group_states(req)
    name = req.arg("name")
    tags = [t.strip() for t in (req.arg("tags") or "").split(",") if t.strip()]
    monitor_tags = [t.strip() for t in (req.arg("monitor_tags") or "").split(",") if t.strip()]
    with_downtimes = req.flag("with_downtimes", True)
    id_offset = req.integer("id_offset", None)
    page = req.integer("page", None)
    page_size = req.integer("page_size", None, minimum=1)
    if page_size is not None and page_size > 1000:
        raise bad_request("page_size must be <= 1000")
    with req.store.lock:
        items = sorted(req.store.monitors.values(), key=lambda m: m["id"])
        if name:
            items = [m for m in items if name.lower() in m.get("name", "").lower()]
        if monitor_tags:
            items = [m for m in items if all(t in m.get("tags", []) for t in monitor_tags)]
        if tags:
            items = [m for m in items if _matches_scope_tags(m, tags)]
        if id_offset is not None:
            items = [m for m in items if m["id"] > id_offset]
        if page is not None or page_size is not None:
            size = page_size or 100
            first = (page or 0) * size
            items = items[first : first + size]
        docs = []
        for stored in items:
            doc = document(stored)
            if with_downtimes:
                doc["matching_downtimes"] = downtimes.matching_v1(req.store, stored)
            docs.append(doc)
        return Reply(body=docs)


def _validate_body(req: Request) -> None:
    data = _parse_create(req)
    kind = data["type"]
    if kind == "composite":
        return
    data.setdefault("options", {})


def validate_new(req: Request) -> Reply:
    _validate_body(req)
    return Reply(body={})


def validate_existing(req: Request) -> Reply:
    with req.store.lock:
        _get(req)
    _validate_body(req)
    return Reply(body={})


def _search_type(kind: str) -> str:
    return {"query alert": "metric", "metric alert": "metric"}.get(kind, kind.replace(" alert", ""))


# Monitor (group) states a search query may filter on: MonitorOverallStates in the client.
_SEARCH_STATUSES = frozenset({"alert", "ignored", "no data", "ok", "skipped", "unknown", "warn"})
_STATUS_TERM = re.compile(r'status:(?:"([^"]*)"|\(([^)]*)\)|(\S+))', re.I)


def _check_statuses(query: str) -> None:
    """``status:`` terms must name a monitor status (text as recorded from Datadog)."""
    for quoted, grouped, bare in _STATUS_TERM.findall(query):
        values = [quoted] if quoted else re.split(r"\s+(?:OR|AND)\s+|,", grouped) if grouped else [bare]
        for value in values:
            name = value.strip().strip('"')
            if name.lower() not in _SEARCH_STATUSES:
                raise bad_request(f"Query parsing error: '{name}' is not a valid monitor status")


def search(req: Request) -> Reply:
    query = req.arg("query", "") or ""
    _check_statuses(query)
    page = req.integer("page", 0) or 0
    per_page = req.integer("per_page", 30, minimum=1) or 30
    terms = query.split()
    with req.store.lock:
        items = sorted(req.store.monitors.values(), key=lambda m: m["id"])
    for term in terms:
        key, _, value = term.partition(":")
        if value and key == "tag":
            items = [m for m in items if value.strip('"') in m.get("tags", [])]
        elif value and key == "type":
            items = [m for m in items if _search_type(m["type"]) == value or m["type"] == value]
        elif value and key == "id":
            items = [m for m in items if str(m["id"]) == value]
        elif value and key == "status":
            items = [m for m in items if value.lower() == "no data"]
        else:
            items = [m for m in items if term.lower() in m.get("name", "").lower()]
    tag_counts: Counter[str] = Counter(t for m in items for t in m.get("tags", []))
    type_counts: Counter[str] = Counter(_search_type(m["type"]) for m in items)
    page_items = items[page * per_page : (page + 1) * per_page]
    body = {
        "counts": {
            "status": [{"count": len(items), "name": "No Data"}] if items else [],
            "muted": [{"count": len(items), "name": False}] if items else [],
            "tag": [{"count": c, "name": n} for n, c in tag_counts.most_common()],
            "type": [{"count": c, "name": n} for n, c in type_counts.most_common()],
        },
        "monitors": [
            {
                "status": "No Data",
                "scopes": sorted(set(re.findall(r"\{([^}]*)\}", m["query"]))),
                "classification": _search_type(m["type"]),
                "creator": {"handle": USER["handle"], "id": USER["id"], "name": None},
                "metrics": sorted(set(re.findall(r":([a-z_][\w.]*)\{", m["query"]))),
                "notifications": [],
                "muted_until_ts": None,
                "query": m["query"],
                "id": m["id"],
                "last_triggered_ts": None,
                "name": m.get("name", ""),
                "tags": m.get("tags", []),
                "org_id": ORG_ID,
                "priority": m.get("priority"),
                "overall_state_modified": None,
                "restricted_roles": m.get("restricted_roles") or [],
                "type": m["type"],
            }
            for m in page_items
        ],
        "metadata": {
            "total_count": len(items),
            "page_count": -(-len(items) // per_page),
            "page": page,
            "per_page": per_page,
        },
    }
    return Reply(body=body)


def group_search(req: Request) -> Reply:
    """Monitor groups exist once a monitor is evaluated on data; the emulator evaluates none."""
    _check_statuses(req.arg("query", "") or "")
    page = req.integer("page", 0) or 0
    per_page = req.integer("per_page", 30, minimum=1) or 30
    body = {
        "counts": {"status": [], "type": []},
        "groups": [],
        "metadata": {"total_count": 0, "page_count": 0, "page": page, "per_page": per_page},
    }
    return Reply(body=body)


def can_delete(req: Request) -> Reply:
    raw = req.arg("monitor_ids")
    if not raw:
        raise bad_request("Missing required parameter 'monitor_ids'")
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        raise bad_request("Invalid value for parameter 'monitor_ids'") from None
    with req.store.lock:
        ok, errors = [], {}
        for monitor_id in ids:
            if monitor_id not in req.store.monitors:
                raise ApiError(404, "Monitor not found")
            refs = _referencing(req.store.monitors, monitor_id)
            if refs:
                errors[str(monitor_id)] = [
                    f"monitor [{monitor_id},] is referenced in composite monitors: {refs}"
                ]
            else:
                ok.append(monitor_id)
    if errors:
        return Reply(status=409, body={"data": {"ok": ok}, "errors": errors})
    return Reply(body={"data": {"ok": ok}, "errors": None})


ROUTES = [
    Route("POST", "/api/v1/monitor", create, limit_name="monitors"),
    Route("GET", "/api/v1/monitor", list_, limit_name="monitors"),
    Route("POST", "/api/v1/monitor/validate", validate_new, limit_name="monitors"),
    Route("GET", "/api/v1/monitor/search", search, limit_name="monitors"),
    Route("GET", "/api/v1/monitor/groups/search", group_search, limit_name="monitors"),
    Route("GET", "/api/v1/monitor/can_delete", can_delete, limit_name="monitors"),
    Route("GET", "/api/v1/monitor/{monitor_id}", get, limit_name="monitors"),
    Route("PUT", "/api/v1/monitor/{monitor_id}", update, limit_name="monitors"),
    Route("DELETE", "/api/v1/monitor/{monitor_id}", delete, limit_name="monitors"),
    Route("POST", "/api/v1/monitor/{monitor_id}/validate", validate_existing, limit_name="monitors"),
]
