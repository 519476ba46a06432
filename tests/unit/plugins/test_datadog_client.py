"""Retry decisions and error translation of the client layer."""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import retries
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import base_url, to_plain
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import (
    DatadogError,
    errors_from_body,
)

POLICY = retries.RetryPolicy(retries=3, backoff=0.5)


def test_429_waits_for_rate_limit_reset_even_for_creates() -> None:
    assert retries.decide(429, {"x-ratelimit-reset": "7"}, 0, POLICY, idempotent=False) == 7.0
    assert retries.decide(429, {}, 1, POLICY, idempotent=True) == 1.0


def test_5xx_retried_with_backoff_only_when_idempotent() -> None:
    assert [retries.decide(503, None, a, POLICY, idempotent=True) for a in range(4)] == [0.5, 1.0, 2.0, None]
    assert retries.decide(500, None, 0, POLICY, idempotent=False) is None
    assert retries.decide(None, None, 0, POLICY, idempotent=True) == 0.5


def test_client_errors_are_not_retried() -> None:
    for status in (400, 401, 403, 404, 409):
        assert retries.decide(status, None, 0, POLICY, idempotent=True) is None


def test_backoff_is_capped() -> None:
    assert retries.RetryPolicy(retries=99, backoff=1).backoff_delay(20) == retries.MAX_BACKOFF


def test_error_message_names_operation_resource_and_errors() -> None:
    err = DatadogError(
        "create",
        "monitor 'x'",
        400,
        errors_from_body(b'{"errors": ["The value provided for parameter \'query\' is invalid"]}'),
    )
    assert str(err).startswith(
        "Datadog API: create monitor 'x' failed: HTTP 400 - errors: The value provided"
    )
    forbidden = DatadogError("list", "monitors", 403, ["Forbidden"])
    assert "hint: check api_key/app_key" in str(forbidden)


def test_v2_error_objects_are_flattened() -> None:
    assert errors_from_body({"errors": [{"title": "Bad Request", "detail": "scope is invalid"}]}) == [
        "scope is invalid"
    ]
    assert errors_from_body("<html>bad gateway</html>") == ["<html>bad gateway</html>"]


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("us5.datadoghq.com", "https://api.us5.datadoghq.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
    ],
)
def test_sites(site: str, url: str) -> None:
    assert base_url(site, None) == url
    assert base_url(site, "http://127.0.0.1:9/") == "http://127.0.0.1:9"


def test_to_plain_datetimes() -> None:
    stamp = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert to_plain({"a": [stamp]}) == {"a": ["2025-01-01T11:00:00Z"]}
