"""site.yml forwards every option of every module it calls: content as data, complete.

Each module's argument spec is read from the module itself (its ``main()`` builds it; the
``AnsibleModule`` it would create is replaced by a recorder), so a new option that the playbook
does not forward fails this test. The connection options (api_key, site, ...) come from
``module_defaults`` and are not per item. The dashboards, monitors and downtimes go to
``datadog_resources`` as whole lists, so an item can carry any option of its single module (the
item spec is the single module's own); the example content uses only those names.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.datadog_exercise.stack.plugins.module_utils import bulk, common

REPO = Path(__file__).resolve().parents[2]
SITE = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text(encoding="utf-8"))
PREFIX = "datadog_exercise.stack."
MODULES = ["datadog_resources", "datadog_snapshot"]
# datadog_resources' options and the inventory variable each one comes from.
RESOURCES_SOURCES = {
    "dashboards": "datadog_exercise_dashboards",
    "monitors": "datadog_exercise_monitors",
    "downtimes": "datadog_exercise_downtimes",
    "concurrency": "datadog_exercise_api_concurrency",
    "prune": "datadog_exercise_prune",
    "prune_tag": "datadog_exercise_prune_tag",
}
CONTENT = yaml.safe_load(
    (REPO / "inventories" / "example" / "group_vars" / "all" / "exercise.yml").read_text(encoding="utf-8")
)


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
    """Every argument is the inventory's variable (or the snapshot mapping's key) of that option."""
    args = site_tasks(module)[0][PREFIX + module]
    for option in module_options(module, monkeypatch):
        value = str(args[option])
        if module == "datadog_snapshot":
            assert "__site_snapshot." + option in value, f"{module}.{option}: {value}"
        else:
            assert RESOURCES_SOURCES[option] in value, f"{module}.{option}: {value}"


@pytest.mark.parametrize("list_name", ["dashboards", "monitors", "downtimes"])
def test_lists_go_to_datadog_resources_whole(list_name: str) -> None:
    """No per-item mapping in the playbook: an item is the module's options as they are."""
    args = site_tasks("datadog_resources")[0][PREFIX + "datadog_resources"]
    assert args[list_name].replace(" ", "") == "{{" + RESOURCES_SOURCES[list_name] + "|default([])}}"
    assert not site_tasks("datadog_" + list_name[:-1]), f"one task for all {list_name}: datadog_resources"


@pytest.mark.parametrize("list_name", ["dashboards", "monitors", "downtimes"])
def test_example_content_uses_the_modules_option_names(list_name: str) -> None:
    spec, _rules = bulk.item_spec(list_name)
    items = CONTENT["datadog_exercise_" + list_name]
    assert items
    for n, item in enumerate(items):
        unknown = sorted(set(item) - set(spec))
        assert not unknown, f"datadog_exercise_{list_name}[{n}]: not an option of the module: {unknown}"


def test_the_recorder_sees_a_real_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: the spec read is the module's, not an empty dict."""
    options = module_options("datadog_monitor", monkeypatch)
    assert {"name", "query", "options", "extra_options", "restricted_roles"} <= options
    assert "api_key" not in options
