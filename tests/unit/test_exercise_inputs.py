"""site.yml checks the exercise's inputs first: a real e-mail address, downtimes naming monitors.

The site playbook runs for real (ansible-playbook) on an inventory holding only the controller,
with the example inventory's content; ``--tags exercise_inputs`` selects nothing but the
always-tagged checks, so a pass writes nothing and a failure happens before anything is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "inventories" / "example" / "group_vars" / "all" / "exercise.yml"


def run_site(tmp_path: Path, extra: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    group_vars = tmp_path / "inventory" / "group_vars" / "all"
    group_vars.mkdir(parents=True)
    shutil.copy(CONTENT, group_vars / "exercise.yml")
    # No exercise host here: name the timeboard's host directly.
    (group_vars / "main.yml").write_text(yaml.safe_dump({"datadog_exercise_host": "web-1", **extra}))
    hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}
    (tmp_path / "inventory" / "hosts.yml").write_text(yaml.safe_dump(hosts))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            str(tmp_path / "inventory"),
            str(REPO / "playbooks" / "site.yml"),
            "--tags",
            "exercise_inputs",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"datadog_exercise_email": "you@example.com"},
        {"datadog_exercise_email": ""},
        {"datadog_exercise_email": "alice@mail.test"},
    ],
    ids=["example.com", "empty", "reserved-tld"],
)
def test_a_placeholder_or_missing_address_stops_the_run(tmp_path: Path, extra: dict[str, Any]) -> None:
    proc = run_site(tmp_path, extra)
    assert proc.returncode != 0, proc.stdout
    assert "datadog_exercise_email must be your real e-mail address" in proc.stdout, proc.stdout


def test_a_real_address_or_a_declared_lab_placeholder_passes(tmp_path: Path) -> None:
    real = run_site(tmp_path / "real", {"datadog_exercise_email": "alice@company.io"})
    assert real.returncode == 0, real.stdout + real.stderr
    lab = run_site(
        tmp_path / "lab",
        {"datadog_exercise_email": "you@example.com", "datadog_exercise_email_placeholder": True},
    )
    assert lab.returncode == 0, lab.stdout + lab.stderr


def test_a_downtime_naming_an_unknown_monitor_stops_the_run(tmp_path: Path) -> None:
    content = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    downtimes = content["datadog_exercise_downtimes"]
    downtimes[1] = dict(downtimes[1], monitor="my_metric is hihg")
    proc = run_site(
        tmp_path, {"datadog_exercise_email": "alice@company.io", "datadog_exercise_downtimes": downtimes}
    )
    assert proc.returncode != 0, proc.stdout
    assert "datadog_exercise_downtimes[1].monitor: 'my_metric is hihg'" in proc.stdout, proc.stdout
