# The functions' signatures are fixed by the agent's C API (rtloader aggregator.c).
# ruff: noqa: PLR0917
"""LAB STAND-IN for the Datadog Agent's built-in ``aggregator`` module.

The real agent embeds CPython and exposes ``aggregator`` as a built-in module (rtloader,
``aggregator.c`` -> Go ``pkg/collector/python/aggregator.go``). ``datadog_checks.base`` imports
it and, when it is importable, believes it runs inside the agent (``AGENT_RUNNING``). This module
offers the same functions and constants; samples are buffered per check id and read back by the
stand-in's collector (``ddx_standin.collector``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

# Same enum values as the agent (and as datadog_checks.base.stubs.aggregator).
GAUGE = 0
RATE = 1
COUNT = 2
MONOTONIC_COUNT = 3
COUNTER = 4
HISTOGRAM = 5
HISTORATE = 6

METRIC_TYPE_NAMES = {
    GAUGE: "gauge",
    RATE: "rate",
    COUNT: "count",
    MONOTONIC_COUNT: "monotonic_count",
    COUNTER: "counter",
    HISTOGRAM: "histogram",
    HISTORATE: "historate",
}

_lock = threading.Lock()
_buffers: dict[str, dict[str, list[dict[str, Any]]]] = {}


def _buffer(check_id: str) -> dict[str, list[dict[str, Any]]]:
    return _buffers.setdefault(
        check_id,
        {"metrics": [], "service_checks": [], "events": [], "histogram_buckets": [], "platform_events": []},
    )


def _tags(tags: Any) -> list[str]:
    if not tags:
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in tags]


def submit_metric(
    check: Any,
    check_id: str,
    mtype: int,
    name: str,
    value: float,
    tags: Any,
    hostname: str | None,
    flush_first_value: bool = False,
) -> None:
    with _lock:
        _buffer(check_id)["metrics"].append(
            {
                "type": METRIC_TYPE_NAMES.get(mtype, "gauge"),
                "name": name,
                "value": float(value),
                "tags": _tags(tags),
                "hostname": hostname,
                "flush_first_value": bool(flush_first_value),
                "ts": time.time(),
            }
        )


def submit_service_check(
    check: Any,
    check_id: str,
    name: str,
    status: int,
    tags: Any,
    hostname: str | None,
    message: str | None,
) -> None:
    with _lock:
        _buffer(check_id)["service_checks"].append(
            {
                "name": name,
                "status": int(status),
                "tags": _tags(tags),
                "hostname": hostname,
                "message": message or "",
                "ts": time.time(),
            }
        )


def submit_event(check: Any, check_id: str, event: dict[str, Any]) -> None:
    with _lock:
        _buffer(check_id)["events"].append(dict(event))


def submit_histogram_bucket(
    check: Any,
    check_id: str,
    name: str,
    value: int,
    lower_bound: float,
    upper_bound: float,
    monotonic: bool,
    hostname: str | None,
    tags: Any,
    flush_first_value: bool = False,
) -> None:
    with _lock:
        _buffer(check_id)["histogram_buckets"].append(
            {
                "name": name,
                "value": value,
                "lower_bound": lower_bound,
                "upper_bound": upper_bound,
                "monotonic": monotonic,
                "hostname": hostname,
                "tags": _tags(tags),
            }
        )


def submit_histogram_bucket_multi(check: Any, check_id: str, buckets: Any, *args: Any) -> None:
    for bucket in buckets or []:
        submit_histogram_bucket(check, check_id, *bucket)


def submit_event_platform_event(check: Any, check_id: str, raw_event: Any, event_type: str) -> None:
    with _lock:
        _buffer(check_id)["platform_events"].append({"event_type": event_type, "raw": str(raw_event)})


def submit_metric_e2e(*args: Any, **kwargs: Any) -> None:
    """Only used by Datadog's e2e test harness; nothing to do in the agent."""


def drain(check_id: str) -> dict[str, list[dict[str, Any]]]:
    """Return and forget everything submitted under ``check_id`` (stand-in only)."""
    with _lock:
        return _buffers.pop(check_id, None) or _buffer_empty()


def _buffer_empty() -> dict[str, list[dict[str, Any]]]:
    return {"metrics": [], "service_checks": [], "events": [], "histogram_buckets": [], "platform_events": []}
