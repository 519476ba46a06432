"""Fixtures for the module_utils tests that run against the lab emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy


@pytest.fixture
def client(dd_emulator: Any) -> Iterator[DatadogClient]:
    """The modules' client on the emulator: no retries, so every request shows in the counts."""
    dd = DatadogClient(
        api_key=dd_emulator.api_key,
        app_key=dd_emulator.app_key,
        url=dd_emulator.url,
        policy=RetryPolicy(retries=0, backoff=0.01),
    )
    yield dd
    dd.close()
