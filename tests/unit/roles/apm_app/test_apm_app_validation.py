"""Role apm_app: bad input fails before anything is written, with a message naming the variable.

Runs the role's `validate` tasks on the controller (connection local) for each case of
tests/unit/roles/apm_app/validate/validate.yml in one ansible-playbook run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
HERE = Path(__file__).resolve().parent / "validate"


def test_apm_app_validation_messages() -> None:
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    playbook = Path(sys.executable).parent / "ansible-playbook"
    result = subprocess.run(
        [
            str(playbook),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(HERE / "validate.yml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "ACCEPTED" not in out and "WRONG" not in out
    assert out.count("Check the role's message") >= 12
