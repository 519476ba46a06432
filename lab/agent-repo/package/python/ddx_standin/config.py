"""datadog.yaml loading for the LAB STAND-IN agent: file, then DD_* environment overrides."""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import Any

import yaml

CONF_DIR = "/etc/datadog-agent"
RUN_DIR = "/opt/datadog-agent/run"
LOG_DIR = "/var/log/datadog"
DEFAULT_SITE = "datadoghq.com"
DEFAULT_APM_PORT = 8126

# DD_* variables the stand-in honours (a subset of the real agent's bindings).
ENV_BINDINGS: dict[str, tuple[str, str]] = {
    "DD_API_KEY": ("api_key", "str"),
    "DD_SITE": ("site", "str"),
    "DD_HOSTNAME": ("hostname", "str"),
    "DD_TAGS": ("tags", "list"),
    "DD_ENV": ("env", "str"),
    "DD_LOG_LEVEL": ("log_level", "str"),
    "DD_LOGS_ENABLED": ("logs_enabled", "bool"),
    "DD_APM_ENABLED": ("apm_config.enabled", "bool"),
    "DD_APM_RECEIVER_PORT": ("apm_config.receiver_port", "int"),
}


class ConfigError(Exception):
    """datadog.yaml cannot be used; the message mirrors the real agent's wording."""


def _set_path(cfg: dict[str, Any], dotted: str, value: Any) -> None:
    node = cfg
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def get(cfg: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def load(conf_dir: str = CONF_DIR, env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    path = os.path.join(conf_dir, "datadog.yaml")
    try:
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
    except FileNotFoundError as exc:
        raise ConfigError(
            f'unable to load Datadog config file: Config File "datadog" Not Found in "[{conf_dir}]"'
        ) from exc
    except OSError as exc:
        raise ConfigError(f"unable to load Datadog config file: {exc}") from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"unable to load Datadog config file: While parsing config: yaml: {where}{problem}"
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "unable to load Datadog config file: While parsing config: yaml: "
            f"cannot unmarshal {type(data).__name__} into map[string]interface{{}}"
        )
    for var, (key, kind) in ENV_BINDINGS.items():
        if var not in env:
            continue
        value: Any = env[var]
        if kind == "list":
            value = value.split()
        elif kind == "bool":
            value = is_true(value)
        elif kind == "int":
            value = int(value)
        _set_path(data, key, value)
    data.setdefault("site", DEFAULT_SITE)
    return data


def hostname(cfg: dict[str, Any]) -> str:
    name = cfg.get("hostname")
    return str(name) if name else socket.gethostname()


def tags(cfg: dict[str, Any]) -> list[str]:
    raw = cfg.get("tags") or []
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    return [str(t) for t in raw]


class AgentFormatter(logging.Formatter):
    """The real agent's log line: ``2024-01-01 12:00:00 UTC | CORE | INFO | (file:line in func) | msg``."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        ts = self.formatTime(record, "%Y-%m-%d %H:%M:%S %Z")
        origin = f"({os.path.basename(record.pathname)}:{record.lineno} in {record.funcName})"
        msg = record.getMessage()
        if record.exc_info:
            msg += "\n" + self.formatException(record.exc_info)
        return f"{ts} | {self.component} | {record.levelname} | {origin} | {msg}"


def setup_logging(cfg: dict[str, Any] | None, logfile: str | None, to_console: bool = True) -> logging.Logger:
    level_name = str((cfg or {}).get("log_level") or "info").upper()
    level_name = {"WARN": "WARNING", "TRACE": "DEBUG", "OFF": "CRITICAL"}.get(level_name, level_name)
    # Our own logger tree, not the root logger: datadog_checks.base installs a root handler that
    # forwards every check log record to datadog_agent.log(), which writes here.
    root = logging.getLogger("ddx_standin")
    root.propagate = False
    root.handlers[:] = []
    root.setLevel(getattr(logging, level_name, logging.INFO))
    fmt = AgentFormatter("CORE")
    if logfile:
        try:
            os.makedirs(os.path.dirname(logfile), exist_ok=True)
            handler: logging.Handler = logging.FileHandler(logfile, encoding="utf-8")
            handler.setFormatter(fmt)
            root.addHandler(handler)
        except OSError as exc:
            print(f"Unable to open log file {logfile}: {exc}", file=sys.stderr)
    if to_console:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(fmt)
        root.addHandler(console)
    return logging.getLogger("ddx_standin")
