"""The agent stand-in's CLI (lab/agent-repo/package/python), run in a subprocess on the controller
with the dev venv's datadog-checks-base: the check loader, the JSON shape, the service's refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / "lab" / "agent-repo" / "package" / "python"


def agent(conf: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(STANDIN)
    env["DDX_STANDIN_RUN_DIR"] = str(conf / "run")
    env["DDX_STANDIN_LOG_DIR"] = str(conf / "log")
    return subprocess.run(
        [sys.executable, "-m", "ddx_standin.cli", "-c", str(conf), *args],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "checks.d").mkdir()
    (tmp_path / "datadog.yaml").write_text("api_key: lab-api-key\nhostname: lab-host\n")
    (tmp_path / "checks.d" / "my_metric.py").write_text(
        textwrap.dedent(
            """
            from datadog_checks.base import AgentCheck

            __version__ = "1.2.3"


            class Base(AgentCheck):
                pass


            class MyMetricCheck(Base):
                def check(self, instance):
                    self.gauge("my_metric", 7, tags=["team:lab"] + instance.get("tags", []))
                    self.service_check("my_metric.up", AgentCheck.OK)
            """
        )
    )
    return tmp_path


def test_check_json_has_the_agent_shape(conf: Path) -> None:
    (conf / "conf.d" / "my_metric.d").mkdir()
    (conf / "conf.d" / "my_metric.d" / "conf.yaml").write_text(
        "init_config:\n  min_collection_interval: 45\ninstances:\n  - tags: ['env:lab']\n"
    )
    res = agent(conf, "check", "my_metric", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert len(data) == 1
    metric = data[0]["aggregator"]["metrics"][0]
    assert set(metric) == {"metric", "points", "tags", "host", "type", "interval", "source_type_name"}
    assert metric["metric"] == "my_metric"
    assert metric["points"][0][1] == 7
    assert metric["tags"] == ["env:lab", "team:lab"]
    assert metric["host"] == "lab-host"
    assert metric["type"] == "gauge"
    assert metric["source_type_name"] == "System"
    sc = data[0]["aggregator"]["service_checks"][0]
    assert sc["check"] == "my_metric.up" and sc["status"] == 0 and sc["host_name"] == "lab-host"
    assert "events" not in data[0]["aggregator"]
    runner = data[0]["runner"]
    assert runner["CheckName"] == "my_metric"
    assert runner["CheckVersion"] == "1.2.3"  # the leaf class, not `Base`, was loaded
    assert runner["Interval"] == 45  # from init_config
    assert runner["TotalRuns"] == 1 and runner["TotalErrors"] == 0
    assert runner["CheckID"].startswith("my_metric:")


def test_check_error_is_reported_and_exits_non_zero(conf: Path) -> None:
    (conf / "checks.d" / "broken.py").write_text(
        "from datadog_checks.base import AgentCheck\n\n\nclass Broken(AgentCheck):\n"
        "    def check(self, instance):\n        raise RuntimeError('boom')\n"
    )
    (conf / "conf.d" / "broken.yaml").write_text("instances: [{}]\n")
    res = agent(conf, "check", "broken", "--json")
    assert res.returncode == 1
    runner = json.loads(res.stdout)[0]["runner"]
    assert runner["TotalErrors"] == 1
    assert "boom" in runner["LastError"]


def test_check_without_config_fails(conf: Path) -> None:
    res = agent(conf, "check", "my_metric")
    assert res.returncode == 1
    assert "no valid check found" in res.stderr


def test_configcheck_lists_instances(conf: Path) -> None:
    (conf / "conf.d" / "my_metric.yaml").write_text("instances:\n  - min_collection_interval: 45\n")
    res = agent(conf, "configcheck")
    assert res.returncode == 0
    assert "=== my_metric check ===" in res.stdout
    assert "min_collection_interval: 45" in res.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("api_key: [unclosed\n", "While parsing config: yaml: line"),
        ("site: datadoghq.com\n", "no API key configured, exiting"),
    ],
)
def test_run_refuses_bad_config(conf: Path, content: str, message: str) -> None:
    (conf / "datadog.yaml").write_text(content)
    res = agent(conf, "run", timeout=30)
    assert res.returncode == 1
    assert message in res.stderr
    assert message in (conf / "log" / "agent.log").read_text()


def test_status_fails_when_not_running(conf: Path) -> None:
    res = agent(conf, "status")
    assert res.returncode == 1
    assert "not running" in res.stderr
