"""datadog.yaml loading for the LAB STAND-IN agent: file, then DD_* environment overrides."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
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
    "DD_HOSTNAME_FILE": ("hostname_file", "str"),
    "DD_HOSTNAME_FQDN": ("hostname_fqdn", "bool"),
    "DD_HOSTNAME_TRUST_UTS_NAMESPACE": ("hostname_trust_uts_namespace", "bool"),
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


class HostnameError(Exception):
    """No provider gave a usable host name (the real agent then refuses to start)."""


_RFC1123 = re.compile(
    r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])$"
)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "localhost6.localdomain6", "ip6-localhost")
UNRESOLVED = (
    "unable to reliably determine the host name. "
    "You can define one in the agent config file or in your hosts file"
)


def validate_hostname(name: str) -> str | None:
    """The agent's ``validate.ValidHostname``: None when usable, else why not."""
    if name == "":
        return "hostname is empty"
    if name.lower() in _LOCAL_NAMES:
        return f"{name} is a local hostname"
    if len(name) > 255:
        return "name exceeded the maximum length of 255 characters"
    if not _RFC1123.match(name):
        return f"{name} is not RFC1123 compliant"
    return None


def _system_fqdn() -> str:
    """``/bin/hostname -f`` with a one-second timeout, as the agent's ``getSystemFQDN``."""
    out = subprocess.run(
        ["/bin/hostname", "-f"], capture_output=True, text=True, timeout=1, check=True
    )  # fmt: skip
    return out.stdout.strip()


def resolve_hostname(cfg: dict[str, Any]) -> tuple[str, str]:
    """Return (hostname, provider) the way Agent 7 resolves it (pkg/util/hostname providers.go).

    Providers in the agent's order: ``hostname`` (config/DD_HOSTNAME, if it is a valid name),
    ``hostname_file`` (the file's trimmed content, if valid), Fargate/GCE/Azure (cloud metadata:
    unreachable in the lab, so they never answer), ``hostname_fqdn: true`` -> ``hostname -f``,
    containerised providers (not containerised), the OS host name (``os.Hostname``, only if no
    earlier provider answered), EC2 (no metadata in the lab). The real agent trusts the OS host
    name only in the host's UTS namespace (or with ``hostname_trust_uts_namespace``); the lab's
    container IS the simulated VM, so the stand-in treats its namespace as the host's.
    """
    log = logging.getLogger("ddx_standin")
    configured = str(cfg.get("hostname") or "")
    why = validate_hostname(configured)
    if why is None:
        return configured, "configuration"
    log.debug("unable to get the hostname from 'configuration' provider: %s", why)
    path = str(cfg.get("hostname_file") or "")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                from_file = fh.read().strip()
        except OSError as exc:
            why = f"Could not read hostname from {path}: {exc}"
            log.debug("unable to get the hostname from 'hostnameFile' provider: %s", why)
        else:
            why = validate_hostname(from_file)
            if why is None:
                return from_file, "hostnameFile"
            log.debug("unable to get the hostname from 'hostnameFile' provider: %s", why)
    name, provider = "", ""
    if is_true(cfg.get("hostname_fqdn", False)):
        try:
            fqdn = _system_fqdn()
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug(
                "unable to get the hostname from 'fqdn' provider: Unable to get FQDN from system: %s", exc
            )
        else:
            name, provider = fqdn, "fqdn"
    if not name:
        name, provider = socket.gethostname(), "os"
    if name:
        return name, provider
    raise HostnameError(UNRESOLVED)


def hostname(cfg: dict[str, Any]) -> str:
    return resolve_hostname(cfg)[0]


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
