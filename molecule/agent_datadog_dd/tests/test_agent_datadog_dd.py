"""Role `agent` with agent_install_backend=datadog.dd: Datadog's datadog.dd.agent installed and
configured the (lab stand-in) Agent with this role's inputs, and never printed the API key."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

API_KEY = "lab-api-key"
CANARY_KEY = "ddxCanaryApiKey0123456789abcdef"
SCENARIO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO_DIR.parent / "_shared"))

from scenario_helpers import run_ansible, wait_for  # noqa: E402

_SKIPPED = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "datadog-dd-skipped"
pytestmark = pytest.mark.skipif(
    _SKIPPED.exists(),
    reason=_SKIPPED.read_text().strip() if _SKIPPED.exists() else "",
)


def test_package_pinned_like_the_builtin_backend(host):
    pkg = host.package("datadog-agent")
    assert pkg.is_installed
    assert pkg.version == "1:7.72.0~lab-1"  # agent_version 7.72.0 = 1:7.72.0* in the repository
    assert host.package("datadog-signing-keys").is_installed


def test_repository_and_keyring(host):
    keyring = host.file("/usr/share/keyrings/datadog-archive-keyring.gpg")
    assert keyring.is_file
    assert keyring.mode == 0o644
    source = host.file("/etc/apt/sources.list.d/ansible_datadog_custom.list").content_string
    assert "deb [signed-by=/usr/share/keyrings/datadog-archive-keyring.gpg] http" in source
    assert source.strip().endswith(" stable 7")
    # the lab key (the repository's signer) is in the keyring
    fpr = host.run("gpg --no-default-keyring --keyring %s --with-colons --list-keys", keyring.path)
    assert fpr.rc == 0 and "fpr:" in fpr.stdout


def test_datadog_yaml(host):
    f = host.file("/etc/datadog-agent/datadog.yaml")
    assert f.mode == 0o640
    assert f.user == "dd-agent" and f.group == "dd-agent"
    cfg = yaml.safe_load(f.content_string)
    assert cfg["api_key"] == API_KEY
    assert cfg["site"] == "datadoghq.com"
    assert cfg["tags"] == ["team:lab", "exercise:datadog-dd"]
    assert cfg["env"] == "lab"
    assert cfg["hostname"] == host.backend.get_hostname()
    assert cfg["apm_config"] == {"enabled": True, "receiver_port": 8126}
    assert cfg["logs_enabled"] is True
    assert cfg["process_config"] == {"process_collection": {"enabled": False}}
    assert cfg["log_level"] == "info"


def test_agent_running(host):
    for name in ("datadog-agent", "datadog-agent-trace", "datadog-agent-process"):
        svc = host.service(name)
        assert svc.is_enabled, name
        res = wait_for(host, f"systemctl is-active {name}", 30)
        assert res.stdout.strip() == "active", name
    res = wait_for(host, "datadog-agent status", 30)
    assert res.rc == 0, res.stderr
    assert wait_for(host, "ss -ltn | grep -q ':8126 '", 30).rc == 0


@pytest.fixture(scope="module")
def secret_runs():
    """Check mode with --diff -vvv and a changed API key (so datadog.yaml would change)."""
    return run_ansible(
        "ansible-playbook",
        "--check",
        "--diff",
        "-vvv",
        "-e",
        f"datadog_api_key={CANARY_KEY}",
        str(SCENARIO_DIR / "converge.yml"),
    )


def test_api_key_never_in_check_diff_vvv_output(host, secret_runs):
    out = secret_runs.stdout + secret_runs.stderr
    assert secret_runs.returncode == 0, out[-3000:]
    assert "Create main Datadog agent configuration file" in out
    assert "changed: [" in out  # datadog.yaml would change: the diff was asked for and withheld
    assert CANARY_KEY not in out
    assert API_KEY not in out
    # check mode wrote nothing
    assert yaml.safe_load(host.file("/etc/datadog-agent/datadog.yaml").content_string)["api_key"] == API_KEY
