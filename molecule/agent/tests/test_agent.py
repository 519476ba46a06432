"""Role `agent` installed the (lab stand-in) Datadog Agent as Datadog documents it, configured it,
and the agent answers like the real one."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

API_KEY = "lab-api-key"
KEYRING = "/usr/share/keyrings/datadog-archive-keyring.gpg"
SCENARIO_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = SCENARIO_DIR.parent.parent
sys.path.insert(0, str(SCENARIO_DIR.parent / "_shared"))

from scenario_helpers import run_ansible, wait_for  # noqa: E402


def test_package_is_the_lab_stand_in(host):
    pkg = host.package("datadog-agent")
    assert pkg.is_installed
    assert pkg.version.startswith("1:7.")
    assert "~lab" in pkg.version


def test_keyring_and_source_entry(host):
    keyring = host.file(KEYRING)
    assert keyring.is_file
    assert keyring.user == "root"
    assert keyring.mode == 0o644
    out = host.check_output(f"gpg --batch --show-keys --with-colons {KEYRING}")
    fingerprints = [ln.split(":")[9] for ln in out.splitlines() if ln.startswith("fpr:")]
    lab_key = REPO_ROOT / ".cache" / "lab" / "apt" / "keys" / "FINGERPRINT"
    assert lab_key.read_text().strip() in fingerprints, fingerprints
    source = host.file("/etc/apt/sources.list.d/datadog.list").content_string
    lines = [ln for ln in source.splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == 1, source
    assert lines[0].startswith(f"deb [signed-by={KEYRING}] http://")
    assert lines[0].endswith("/ stable 7")
    policy = host.check_output("apt-cache policy datadog-agent")
    assert "stable/7" in policy


def test_datadog_yaml_content_and_mode(host):
    f = host.file("/etc/datadog-agent/datadog.yaml")
    assert f.is_file
    assert f.user == "dd-agent"
    assert f.group == "dd-agent"
    assert f.mode == 0o640
    cfg = yaml.safe_load(f.content_string)
    assert cfg["api_key"] == API_KEY
    assert cfg["site"] == "datadoghq.com"
    assert cfg["hostname"] == host.backend.get_hostname()
    assert cfg["tags"] == ["team:lab", "exercise:datadog"]
    assert cfg["env"] == "lab"
    assert cfg["apm_config"] == {"enabled": True, "receiver_port": 8126, "env": "lab"}
    assert cfg["logs_enabled"] is True
    assert cfg["process_config"] == {"process_collection": {"enabled": False}}
    assert cfg["log_level"] == "info"


def test_layout_like_the_real_package(host):
    assert host.user("dd-agent").exists
    assert host.group("dd-agent").exists
    for path in ("/etc/datadog-agent/conf.d", "/etc/datadog-agent/checks.d", "/var/log/datadog"):
        assert host.file(path).is_directory, path
    assert host.file("/etc/datadog-agent/datadog.yaml.example").is_file
    assert host.file("/opt/datadog-agent/bin/agent/agent").is_file
    assert host.file("/opt/datadog-agent/embedded/bin/python3").exists
    assert host.file("/usr/bin/datadog-agent").linked_to == "/opt/datadog-agent/bin/agent/agent"
    host.run_expect([0], "/opt/datadog-agent/embedded/bin/python3 -c 'import datadog_checks.base'")


def test_services_active_and_enabled(host):
    for name in ("datadog-agent", "datadog-agent-trace"):
        svc = host.service(name)
        assert svc.is_enabled, name
        res = wait_for(host, f"systemctl is-active {name}", 20)
        assert res.stdout.strip() == "active", (name, res.stdout, res.stderr)


def test_agent_status_and_version(host):
    res = wait_for(host, "datadog-agent status", 30)
    assert res.rc == 0, res.stderr
    assert "Agent (7." in res.stdout
    assert f"hostname: {host.backend.get_hostname()}" in res.stdout
    assert "team:lab" in res.stdout
    version = host.check_output("datadog-agent version")
    assert version.startswith("Agent 7.")


def test_trace_intake_listens_on_receiver_port(host):
    res = wait_for(host, "curl -fsS http://127.0.0.1:8126/test/traces", 30)
    assert res.rc == 0, res.stderr
    assert json.loads(res.stdout) == [] or isinstance(json.loads(res.stdout), list)


PROBE = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck

    __version__ = "0.1.0"


    class LabProbeCheck(AgentCheck):
        def check(self, instance):
            self.gauge("lab_probe.value", 42, tags=["team:lab"])
            self.service_check("lab_probe.ok", AgentCheck.OK)
    """
)


def test_check_command_runs_a_custom_check_and_the_service_collects_it(host):
    with host.sudo():
        host.run_expect([0], f"printf '%s' '{PROBE}' > /etc/datadog-agent/checks.d/lab_probe.py")
        host.run_expect(
            [0],
            "printf 'init_config:\\ninstances:\\n  - min_collection_interval: 2\\n'"
            " > /etc/datadog-agent/conf.d/lab_probe.yaml",
        )
        try:
            out = host.check_output("sudo -u dd-agent datadog-agent check lab_probe --json")
            data = json.loads(out)
            assert isinstance(data, list) and len(data) == 1
            metric = data[0]["aggregator"]["metrics"][0]
            assert metric["metric"] == "lab_probe.value"
            assert metric["points"][0][1] == 42
            assert metric["tags"] == ["team:lab"]
            assert metric["type"] == "gauge"
            assert metric["source_type_name"] == "System"
            assert data[0]["aggregator"]["service_checks"][0]["check"] == "lab_probe.ok"
            assert data[0]["runner"]["TotalRuns"] == 1
            assert data[0]["runner"]["TotalErrors"] == 0
            host.run_expect([0], "systemctl restart datadog-agent")
            res = wait_for(host, "grep -q lab_probe.value /var/log/datadog/lab-intake.jsonl", 30)
            assert res.rc == 0, host.run("tail -20 /var/log/datadog/agent.log").stdout
        finally:
            host.run(
                "rm -f /etc/datadog-agent/checks.d/lab_probe.py /etc/datadog-agent/conf.d/lab_probe.yaml"
            )
            host.run("systemctl restart datadog-agent")


@pytest.fixture(scope="module")
def verbose_reconverge():
    """Delete datadog.yaml everywhere, converge again with -v --diff, return the output."""
    args = "path=/etc/datadog-agent/datadog.yaml state=absent"
    run_ansible("ansible", "all", "-m", "ansible.builtin.file", "-a", args, check=True)
    return run_ansible("ansible-playbook", "-v", "--diff", str(SCENARIO_DIR / "converge.yml"))


def test_api_key_never_in_ansible_output(host, verbose_reconverge):
    out = verbose_reconverge.stdout + verbose_reconverge.stderr
    assert verbose_reconverge.returncode == 0, out[-3000:]
    assert "Write datadog.yaml" in out
    assert API_KEY not in out
    cfg = yaml.safe_load(host.file("/etc/datadog-agent/datadog.yaml").content_string)
    assert cfg["api_key"] == API_KEY
    res = wait_for(host, "datadog-agent status", 30)
    assert res.rc == 0, res.stderr
