"""Shared fixtures: the lab's Datadog API emulator and a client configuration pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dd_emulator import Emulator

LAB_API_KEY = "lab-api-key"
LAB_APP_KEY = "lab-app-key"


@pytest.fixture
def dd_emulator() -> Iterator[Emulator]:
    """A fresh, started emulator per test (port 0 = a free port); stopped afterwards."""
    emulator = Emulator(api_key=LAB_API_KEY, app_key=LAB_APP_KEY, host="127.0.0.1", port=0).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def dd_client_config(dd_emulator: Emulator):  # -> datadog_api_client.Configuration
    """A ``datadog_api_client.Configuration`` for the emulator, keys set, no transport retries."""
    from datadog_api_client import Configuration  # noqa: PLC0415 - optional for other tests

    config = Configuration(
        host=dd_emulator.url,
        api_key={"apiKeyAuth": dd_emulator.api_key, "appKeyAuth": dd_emulator.app_key},
    )
    config.enable_retry = False
    return config
