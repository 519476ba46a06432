"""Role custom_check on a host with the Agent: files, then the checks really run by the Agent.

`datadog-agent check NAME --json` (the lab's Agent stand-in runs the check on the real
datadog-checks-base in /opt/datadog-agent/embedded) is called as dd-agent, like the service does,
so the files' owner and modes are part of what is tested.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[1]
ROLE_CHECK = REPO / "roles" / "custom_check" / "files" / "my_metric.py"
USER_CHECK = SCENARIO / "files" / "custom_hello.py"
RUNS = 5

VARS: dict[str, Any] = yaml.safe_load((SCENARIO / "vars" / "custom_check.yml").read_text(encoding="utf-8"))
CHECKS = {c["name"]: c for c in VARS["custom_check_checks"]}
MY_METRIC_TAGS = CHECKS["my_metric"]["instances"][0]["tags"]
INTERVAL = VARS["custom_check_min_collection_interval"]
# The runner's Interval is a Go time.Duration: nanoseconds in the Agent's JSON
# (pkg/collector/check/stats/stats.go, Stats.Interval).
SECOND = 1_000_000_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def agent_check(host: Any, name: str) -> list[dict[str, Any]]:
    cmd = host.run(f"sudo -u dd-agent -- datadog-agent check {name} --json")
    assert cmd.rc == 0, f"datadog-agent check {name} failed ({cmd.rc}): {cmd.stdout}\n{cmd.stderr}"
    # The JSON document is the output; tolerate a log line before it.
    out = cmd.stdout
    return json.loads(out[out.index("[") :])


def metric_series(result: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    return [s for inst in result for s in inst["aggregator"].get("metrics", []) if s["metric"] == metric]


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("/etc/datadog-agent/checks.d/my_metric.py", ROLE_CHECK),
        ("/etc/datadog-agent/checks.d/custom_hello.py", USER_CHECK),
    ],
)
def test_python_sources_are_deployed_unchanged(host: Any, path: str, source: Path) -> None:
    f = host.file(path)
    assert f.is_file
    assert f.user == "dd-agent"
    assert f.group == "dd-agent"
    assert f.mode == 0o644
    assert f.sha256sum == sha256(source)


def test_my_metric_config_is_a_file_with_the_interval_at_instance_level(host: Any) -> None:
    f = host.file("/etc/datadog-agent/conf.d/my_metric.yaml")
    assert f.is_file
    assert (f.user, f.group, f.mode) == ("dd-agent", "dd-agent", 0o640)
    conf = yaml.safe_load(f.content_string)
    assert conf["init_config"] == {}
    assert conf["instances"] == [{"min_collection_interval": 45, "tags": MY_METRIC_TAGS}]
    assert INTERVAL == 45
    # The other layout's file would make the Agent run the instance twice.
    assert not host.file("/etc/datadog-agent/conf.d/my_metric.d/conf.yaml").exists


def test_user_check_config_uses_the_directory_layout(host: Any) -> None:
    d = host.file("/etc/datadog-agent/conf.d/custom_hello.d")
    assert d.is_directory
    assert (d.user, d.mode) == ("dd-agent", 0o755)
    f = host.file("/etc/datadog-agent/conf.d/custom_hello.d/conf.yaml")
    assert (f.user, f.group, f.mode) == ("dd-agent", "dd-agent", 0o640)
    conf = yaml.safe_load(f.content_string)
    assert conf["init_config"] == {"greeting_value": 42}
    assert conf["instances"] == [{"min_collection_interval": 30, "tags": ["team:molecule"]}]
    assert not host.file("/etc/datadog-agent/conf.d/custom_hello.yaml").exists


def test_agent_service_is_running(host: Any) -> None:
    svc = host.service("datadog-agent")
    assert svc.is_running
    assert svc.is_enabled


def test_my_metric_runs_in_the_agent(host: Any) -> None:
    values = []
    for _run in range(RUNS):
        result = agent_check(host, "my_metric")
        assert len(result) == 1, "one instance configured"
        runner = result[0]["runner"]
        assert runner["LastError"] == ""
        assert runner["CheckVersion"] == "1.0.0"
        assert runner["Interval"] == 45 * SECOND
        series = metric_series(result, "my_metric")
        assert len(series) == 1, f"one my_metric series per run, got {series}"
        (s,) = series
        assert s["type"] == "gauge"
        assert sorted(s["tags"]) == sorted(MY_METRIC_TAGS)
        assert len(s["points"]) == 1
        value = s["points"][0][1]
        assert value == int(value)
        assert 0 <= value <= 1000
        values.append(value)
    assert len(set(values)) > 1, f"{RUNS} runs gave the same value {values[0]}: not random"


def test_user_check_from_the_playbook_directory_runs_in_the_agent(host: Any) -> None:
    result = agent_check(host, "custom_hello")
    assert len(result) == 1
    assert result[0]["runner"]["LastError"] == ""
    assert result[0]["runner"]["Interval"] == 30 * SECOND
    (s,) = metric_series(result, "custom_hello.value")
    assert s["points"][0][1] == 42
    assert s["tags"] == ["team:molecule"]


def test_the_running_agent_schedules_my_metric_every_45_seconds(host: Any) -> None:
    # The service (not a one-off `check`) loaded the config: its status lists the instance with
    # the YAML's interval and a successful first run (it runs every check once when it starts).
    deadline = time.monotonic() + 60
    while True:
        cmd = host.run("datadog-agent status --json")
        # the real status JSON: runnerStats.Checks.<check name>.<check id> -> Stats
        status = json.loads(cmd.stdout) if cmd.rc == 0 else {}
        mine = list(status.get("runnerStats", {}).get("Checks", {}).get("my_metric", {}).values())
        if mine and mine[0]["TotalRuns"] >= 1:
            break
        assert time.monotonic() < deadline, f"my_metric never ran in the service: {cmd.stdout} {cmd.stderr}"
        time.sleep(2)
    assert len(mine) == 1
    assert mine[0]["Interval"] == 45 * SECOND
    assert mine[0]["LastError"] == ""
    assert mine[0]["CheckVersion"] == "1.0.0"
