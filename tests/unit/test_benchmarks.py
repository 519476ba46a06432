"""The benchmarks' own logic: what they parse out of a playbook run and how they tune Ansible.

The benchmarks run for minutes and are not part of `make test`; these checks keep their parsing
and settings honest, so a changed recap format cannot silently turn a failed run into numbers.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))
host_converge = importlib.import_module("host_converge")
api_reconcile = importlib.import_module("api_reconcile")

RUN_OUTPUT = """\
PLAY RECAP *********************************************************************
ddx-bench-01               : ok=140  changed=46   unreachable=0    failed=0    skipped=30   rescued=0    ignored=0
ddx-bench-02               : ok=139  changed=45   unreachable=0    failed=1    skipped=30   rescued=0    ignored=0
localhost                  : ok=5    changed=4    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0

TASKS RECAP ********************************************************************
Sunday 22 November 2026  09:58:01 +0000 (0:00:00.720)       0:01:53.392 *******
===============================================================================
datadog_exercise.stack.database : Install the server ------------------- 23.19s
datadog_exercise.stack.agent : Install the datadog-agent package ------- 17.36s
"""  # noqa: E501 - the recap's own line length


def test_recap_and_profile_are_parsed() -> None:
    recap = host_converge.RECAP.findall(RUN_OUTPUT)
    assert [(r[0], r[2], r[4]) for r in recap] == [
        ("ddx-bench-01", "46", "0"),
        ("ddx-bench-02", "45", "1"),
        ("localhost", "4", "0"),
    ]
    profile = host_converge.PROFILE.findall(RUN_OUTPUT)
    assert profile == [
        ("datadog_exercise.stack.database : Install the server", "23.19"),
        ("datadog_exercise.stack.agent : Install the datadog-agent package", "17.36"),
    ]


def test_tunings(tmp_path: Path) -> None:
    tuned = host_converge.tuning_env("tuned", 20, tmp_path)
    assert tuned["ANSIBLE_FORKS"] == "20"
    assert tuned["ANSIBLE_PIPELINING"] == "True"
    assert tuned["ANSIBLE_CACHE_PLUGIN_CONNECTION"] == str(tmp_path)
    assert host_converge.tuning_env("tuned", 1, tmp_path)["ANSIBLE_FORKS"] == "5"
    assert host_converge.tuning_env("defaults", 20, tmp_path)["ANSIBLE_FORKS"] == "5"
    with pytest.raises(SystemExit, match="unknown tuning 'fast'"):
        host_converge.tuning_env("fast", 1, tmp_path)


def test_table_shows_ratios_and_failures() -> None:
    row = {
        "hosts": 20, "tuning": "tuned", "phase": "converge", "wall_s": 300.0, "ratio": 2.5,
        "controller_cpu_s": 100.0, "hosts_cpu_s": 400.0, "changed_per_host_max": 46, "failed": 1,
    }  # fmt: skip
    text = host_converge.table([row])
    assert "2.50x" in text
    assert text.splitlines()[2].split()[-1] == "1"


def test_generated_org_changes_the_requested_share() -> None:
    same, changed = api_reconcile.org(100, 0.0), api_reconcile.org(100, 0.1)
    assert (len(same["bench_monitors"]), len(same["bench_dashboards"]), len(same["bench_downtimes"])) == (
        100,
        10,
        20,
    )
    differing = [a for a, b in zip(same["bench_monitors"], changed["bench_monitors"], strict=True) if a != b]
    assert len(differing) == 10
    assert sum(a != b for a, b in zip(same["bench_downtimes"], changed["bench_downtimes"], strict=True)) == 2


def test_resource_lists_are_valid_datadog_resources_items() -> None:
    from ansible_collections.datadog_exercise.stack.plugins.module_utils import bulk  # noqa: PLC0415

    lists = api_reconcile.resource_lists(api_reconcile.org(20, 0.1))
    items = bulk.check_items(
        {
            "monitors": lists["bench_resource_monitors"],
            "dashboards": lists["bench_resource_dashboards"],
            "downtimes": lists["bench_resource_downtimes"],
            "concurrency": 4,
        }
    )
    assert len(items) == 20 + 2 + 4


def test_targets_are_ratios_of_the_same_run() -> None:
    def row(tool: str, phase: str, wall: float, requests: int = 0, writes: int = 0) -> dict:
        return {"tool": tool, "phase": phase, "wall_s": wall, "requests": requests, "writes": writes}

    rows = [
        row("datadog_resources", "first apply", 10.0),
        row("single modules", "first apply", 25.0),
        row("datadog_resources", "no-op re-apply", 2.0, requests=13),
        row("single modules", "no-op re-apply", 40.0),
        row("community.general", "no-op re-apply", 19.0),
    ]
    met = {g["target"]: g["met"] for g in api_reconcile.targets(rows)}
    assert met == {
        "no-op re-apply with datadog_resources: <= 20 requests, 0 writes": True,
        "no-op re-apply: single modules / datadog_resources wall time >= 10x": True,
        "no-op re-apply: community.general / datadog_resources wall time >= 10x": False,
        "first apply: single modules / datadog_resources wall time >= 3x": False,
    }
