"""site.yml forwards every option of every module it calls: content as data, complete.

Each module's argument spec is read from the module itself (its ``main()`` builds it; the
``AnsibleModule`` it would create is replaced by a recorder), so a new option that the playbook
does not forward fails this test. The connection options (api_key, site, ...) come from
``module_defaults`` and are not per item.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.datadog_exercise.stack.plugins.module_utils import common

REPO = Path(__file__).resolve().parents[2]
SITE = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text(encoding="utf-8"))
PREFIX = "datadog_exercise.stack."
MODULES = ["datadog_dashboard", "datadog_monitor", "datadog_downtime", "datadog_snapshot"]
# Per-item shorthands the playbook accepts as well (documented in the example inventory).
SHORTHANDS = {
    "datadog_monitor": {"notification_message": "item.message"},
    "datadog_downtime": {"downtime_message": "item.message", "monitor_id": "item.monitor"},
}


class _Recorded(Exception):
    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__("recorded")
        self.spec = spec


class _Recorder:
    def __init__(self, argument_spec: dict[str, Any], **_: Any) -> None:
        raise _Recorded(argument_spec)


def module_options(name: str, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The option names the module's ``main()`` hands to AnsibleModule, minus connection options."""
    monkeypatch.setattr(common, "AnsibleModule", _Recorder)
    module = importlib.import_module(f"ansible_collections.datadog_exercise.stack.plugins.modules.{name}")
    with pytest.raises(_Recorded) as caught:
        module.main()
    return set(caught.value.spec) - set(common.datadog_argument_spec())


def site_tasks(module: str) -> list[dict[str, Any]]:
    found = []
    for play in SITE:
        for task in play.get("tasks", []):
            for inner in [task, *task.get("block", [])]:
                if PREFIX + module in inner:
                    found.append(inner)
    return found


@pytest.mark.parametrize("module", MODULES)
def test_site_forwards_every_module_option(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = site_tasks(module)
    assert len(tasks) == 1, f"one {module} task in playbooks/site.yml"
    args = tasks[0][PREFIX + module]
    missing = sorted(module_options(module, monkeypatch) - set(args))
    assert not missing, f"playbooks/site.yml does not forward {module} option(s): {', '.join(missing)}"


@pytest.mark.parametrize("module", MODULES)
def test_each_forwarded_option_comes_from_the_content(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every argument is the item's (or the snapshot mapping's) key of the same name."""
    args = site_tasks(module)[0][PREFIX + module]
    source = "__site_snapshot." if module == "datadog_snapshot" else "item."
    for option in module_options(module, monkeypatch):
        value = str(args[option])
        assert source + option in value, f"{module}.{option}: {value}"
        short = SHORTHANDS.get(module, {}).get(option)
        if short:
            assert short in value, f"{module}.{option}: {value}"


def test_the_recorder_sees_a_real_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: the spec read is the module's, not an empty dict."""
    options = module_options("datadog_monitor", monkeypatch)
    assert {"name", "query", "options", "extra_options", "restricted_roles"} <= options
    assert "api_key" not in options
