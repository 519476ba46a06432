"""Options of the live acceptance suite (``make live-check`` passes them through tests/live/run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The suite's modules (livecheck, livegateway, livesite) sit next to this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ddx-live", "live acceptance suite (make live-check)")
    group.addoption(
        "--live-keep", action="store_true", help="leave the run's objects in the org to inspect them"
    )
    group.addoption(
        "--live-clean-leftovers",
        action="store_true",
        help="delete objects of the ddx-live-* namespace left by earlier runs before starting",
    )
    group.addoption(
        "--live-inventory", default=None, help="inventory directory whose content the site play uses"
    )
    group.addoption("--live-pace", type=float, default=0.2, help="seconds between two requests to the org")
    group.addoption("--live-concurrency", type=int, default=1, help="requests in flight to the org at most")
