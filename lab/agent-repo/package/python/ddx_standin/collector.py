"""Check loading and running, the way the real agent's Python loader does it (LAB STAND-IN).

- configs: ``conf.d/<name>.yaml`` and ``conf.d/<name>.d/*.yaml`` (``*.yaml.default`` only when the
  check has no other config; autodiscovery templates with ``ad_identifiers`` are skipped);
- module: ``datadog_checks.<name>`` (an integration wheel) first, then ``<name>`` from
  ``checks.d/``; the check class is the first ``AgentCheck`` subclass in the module that has no
  subclass itself;
- instance: ``cls(name=..., init_config=..., instances=[instance])``, ``check_id`` set, then
  ``run()`` (returns ``""`` or a JSON list of errors);
- configure: like the agent's ``PythonCheck.Configure`` (pkg/collector/python/check.go), the
  ``init_config`` is decoded into ``CommonGlobalConfig`` (``service``) and the instance into
  ``CommonInstanceConfig`` (comp/core/autodiscovery/integration/config.go) with yaml.v2's typing
  rules; a type error there fails the instance ("could not configure check instance");
- interval: ``min_collection_interval`` **from the instance only** (an ``int``; floats truncate
  as yaml.v2 does), used when > 0, else the default 15 s. Agent 7 ignores a
  ``min_collection_interval`` under ``init_config`` (that was Agent 5), and so does the stand-in.
"""

from __future__ import annotations

import glob
import importlib
import inspect
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import aggregator
import yaml

DEFAULT_INTERVAL = 15.0
_INT64_MAX = 2**63 - 1

# The reserved fields the agent decodes (Go type of each); every other key is the check's own.
COMMON_INSTANCE_FIELDS = {
    "min_collection_interval": "int",
    "empty_default_hostname": "bool",
    "tags": "[]string",
    "service": "string",
    "name": "string",
    "namespace": "string",
    "no_index": "bool",
}
COMMON_GLOBAL_FIELDS = {"service": "string"}


class CheckLoadError(Exception):
    pass


class ConfigureError(Exception):
    """The instance or init_config does not decode into the agent's common config structs."""


def _yaml_tag(value: Any) -> str:
    if isinstance(value, bool):
        return "!!bool"
    if isinstance(value, int):
        return "!!int"
    if isinstance(value, float):
        return "!!float"
    if isinstance(value, dict):
        return "!!map"
    if isinstance(value, list):
        return "!!seq"
    return "!!str"


def _terror(line: int, value: Any, gotype: str) -> str:
    """yaml.v2's type error line: ``line N: cannot unmarshal !!str `45` into int``."""
    tag = _yaml_tag(value)
    shown = ""
    if tag not in ("!!map", "!!seq"):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        shown = f" `{text[:7]}...`" if len(text) > 10 else f" `{text}`"
    return f"line {line}: cannot unmarshal {tag}{shown} into {gotype}"


def _decode_errors(data: dict[str, Any], fields: dict[str, str]) -> list[str]:
    """Type errors of ``data`` decoded into a Go struct with ``fields``, as yaml.v2 reports them.

    Line numbers refer to the section as the agent re-marshals it (yaml.v2: keys sorted, block
    style), which is what the real error messages show.
    """
    dumped = yaml.safe_dump(data, default_flow_style=False, sort_keys=True).splitlines()
    lines = {
        ln.split(":", 1)[0]: i + 1
        for i, ln in enumerate(dumped)
        if ln and not ln[0].isspace() and ln[0] != "-"
    }
    errors: list[str] = []
    for key, gotype in fields.items():
        if key not in data or data[key] is None:
            continue
        value, line = data[key], lines.get(key, 1)
        if gotype == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _INT64_MAX
            ok = ok or (isinstance(value, float) and math.isfinite(value) and abs(value) <= _INT64_MAX)
        elif gotype == "bool":
            ok = isinstance(value, bool)
        elif gotype == "string":
            ok = not isinstance(value, (dict, list))
        else:  # []string: a sequence of scalars
            ok = isinstance(value, list)
            if ok:
                for idx, item in enumerate(value):
                    if isinstance(item, (dict, list)):
                        errors.append(_terror(line + idx + 1, item, "string"))
        if not ok:
            errors.append(_terror(line, value, gotype))
    return errors


def configure(init_config: dict[str, Any], instance: dict[str, Any]) -> float:
    """Decode the reserved fields as ``PythonCheck.Configure`` does; return the interval (s)."""
    errors = _decode_errors(init_config, COMMON_GLOBAL_FIELDS)
    if errors:
        raise ConfigureError("yaml: unmarshal errors:\n  " + "\n  ".join(errors))
    errors = _decode_errors(instance, COMMON_INSTANCE_FIELDS)
    if errors:
        raise ConfigureError("yaml: unmarshal errors:\n  " + "\n  ".join(errors))
    seconds = int(instance.get("min_collection_interval") or 0)  # int() truncates like yaml.v2
    return float(seconds) if seconds > 0 else DEFAULT_INTERVAL


@dataclass
class CheckConfig:
    name: str
    source: str
    init_config: dict[str, Any]
    instance: dict[str, Any]
    digest: str

    @cached_property
    def interval(self) -> float:
        """The scheduling interval the agent uses; raises ConfigureError like Configure does."""
        return configure(self.init_config, self.instance)


def _fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def check_id(cfg: CheckConfig) -> str:
    payload = (
        yaml.safe_dump(cfg.instance, sort_keys=True) + yaml.safe_dump(cfg.init_config, sort_keys=True)
    ).encode()
    digest = _fnv1a64(payload)
    if cfg.instance.get("name"):
        return f"{cfg.name}:{cfg.instance['name']}:{digest:016x}"
    return f"{cfg.name}:{digest:016x}"


def _read_yaml(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _configs_from_file(name: str, path: str) -> list[CheckConfig]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or data.get("ad_identifiers"):
        return []
    instances = data.get("instances") or []
    init_config = data.get("init_config") or {}
    if not isinstance(init_config, dict):
        init_config = {}
    out = []
    for raw in instances:
        inst = raw if isinstance(raw, dict) else {}
        cfg = CheckConfig(name, f"file:{path}", init_config, inst, "")
        out.append(cfg)
    return out


def config_files(confd: str) -> dict[str, list[str]]:
    """Map check name -> config files, following the agent's conf.d layout rules."""
    found: dict[str, list[str]] = {}
    defaults: dict[str, list[str]] = {}
    for path in sorted(glob.glob(os.path.join(confd, "*.yaml")) + glob.glob(os.path.join(confd, "*.yml"))):
        found.setdefault(os.path.splitext(os.path.basename(path))[0], []).append(path)
    for sub in sorted(glob.glob(os.path.join(confd, "*.d"))):
        if not os.path.isdir(sub):
            continue
        name = os.path.basename(sub)[:-2]
        for path in sorted(os.listdir(sub)):
            full = os.path.join(sub, path)
            if path.endswith((".yaml", ".yml")):
                found.setdefault(name, []).append(full)
            elif path.endswith(".yaml.default"):
                defaults.setdefault(name, []).append(full)
    for name, paths in defaults.items():
        if name not in found:
            found[name] = paths
    return found


def load_configs(confd: str, only: str | None = None) -> tuple[list[CheckConfig], dict[str, str]]:
    configs: list[CheckConfig] = []
    errors: dict[str, str] = {}
    for name, paths in sorted(config_files(confd).items()):
        if only is not None and name != only:
            continue
        for path in paths:
            try:
                configs.extend(_configs_from_file(name, path))
            except (OSError, yaml.YAMLError) as exc:
                errors[path] = f"could not parse {path}: {exc}"
    return configs, errors


def _base_class() -> type:
    # imported on first use: importing datadog_checks.base takes a second or two
    from datadog_checks.base import AgentCheck  # noqa: PLC0415

    return AgentCheck


def find_check_class(module: Any) -> type | None:
    base = _base_class()
    for value in list(vars(module).values()):
        if not inspect.isclass(value) or value is base:
            continue
        if not issubclass(value, base):
            continue
        if value.__subclasses__():
            continue
        return value
    return None


def load_check_class(name: str, checksd: str) -> tuple[type, str, str]:
    """Return (class, version, loader module) or raise CheckLoadError with every attempt's error."""
    if checksd not in sys.path:
        sys.path.insert(0, checksd)
    attempts = []
    for modname in (f"datadog_checks.{name}", name):
        try:
            module = importlib.import_module(modname)
        except ImportError as exc:
            attempts.append(f"unable to import module '{modname}': {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - a check module may raise anything at import time
            attempts.append(f"unable to import module '{modname}': {type(exc).__name__}: {exc}")
            continue
        cls = find_check_class(module)
        if cls is None:
            attempts.append(f"unable to find a subclass of the base check in module '{modname}'")
            continue
        version = str(getattr(module, "__version__", "") or "unversioned")
        return cls, version, modname
    raise CheckLoadError("; ".join(attempts))


def instantiate(cls: type, cfg: CheckConfig, agent_config: dict[str, Any]) -> Any:
    """Configure then construct, as the Python loader does (ConfigureError before any check code)."""
    cfg.interval  # noqa: B018 - decodes the reserved fields first, raising ConfigureError
    try:
        check = cls(name=cfg.name, init_config=cfg.init_config, instances=[cfg.instance])
    except TypeError:
        check = cls(cfg.name, cfg.init_config, agent_config, [cfg.instance])
    check.check_id = check_id(cfg)
    return check


# The runner's per-instance statistics, as the agent serialises them (no JSON tags, so the Go
# field names): pkg/collector/check/stats/stats.go, ``type Stats`` — exported fields in declaration
# order. ``Interval`` is a Go ``time.Duration`` (nanoseconds); ``ExecutionTimes`` a ``[32]int64``
# ring of run durations in ms, the latest at ``(TotalRuns + 31) % 32``; ``LastWarnings`` is nil
# (JSON null) until the first run; the two event-platform maps start empty, not nil.
STATS_FIELDS = (
    "CheckName",
    "CheckVersion",
    "CheckConfigSource",
    "CheckLoader",
    "CheckID",
    "Interval",
    "LongRunning",
    "Cancelling",
    "TotalRuns",
    "TotalErrors",
    "TotalWarnings",
    "MetricSamples",
    "Events",
    "ServiceChecks",
    "HistogramBuckets",
    "TotalMetricSamples",
    "TotalEvents",
    "TotalServiceChecks",
    "TotalHistogramBuckets",
    "EventPlatformEvents",
    "TotalEventPlatformEvents",
    "ExecutionTimes",
    "AverageExecutionTime",
    "LastExecutionTime",
    "LastSuccessDate",
    "LastError",
    "LastDelay",
    "LastWarnings",
    "UpdateTimestamp",
    "Telemetry",
)
EXECUTION_TIMES_SIZE = 32
NANOSECONDS = 1_000_000_000
# stats.go EventPlatformNameTranslations: event types shown under a human-readable name
EVENT_PLATFORM_NAMES = {
    "dbm-samples": "Database Monitoring Query Samples",
    "dbm-metrics": "Database Monitoring Query Metrics",
    "dbm-activity": "Database Monitoring Activity Samples",
    "dbm-metadata": "Database Monitoring Metadata Samples",
    "network-devices-metadata": "Network Devices Metadata",
    "network-devices-netflow": "Network Devices NetFlow",
    "network-devices-snmp-traps": "SNMP Traps",
    "network-path": "Network Path",
}


@dataclass
class SenderStats:
    """What one run submitted (the sender's counters, pkg/collector/check/stats SenderStats)."""

    metric_samples: int = 0
    events: int = 0
    service_checks: int = 0
    histogram_buckets: int = 0
    event_platform_events: dict[str, int] = field(default_factory=dict)


@dataclass
class InstanceStats:
    """``check.Stats`` of one instance, updated run by run the way ``Stats.Add`` does."""

    check_name: str
    check_id: str
    version: str
    source: str
    interval: float  # seconds
    loader: str = "python"
    total_runs: int = 0
    total_errors: int = 0
    total_warnings: int = 0
    metric_samples: int = 0
    total_metric_samples: int = 0
    events: int = 0
    total_events: int = 0
    service_checks: int = 0
    total_service_checks: int = 0
    histogram_buckets: int = 0
    total_histogram_buckets: int = 0
    event_platform_events: dict[str, int] = field(default_factory=dict)
    total_event_platform_events: dict[str, int] = field(default_factory=dict)
    execution_times: list[int] = field(default_factory=lambda: [0] * EXECUTION_TIMES_SIZE)
    average_execution_ms: int = 0
    last_execution_ms: int = 0
    last_success: int = 0
    last_error: str = ""
    last_delay: int = 0
    last_warnings: list[str] | None = None
    update_timestamp: int = 0

    def add(self, elapsed: float, error: str, warnings: list[str], sender: SenderStats, now: float) -> None:
        """One run's outcome, with ``Stats.Add``'s rules (counters move only when > 0)."""
        self.last_delay = self._delay(now, elapsed)
        millis = int(elapsed * 1000)
        self.last_execution_ms = millis
        self.execution_times[self.total_runs % EXECUTION_TIMES_SIZE] = millis
        self.total_runs += 1
        ring = min(self.total_runs, EXECUTION_TIMES_SIZE)
        self.average_execution_ms = sum(self.execution_times[:ring]) // ring
        if error:
            self.total_errors += 1
            self.last_error = error
        else:
            self.last_error = ""
            self.last_success = int(now)
        self.last_warnings = list(warnings)
        self.total_warnings += len(warnings)
        self.update_timestamp = int(now)
        if sender.metric_samples > 0:
            self.metric_samples = sender.metric_samples
            self.total_metric_samples += sender.metric_samples
        if sender.events > 0:
            self.events = sender.events
            self.total_events += sender.events
        if sender.service_checks > 0:
            self.service_checks = sender.service_checks
            self.total_service_checks += sender.service_checks
        if sender.histogram_buckets > 0:
            self.histogram_buckets = sender.histogram_buckets
            self.total_histogram_buckets += sender.histogram_buckets
        for kind, count in sender.event_platform_events.items():
            name = EVENT_PLATFORM_NAMES.get(kind, kind)
            self.total_event_platform_events[name] = self.total_event_platform_events.get(name, 0) + count
            self.event_platform_events[name] = count

    def _delay(self, now: float, elapsed: float) -> int:
        """calculateCheckDelay: how late this run started against the previous start + interval (s)."""
        if not self.update_timestamp or not self.interval:
            return 0
        previous_start = self.update_timestamp - self.last_execution_ms / 1000.0
        real_interval = (now - elapsed) - previous_start
        return max(0, int(real_interval - self.interval))

    def as_runner_json(self) -> dict[str, Any]:
        """The Stats struct as the agent marshals it (field order of STATS_FIELDS)."""
        values: dict[str, Any] = {
            "CheckName": self.check_name,
            "CheckVersion": self.version,
            "CheckConfigSource": self.source,
            "CheckLoader": self.loader,
            "CheckID": self.check_id,
            "Interval": round(self.interval * NANOSECONDS),
            "LongRunning": False,
            "Cancelling": False,
            "TotalRuns": self.total_runs,
            "TotalErrors": self.total_errors,
            "TotalWarnings": self.total_warnings,
            "MetricSamples": self.metric_samples,
            "Events": self.events,
            "ServiceChecks": self.service_checks,
            "HistogramBuckets": self.histogram_buckets,
            "TotalMetricSamples": self.total_metric_samples,
            "TotalEvents": self.total_events,
            "TotalServiceChecks": self.total_service_checks,
            "TotalHistogramBuckets": self.total_histogram_buckets,
            "EventPlatformEvents": dict(self.event_platform_events),
            "TotalEventPlatformEvents": dict(self.total_event_platform_events),
            "ExecutionTimes": list(self.execution_times),
            "AverageExecutionTime": self.average_execution_ms,
            "LastExecutionTime": self.last_execution_ms,
            "LastSuccessDate": self.last_success,
            "LastError": self.last_error,
            "LastDelay": self.last_delay,
            "LastWarnings": None if self.last_warnings is None else list(self.last_warnings),
            "UpdateTimestamp": self.update_timestamp,
            "Telemetry": False,  # per-check telemetry is off unless configured (telemetry.checks)
        }
        return {name: values[name] for name in STATS_FIELDS}


def _context(sample: dict[str, Any], host: str) -> tuple[str, tuple[str, ...], str]:
    return sample["name"], tuple(sorted(set(sample["tags"]))), sample.get("hostname") or host


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    idx = max(0, min(len(ordered) - 1, round(pct * len(ordered)) - 1))
    return ordered[idx]


class RunningInstance:
    """One configured check instance with the state the agent's samplers keep across runs."""

    def __init__(self, cfg: CheckConfig, check: Any, version: str, host: str) -> None:
        self.cfg = cfg
        self.check = check
        self.host = host
        self.stats = InstanceStats(cfg.name, check.check_id, version, cfg.source, cfg.interval)
        self._last_rate: dict[tuple[str, tuple[str, ...], str], tuple[float, float]] = {}
        self._last_monotonic: dict[tuple[str, tuple[str, ...], str], float] = {}

    def run_once(self) -> dict[str, Any]:
        start = time.time()
        try:
            result = self.check.run() or ""
        except Exception as exc:  # noqa: BLE001 - the agent reports any exception as the run's error
            result = json.dumps([{"message": f"{type(exc).__name__}: {exc}", "traceback": ""}])
        finished = time.time()
        now = int(finished)
        raw = aggregator.drain(self.check.check_id)
        series = self._series(raw["metrics"], now)
        service_checks = [
            {  # pkg/metrics/servicecheck: ServiceCheck's JSON fields, in declaration order
                "check": sc["name"],
                "host_name": sc.get("hostname") or self.host,
                "timestamp": int(sc["ts"]),
                "status": sc["status"],
                "message": sc["message"],
                "tags": sorted(set(sc["tags"])),
            }
            for sc in raw["service_checks"]
        ]
        events = [self._event(ev, now) for ev in raw["events"]]
        warnings = []
        get_warnings = getattr(self.check, "get_warnings", None)
        if callable(get_warnings):
            warnings = [str(w) for w in get_warnings()]
        platform: dict[str, int] = {}
        for item in raw["platform_events"]:
            platform[item["event_type"]] = platform.get(item["event_type"], 0) + 1
        sender = SenderStats(
            metric_samples=len(raw["metrics"]),
            events=len(raw["events"]),
            service_checks=len(raw["service_checks"]),
            histogram_buckets=len(raw["histogram_buckets"]),
            event_platform_events=platform,
        )
        self.stats.add(finished - start, result, warnings, sender, finished)
        return {"metrics": series, "service_checks": service_checks, "events": events, "error": result}

    def _event(self, ev: dict[str, Any], now: int) -> dict[str, Any]:
        """pkg/metrics/event/event.go ``Event``: JSON fields in declaration order, omitempty kept."""
        out: dict[str, Any] = {
            "msg_title": ev.get("msg_title", ""),
            "msg_text": ev.get("msg_text", ""),
            "timestamp": int(ev.get("timestamp") or now),
            "priority": ev.get("priority") or "normal",
            "host": ev.get("host") or self.host,
            "tags": sorted(set(ev.get("tags") or [])),
            "alert_type": ev.get("alert_type") or "info",
            "aggregation_key": ev.get("aggregation_key") or "",
            "source_type_name": ev.get("source_type_name") or "",
            "event_type": ev.get("event_type") or "",
        }
        omitempty = ("priority", "tags", "alert_type", "aggregation_key", "source_type_name", "event_type")
        return {k: v for k, v in out.items() if k not in omitempty or v}

    def _series(self, samples: list[dict[str, Any]], now: int) -> list[dict[str, Any]]:
        """Aggregate one run's samples per context like the agent's check sampler."""
        grouped: dict[tuple[str, str, tuple[str, ...], str], list[dict[str, Any]]] = {}
        for sample in samples:
            name, tags, host = _context(sample, self.host)
            grouped.setdefault((sample["type"], name, tags, host), []).append(sample)
        out: list[dict[str, Any]] = []

        def emit(
            name: str, mtype: str, value: float, tags: tuple[str, ...], host: str, *, interval: int = 0
        ) -> None:
            # pkg/metrics/series.go ``Serie``: metric, points, tags, host, device (omitempty: the
            # value of a ``device:`` tag, removed from tags), type, interval, source_type_name
            # (omitempty; "System" for every check sample: aggregator checksSourceTypeName).
            device = ""
            kept = []
            for tag in tags:
                if tag.startswith("device:"):
                    device = tag[len("device:") :]
                else:
                    kept.append(tag)
            serie: dict[str, Any] = {"metric": name, "points": [[now, value]], "tags": kept, "host": host}
            if device:
                serie["device"] = device
            serie.update({"type": mtype, "interval": interval, "source_type_name": "System"})
            out.append(serie)

        for (mtype, name, tags, host), group in grouped.items():
            key = (name, tags, host)
            values = [g["value"] for g in group]
            if mtype == "gauge":
                emit(name, "gauge", values[-1], tags, host)
            elif mtype in ("rate", "counter"):
                ts = group[-1]["ts"]
                prev = self._last_rate.get(key)
                self._last_rate[key] = (ts, values[-1])
                if prev and ts > prev[0] and values[-1] >= prev[1]:
                    emit(name, "gauge", (values[-1] - prev[1]) / (ts - prev[0]), tags, host)
            elif mtype == "count":
                emit(name, "count", sum(values), tags, host, interval=int(self.cfg.interval))
            elif mtype == "monotonic_count":
                prev_value = self._last_monotonic.get(key)
                self._last_monotonic[key] = values[-1]
                if prev_value is None:
                    if group[-1].get("flush_first_value"):
                        emit(name, "count", values[-1], tags, host, interval=int(self.cfg.interval))
                elif values[-1] >= prev_value:
                    emit(name, "count", values[-1] - prev_value, tags, host, interval=int(self.cfg.interval))
            else:  # histogram / historate
                emit(f"{name}.max", "gauge", max(values), tags, host)
                emit(f"{name}.median", "gauge", _percentile(values, 0.5), tags, host)
                emit(f"{name}.avg", "gauge", sum(values) / len(values), tags, host)
                emit(f"{name}.count", "rate", len(values) / max(self.cfg.interval, 1.0), tags, host)
                emit(f"{name}.95percentile", "gauge", _percentile(values, 0.95), tags, host)
        return out
