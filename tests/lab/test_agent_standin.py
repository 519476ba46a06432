"""The agent stand-in's CLI (lab/agent-repo/package/python), run in a subprocess on the controller
with the dev venv's datadog-checks-base: the check loader, the JSON shape, the service's refusals."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parents[2] / "lab" / "agent-repo" / "package" / "python"
SECOND = 1_000_000_000  # time.Duration(1s) in JSON

# ---- The real agent's output shapes, read in DataDog/datadog-agent ------------------------------
# pkg/collector/check/stats/stats.go `type Stats`: exported fields (no JSON tags), declaration order.
STATS_FIELDS = [
    "CheckName", "CheckVersion", "CheckConfigSource", "CheckLoader", "CheckID", "Interval",
    "LongRunning", "Cancelling", "TotalRuns", "TotalErrors", "TotalWarnings", "MetricSamples",
    "Events", "ServiceChecks", "HistogramBuckets", "TotalMetricSamples", "TotalEvents",
    "TotalServiceChecks", "TotalHistogramBuckets", "EventPlatformEvents", "TotalEventPlatformEvents",
    "ExecutionTimes", "AverageExecutionTime", "LastExecutionTime", "LastSuccessDate", "LastError",
    "LastDelay", "LastWarnings", "UpdateTimestamp", "Telemetry",
]  # fmt: skip
# pkg/metrics/series.go `type Serie` JSON tags (device and source_type_name are omitempty).
SERIE_FIELDS = ["metric", "points", "tags", "host", "type", "interval", "source_type_name"]
# pkg/metrics/servicecheck `ServiceCheck` and pkg/metrics/event/event.go `Event` JSON tags, in order.
SERVICE_CHECK_FIELDS = ["check", "host_name", "timestamp", "status", "message", "tags"]
EVENT_FIELDS = [
    "msg_title", "msg_text", "timestamp", "priority", "host", "tags", "alert_type", "aggregation_key",
    "source_type_name", "event_type",
]  # fmt: skip
# comp/core/status/statusimpl/common_header_provider.go + the collector's runnerStats and
# checkSchedulerStats + pkg/status hostnameStats: the keys the stand-in's status may show.
STATUS_KEYS = {
    "version", "flavor", "conf_file", "pid", "go_version", "agent_start_nano", "python_version",
    "build_arch", "time_nano", "config", "runnerStats", "checkSchedulerStats", "hostnameStats",
}  # fmt: skip


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
        "init_config: {}\ninstances:\n  - tags: ['env:lab']\n    min_collection_interval: 45\n"
    )
    res = agent(conf, "check", "my_metric", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert len(data) == 1
    metric = data[0]["aggregator"]["metrics"][0]
    assert list(metric) == sorted(SERIE_FIELDS)
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
    assert runner["Interval"] == 45 * SECOND  # from the instance; a Go time.Duration in ns
    assert runner["TotalRuns"] == 1 and runner["TotalErrors"] == 0
    assert runner["CheckID"].startswith("my_metric:")


def test_check_json_is_the_agents_json(conf: Path) -> None:
    # pkg/cli/subcommands/check/command.go: each instance is {"aggregator", "runner", "inventories"}
    # marshalled from map[string]interface{} (keys sorted); the runner is the Stats struct decoded
    # into a map (sorted), every serie too; service checks and events are typed structs.
    (conf / "checks.d" / "shapes.py").write_text(
        textwrap.dedent(
            """
            from datadog_checks.base import AgentCheck


            class Shapes(AgentCheck):
                def check(self, instance):
                    self.gauge("shape.gauge", 7.0, tags=["device:sda1", "b:2", "a:1"])
                    self.gauge("shape.half", 0.5)
                    self.service_check("shape.up", AgentCheck.WARNING, message="a<b & c>d")
                    self.event({"msg_title": "t", "msg_text": "x", "timestamp": 1})
            """
        )
    )
    (conf / "conf.d" / "shapes.yaml").write_text("instances:\n  - min_collection_interval: 30\n")
    res = agent(conf, "check", "shapes", "--json", "--check-times", "3")
    assert res.returncode == 0, res.stderr
    (instance,) = json.loads(res.stdout)
    assert list(instance) == ["aggregator", "inventories", "runner"]
    aggregator = instance["aggregator"]
    assert list(aggregator) == ["events", "metrics", "service_checks"]
    gauge, half = aggregator["metrics"]
    assert list(gauge) == sorted([*SERIE_FIELDS, "device"])  # device: the device: tag, moved out
    assert (gauge["device"], gauge["tags"], gauge["interval"]) == ("sda1", ["a:1", "b:2"], 0)
    assert list(half) == sorted(SERIE_FIELDS)
    assert list(aggregator["service_checks"][0]) == SERVICE_CHECK_FIELDS
    assert list(aggregator["events"][0]) == [
        "msg_title",
        "msg_text",
        "timestamp",
        "priority",
        "host",
        "alert_type",
    ]
    assert set(aggregator["events"][0]) <= set(EVENT_FIELDS)  # empty omitempty fields are absent
    # Go writes a whole float64 without ".0" and escapes <, >, & in strings
    assert '"points": [\n            [\n              ' in res.stdout
    assert gauge["points"][0][1] == 7
    assert "7.0" not in res.stdout and "0.5" in res.stdout
    assert "a\\u003cb \\u0026 c\\u003ed" in res.stdout
    runner = instance["runner"]
    assert list(runner) == sorted(STATS_FIELDS)
    assert runner["Interval"] == 30 * SECOND
    assert runner["TotalRuns"] == 3 and runner["MetricSamples"] == 2 and runner["TotalMetricSamples"] == 6
    ring = runner["ExecutionTimes"]
    assert len(ring) == 32 and ring[3:] == [0] * 29  # [32]int64, filled run by run
    assert runner["LastExecutionTime"] == ring[2]
    assert runner["AverageExecutionTime"] == sum(ring[:3]) // 3
    assert runner["LastWarnings"] == [] and runner["EventPlatformEvents"] == {}
    assert (runner["CheckLoader"], runner["Telemetry"], runner["LongRunning"]) == ("python", False, False)
    assert instance["inventories"] == {}


def test_stats_follow_the_agents_add_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # stats.go (*Stats).Add: last-run counters change only when the run submitted something;
    # the ring wraps after 32 runs and the average is over the ring.
    monkeypatch.syspath_prepend(str(STANDIN))
    from ddx_standin import collector  # noqa: PLC0415 - the stand-in's own path

    stats = collector.InstanceStats("c", "c:1", "1", "file:x", 15.0)
    assert stats.as_runner_json()["LastWarnings"] is None  # nil slice before the first run
    stats.add(0.004, "", [], collector.SenderStats(metric_samples=2), 1000.0)
    stats.add(0.002, "boom", ["w"], collector.SenderStats(), 1015.0)
    doc = stats.as_runner_json()
    assert list(doc) == STATS_FIELDS
    assert (doc["MetricSamples"], doc["TotalMetricSamples"]) == (2, 2)  # unchanged by an empty run
    assert (doc["TotalErrors"], doc["LastError"], doc["LastSuccessDate"]) == (1, "boom", 1000)
    assert (doc["LastWarnings"], doc["TotalWarnings"]) == (["w"], 1)
    assert doc["ExecutionTimes"][:2] == [4, 2] and doc["AverageExecutionTime"] == 3
    for second in range(40):
        stats.add(0.001, "", [], collector.SenderStats(), 1030.0 + 15 * second)
    doc = stats.as_runner_json()
    assert doc["TotalRuns"] == 42 and len(doc["ExecutionTimes"]) == 32
    assert doc["AverageExecutionTime"] == 1
    stats.add(0.001, "", [], collector.SenderStats(), 1030.0 + 15 * 39 + 25)  # started 10 s late
    assert stats.as_runner_json()["LastDelay"] == 10


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


# ---- min_collection_interval: read where Agent 7 reads it ------------------------------------
# pkg/collector/python/check.go (PythonCheck.Configure) decodes only the *instance* into
# integration.CommonInstanceConfig{MinCollectionInterval int} and uses it when > 0; init_config is
# decoded into CommonGlobalConfig, which has no interval (Agent 5 read it there, Agent 7 does not).


def _interval(conf: Path, config_yaml: str) -> subprocess.CompletedProcess[str]:
    (conf / "conf.d" / "my_metric.yaml").write_text(config_yaml)
    return agent(conf, "check", "my_metric", "--json")


@pytest.mark.parametrize(
    ("config_yaml", "expected"),
    [
        # the answer the exercise docs used to give: ignored by the agent, default 15 s
        ("init_config:\n  min_collection_interval: 45\ninstances: [{}]\n", 15),
        ("init_config:\n  min_collection_interval: 45\ninstances:\n  - min_collection_interval: 30\n", 30),
        ("init_config:\ninstances:\n  - min_collection_interval: 45\n", 45),
        ("instances:\n  - min_collection_interval: 45.9\n", 45),  # yaml.v2 truncates into int
        ("instances:\n  - min_collection_interval: 0\n", 15),  # only > 0 counts
        ("instances:\n  - min_collection_interval: -5\n", 15),
        ("instances:\n  - min_collection_interval:\n", 15),
    ],
)
def test_interval_comes_from_the_instance_only(conf: Path, config_yaml: str, expected: int) -> None:
    res = _interval(conf, config_yaml)
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)[0]["runner"]["Interval"] == expected * SECOND


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ("min_collection_interval: '45'", "line 1: cannot unmarshal !!str `45` into int"),
        ("min_collection_interval: true", "line 1: cannot unmarshal !!bool `true` into int"),
        ("min_collection_interval: [45]", "line 1: cannot unmarshal !!seq into int"),
        ("tags: team:lab", "cannot unmarshal !!str `team:lab` into []string"),
    ],
)
def test_instance_that_does_not_decode_fails_to_configure(conf: Path, instance: str, message: str) -> None:
    res = _interval(conf, f"init_config: {{}}\ninstances:\n  - {instance}\n")
    assert res.returncode == 1
    assert (
        "could not configure check instance for python check my_metric: yaml: unmarshal errors:" in res.stdout
    )
    assert message in res.stdout
    assert "no valid check found" in res.stderr


# ---- hostname: the providers of pkg/util/hostname, in the agent's order ------------------------


def _write_datadog_yaml(conf: Path, content: str) -> None:
    (conf / "datadog.yaml").write_text("api_key: lab-api-key\n" + content)


def test_hostname_from_config_wins(conf: Path) -> None:
    (conf / "name").write_text("from-file\n")
    _write_datadog_yaml(conf, f"hostname: web-1.example.com\nhostname_file: {conf / 'name'}\n")
    res = agent(conf, "hostname")
    assert res.returncode == 0
    assert res.stdout == "web-1.example.com\n"


@pytest.mark.parametrize("bad", ["localhost", "under_score", "-dash", "a" * 256])
def test_invalid_configured_hostname_falls_through(conf: Path, bad: str) -> None:
    (conf / "name").write_text("  from-file \n")
    _write_datadog_yaml(conf, f"hostname: {bad}\nhostname_file: {conf / 'name'}\n")
    assert agent(conf, "hostname", "--local").stdout == "from-file\n"
    _write_datadog_yaml(conf, f"hostname: {bad}\n")
    assert agent(conf, "hostname", "--local").stdout == socket.gethostname() + "\n"


def test_hostname_defaults_to_the_os_hostname(conf: Path) -> None:
    _write_datadog_yaml(conf, "")
    res = agent(conf, "hostname")
    assert res.returncode == 0
    assert res.stdout == socket.gethostname() + "\n"
    assert "Computing the hostname from the command line" in res.stderr  # no agent running


def test_hostname_asks_the_running_agent_unless_local(conf: Path) -> None:
    # A running agent (pid alive) started before datadog.yaml changed still reports its old name.
    (conf / "run").mkdir()
    (conf / "run" / "lab-status.json").write_text(
        json.dumps({"pid": os.getpid(), "lab": {"hostname": "old-name"}})
    )
    _write_datadog_yaml(conf, "hostname: new-name\n")
    assert agent(conf, "hostname").stdout == "old-name\n"
    assert agent(conf, "hostname", "--local").stdout == "new-name\n"
    assert agent(conf, "hostname", "-l").stdout == "new-name\n"


def test_hostname_fqdn_and_unresolvable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(STANDIN))
    from ddx_standin import config as standin_config  # noqa: PLC0415 - the stand-in's own path

    monkeypatch.setattr(standin_config, "_system_fqdn", lambda: "vm-1.lab.example")
    monkeypatch.setattr(standin_config.socket, "gethostname", lambda: "vm-1")
    assert standin_config.resolve_hostname({}) == ("vm-1", "os")  # FQDN only when asked for
    assert standin_config.resolve_hostname({"hostname_fqdn": True}) == ("vm-1.lab.example", "fqdn")
    assert standin_config.resolve_hostname({"hostname": "cfg", "hostname_fqdn": True}) == (
        "cfg",
        "configuration",
    )
    monkeypatch.setattr(standin_config.socket, "gethostname", lambda: "")
    with pytest.raises(standin_config.HostnameError, match="unable to reliably determine the host name"):
        standin_config.resolve_hostname({})


def test_dd_hostname_environment_overrides_the_file(conf: Path) -> None:
    (conf / "name").write_text("from-file\n")
    _write_datadog_yaml(conf, f"hostname_file: {conf / 'name'}\n")
    env = {"DD_HOSTNAME": "from-env"}
    res = subprocess.run(
        [sys.executable, "-m", "ddx_standin.cli", "-c", str(conf), "hostname", "--local"],
        env={**os.environ, **env, "PYTHONPATH": str(STANDIN), "DDX_STANDIN_RUN_DIR": str(conf / "run")},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert res.stdout == "from-env\n"


def test_running_agent_status_has_the_runner_and_hostname_stats(conf: Path) -> None:
    (conf / "conf.d" / "my_metric.yaml").write_text(
        "init_config:\n  min_collection_interval: 1\ninstances: [{}]\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(STANDIN),
        "DDX_STANDIN_RUN_DIR": str(conf / "run"),
        "DDX_STANDIN_LOG_DIR": str(conf / "log"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ddx_standin.cli", "-c", str(conf), "run"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        status: dict = {}
        for _attempt in range(100):
            res = agent(conf, "status", "--json")
            if res.returncode == 0:
                status = json.loads(res.stdout)
                if status["runnerStats"]["Checks"].get("my_metric"):
                    break
            assert proc.poll() is None, "the agent exited"
            time.sleep(0.2)
        runs = list(status["runnerStats"]["Checks"]["my_metric"].values())
        assert len(runs) == 1 and runs[0]["TotalRuns"] >= 1
        assert runs[0]["Interval"] == 15 * SECOND  # init_config's interval is ignored, as by Agent 7
        assert list(runs[0]) == sorted(STATS_FIELDS)  # the status re-decodes expvars into maps
        assert set(status) == STATUS_KEYS
        assert status["hostnameStats"]["provider"] == "configuration"
        assert agent(conf, "hostname").stdout == "lab-host\n"  # asked from the running agent
    finally:
        proc.terminate()
        proc.wait(timeout=30)
