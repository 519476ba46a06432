# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many monitors, dashboards and downtimes in one task: plan, apply, prune (``datadog_resources``).

The same code as the single modules decides and writes (each resource's ``wanted`` / ``plan``
and its service's ``apply`` and ``create`` with recovery and race settlement, see plan.py and
service.py); this
module only changes how the current objects are read and how the writes are scheduled:

1. every item is checked against the single module's own option spec (ansible-core's
   ``ArgumentSpecValidator``) and the resource's own rules; all errors are reported together,
   named ``monitors[3].query: ...``, before any request;
2. each kind is read with one paged list (monitors in pages of 1000, dashboard summaries,
   downtimes without ``current_only``), plus one ``GET`` per dashboard the task manages (the
   list has no widgets);
3. every object is planned (create / update / delete / unchanged); monitors about to be written
   are checked by Datadog's validate endpoint; any error stops the run before the first write;
4. the writes run on ``concurrency`` worker threads sharing the client's rate limiter: monitors
   and dashboards, then downtimes (they may name a monitor created in step 4), then deletions
   (downtimes first).

Prune (off by default) deletes what carries ``prune_tag`` and is not in the lists:

* monitors whose ``tags`` contain it (seen in the one list);
* dashboards whose ``tags`` contain it; Datadog's dashboard tags are team tags (``team:x``) and
  the dashboard list has no tags, so prune reads each dashboard not in the lists (one ``GET``
  each) - choose a ``team:`` tag as ``prune_tag`` to prune dashboards;
* downtimes (they have no tags) made by this collection (they carry the ``[ansible-name: ...]``
  marker) that silence what the tag marks: their ``monitor_tags`` contain ``prune_tag``, or
  their ``monitor_id`` is a monitor carrying it. They are cancelled.
"""

from __future__ import annotations

import copy
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard as dashboards
from ansible_collections.datadog_exercise.stack.plugins.module_utils import downtime as downtimes
from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor as monitors
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import (
    ACTIONS,
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    Plan,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import DuplicateError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.service import ResourceService

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32
DEFAULT_PRUNE_TAG = "managed-by:ansible"
TO_BE_CREATED = "(to be created)"
# A stand-in monitor id while planning a downtime whose monitor is created in this run.
_PENDING_ID = -1

LISTS = ("monitors", "dashboards", "downtimes")
KIND = {"monitors": "monitor", "dashboards": "dashboard", "downtimes": "downtime"}
KEY_FIELD = {"monitors": "name", "dashboards": "title", "downtimes": "name"}


def item_spec(list_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(spec, rules) of one item: the single module's own, plus ``monitor`` for downtimes."""
    if list_name == "monitors":
        return monitors.option_spec(), monitors.option_rules()
    if list_name == "dashboards":
        return dashboards.option_spec(), dashboards.option_rules()
    spec = downtimes.option_spec()
    spec["monitor"] = {"type": "str"}
    rules = copy.deepcopy(downtimes.option_rules())
    rules["mutually_exclusive"] = [
        *rules.get("mutually_exclusive", []),
        ("monitor", "monitor_id"),
        ("monitor", "monitor_tags"),
    ]
    return spec, rules


def module_spec() -> dict[str, Any]:
    """The options of datadog_resources (without the connection options)."""
    return {
        "monitors": {"type": "list", "elements": "dict", "default": []},
        "dashboards": {"type": "list", "elements": "dict", "default": []},
        "downtimes": {"type": "list", "elements": "dict", "default": []},
        "concurrency": {"type": "int", "default": DEFAULT_CONCURRENCY},
        "prune": {"type": "bool", "default": False},
        "prune_tag": {"type": "str", "default": DEFAULT_PRUNE_TAG},
    }


class BadItems(DatadogError):
    """Several problems found before any write; ``problems`` lists them, each naming its item."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(problems)
        super().__init__(
            "check",
            f"{count} item{'s' if count > 1 else ''}",
            detail="nothing was written: " + "; ".join(problems),
        )


# --- 1. items ------------------------------------------------------------------------------------

_ARGUMENT = re.compile(r"argument '([^']+)'")
_VALUE_OF = re.compile(r"value of ([^ ]+) must be")
_FOUND_IN = re.compile(r"found in '?([^'.]+(?:\.[^'.]+)*)'?")


def spec_problem(where: str, error: Any) -> str:
    """One ArgumentSpecValidator error, named ``monitors[3].field: ...`` where the field is known."""
    text = str(getattr(error, "error_message", error))
    if type(error).__name__ == "UnsupportedError":
        names, _sep, rest = text.partition(". ")
        return f"{where}.{names}: not an option of this item ({rest.rstrip('.')})"
    match = _ARGUMENT.search(text) or _VALUE_OF.search(text)
    if match:
        parent = _FOUND_IN.search(text)
        path = f"{parent.group(1)}.{match.group(1)}" if parent else match.group(1)
        return f"{where}.{path}: {text}"
    return f"{where}: {text}"


@dataclass
class Item:
    """One list entry: where it is, its validated params and the resource's checked intent."""

    list_name: str
    index: int
    params: dict[str, Any]
    want: Any = None
    monitor_ref: str | None = None
    current: dict[str, Any] | None = None
    ended_ids: list[str] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def where(self) -> str:
        return f"{self.list_name}[{self.index}]"

    @property
    def kind(self) -> str:
        return KIND[self.list_name]

    @property
    def key(self) -> str | None:
        want = self.want
        if self.list_name == "dashboards":
            return want.title if want else None
        return want.name if want else None

    @property
    def object_id(self) -> Any:
        want = self.want
        if want is None:
            return None
        if self.list_name == "monitors":
            return want.monitor_id
        if self.list_name == "dashboards":
            return want.dashboard_id
        return want.downtime_id


def check_items(args: dict[str, Any]) -> list[Item]:
    """Validate every item (spec, then the resource's own rules); raise BadItems with all problems."""
    problems: list[str] = []
    items: list[Item] = []
    for list_name in LISTS:
        seen: dict[tuple[str, str], str] = {}
        for index, raw in enumerate(args.get(list_name) or []):
            where = f"{list_name}[{index}]"
            if not isinstance(raw, dict):
                problems.append(f"{where}: must be a mapping of {KIND[list_name]} options")
                continue
            # A fresh spec per item: validation fills the spec's mutable defaults (options: {}).
            spec, rules = item_spec(list_name)
            outcome = ArgumentSpecValidator(spec, **rules).validate(copy.deepcopy(raw))
            if outcome.error_messages:
                problems.extend(spec_problem(where, err) for err in outcome.errors.errors)
                continue
            params = outcome.validated_parameters
            item = Item(list_name, index, params)
            try:
                if list_name == "monitors":
                    item.want = monitors.wanted(params)
                elif list_name == "dashboards":
                    item.want = dashboards.wanted(params)
                else:
                    item.monitor_ref = params.pop("monitor", None)
                    nulls = downtimes.explicit_nulls(raw, ("monitor_id",))
                    if item.monitor_ref is None:
                        item.want = downtimes.wanted(params, nulls)
                    else:
                        # Every other check now; the monitor's id is known after the reads.
                        checked = downtimes.wanted(dict(params, monitor_id=_PENDING_ID), nulls)
                        item.want = downtimes.Wanted(dict(params, name=checked.name), nulls)
            except DatadogError as err:
                problems.append(f"{where}: {err}")
                continue
            for ident, value in (("id", item.object_id), (KEY_FIELD[list_name], item.key)):
                if value is None:
                    continue
                other = seen.get((ident, str(value)))
                if other:
                    problems.append(f"{where}.{ident}: {value!r} is also the {ident} of {other}")
                else:
                    seen[(ident, str(value))] = where
            items.append(item)
    concurrency = args.get("concurrency", DEFAULT_CONCURRENCY)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        problems.append(f"concurrency: must be from 1 to {MAX_CONCURRENCY} (got {concurrency})")
    if args.get("prune") and not (args.get("prune_tag") or "").strip():
        problems.append("prune_tag: must not be empty when prune is true")
    if problems:
        raise BadItems(problems)
    return items


# --- 2.-4. the run -------------------------------------------------------------------------------


def _index(
    objects: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[str, list[dict[str, Any]]]:
    """Objects by natural key; surrounding whitespace of the server's value ignored (key_matches)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        value = key(obj)
        if isinstance(value, str):
            out.setdefault(value.strip(), []).append(obj)
    return out


class Reconciler:
    """One run of datadog_resources against one client."""

    def __init__(self, client: DatadogClient, args: dict[str, Any], check_mode: bool) -> None:
        self.client = client
        self.args = args
        self.check_mode = check_mode
        self.concurrency = int(args.get("concurrency") or DEFAULT_CONCURRENCY)
        self.prune = bool(args.get("prune"))
        self.prune_tag = (args.get("prune_tag") or DEFAULT_PRUNE_TAG).strip()
        self.monitor_svc = monitors.MonitorService(client)
        self.dashboard_svc = dashboards.DashboardService(client)
        self.downtime_svc = downtimes.DowntimeService(client)
        self.services: dict[str, ResourceService] = {
            "monitor": self.monitor_svc,
            "dashboard": self.dashboard_svc,
            "downtime": self.downtime_svc,
        }
        self.problems: list[str] = []
        self.pruned: list[Plan] = []
        self.all_monitors: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------------------------
    def parallel(self, func: Callable[[Any], Any], things: list[Any]) -> list[Any]:
        """``func`` over ``things`` on the worker threads (in order); exceptions are returned."""

        def guarded(thing: Any) -> Any:
            try:
                return func(thing)
            except DatadogError as err:
                return err

        if not things:
            return []
        if self.concurrency == 1 or len(things) == 1:
            return [guarded(t) for t in things]
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="datadog") as pool:
            return list(pool.map(guarded, things))

    def fail_if_problems(self) -> None:
        if self.problems:
            raise BadItems(self.problems)

    # -- reads -----------------------------------------------------------------------------------
    def read(self, items: list[Item]) -> None:
        kinds = {i.list_name for i in items}
        need_monitors = "monitors" in kinds or any(i.monitor_ref for i in items) or self.prune
        need_dashboards = "dashboards" in kinds or self.prune
        need_downtimes = "downtimes" in kinds or self.prune
        jobs: list[Callable[[], list[dict[str, Any]]]] = [
            self.monitor_svc.list_all if need_monitors else list,
            self.dashboard_svc.list_all if need_dashboards else list,
            self.downtime_svc.list_all if need_downtimes else list,
        ]
        answers = self.parallel(lambda job: job(), jobs)
        for answer in answers:
            if isinstance(answer, DatadogError):
                raise answer
        self.all_monitors, summaries, all_downtimes = answers
        self.summaries = summaries
        self.all_downtimes = all_downtimes
        self.find_monitors([i for i in items if i.list_name == "monitors"])
        self.find_dashboards([i for i in items if i.list_name == "dashboards"])
        self.find_downtimes([i for i in items if i.list_name == "downtimes"])

    def _one(self, item: Item, settle: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
        try:
            return settle()
        except DuplicateError as err:
            self.problems.append(f"{item.where}: {err}")
            return None

    def find_monitors(self, items: list[Item]) -> None:
        by_id = {str(m.get("id")): m for m in self.all_monitors}
        by_name = _index(self.all_monitors, lambda m: m.get("name"))
        for item in items:
            if item.object_id is not None:
                item.current = by_id.get(str(item.object_id))
            else:
                name = item.key or ""
                item.current = self._one(item, lambda n=name: self.monitor_svc.one_of(by_name.get(n, []), n))
        # Settled race copies were deleted (not in check mode): forget them.
        kept = {str(i.current.get("id")) for i in items if i.current}
        for name, matches in by_name.items():
            if len(matches) > 1 and any(str(m.get("id")) in kept for m in matches):
                by_name[name] = [m for m in matches if str(m.get("id")) in kept]
        self.monitors_by_name = by_name

    def find_dashboards(self, items: list[Item]) -> None:
        by_title = _index(self.summaries, lambda d: d.get("title"))
        to_read: list[tuple[Item, Any]] = []
        for item in items:
            if item.object_id:
                to_read.append((item, item.object_id))
                continue
            title = item.key or ""
            summary = self._one(item, lambda t=title: self.dashboard_svc.one_of(by_title.get(t, []), t))
            if summary is not None:
                to_read.append((item, summary["id"]))
        answers = self.parallel(lambda pair: self.dashboard_svc.get(pair[1]), to_read)
        for (item, _dashboard_id), answer in zip(to_read, answers):
            if isinstance(answer, DatadogError):
                self.problems.append(f"{item.where}: {answer}")
            else:
                item.current = answer

    def find_downtimes(self, items: list[Item]) -> None:
        by_id = {str(d.get("id")): d for d in self.all_downtimes}
        named: dict[str, list[dict[str, Any]]] = {}
        for d in self.all_downtimes:
            name = downtimes.split_message(downtimes.attributes_of(d).get("message"))[1]
            if name is not None:
                named.setdefault(name, []).append(d)
        for item in items:
            if item.object_id:
                found = by_id.get(str(item.object_id))
                if found is None:  # not in the list (yet): ask for it, as the single module does
                    found = self.downtime_svc.get(item.object_id)
                item.current = found if found is not None and downtimes.is_live(found) else None
                continue
            name = item.key or ""
            matches = named.get(name, [])
            live = [d for d in matches if downtimes.is_live(d)]
            item.ended_ids = [str(d.get("id")) for d in matches if not downtimes.is_live(d)]
            item.current = self._one(item, lambda n=name, m=live: self.downtime_svc.one_of(m, n))

    # -- plans -----------------------------------------------------------------------------------
    def monitor_id_for(self, item: Item, planned_monitors: dict[str, Item]) -> Any:
        """The monitor a downtime names (``monitor: <name>``): this run's item, else the org's."""
        ref = item.monitor_ref or ""
        mine = planned_monitors.get(ref)
        if mine is not None:
            if mine.want.desired is None:
                raise DatadogError(
                    "check",
                    f"{item.where}.monitor",
                    detail=f"monitor {ref!r} is deleted by this task (state=absent)",
                )
            if mine.plan is not None and mine.plan.action == CREATE:
                return mine.plan.extra.get("created_id", _PENDING_ID)
            return mine.current["id"] if mine.current else _PENDING_ID
        matches = self.monitors_by_name.get(ref, [])
        if len(matches) == 1:
            return matches[0]["id"]
        why = "no monitor has this name" if not matches else f"{len(matches)} monitors have this name"
        raise DatadogError(
            "check",
            f"{item.where}.monitor",
            detail=f"{ref!r}: {why} (in monitors or in the org); give monitor_id instead",
        )

    def plan_downtime(self, item: Item, planned_monitors: dict[str, Item]) -> Plan:
        want = item.want
        if item.monitor_ref is not None:
            monitor_id = self.monitor_id_for(item, planned_monitors)
            want = downtimes.Wanted(dict(want.params, monitor_id=monitor_id), want.null_options)
        planned = downtimes.plan(want, item.current, item.ended_ids)
        if item.monitor_ref is not None:
            planned.extra["monitor"] = item.monitor_ref
            if want.params["monitor_id"] == _PENDING_ID and planned.after is not None:
                planned.after = dict(planned.after, monitor_identifier={"monitor_id": TO_BE_CREATED})
        return planned

    def plan(self, items: list[Item]) -> None:
        by_name = {i.key: i for i in items if i.list_name == "monitors" and i.key}
        for item in items:
            try:
                if item.list_name == "monitors":
                    item.plan = monitors.plan(item.want, item.current)
                elif item.list_name == "dashboards":
                    item.plan = dashboards.plan(item.want, item.current)
            except DatadogError as err:
                self.problems.append(f"{item.where}: {err}")
        for item in items:
            if item.list_name == "downtimes":
                try:
                    item.plan = self.plan_downtime(item, by_name)
                except DatadogError as err:
                    self.problems.append(f"{item.where}: {err}")
        if self.prune:
            self.plan_prune(items)

    def plan_prune(self, items: list[Item]) -> None:
        tag = self.prune_tag
        managed = {(i.kind, str(i.current["id"])) for i in items if i.current}
        tagged_monitors = {str(m.get("id")) for m in self.all_monitors if tag in (m.get("tags") or [])}
        for m in self.all_monitors:
            if str(m.get("id")) in tagged_monitors and ("monitor", str(m.get("id"))) not in managed:
                want = monitors.Wanted(m.get("id"), m.get("name"), None)
                self.pruned.append(monitors.plan(want, m))
        others = [d for d in self.summaries if ("dashboard", str(d.get("id"))) not in managed]
        answers = self.parallel(lambda d: self.dashboard_svc.get(d["id"]), others)
        for answer in answers:
            if isinstance(answer, DatadogError):
                self.problems.append(f"prune: {answer}")
            elif answer is not None and tag in (answer.get("tags") or []):
                want = dashboards.Wanted(answer["id"], answer.get("title"), None)
                self.pruned.append(dashboards.plan(want, answer))
        for d in self.all_downtimes:
            if ("downtime", str(d.get("id"))) in managed or not downtimes.is_live(d):
                continue
            attrs = downtimes.attributes_of(d)
            name = downtimes.split_message(attrs.get("message"))[1]
            ident = attrs.get("monitor_identifier") or {}
            marks = (
                tag in (ident.get("monitor_tags") or []) or str(ident.get("monitor_id")) in tagged_monitors
            )
            if name is not None and marks:
                want = downtimes.Wanted({"id": d.get("id"), "name": name, "state": "absent"}, frozenset())
                self.pruned.append(downtimes.plan(want, d))

    def validate_monitors(self, items: list[Item]) -> None:
        """Datadog's validate endpoint for every monitor about to be written (check mode too)."""
        todo = [
            i for i in items if i.list_name == "monitors" and i.plan and i.plan.action in (CREATE, UPDATE)
        ]
        answers = self.parallel(lambda i: monitors.check(self.monitor_svc, i.plan), todo)
        for item, answer in zip(todo, answers):
            if isinstance(answer, DatadogError):
                self.problems.append(f"{item.where}: {answer}")

    # -- writes ----------------------------------------------------------------------------------
    def apply_one(self, kind: str, planned: Plan) -> dict[str, Any]:
        return self.services[kind].apply(planned, self.check_mode)

    def write(self, items: list[Item]) -> dict[int, Any]:
        """Apply every change; returns item position -> module result (or the error)."""
        outcome: dict[int, Any] = {}
        position = {id(item): n for n, item in enumerate(items)}

        def run(batch: list[Item]) -> None:
            answers = self.parallel(lambda i: self.apply_one(i.kind, i.plan), batch)
            for item, answer in zip(batch, answers):
                outcome[position[id(item)]] = answer

        changing = [i for i in items if i.plan and i.plan.action in (CREATE, UPDATE)]
        run([i for i in changing if i.list_name != "downtimes"])
        if not self.check_mode:
            # Downtimes that name a monitor created just now: plan them again with its id.
            by_name = {i.key: i for i in items if i.list_name == "monitors" and i.key}
            for item in items:
                result = outcome.get(position[id(item)])
                if item.list_name == "monitors" and isinstance(result, dict) and item.plan:
                    item.plan.extra["created_id"] = result.get("id")
            for item in items:
                if item.list_name == "downtimes" and item.monitor_ref is not None:
                    ref = by_name.get(item.monitor_ref)
                    failed = ref is not None and isinstance(outcome.get(position[id(ref)]), DatadogError)
                    if failed:
                        outcome[position[id(item)]] = DatadogError(
                            "check",
                            f"{item.where}.monitor",
                            detail=f"monitor {item.monitor_ref!r} was not written",
                        )
                        item.plan = None
                        continue
                    item.plan = self.plan_downtime(item, by_name)
        run([i for i in items if i.list_name == "downtimes" and i.plan and i.plan.action in (CREATE, UPDATE)])
        deleting = [i for i in items if i.plan and i.plan.action == DELETE]
        run([i for i in deleting if i.list_name == "downtimes"])
        run([i for i in deleting if i.list_name != "downtimes"])
        return outcome

    def write_pruned(self) -> list[Any]:
        first = [p for p in self.pruned if p.kind == "downtime"]
        rest = [p for p in self.pruned if p.kind != "downtime"]
        return self.parallel(lambda p: self.apply_one(p.kind, p), first) + self.parallel(
            lambda p: self.apply_one(p.kind, p), rest
        )

    # -- the run ---------------------------------------------------------------------------------
    def run(self, items: list[Item]) -> dict[str, Any]:
        self.read(items)
        self.fail_if_problems()
        self.plan(items)
        self.fail_if_problems()
        self.validate_monitors(items)
        self.fail_if_problems()
        outcome: dict[int, Any] = {}
        pruned_results: list[Any] = []
        if not self.check_mode:
            outcome = self.write(items)
            pruned_results = self.write_pruned()
        return self.report(items, outcome, pruned_results)

    def report(self, items: list[Item], outcome: dict[int, Any], pruned_results: list[Any]) -> dict[str, Any]:
        entries: list[dict[str, Any]] = []
        failures: list[str] = []
        for n, item in enumerate(items):
            answer = outcome.get(n)
            if isinstance(answer, DatadogError):
                failures.append(f"{item.where}: {answer}")
                entries.append(entry(item.plan, item.where, error=str(answer)))
                continue
            found_id = answer.get("id") if isinstance(answer, dict) else None
            entries.append(entry(item.plan, item.where, object_id=found_id))
            if item.kind == "dashboard":
                # The dashboard's link for the user's site (what datadog_dashboard returns as url).
                shown = answer if isinstance(answer, dict) and answer.get("url") else item.current or {}
                entries[-1]["url"] = dashboards.dashboard_url(self.client.url, shown)
        for planned, answer in zip(self.pruned, pruned_results or [None] * len(self.pruned)):
            if isinstance(answer, DatadogError):
                failures.append(f"prune {planned.kind} {planned.key!r}: {answer}")
                entries.append(entry(planned, "prune", error=str(answer)))
            else:
                entries.append(entry(planned, "prune"))
        summary = {action: 0 for action in ACTIONS}
        for e in entries:
            if "error" not in e:
                summary[e["action"]] += 1
        changes = [e for e in entries if e["action"] != UNCHANGED and "error" not in e]
        diff = [
            {
                "before_header": f"{e['kind']} {e['name']!r}",
                "after_header": f"{e['kind']} {e['name']!r}",
                "before": e.get("before") or {},
                "after": e.get("after") or {},
            }
            for e in changes
        ]
        return {
            "changed": bool(changes),
            "summary": summary,
            "resources": entries,
            "diff": diff,
            "failures": failures,
        }


def entry(
    planned: Plan | None, where: str, object_id: Any = None, error: str | None = None
) -> dict[str, Any]:
    """One object of the plan/result as the module returns it."""
    if planned is None:
        return {"kind": "downtime", "name": None, "where": where, "action": UNCHANGED, "error": error}
    out: dict[str, Any] = {
        "kind": planned.kind,
        "name": planned.key,
        "where": where,
        "action": planned.action,
        "id": object_id if object_id is not None else planned.object_id,
    }
    if "monitor" in planned.extra:
        out["monitor"] = planned.extra["monitor"]
    if planned.action != UNCHANGED:
        out["before"] = planned.before or {}
        out["after"] = planned.after or {}
    if error:
        out["error"] = error
    return out


def reconcile(client: DatadogClient, args: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """The whole run (see the module docstring).

    Bad items, failed reads and failed checks raise (BadItems/DatadogError) before any write. A
    write that fails does not stop the others: the result then has ``failed`` and a ``msg``
    naming every failed object, next to what was done.
    """
    items = check_items(args)
    outcome = Reconciler(client, args, check_mode).run(items)
    failures = outcome["failures"]
    if failures:
        outcome["failed"] = True
        outcome["msg"] = (
            f"{len(failures)} change(s) failed (every other change was applied, see resources): "
            + "; ".join(failures)
        )
    return outcome
