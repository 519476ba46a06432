"""Driver of the modules' integration targets (tests/integration/targets, ansible-test layout).

ansible-test cannot reach its registries here, so each target runs as a role of a one-play
playbook through the real ``ansible-playbook``, against a fresh lab Datadog API emulator
(``dd_emulator`` fixture, tests/conftest.py). The targets assert on module results and on the
emulator's request counters themselves; this driver checks the play's recap.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TARGETS = REPO / "tests" / "integration" / "targets"
# These run in tests/live/test_live.py instead, once per `make test`: the live acceptance suite
# against a lab emulator (names prefixed, through its gateway), exactly as `make live-check` runs
# them against a real org. Running them here too would only double their time.
LIVE_SUITE_TARGETS = {"datadog_monitor", "datadog_dashboard", "datadog_downtime", "datadog_snapshot"}
MODULE_TARGETS = sorted(
    p.name
    for p in TARGETS.iterdir()
    if (p / "aliases").exists()
    and "hidden" not in (p / "aliases").read_text()
    and p.name not in LIVE_SUITE_TARGETS
)

PLAY = """\
- name: Run the {target} integration target
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - {target}
"""


@pytest.mark.parametrize("target", MODULE_TARGETS)
def test_target(target: str, dd_emulator, tmp_path: Path) -> None:
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY.format(target=target))
    env = dict(os.environ)
    env.update(
        ANSIBLE_ROLES_PATH=str(TARGETS),
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_PIPELINING="1",
    )
    for key in ("DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DD_API_URL"):
        env.pop(key, None)
    playbook_bin = Path(sys.executable).with_name("ansible-playbook")
    proc = subprocess.run(
        [
            str(playbook_bin),
            "-i",
            "localhost,",
            str(playbook),
            "-e",
            f"dd_api_url={dd_emulator.url}",
            "-e",
            f"dd_api_key={dd_emulator.api_key}",
            "-e",
            f"dd_app_key={dd_emulator.app_key}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert recap, output[-3000:]
    assert recap.group(2) == "0" and recap.group(3) == "0", output[-6000:]
    assert int(recap.group(1)) >= 5
