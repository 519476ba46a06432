"""Secrets and check mode on a converged host (Molecule scenario `reliability`).

The site playbook runs again from here as a user would run it (its own ansible-playbook, the
scenario's inventory): once with -vvv, once with --check --diff. Neither output may contain a
secret; the check-mode run must change nothing on the host nor in the emulator. Files on the
host that hold a secret must be 0640 and not world readable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
API = os.environ.get("DDX_LAB_API_URL", "http://127.0.0.1:8901")
HOST = "reliability-debian12"
LAB_VARS = yaml.safe_load((PROJECT / "inventories/lab/group_vars/all/lab.yml").read_text())
# The API key, the app key and every password of the lab inventory.
SECRETS = sorted(
    {LAB_VARS["datadog_api_key"], LAB_VARS["datadog_app_key"]}
    | {str(v) for k, v in LAB_VARS.items() if "password" in k and v}
)
SEARCHED = ["/etc", "/opt", "/srv", "/var/lib", "/usr/local", "/home", "/root"]
FINGERPRINT = (
    "dpkg-query -W -f '${Package} ${Version}\\n'; "
    # Runtime state a running agent rewrites on its own (as the real one does) is left out:
    # its run directory and the bytecode caches Python writes when checks run.
    "find /etc /opt /srv /usr/local -xdev \\( -path /opt/datadog-agent/run -o -name __pycache__ \\) -prune "
    "-o -printf '%p %s %m %T@\\n' 2>/dev/null | sort; "
    "getent passwd; getent group; systemctl list-unit-files --no-legend --no-pager"
)


def admin(path: str, method: str = "GET") -> Any:
    req = urllib.request.Request(f"{API}/lab/admin/{path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def site(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, *args, str(PROJECT / "playbooks/site.yml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
        timeout=1200,
        check=False,
    )


def recap(output: str, name: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", output, re.MULTILINE)
    assert match, f"no recap line for {name}"
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_secrets_known() -> None:
    assert len(SECRETS) >= 3, SECRETS
    assert INVENTORY, "MOLECULE_INVENTORY_FILE is not set: run through molecule"


@pytest.fixture(scope="module")
def verbose_run() -> subprocess.CompletedProcess[str]:
    return site("-vvv")


@pytest.fixture(scope="module")
def check_diff_run(host, verbose_run) -> dict[str, Any]:
    """site.yml --check --diff on the converged host, with host and emulator compared around it."""
    before = host.check_output(FINGERPRINT)
    admin("counts", "DELETE")
    state_before = admin("state")
    proc = site("--check", "--diff")
    return {
        "proc": proc,
        "host_same": host.check_output(FINGERPRINT) == before,
        "counts": admin("counts"),
        "state_same": admin("state") == state_before,
    }


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_in_verbose_output(secret: str, verbose_run) -> None:
    output = verbose_run.stdout + verbose_run.stderr
    assert verbose_run.returncode == 0, output[-4000:]
    assert secret not in output, f"secret {secret[:3]}... appears in site.yml -vvv output"


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_in_check_diff_output(secret: str, check_diff_run) -> None:
    proc = check_diff_run["proc"]
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert secret not in output, f"secret {secret[:3]}... appears in site.yml --check --diff output"


def test_check_mode_on_converged_host_changes_nothing(check_diff_run) -> None:
    proc = check_diff_run["proc"]
    assert recap(proc.stdout, HOST)["changed"] == 0, proc.stdout[-4000:]
    assert recap(proc.stdout, "localhost")["changed"] == 0, proc.stdout[-4000:]
    assert check_diff_run["host_same"], "the host changed during --check"
    assert check_diff_run["counts"]["writes"] == 0, check_diff_run["counts"]
    assert check_diff_run["state_same"], "the emulator's org changed during --check"


def test_verbose_rerun_is_idempotent(verbose_run) -> None:
    assert recap(verbose_run.stdout, HOST)["changed"] == 0, verbose_run.stdout[-4000:]


def test_secret_files_are_0640(host) -> None:
    found: set[str] = set()
    for secret in SECRETS:
        out = host.run("grep -rlF -- %s " + " ".join(SEARCHED) + " 2>/dev/null", secret).stdout
        found |= {line for line in out.splitlines() if line and "/proc/" not in line}
    assert found, "no file holds a secret: the search is broken"
    bad = {}
    for path in sorted(found):
        f = host.file(path)
        if f.mode != 0o640 or f.mode & 0o004:
            bad[path] = oct(f.mode)
    assert not bad, f"secret files with the wrong mode (want 0640): {bad}"
