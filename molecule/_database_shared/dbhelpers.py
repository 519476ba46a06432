"""Helpers shared by the database scenarios' testinfra tests.

Secrets reach the container as files (docker put_archive, mode 0600), never on a command line
that `ps` would show.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import yaml

REPO = Path(__file__).resolve().parents[2]


def load_vars(scenario_dir: Path) -> dict[str, Any]:
    """The scenario's group_vars/all.yml, which converge.yml also gets."""
    return yaml.safe_load((scenario_dir / "group_vars" / "all.yml").read_text())


def put_file(container: str, path: str, content: str, mode: int = 0o600) -> None:
    """Copy a file into the container through the Docker API (no command line involved)."""
    data = content.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name=os.path.basename(path))
        info.size = len(data)
        info.mode = mode
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    client = docker.from_env()
    try:
        ok = client.containers.get(container).put_archive(os.path.dirname(path), buf.getvalue())
    finally:
        client.close()
    assert ok, f"could not copy {path} into {container}"


def container_name(host: Any) -> str:
    """Container name: Molecule's inventory hostname (ansible backend) or docker:// name."""
    return str(host.backend.get_hostname())


def run_converge_check_mode(scenario_dir: Path, container: str) -> subprocess.CompletedProcess[str]:
    """Run the scenario's converge.yml again in check+diff mode against the container.

    Proves that check mode changes nothing on a converged host and gives the text that must
    not contain any password. Limited to the database role's tags (the agent role has its own
    scenario; a full re-run doubles this scenario's time on a loaded machine).
    """
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".collections"))
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_PIPELINING"] = "1"
    env["ANSIBLE_HOST_KEY_CHECKING"] = "0"
    env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "yaml"
    return subprocess.run(
        [
            str(bindir / "ansible-playbook"),
            "-i",
            f"{container},",
            "-c",
            "community.docker.docker",
            "--tags",
            "database_validate,database_server,database_app,database_agent_config",
            "--check",
            "--diff",
            "-v",
            str(scenario_dir / "converge.yml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(scenario_dir),
        timeout=600,
        check=False,
    )


def watch_other_session(
    host: Any, sql_as: Callable[[str, str], Any], session_cmd: str, sql: str, marker: str
) -> Any:
    """Start `session_cmd` in the background (another account's session on the server), then run
    `sql` as datadog until its output shows `marker` (20 tries, 0.5 s apart); the last result."""
    host.run(f"setsid {session_cmd} >/dev/null 2>&1 &")
    for _ in range(20):
        res = sql_as("datadog", sql)
        assert res.rc == 0, res.stderr
        if marker in res.stdout:
            break
        host.run("sleep 0.5")
    return res


def integration_conf(host: Any, integration: str) -> dict[str, Any]:
    """The Agent's conf.d/<integration>.d/conf.yaml, checked to be dd-agent's with mode 0640."""
    f = host.file(f"/etc/datadog-agent/conf.d/{integration}.d/conf.yaml")
    assert f.user == "dd-agent" and f.group == "dd-agent" and f.mode == 0o640
    return yaml.safe_load(f.content_string)


def assert_check_mode_changes_nothing_and_hides_passwords(
    scenario_dir: Path, host: Any, scenario_vars: dict[str, Any]
) -> None:
    """converge.yml in check+diff mode on the converged host: no change, and no password printed."""
    res = run_converge_check_mode(scenario_dir, container_name(host))
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert re.search(r"changed=0\s", out), out[-3000:]
    for secret in (scenario_vars["database_datadog_password"], scenario_vars["database_app_password"]):
        assert secret not in out
