"""LAB STAND-IN for the Datadog Agent's built-in ``datadog_agent`` module.

The real module is provided by the agent's embedded interpreter (rtloader ``datadog_agent.c``
-> Go ``pkg/collector/python/datadog_agent.go``). Here the stand-in CLI configures it with the
parsed ``datadog.yaml``; log lines go to the agent's logger, the persistent cache to
``/opt/datadog-agent/run/`` like the real agent. Anything not implemented falls back to the
stub shipped with ``datadog_checks.base`` (for example SQL obfuscation, which is Go code in the
real agent).
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

_state: dict[str, Any] = {
    "config": {},
    "hostname": "",
    "version": "7.0.0",
    "cache_dir": "/opt/datadog-agent/run",
    "host_tags": {},
}
_logger = logging.getLogger("ddx_standin.check")
_metadata: dict[tuple[str, str], str] = {}
_external_tags: list[Any] = []


def _configure(config: dict[str, Any], hostname: str, version: str, cache_dir: str) -> None:
    _state.update(config=config, hostname=hostname, version=version, cache_dir=cache_dir)


def get_version() -> str:
    return str(_state["version"])


def get_hostname() -> str:
    return str(_state["hostname"])


def get_host_tags() -> str:
    tags = _state["config"].get("tags") or []
    return json.dumps({"system": list(tags)})


def get_config(key: str) -> Any:
    node: Any = _state["config"]
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def get_clustername() -> str:
    return ""


def tracemalloc_enabled() -> bool:
    return False


def log(message: str, level: int) -> None:
    _logger.log(level, message)


def set_check_metadata(check_id: str, name: str, value: str) -> None:
    _metadata[(check_id, name)] = value


def set_external_tags(external_tags: list[Any]) -> None:
    _external_tags[:] = list(external_tags)


def send_log(log_line: str, check_id: str) -> None:
    _logger.debug("check %s sent a log line (%d bytes)", check_id, len(log_line))


def _cache_path(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
    return os.path.join(str(_state["cache_dir"]), "lab-cache", safe)


def write_persistent_cache(key: str, value: str) -> None:
    path = _cache_path(key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(value)


def read_persistent_cache(key: str) -> str:
    try:
        with open(_cache_path(key), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return ""


def get_process_start_time() -> float:
    return 0.0


def emit_agent_telemetry(check_name: str, metric_name: str, metric_value: float, metric_type: str) -> None:
    return None


def __getattr__(name: str) -> Any:
    # Lazily delegate the rest (obfuscation helpers, issue reporting...) to the stub shipped with
    # datadog_checks.base, imported only now so that importing this module never cycles.
    from datadog_checks.base.stubs.datadog_agent import datadog_agent as _stub  # noqa: PLC0415

    return getattr(_stub, name)
