"""``api_url``: keys never over plain HTTP off loopback, base URL only, and a URL that is not the
Datadog API is an error, never "absent" (issue 14, items 7 and 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import (
    ApiUrlError,
    DatadogClient,
    base_url,
    check_api_url,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy
from test_datadog_module_args import run_module


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.datadoghq.eu", "https://api.datadoghq.eu"),
        ("https://proxy.example.com:8443/", "https://proxy.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.8.9.10:1/", "http://127.8.9.10:1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("HTTPS://API.DATADOGHQ.COM", "https://API.DATADOGHQ.COM"),
    ],
)
def test_accepted(given: str, expected: str) -> None:
    assert check_api_url(given) == expected
    assert base_url("datadoghq.com", given) == expected


@pytest.mark.parametrize(
    ("given", "needle"),
    [
        ("127.0.0.1:8080", "has no scheme"),
        ("api.datadoghq.com", "has no scheme"),
        ("http://10.0.0.5:8080", "plain http://"),
        ("http://api.datadoghq.com", "plain http://"),
        ("http://127.0.0.1.example.com", "plain http://"),
        ("ftp://api.datadoghq.com", "must be https://"),
        ("https://", "must be https://"),
        ("https://api.datadoghq.com/api/v1", "has a path ('/api/v1')"),
        ("http://127.0.0.1:8080/datadog", "has a path ('/datadog')"),
        ("https://api.datadoghq.com/?x=1", "has a path ('/?x=1')"),
        ("https://api.datadoghq.com:99999", "invalid port"),
    ],
)
def test_rejected_with_the_option_named(given: str, needle: str) -> None:
    with pytest.raises(ApiUrlError) as caught:
        check_api_url(given)
    assert str(caught.value).startswith("api_url"), caught.value
    assert needle in str(caught.value)


def test_credentials_in_the_url_are_rejected_without_echoing_them() -> None:
    with pytest.raises(ApiUrlError) as caught:
        check_api_url("https://user:s3cret-pass@api.datadoghq.com")
    assert "s3cret-pass" not in str(caught.value)
    assert "api_url" in str(caught.value)


KEYS = {"api_key": "secret-api-key-value", "app_key": "secret-app-key-value", "retries": 0}


@pytest.mark.parametrize(
    ("api_url", "needle"),
    [
        # TEST-NET-1 (RFC 5737): never routed; the module must fail before trying it.
        ("http://192.0.2.1:8080", "plain http://"),
        ("192.0.2.1:8080", "has no scheme"),
        ("http://127.0.0.1:9/datadog", "has a path"),
    ],
)
def test_module_fails_before_any_request(api_url: str, needle: str, tmp_path: Path) -> None:
    args = {**KEYS, "api_url": api_url, "name": "m", "state": "absent"}
    out = run_module("datadog_monitor", args, tmp_path)
    assert out.get("failed"), out
    assert needle in out["msg"] and "api_url" in out["msg"], out["msg"]
    assert "cannot reach" not in out["msg"]
    assert "secret-api-key-value" not in json.dumps(out)


def test_environment_api_url_is_checked_too(tmp_path: Path) -> None:
    args = {**KEYS, "title": "t", "state": "absent"}
    out = run_module("datadog_dashboard", args, tmp_path, env={"DD_API_URL": "http://192.0.2.1"})
    assert out.get("failed") and "DD_API_URL" in out["msg"] and "plain http://" in out["msg"], out


# --- a URL that answers 404 to everything -------------------------------------------------------


def client_for(url: str) -> DatadogClient:
    return DatadogClient(
        api_key="lab-api-key", app_key="lab-app-key", url=url, timeout=5, policy=RetryPolicy(retries=0)
    )


ABSENT_BY_NAME = {"state": "absent", "id": None, "name": "some monitor", "force": False}


def test_404_on_a_list_endpoint_is_a_wrong_endpoint_not_absent(dd_emulator) -> None:
    dd_emulator.inject_fault(route="/api/v1/monitor", method="GET", status=404, times=None)
    client = client_for(dd_emulator.url)
    with pytest.raises(DatadogError) as caught:
        monitor.ensure(client, dict(ABSENT_BY_NAME), False)
    message = str(caught.value)
    assert "api_url" in message and "does not serve the Datadog API" in message, message
    assert "does not exist" not in message, message


def test_absent_by_id_on_a_wrong_endpoint_fails_instead_of_reporting_absent(dd_emulator) -> None:
    # What a module would do with api_url=http://127.0.0.1:PORT/prefix if the URL were not checked:
    # every request 404s. The object exists; "absent, nothing to do" would be a lie.
    good = client_for(dd_emulator.url)
    created = monitor.MonitorService(good).api.create_monitor(
        body={"name": "kept", "type": "metric alert", "query": "avg(last_5m):avg:m{*} > 1", "message": "x"}
    )
    wrong = client_for(dd_emulator.url + "/prefix")
    with pytest.raises(DatadogError) as caught:
        monitor.ensure(wrong, {"state": "absent", "id": created.id, "name": None, "force": False}, False)
    assert "does not serve the Datadog API" in str(caught.value)
    assert monitor.MonitorService(good).get(created.id) is not None


def test_absent_by_id_on_the_real_api_is_still_absent(dd_emulator) -> None:
    client = client_for(dd_emulator.url)
    outcome = monitor.ensure(client, {"state": "absent", "id": 123456, "name": None, "force": False}, False)
    assert outcome["changed"] is False
    assert dd_emulator.counts().get("GET /api/v1/validate") == 1  # one check that the URL is the API
