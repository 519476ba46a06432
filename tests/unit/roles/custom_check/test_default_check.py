"""The role custom_check's default check (specs vs defaults: tests/unit/roles/test_role_specs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from datadog_checks.base.utils.tagging import GENERIC_TAGS

ROLE = Path(__file__).resolve().parents[4] / "roles" / "custom_check"


def _load(relative: str) -> Any:
    return yaml.safe_load((ROLE / relative).read_text(encoding="utf-8"))


DEFAULTS: dict[str, Any] = _load("defaults/main.yml")


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
