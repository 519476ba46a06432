"""Role `agent` with agent_install_backend=datadog.dd: Datadog's datadog.dd.agent installed and
configured the (lab stand-in) Agent with this role's inputs, and never printed the API key."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

API_KEY = "lab-api-key"
CANARY_KEY = "ddxCanaryApiKey0123456789abcdef"
SCENARIO_DIR = Path(__file__).resolve().parent.parent

_SKIPPED = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "datadog-dd-skipped"
pytestmark = pytest.mark.skipif(
    _SKIPPED.exists(),
    reason=_SKIPPED.read_text().strip() if _SKIPPED.exists() else "",
)


def _wait(host, cmd: str, timeout: float = 30.0):
    deadline = time.time() + timeout
    while True:
        res = host.run(cmd)
        if res.rc == 0 or time.time() > deadline:
            return res
        time.sleep(1)


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
        res = _wait(host, f"systemctl is-active {name}", 30)
        assert res.stdout.strip() == "active", name
    res = _wait(host, "datadog-agent status", 30)
    assert res.rc == 0, res.stderr
    assert _wait(host, "ss -ltn | grep -q ':8126 '", 30).rc == 0


@pytest.fixture(scope="module")
def secret_runs():
    """Check mode with --diff -vvv and a changed API key (so datadog.yaml would change)."""
    env = dict(os.environ)
    inventory = env["MOLECULE_INVENTORY_FILE"]
    cfg = Path(env["MOLECULE_EPHEMERAL_DIRECTORY"]) / "ansible.cfg"
    if cfg.exists():
        env["ANSIBLE_CONFIG"] = str(cfg)
    proc = subprocess.run(
        ["ansible-playbook", "--check", "--diff", "-vvv", "-i", inventory,
         "-e", f"datadog_api_key={CANARY_KEY}", str(SCENARIO_DIR / "converge.yml")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return proc


def test_api_key_never_in_check_diff_vvv_output(host, secret_runs):
    out = secret_runs.stdout + secret_runs.stderr
    assert secret_runs.returncode == 0, out[-3000:]
    assert "Create main Datadog agent configuration file" in out
    assert "changed: [" in out  # datadog.yaml would change: the diff was asked for and withheld
    assert CANARY_KEY not in out
    assert API_KEY not in out
    # check mode wrote nothing
    assert yaml.safe_load(host.file("/etc/datadog-agent/datadog.yaml").content_string)["api_key"] == API_KEY
