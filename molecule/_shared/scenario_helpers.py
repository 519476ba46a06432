"""Helpers shared by the scenarios' testinfra tests.

A test module adds this folder to sys.path (as the database scenarios do for _database_shared):

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_shared"))
    import scenario_helpers  # noqa: E402
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any


def wait_for(host: Any, cmd: str, timeout: float = 30.0) -> Any:
    """Run `cmd` on the host every second until it succeeds or `timeout` s have passed; the last result."""
    deadline = time.time() + timeout
    while True:
        res = host.run(cmd)
        if res.rc == 0 or time.time() > deadline:
            return res
        time.sleep(1)


def run_ansible(program: str, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `ansible` or `ansible-playbook` on the scenario's hosts as Molecule does.

    Uses Molecule's inventory and, when there is one, its ansible.cfg (both from the environment
    Molecule gives the verifier); the output is captured as text.
    """
    env = dict(os.environ)
    cfg = Path(env["MOLECULE_EPHEMERAL_DIRECTORY"]) / "ansible.cfg"
    if cfg.exists():
        env["ANSIBLE_CONFIG"] = str(cfg)
    return subprocess.run(
        [program, "-i", env["MOLECULE_INVENTORY_FILE"], *args],
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )
