"""Shared helpers of the benchmarks: the machine description and the results files."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
# The lab's API emulator (lab/emulator/dd_emulator) is imported by both benchmarks.
sys.path.insert(0, str(REPO / "lab" / "emulator"))
# Credentials from the caller's shell would override the lab's fake ones in the modules.
DATADOG_ENV = ("DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DD_API_URL")


def ansible_env(**settings: str) -> dict[str, str]:
    """The environment of a benchmarked ansible-playbook: this collection, no colour, no DD_*."""
    env = {k: v for k, v in os.environ.items() if k not in DATADOG_ENV}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"), ANSIBLE_NOCOLOR="1")
    env.update(settings)
    return env


def machine() -> dict[str, Any]:
    """What the numbers were measured on (quote ratios: absolute times depend on this)."""

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "unknown"

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gib": round(int(meminfo[0].split()[1]) / 1024 / 1024, 1),
        "loadavg_at_start": os.getloadavg(),
        "cpu_model": next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown"
        ),
        "ansible": version([str(Path(sys.executable).with_name("ansible")), "--version"]),
    }


def utc_stamp() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_results(out: Path, name: str, doc: dict[str, Any]) -> Path:
    """Write ``<name>-<UTC>.json`` and ``<name>-latest.json``; return the first."""
    out.mkdir(parents=True, exist_ok=True)
    stamped = out / f"{name}-{doc['utc']}.json"
    text = json.dumps(doc, indent=2) + "\n"
    stamped.write_text(text)
    (out / f"{name}-latest.json").write_text(text)
    return stamped
