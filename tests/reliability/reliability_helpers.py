"""Shared helpers of the reliability suite: emulator state, and ``ansible-playbook`` runs.

The playbook runner uses the same environment as the modules' integration-target driver
(tests/unit/test_integration_targets.py): the checkout's collections path, the venv's Python as
module interpreter, no colour, no DD_* variables leaking in from the caller's shell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def admin(url: str, path: str) -> Any:
    """GET one of the emulator's admin endpoints (never counted as API traffic)."""
    with urllib.request.urlopen(f"{url}/lab/admin/{path}", timeout=10) as answer:
        return json.loads(answer.read())


def state(url: str) -> Any:
    return admin(url, "state")


def ansible_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_PIPELINING="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    for key in ("DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DD_API_URL"):
        env.pop(key, None)
    env.update(extra)
    return env


def run_playbook(
    playbook: Path, *args: str, json_output: bool = False, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``ansible-playbook -i localhost, PLAYBOOK ARGS`` (with the JSON callback if asked)."""
    extra = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"} if json_output else {}
    if json_output:
        extra["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
    return subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", str(playbook), *args],
        capture_output=True,
        text=True,
        env=ansible_env(**extra),
        cwd=playbook.parent,
        timeout=timeout,
        check=False,
    )


def task_results(json_stdout: str) -> dict[str, dict[str, Any]]:
    """JSON callback output -> {task name: localhost's result} (task names must be unique)."""
    data = json.loads(json_stdout[json_stdout.index("{") :])
    out: dict[str, dict[str, Any]] = {}
    for play in data["plays"]:
        for task in play["tasks"]:
            hosts = task.get("hosts") or {}
            if "localhost" in hosts:
                out[task["task"]["name"]] = hosts["localhost"]
    return out
