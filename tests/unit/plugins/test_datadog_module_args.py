"""Argument validation of the modules: clear errors naming the field, before any request.

The modules run as real processes (as Ansible runs them); ``api_url`` points at a closed port, so
an error that names the field (and not "cannot reach") proves nothing was sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CLOSED = "http://127.0.0.1:9"


def run_module(name: str, args: dict, tmp_path: Path, env: dict | None = None) -> dict:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    environ["PYTHONPATH"] = str(REPO / ".collections")
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, str(REPO / "plugins" / "modules" / f"{name}.py"), str(args_file)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )
    return json.loads(proc.stdout)


KEYS = {"api_key": "secret-api-key-value", "app_key": "secret-app-key-value", "api_url": CLOSED, "retries": 0}


@pytest.mark.parametrize(
    ("module", "args", "needle"),
    [
        ("datadog_monitor", {"name": "m", "type": "metric alert"}, "missing: query"),
        ("datadog_monitor", {"name": "m", "type": "metric", "query": "q"}, "value of type must be one of"),
        ("datadog_monitor", {"name": "m", "type": "metric alert", "query": "q", "priority": 9}, "priority"),
        ("datadog_monitor", {"state": "absent"}, "id, name"),
        ("datadog_downtime", {"name": "d", "monitor_id": 1, "monitor_tags": ["a:b"]}, "mutually exclusive"),
        (
            "datadog_downtime",
            {"name": "d", "recurrences": [{"days": ["mon"], "start_time": "7pm", "duration": "1h"}]},
            "recurrences[0].start_time: '7pm'",
        ),
        (
            "datadog_downtime",
            {"name": "d", "recurrences": [{"rrule": "FREQ=DAILY;DTSTART=20250101", "duration": "1h"}]},
            "DTSTART is not allowed",
        ),
        ("datadog_downtime", {"name": "d", "notify_end_states": ["broken"]}, "notify_end_states"),
        ("datadog_downtime", {"name": "a]b"}, "must be non-empty, one line"),
        ("datadog_downtime", {"name": "d", "timezone": "Nowhere/Land"}, "timezone: 'Nowhere/Land'"),
        ("datadog_dashboard", {"title": "t", "definition": "{}", "widgets": []}, "mutually exclusive"),
        ("datadog_dashboard", {"title": "t"}, "layout_type must be 'ordered' or 'free'"),
        ("datadog_snapshot", {"metric_query": "avg:x{*}"}, "one of the following is required: start, last"),
        ("datadog_snapshot", {"metric_query": "avg:x{*}", "last": "forever"}, "last: 'forever'"),
        (
            "datadog_monitor",
            {"name": "m", "type": "metric alert", "query": "q", "site": "datadoghq.mars"},
            "site",
        ),
        (
            "datadog_monitor",
            {"name": "m", "type": "metric alert", "query": "q", "timeout": 0},
            "timeout must be",
        ),
    ],
)
def test_bad_input_fails_before_any_request(module: str, args: dict, needle: str, tmp_path: Path) -> None:
    out = run_module(module, {**KEYS, **args}, tmp_path)
    assert out.get("failed"), out
    assert needle in out["msg"], out["msg"]
    assert "cannot reach" not in out["msg"]
    assert "secret-api-key-value" not in json.dumps(out)


def test_keys_come_from_environment(tmp_path: Path) -> None:
    out = run_module(
        "datadog_monitor",
        {"api_url": CLOSED, "retries": 0, "name": "m", "state": "absent"},
        tmp_path,
        env={"DD_API_KEY": "env-api-key-0123", "DD_APP_KEY": "env-app-key-0123"},
    )
    assert "cannot reach http://127.0.0.1:9" in out["msg"], out


def test_missing_keys_are_named(tmp_path: Path) -> None:
    out = run_module("datadog_monitor", {"api_url": CLOSED, "name": "m", "state": "absent"}, tmp_path)
    assert "missing required arguments: api_key" in out["msg"]
    out = run_module(
        "datadog_monitor",
        {"api_url": CLOSED, "name": "m", "state": "absent", "api_key": "only-api-key-0123"},
        tmp_path,
    )
    assert "app_key is required" in out["msg"]
