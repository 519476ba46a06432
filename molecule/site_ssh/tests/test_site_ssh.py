"""The site converged over SSH as an unprivileged sudo user, on a host named unlike its inventory entry."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from typing import Any

API = os.environ.get("DDX_LAB_API_URL", "http://127.0.0.1:8901")
KEYS = {"DD-API-KEY": "lab-api-key", "DD-APPLICATION-KEY": "lab-app-key"}
KEY_FILE = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "ops_ed25519")
HOSTNAME = "vm-ssh-01"


def api(path: str) -> Any:
    req = urllib.request.Request(API + path, headers=KEYS)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def ssh(user: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "ssh",
            "-p",
            "22022",
            "-i",
            KEY_FILE,
            "-o",
            "BatchMode=yes",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "ConnectTimeout=10",
            f"{user}@127.0.0.1",
            "id -un",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_connection_is_ssh_as_the_unprivileged_operator(host):
    assert host.backend.get_connection_type() == "ansible"
    assert host.user().name == "ops"
    assert host.user().uid != 0
    assert ssh("ops").stdout.strip() == "ops"


def test_root_cannot_log_in():
    result = ssh("root")
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_host_name_differs_from_the_inventory_name(host):
    assert host.check_output("hostname") == HOSTNAME


def test_agent_runs_and_reports_the_host_name(host):
    with host.sudo():
        assert host.service("datadog-agent").is_running
        assert host.check_output("datadog-agent hostname").strip().splitlines()[-1] == HOSTNAME


def test_timeboard_graphs_the_host_the_agent_reports():
    boards = api("/api/v1/dashboard")["dashboards"]
    board_id = next(b["id"] for b in boards if b["title"] == "Datadog exercise timeboard")
    board = api(f"/api/v1/dashboard/{board_id}")
    host_var = next(v for v in board["template_variables"] if v["name"] == "host")
    assert host_var["defaults"] == [HOSTNAME]
