"""The role custom_check's meta/argument_specs.yml mirrors defaults/main.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from datadog_checks.base.utils.tagging import GENERIC_TAGS

ROLE = Path(__file__).resolve().parents[4] / "roles" / "custom_check"


def _load(relative: str) -> Any:
    return yaml.safe_load((ROLE / relative).read_text(encoding="utf-8"))


DEFAULTS: dict[str, Any] = _load("defaults/main.yml")
OPTIONS: dict[str, Any] = _load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]


def test_every_default_is_specified_and_every_option_has_a_default() -> None:
    assert set(DEFAULTS) == set(OPTIONS)
    assert all(name.startswith("custom_check_") for name in DEFAULTS)


def test_spec_defaults_equal_the_defaults() -> None:
    for name, value in DEFAULTS.items():
        assert OPTIONS[name].get("default") == value, name


def test_every_option_is_typed_and_described() -> None:
    for name, spec in OPTIONS.items():
        assert spec.get("type"), name
        assert spec.get("description"), name


def test_the_default_check_ships_with_the_role() -> None:
    for check in DEFAULTS["custom_check_checks"]:
        assert "source" not in check
        assert (ROLE / "files" / f"{check['name']}.py").is_file()


def test_default_tags_avoid_the_keys_datadog_reserves() -> None:
    # datadog-checks-base's stub (and Datadog's integration guidelines) reject these tag keys.
    for check in DEFAULTS["custom_check_checks"]:
        for instance in check["instances"]:
            for tag in instance["tags"]:
                assert tag.split(":", 1)[0] not in GENERIC_TAGS, tag
