"""Every role's meta/argument_specs.yml mirrors its defaults/main.yml (one test for roles/*).

For each role: the main entry point's options are exactly the role's defaults (plus the inputs
that have no default on purpose: required secrets), with the same default values, all prefixed
with the role's name; every option of every entry point is typed and described (suboptions too);
an entry point other than main documents only inputs of its own prefix or main's, with main's
types and defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[3] / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def _load(role: str, relative: str) -> Any:
    path = ROLES_DIR / role / relative
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def _walk(options: dict[str, Any], where: str):
    for name, spec in options.items():
        yield f"{where}.{name}", spec
        yield from _walk(spec.get("options") or {}, f"{where}.{name}")


def test_every_role_has_argument_specs() -> None:
    on_disk = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks" / "main.yml").is_file())
    assert on_disk == ROLES
    assert {"agent", "apm_app", "custom_check", "database"} <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_main_options_are_the_defaults(role: str) -> None:
    defaults: dict[str, Any] = _load(role, "defaults/main.yml")
    options: dict[str, Any] = _load(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert set(defaults) <= set(options), f"{role}: defaults without a spec: {set(defaults) - set(options)}"
    assert all(name.startswith(f"{role}_") for name in options), role
    for name, value in defaults.items():
        assert options[name].get("default") == value, f"{role}: {name} default differs from defaults/main.yml"
        assert not options[name].get("required"), f"{role}: {name} is required but has a default"
    for name in set(options) - set(defaults):  # no default on purpose: required, or a secret
        assert "default" not in options[name], (
            f"{role}: {name} has a spec default but none in defaults/main.yml"
        )
        assert options[name].get("required") or options[name].get("no_log"), f"{role}: {name} has no default"


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_typed_and_described(role: str) -> None:
    for entry, spec in _load(role, "meta/argument_specs.yml")["argument_specs"].items():
        assert spec.get("short_description"), f"{role}.{entry}"
        for where, option in _walk(spec.get("options") or {}, f"{role}.{entry}"):
            assert option.get("type"), where
            assert option.get("description"), where
            if "choices" in option and "{{" not in str(option.get("default", "")) and "default" in option:
                assert option["default"] in option["choices"], where


@pytest.mark.parametrize("role", ROLES)
def test_other_entry_points_agree_with_main(role: str) -> None:
    specs = _load(role, "meta/argument_specs.yml")["argument_specs"]
    defaults: dict[str, Any] = _load(role, "defaults/main.yml")
    main = specs["main"]["options"]
    for entry, spec in specs.items():
        for name, option in (spec.get("options") or {}).items():
            assert name.startswith(f"{role}_"), f"{role}.{entry}.{name}"
            if name in main:
                assert option["type"] == main[name]["type"], f"{role}.{entry}.{name}"
                if name in defaults and not option.get("required"):
                    assert option.get("default") == defaults[name], f"{role}.{entry}.{name}"
