"""``agent`` CLI of the LAB STAND-IN for the Datadog Agent 7.

Commands answer the way the real agent's do, for what the lab's tests need: ``version``,
``hostname``, ``health``, ``status [--json]``, ``configcheck``, ``check NAME [--json]
[--check-rate] [--check-times N]`` and ``run`` (the service). Nothing is ever sent anywhere:
``run`` appends every sample it would submit to ``/var/log/datadog/lab-intake.jsonl``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import signal
import sys
import threading
import time
from typing import Any

import datadog_agent
import yaml

from ddx_standin import STANDIN_NOTE, VERSION, collector
from ddx_standin import config as agentconfig

log = logging.getLogger("ddx_standin")

STATUS_FILE = "lab-status.json"
INTAKE_FILE = "lab-intake.jsonl"
# Go's runtime.GOARCH for the machine names Python reports.
_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "s390x": "s390x"}


def _go_numbers(data: Any) -> Any:
    """Whole floats as Go's encoder writes them: 7.0 -> 7 (json.Marshal of a float64 7 is ``7``)."""
    if isinstance(data, float) and data.is_integer() and abs(data) < 1e21:
        return int(data)
    if isinstance(data, dict):
        return {k: _go_numbers(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_go_numbers(v) for v in data]
    return data


def go_json(data: Any, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON as Go's encoding/json writes it: whole floats without ``.0``, UTF-8 kept, and the
    HTML-sensitive ``<``, ``>``, ``&`` (and U+2028/U+2029) escaped as ``\\u003c`` etc.; compact
    output has no spaces (json.Marshal), indented output is json.MarshalIndent's."""
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        _go_numbers(data), indent=indent, separators=separators, ensure_ascii=False, sort_keys=sort_keys
    )
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def sorted_map(data: dict[str, Any]) -> dict[str, Any]:
    """A Go map[string]interface{} re-marshalled: keys in sorted order (one level)."""
    return {key: data[key] for key in sorted(data)}


def _paths(args: argparse.Namespace) -> dict[str, str]:
    conf_dir = args.cfgpath
    if conf_dir.endswith(".yaml"):
        conf_dir = os.path.dirname(conf_dir)
    return {
        "conf_dir": conf_dir,
        "confd": os.path.join(conf_dir, "conf.d"),
        "checksd": os.path.join(conf_dir, "checks.d"),
        "run_dir": os.environ.get("DDX_STANDIN_RUN_DIR", agentconfig.RUN_DIR),
        "log_dir": os.environ.get("DDX_STANDIN_LOG_DIR", agentconfig.LOG_DIR),
    }


def _prepare_python(cfg: dict[str, Any], host: str, run_dir: str) -> None:
    """Make ``aggregator``/``datadog_agent`` importable, as the agent's embedded interpreter does."""
    os.environ.setdefault("DD_HOSTNAME", host)
    datadog_agent._configure(cfg, host, VERSION, run_dir)


def _load_config_or_exit(conf_dir: str) -> dict[str, Any]:
    try:
        return agentconfig.load(conf_dir)
    except agentconfig.ConfigError as exc:
        msg = f"unable to set up global agent configuration: {exc}"
        log.critical(msg)
        print(f"Error: {msg}", file=sys.stderr)
        raise SystemExit(1) from exc


# --------------------------------------------------------------------------------------------
def cmd_version(args: argparse.Namespace) -> int:
    print(f"Agent {VERSION} - Commit: lab-standin - Serialization version: n/a - Go version: n/a")
    print(STANDIN_NOTE)
    return 0


def cmd_hostname(args: argparse.Namespace) -> int:
    """``agent hostname [-l]``: the running agent's host name, else computed here (Agent 7.72).

    Like the real command: without ``--local`` it first asks the running agent (the real one over
    its IPC API, ``GET /agent/hostname``; the stand-in reads the status the service writes), so a
    restart pending after a config change still shows the old name; ``--local`` always resolves
    from the configuration on disk.
    """
    paths = _paths(args)
    cfg = _load_config_or_exit(paths["conf_dir"])
    if not args.local:
        status = _read_status(paths["run_dir"])
        running_name = (status or {}).get("lab", status or {}).get("hostname")
        if running_name:
            print(running_name)
            return 0
        print(
            "Error getting the hostname from the running agent: the agent is not running "
            f"(no live status in {paths['run_dir']})\nComputing the hostname from the command line...",
            file=sys.stderr,
        )
    try:
        print(agentconfig.hostname(cfg))
    except agentconfig.HostnameError as exc:
        print(f"Error: Error getting the hostname: {exc}", file=sys.stderr)
        return 1
    return 0


def _read_status(run_dir: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(run_dir, STATUS_FILE), encoding="utf-8") as fh:
            status = json.load(fh)
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(status.get("pid", 0)), 0)
    except PermissionError:
        pass  # alive, owned by dd-agent: a non-root caller may not signal it
    except (OSError, ValueError):
        return None
    return status


def cmd_status(args: argparse.Namespace) -> int:
    paths = _paths(args)
    status = _read_status(paths["run_dir"])
    if status is None:
        print(
            "Error: could not fetch the status: the agent is not running "
            "(Make sure the agent is running before requesting the status and try again.)",
            file=sys.stderr,
        )
        return 1
    if args.json or args.pretty_json:
        print(go_json(status_json(status), indent=2 if args.pretty_json else None, sort_keys=True))
        return 0
    lab = status.get("lab", {})
    checks = [s for per_check in status["runnerStats"]["Checks"].values() for s in per_check.values()]
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(status["agent_start_nano"] / 1e9))
    lines = [
        "=" * 34,
        f"Agent ({status['version']})",
        "=" * 34,
        "",
        f"  Status date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"  Agent start: {started}",
        f"  Pid: {status['pid']}",
        f"  Python Version: {status['python_version']}",
        f"  Check Runners: {len(checks)}",
        f"  Log Level: {status['config']['log_level']}",
        "",
        "  Paths",
        "  =====",
        f"    Config File: {status['conf_file']}",
        f"    conf.d: {status['config']['confd_path']}",
        f"    checks.d: {status['config']['additional_checksd']}",
        "",
        "  Hostnames",
        "  =========",
        f"    hostname: {lab.get('hostname')}",
        f"    hostname provider: {status['hostnameStats']['provider']}",
        "",
        "  Host tags",
        "  =========",
        *[f"    {t}" for t in lab.get("host_tags", [])],
        "",
        "=========",
        "Collector",
        "=========",
        "",
        "  Running Checks",
        "  ==============",
    ]
    for chk in checks:
        header = f"{chk['CheckName']} ({chk['CheckVersion']})"
        state = "ERROR" if chk["LastError"] else ("WARNING" if chk["LastWarnings"] else "OK")
        lines += [
            "",
            f"    {header}",
            f"    {'-' * len(header)}",
            f"      Instance ID: {chk['CheckID']} [{state}]",
            f"      Configuration Source: {chk['CheckConfigSource']}",
            f"      Total Runs: {chk['TotalRuns']}",
            f"      Metric Samples: Last Run: {chk['MetricSamples']}, Total: {chk['TotalMetricSamples']}",
            f"      Events: Last Run: {chk['Events']}, Total: {chk['TotalEvents']}",
            f"      Service Checks: Last Run: {chk['ServiceChecks']}, Total: {chk['TotalServiceChecks']}",
            f"      Average Execution Time : {chk['AverageExecutionTime']}ms",
        ]
        if chk["LastError"]:
            lines.append(f"      Error: {chk['LastError']}")
    for name, errs in sorted(status["checkSchedulerStats"]["LoaderErrors"].items()):
        lines += ["", "  Loading Errors", "  ==============", f"    {name}"]
        lines += [f"      {loader}: {err}" for loader, err in sorted(errs.items())]
    lines += [
        "",
        "==========",
        "APM Agent",
        "==========",
        f"  Status: {'Running' if lab.get('apm_enabled') else 'Not running or unreachable'}",
        f"  Receiver (previous minute): localhost:{lab.get('apm_port')}",
        "",
        "==========",
        "Logs Agent",
        "==========",
        f"  {'Logs Agent is running' if lab.get('logs_enabled') else 'Logs Agent is not running'}",
        "",
        "=========",
        "Forwarder",
        "=========",
        f"  {STANDIN_NOTE}",
        f"  Samples written to: {lab.get('intake_file')}",
    ]
    print("\n".join(lines))
    return 0


def check_json(result: dict[str, Any], stats: collector.InstanceStats) -> dict[str, Any]:
    """One instance of ``agent check --json`` (pkg/cli/subcommands/check/command.go).

    The command re-decodes the check's status JSON and each serie into ``map[string]interface{}``
    before MarshalIndent, so the instance (aggregator, inventories, runner), the aggregator's
    sections, every serie and the runner's Stats come out with sorted keys; service checks and
    events stay typed structs (declaration order). Sections with nothing in them are absent.
    """
    aggregator_data: dict[str, Any] = {}
    if result["metrics"]:
        aggregator_data["metrics"] = [sorted_map(serie) for serie in result["metrics"]]
    if result["service_checks"]:
        aggregator_data["service_checks"] = result["service_checks"]
    if result["events"]:
        aggregator_data["events"] = result["events"]
    return {
        "aggregator": sorted_map(aggregator_data),
        "inventories": {},
        "runner": sorted_map(stats.as_runner_json()),
    }


def status_json(status: dict[str, Any]) -> dict[str, Any]:
    """``agent status --json``: only keys the real agent emits (comp/core/status common header:
    version, flavor, conf_file, pid, go_version, agent_start_nano, python_version, build_arch,
    time_nano, config; the collector's runnerStats and checkSchedulerStats; hostnameStats)."""
    real = {key: value for key, value in status.items() if key != "lab"}
    real["time_nano"] = time.time_ns()
    return real


def cmd_health(args: argparse.Namespace) -> int:
    status = _read_status(_paths(args)["run_dir"])
    if status is None:
        print("Error: could not fetch the status: the agent is not running", file=sys.stderr)
        return 1
    print("Agent health: PASS\n=== 1 healthy components ===\nlab-standin")
    return 0


def cmd_configcheck(args: argparse.Namespace) -> int:
    paths = _paths(args)
    configs, errors = collector.load_configs(paths["confd"])
    for cfg in configs:
        print(f"=== {cfg.name} check ===")
        print("Configuration provider: file")
        print(f"Configuration source: {cfg.source}")
        print(f"Config for instance ID: {collector.check_id(cfg)}")
        print(
            json.dumps(cfg.instance, indent=2, sort_keys=True) if args.verbose else _yaml(cfg.instance),
            end="",
        )
        print("~")
        print("Init Config:")
        print(_yaml(cfg.init_config), end="")
        print("===")
        print()
    if errors:
        print("=== Configuration errors ===")
        for path, err in sorted(errors.items()):
            print(f"\n{path}: {err}")
    return 0


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data or {}, default_flow_style=False, sort_keys=True)


def cmd_check(args: argparse.Namespace) -> int:
    paths = _paths(args)
    cfg = _load_config_or_exit(paths["conf_dir"])
    try:
        host = agentconfig.hostname(cfg)
    except agentconfig.HostnameError as exc:
        print(f"Error: Error while getting hostname, exiting: {exc}", file=sys.stderr)
        return 1
    agentconfig.setup_logging(
        {"log_level": args.log_level or ("critical" if args.json else cfg.get("log_level", "info"))},
        None,
    )
    _prepare_python(cfg, host, paths["run_dir"])
    configs, errors = collector.load_configs(paths["confd"], only=args.name)
    if not configs:
        print(f"Error: no valid check found for {args.name}", file=sys.stderr)
        for err in errors.values():
            print(err, file=sys.stderr)
        return 1
    try:
        cls, version, _mod = collector.load_check_class(args.name, paths["checksd"])
    except collector.CheckLoadError as exc:
        print(f"Error: could not load check {args.name}: {exc}", file=sys.stderr)
        return 1
    times = 2 if args.check_rate and args.check_times < 2 else args.check_times
    instances_out: list[dict[str, Any]] = []
    failed = False
    loaded: list[tuple[collector.CheckConfig, Any]] = []
    load_errors: list[str] = []
    for ccfg in configs:
        try:
            loaded.append((ccfg, collector.instantiate(cls, ccfg, cfg)))
        except collector.ConfigureError as exc:
            load_errors.append(f"could not configure check instance for python check {args.name}: {exc}")
    if not loaded:
        # the real command lists the loader errors, then fails with "no valid check found"
        print(f"\nError: could not load {args.name}:")
        for err in load_errors:
            print(f"* python: {err}")
        print("Error: no valid check found", file=sys.stderr)
        return 1
    for ccfg, check in loaded:
        inst = collector.RunningInstance(ccfg, check, version, host)
        result: dict[str, Any] = {}
        for i in range(times):
            if i:
                time.sleep(max(args.pause, 0) / 1000.0)
            result = inst.run_once()
        failed = failed or bool(result["error"])
        instances_out.append({"instance": inst, "result": result})
    if args.json:
        print(
            go_json([check_json(item["result"], item["instance"].stats) for item in instances_out], indent=2)
        )
        return 1 if failed else 0
    for item in instances_out:
        res = item["result"]
        if res["metrics"]:
            print("=== Series ===")
            print(go_json(res["metrics"], indent=2))
        if res["service_checks"]:
            print("=== Service Checks ===")
            print(go_json(res["service_checks"], indent=2))
        if res["events"]:
            print("=== Events ===")
            print(go_json(res["events"], indent=2))
    print("=========\nCollector\n=========\n\n  Running Checks\n  ==============")
    for item in instances_out:
        s = item["instance"].stats
        header = f"{s.check_name} ({s.version})"
        state = "ERROR" if s.last_error else ("WARNING" if s.last_warnings else "OK")
        print(f"\n    {header}\n    {'-' * len(header)}")
        print(f"      Instance ID: {s.check_id} [{state}]")
        print(f"      Configuration Source: {s.source}")
        print(f"      Total Runs: {s.total_runs}")
        print(f"      Metric Samples: Last Run: {s.metric_samples}, Total: {s.total_metric_samples}")
        print(f"      Events: Last Run: {s.events}, Total: {s.total_events}")
        print(f"      Service Checks: Last Run: {s.service_checks}, Total: {s.total_service_checks}")
        print(f"      Average Execution Time : {s.average_execution_ms}ms")
        if s.last_error:
            print(f"      Error: {s.last_error}")
        for w in s.last_warnings:
            print(f"      Warning: {w}")
    if times == 1:
        print(
            "\nCheck has run only once, if some metrics are missing you can try again with "
            "--check-rate to see any other metric if available."
        )
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------
class Service:
    """``agent run``: schedule every configured check on its interval; write samples locally."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.paths = _paths(args)
        self.stop = threading.Event()
        self.instances: list[Any] = []
        self.loader_errors: dict[str, dict[str, str]] = {}  # check -> loader -> error
        self.intake_path = os.path.join(self.paths["log_dir"], INTAKE_FILE)
        self.start_ns = time.time_ns()
        self.cfg: dict[str, Any] = {}
        self.host = ""
        self.host_provider = ""

    def write_status(self) -> None:
        """The status the CLI reads: the real agent's status keys, plus the stand-in's own under "lab"."""
        cfg = self.cfg
        runner_checks: dict[str, dict[str, Any]] = {}
        runs = errors = warnings = 0
        for inst in self.instances:
            stats = inst.stats
            runner_checks.setdefault(inst.cfg.name, {})[stats.check_id] = stats.as_runner_json()
            runs, errors, warnings = (
                runs + stats.total_runs,
                errors + stats.total_errors,
                warnings + stats.total_warnings,
            )
        # pkg/collector/runner/expvars: "Checks" and "Running" always; the counters once incremented
        runner: dict[str, Any] = {"Checks": runner_checks, "Running": {}}
        runner.update({k: v for k, v in (("Runs", runs), ("Errors", errors), ("Warnings", warnings)) if v})
        status = {
            "version": VERSION,
            "flavor": "agent",
            "conf_file": os.path.join(self.paths["conf_dir"], "datadog.yaml"),
            "pid": os.getpid(),
            "go_version": "n/a",  # no Go runtime in the stand-in
            "agent_start_nano": self.start_ns,
            "python_version": sys.version.split()[0],
            "build_arch": _GOARCH.get(platform.machine(), platform.machine()),
            "config": {
                "log_file": str(cfg.get("log_file") or ""),
                "log_level": str(cfg.get("log_level", "info")),
                "confd_path": self.paths["confd"],
                "additional_checksd": self.paths["checksd"],
                "fips_enabled": "false",
                "fips_local_address": "localhost",
                "fips_port_range_start": "9803",
            },
            "runnerStats": runner,
            "checkSchedulerStats": {"LoaderErrors": self.loader_errors},
            "hostnameStats": {"errors": {}, "provider": self.host_provider},
            "lab": {
                "standin": STANDIN_NOTE,
                "hostname": self.host,
                "host_tags": agentconfig.tags(cfg),
                "site": cfg.get("site"),
                "env": cfg.get("env"),
                "apm_enabled": agentconfig.is_true(agentconfig.get(cfg, "apm_config.enabled", True)),
                "apm_port": int(
                    agentconfig.get(cfg, "apm_config.receiver_port", agentconfig.DEFAULT_APM_PORT)
                ),
                "logs_enabled": agentconfig.is_true(cfg.get("logs_enabled", False)),
                "intake_file": self.intake_path,
            },
        }
        os.makedirs(self.paths["run_dir"], exist_ok=True)
        tmp = os.path.join(self.paths["run_dir"], STATUS_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(status, fh)
        os.replace(tmp, os.path.join(self.paths["run_dir"], STATUS_FILE))

    def record(self, inst: Any, result: dict[str, Any]) -> None:
        now = time.time()
        lines = []
        for kind in ("metrics", "service_checks", "events"):
            for item in result[kind]:
                lines.append(
                    json.dumps(
                        {
                            "received_at": round(now, 3),
                            "kind": kind[:-1] if kind != "metrics" else "metric",
                            "check": inst.cfg.name,
                            "check_id": inst.stats.check_id,
                            "payload": item,
                        },
                        sort_keys=True,
                    )
                )
        if not lines:
            return
        with open(self.intake_path, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")

    def load_checks(self) -> None:
        configs, errors = collector.load_configs(self.paths["confd"])
        for path, err in errors.items():
            self.loader_errors.setdefault(os.path.basename(path), {})["file"] = err
        classes: dict[str, Any] = {}
        for ccfg in configs:
            if ccfg.name not in classes:
                try:
                    classes[ccfg.name] = collector.load_check_class(ccfg.name, self.paths["checksd"])
                except collector.CheckLoadError as exc:
                    classes[ccfg.name] = None
                    self.loader_errors.setdefault(ccfg.name, {})["python"] = str(exc)
                    log.error("Unable to load the check: %s", exc)
                    continue
            loaded = classes[ccfg.name]
            if loaded is None:
                continue
            cls, version, _mod = loaded
            try:
                check = collector.instantiate(cls, ccfg, self.cfg)
            except Exception as exc:  # noqa: BLE001 - any check __init__ error; the agent reports it and goes on
                self.loader_errors.setdefault(ccfg.name, {})["python"] = (
                    f"could not configure check instance for python check {ccfg.name}: {exc}"
                )
                log.error("could not configure check instance for python check %s: %s", ccfg.name, exc)
                continue
            self.instances.append(collector.RunningInstance(ccfg, check, version, self.host))
            log.info("check:%s | Scheduling check with an interval of %ss", ccfg.name, int(ccfg.interval))

    def run(self) -> int:
        logfile = os.path.join(self.paths["log_dir"], "agent.log")
        agentconfig.setup_logging(None, logfile, to_console=False)  # config errors go to agent.log
        self.cfg = _load_config_or_exit(self.paths["conf_dir"])
        agentconfig.setup_logging(self.cfg, logfile, to_console=True)
        log.info("Starting Datadog Agent v%s (%s)", VERSION, STANDIN_NOTE)
        if not self.cfg.get("api_key"):
            log.critical("no API key configured, exiting")
            print("Error: no API key configured, exiting", file=sys.stderr)
            return 1
        try:
            self.host, self.host_provider = agentconfig.resolve_hostname(self.cfg)
        except agentconfig.HostnameError as exc:
            log.critical("Error while getting hostname, exiting: %s", exc)
            print(f"Error: Error while getting hostname, exiting: {exc}", file=sys.stderr)
            return 1
        log.info("Hostname is: %s (provider: %s)", self.host, self.host_provider)
        log.info("Site is: %s (nothing is sent: lab stand-in)", self.cfg.get("site"))
        if self.args.pidfile:
            os.makedirs(os.path.dirname(self.args.pidfile) or ".", exist_ok=True)
            with open(self.args.pidfile, "w", encoding="utf-8") as fh:
                fh.write(str(os.getpid()))
        _prepare_python(self.cfg, self.host, self.paths["run_dir"])
        self.load_checks()
        self.write_status()

        def _stop(signum: int, _frame: Any) -> None:
            log.info("Received signal '%s', shutting down...", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        next_run = {id(i): time.monotonic() for i in self.instances}
        while not self.stop.is_set():
            now = time.monotonic()
            for inst in self.instances:
                if now < next_run[id(inst)]:
                    continue
                next_run[id(inst)] = now + inst.cfg.interval
                log.info("check:%s | Running check...", inst.cfg.name)
                result = inst.run_once()
                self.record(inst, result)
                if result["error"]:
                    log.error("check:%s | Error running check: %s", inst.cfg.name, result["error"])
                else:
                    log.info(
                        "check:%s | Done running check (%d metric samples)",
                        inst.cfg.name,
                        inst.stats.metric_samples,
                    )
                self.write_status()
            wait = min([next_run[id(i)] for i in self.instances] + [time.monotonic() + 60]) - time.monotonic()
            self.stop.wait(max(0.05, min(wait, 60)))
        log.info("See ya!")
        if self.args.pidfile:
            with contextlib.suppress(OSError):
                os.unlink(self.args.pidfile)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.paths["run_dir"], STATUS_FILE))
        return 0


def cmd_run(args: argparse.Namespace) -> int:
    return Service(args).run()


# --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent",
        description=f"Datadog Agent at your service. ({STANDIN_NOTE})",
    )
    parser.add_argument(
        "-c", "--cfgpath", default=agentconfig.CONF_DIR, help="path to directory containing datadog.yaml"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version", help="Print the version info").set_defaults(func=cmd_version)
    p = sub.add_parser("hostname", help="Print the hostname used by the Agent")
    p.add_argument(
        "-l", "--local", action="store_true",
        help="Force computing the hostname in the command line instead of the agent process",
    )  # fmt: skip
    p.set_defaults(func=cmd_hostname)
    sub.add_parser("health", help="Print the current agent health").set_defaults(func=cmd_health)
    p = sub.add_parser("status", help="Print the current status")
    p.add_argument("-j", "--json", action="store_true")
    p.add_argument("-p", "--pretty-json", action="store_true")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("configcheck", help="Print all configurations loaded & resolved of a running agent")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_configcheck)
    p = sub.add_parser("check", help="Run the specified check")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="format aggregator and check runner output as json")
    p.add_argument("-r", "--check-rate", action="store_true", help="check rates by running the check twice")
    p.add_argument("-t", "--check-times", type=int, default=1, help="number of times to run the check")
    p.add_argument("--pause", type=int, default=0, help="pause between multiple runs of the check, in ms")
    p.add_argument("-l", "--log-level", default=None)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("run", help="Run the Agent")
    p.add_argument("-p", "--pidfile", default="")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
