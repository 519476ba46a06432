"""LAB STAND-IN for the Datadog Agent 7 (not the real agent; nothing is sent to Datadog)."""

from __future__ import annotations

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _read_version() -> str:
    for path in (os.path.join(_HERE, "..", "..", "VERSION"), os.path.join(_HERE, "VERSION")):
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError:
            continue
    return "7.0.0~lab"


VERSION = _read_version()
STANDIN_NOTE = "LAB STAND-IN for the Datadog Agent: checks run for real, nothing is sent to Datadog"
