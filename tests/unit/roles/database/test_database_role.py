"""Role `database`: bad input stops before anything is written.

Specs vs defaults: tests/unit/roles/test_role_specs.py.

The validation runs are real `ansible-playbook` runs against localhost limited to the role's
`database_validate` tag (argument-spec validation always runs first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[4]
ROLE = REPO / "roles" / "database"


def _run(tmp_path: Path, extra: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Validate the database role's inputs",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "roles": [{"role": "datadog_exercise.stack.database"}],
                }
            ]
        )
    )
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".collections"))
    env["ANSIBLE_NOCOLOR"] = "1"
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "--tags",
            "database_validate",
            "-e",
            f"@{tmp_path / 'extra.json'}",
            str(playbook),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


GOOD = {"database_datadog_password": "s3cret-Pass!"}


def test_valid_input_passes(tmp_path: Path) -> None:
    res = _run(tmp_path, GOOD)
    assert res.returncode == 0, res.stdout + res.stderr
    assert GOOD["database_datadog_password"] not in res.stdout + res.stderr


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({**GOOD, "database_engine": "oracle"}, "database_engine"),
        ({}, "database_datadog_password"),
        ({"database_datadog_password": "Zq7#"}, "database_datadog_password"),
        ({**GOOD, "database_port": 70000}, "database_port"),
        ({**GOOD, "database_tags": ["no-colon"]}, "database_tags"),
        ({**GOOD, "database_mysql_datadog_hosts": ["%"]}, "database_mysql_datadog_hosts"),
        ({**GOOD, "database_instance_extra": {"password": "x"}}, "database_instance_extra"),
        ({**GOOD, "database_app_enabled": True}, "database_app_password"),
    ],
    ids=[
        "engine",
        "password-missing",
        "password-short",
        "port",
        "tags",
        "mysql-hosts",
        "extra",
        "app-password",
    ],
)
def test_bad_input_fails_naming_the_field(tmp_path: Path, extra: dict[str, Any], field: str) -> None:
    res = _run(tmp_path, extra)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert field in out, out[-2000:]
    for secret in (extra.get("database_datadog_password"), extra.get("database_app_password")):
        assert not secret or secret not in out
