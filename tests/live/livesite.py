"""The site playbook's content, renamed into a live run's namespace.

The suite does not edit the site playbook or the inventory: it builds a throwaway inventory (the
chosen inventory's ``group_vars/all`` files, copied, with only ``localhost`` reachable) and an
extra-vars file that overrides the content variables with every name and title prefixed and the
run tag added where Datadog takes tags (monitors, the snapshot's event). Downtimes carry their name
in their message; a downtime that silences monitors by tag is narrowed to the run tag.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

TIMEBOARD_VAR = "datadog_exercise_timeboard"


def load_group_vars(inventory: Path) -> dict[str, Any]:
    """``group_vars/all`` of an inventory directory, merged in file-name order (as Ansible loads it)."""
    folder = inventory / "group_vars" / "all"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".yml", ".yaml", ".json"))
    if not files:
        raise FileNotFoundError(f"{folder}: no group_vars files (give an inventory directory)")
    merged: dict[str, Any] = {}
    for path in files:
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: not a mapping of variables")
        merged.update(data)
    return merged


def _prefixed(value: Any, prefix: str) -> Any:
    return f"{prefix}{value}" if isinstance(value, str) and not value.startswith(prefix) else value


def _with_tag(tags: Any, tag: str) -> list[Any]:
    listed = list(tags) if isinstance(tags, list) else []
    return listed if tag in listed else [*listed, tag]


def _definition(item: dict[str, Any], rename: Any) -> None:
    """A ``definition`` given as a mapping or as a JSON document: rename it in place."""
    definition = item.get("definition")
    if isinstance(definition, dict):
        rename(definition)
    elif isinstance(definition, str) and definition.lstrip().startswith("{"):
        doc = json.loads(definition)
        rename(doc)
        item["definition"] = json.dumps(doc)


def rename_dashboard(item: dict[str, Any], prefix: str) -> None:
    # A title that is the timeboard variable follows it (the variable is prefixed itself).
    title = item.get("title")
    if not (isinstance(title, str) and TIMEBOARD_VAR in title):
        item["title"] = _prefixed(title, prefix) if title is not None else None
        if item["title"] is None:
            del item["title"]
    _definition(item, lambda doc: doc.update(title=_prefixed(doc.get("title"), prefix)))


def rename_monitor(item: dict[str, Any], prefix: str, tag: str) -> None:
    if "name" in item:
        item["name"] = _prefixed(item["name"], prefix)
    if "name" in item or "definition" not in item:
        item["tags"] = _with_tag(item.get("tags"), tag)

    def _doc(doc: dict[str, Any]) -> None:
        if "name" in doc:
            doc["name"] = _prefixed(doc["name"], prefix)
        doc["tags"] = _with_tag(doc.get("tags"), tag)

    _definition(item, _doc)


def rename_downtime(item: dict[str, Any], prefix: str, tag: str) -> None:
    for key in ("name", "monitor"):
        if key in item:
            item[key] = _prefixed(item[key], prefix)
    if "monitor_tags" in item:
        item["monitor_tags"] = _with_tag([t for t in item["monitor_tags"] or [] if t != "*"], tag)


def rename_content(group_vars: dict[str, Any], prefix: str, tag: str) -> dict[str, Any]:
    """The content variables of ``group_vars``, renamed (a new mapping; the input is not changed)."""
    out: dict[str, Any] = {}
    if isinstance(group_vars.get(TIMEBOARD_VAR), str):
        out[TIMEBOARD_VAR] = _prefixed(group_vars[TIMEBOARD_VAR], prefix)
    for var, rename in (
        ("datadog_exercise_dashboards", lambda i: rename_dashboard(i, prefix)),
        ("datadog_exercise_monitors", lambda i: rename_monitor(i, prefix, tag)),
        ("datadog_exercise_downtimes", lambda i: rename_downtime(i, prefix, tag)),
    ):
        items = copy.deepcopy(group_vars.get(var) or [])
        for item in items:
            if isinstance(item, dict):
                rename(item)
        out[var] = items
    snapshot = group_vars.get("datadog_exercise_snapshot")
    if isinstance(snapshot, dict):
        snap = copy.deepcopy(snapshot)
        snap["title"] = _prefixed(snap.get("title") or f"snapshot of {snap.get('metric_query')}", prefix)
        if "event_title" in snap:
            snap["event_title"] = _prefixed(snap["event_title"], prefix)
        snap["tags"] = _with_tag(snap.get("tags"), tag)
        out["datadog_exercise_snapshot"] = snap
    return out


def build(
    inventory: Path,
    workdir: Path,
    prefix: str,
    tag: str,
    api_url: str,
    api_key: str,
    app_key: str,
    email: str,
) -> tuple[Path, Path]:
    """Write the run's inventory and extra-vars file under ``workdir``; return both paths."""
    group_vars = load_group_vars(inventory)
    inv = workdir / "inventory"
    target = inv / "group_vars" / "all"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted((inventory / "group_vars" / "all").glob("*")):
        if path.suffix in (".yml", ".yaml", ".json"):
            shutil.copy(path, target / path.name)
    host = prefix.strip().replace(" ", "-") + "-host"
    hosts = {
        "all": {
            "hosts": {
                "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
            },
            # Never contacted (the suite runs with --limit localhost): the host the content names.
            "children": {"datadog_exercise_hosts": {"hosts": {host: {"ansible_host": "127.0.0.1"}}}},
        }
    }
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    extra = rename_content(group_vars, prefix, tag)
    extra.update(
        datadog_api_url=api_url,
        datadog_api_key=api_key,
        datadog_app_key=app_key,
        datadog_exercise_email=email,
        datadog_exercise_email_placeholder=email.endswith("@example.com"),
    )
    extra_vars = workdir / "site-vars.json"
    extra_vars.write_text(json.dumps(extra, indent=1))
    extra_vars.chmod(0o600)
    return inv, extra_vars
