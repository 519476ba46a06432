"""Role apm_app: the exercise's Flask app under ddtrace-run, checked from the outside.

Traces are read from the Agent's trace intake (the lab's stand-in runs Datadog's ddapm-test-agent
on 127.0.0.1:8126, which keeps what it receives at /test/traces), never from the app's logs.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[1]
VARS = yaml.safe_load((SCENARIO / "vars" / "apm_app.yml").read_text())
SERVICE = VARS["apm_app_service"]
ENV = VARS["apm_app_env"]
VERSION = str(VARS["apm_app_version"])
PORT = int(VARS["apm_app_port"])
USER = "apm-app"
UNIT = f"{SERVICE}.service"
LOG_FILE = f"/var/log/{SERVICE}/{SERVICE}.log"
ROUTES = {
    "/": "Entrypoint to the Application",
    "/api/apm": "Getting APM Started",
    "/api/trace": "Posting Traces",
}
INTAKE = "http://127.0.0.1:8126/test/traces"


def _get(host: Any, url: str) -> tuple[int, str]:
    out = host.check_output(f"curl -sS -o /dev/stdout -w '\\n%{{http_code}}' {url}")
    body, _, status = out.rpartition("\n")
    return int(status), body


def _main_pid(host: Any) -> int:
    return int(host.check_output(f"systemctl show -p MainPID --value {UNIT}"))


def _root_spans(host: Any) -> list[dict[str, Any]]:
    traces = json.loads(host.check_output(f"curl -sS {INTAKE}"))
    return [span for trace in traces for span in trace if span.get("parent_id") in (0, None)]


@pytest.fixture(scope="module")
def traced(host: Any) -> list[dict[str, Any]]:
    """Request every route (directly and through the traffic generator), then wait for the spans."""
    for route in ROUTES:
        _get(host, f"http://127.0.0.1:{PORT}{route}")
    host.check_output(f"systemctl start {SERVICE}-traffic.service")
    wanted = {f"GET {route}" for route in ROUTES}
    deadline = time.monotonic() + 30
    while True:
        spans = [s for s in _root_spans(host) if s["service"] == SERVICE]
        if wanted <= {s["resource"] for s in spans} or time.monotonic() > deadline:
            return spans
        time.sleep(1)


def test_service_active_and_enabled(host: Any) -> None:
    service = host.service(UNIT)
    assert service.is_running
    assert service.is_enabled


def test_runs_as_unprivileged_user_under_ddtrace_run(host: Any) -> None:
    pid = _main_pid(host)
    assert pid > 0
    master = host.check_output(f"ps -o user=,args= -p {pid}").split(None, 1)
    workers = host.check_output(f"ps -o user= --ppid {pid}").split()
    assert master[0] == USER
    assert "gunicorn" in master[1]
    assert workers and set(workers) == {USER}
    # ddtrace-run execs gunicorn after setting up sitecustomize: it shows in PYTHONPATH.
    environ = host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ")
    assert "ddtrace/bootstrap" in environ
    for line in (f"DD_SERVICE={SERVICE}", f"DD_ENV={ENV}", f"DD_VERSION={VERSION}", "DD_LOGS_INJECTION=true"):
        assert line in environ.splitlines()


def test_hardening_is_in_force(host: Any) -> None:
    pid = _main_pid(host)
    status = host.file(f"/proc/{pid}/status").content_string
    assert "NoNewPrivs:\t1" in status
    assert "CapEff:\t0000000000000000" in status
    mounts = host.file(f"/proc/{pid}/mountinfo").content_string.splitlines()
    by_point = {line.split()[4]: line for line in mounts}
    # ProtectSystem=strict: / and /usr read-only for the service; only its log dir writable.
    # mountinfo fields: [3] root of the mount in its filesystem, [4] mount point, [5] options.
    assert by_point["/"].split()[5].split(",")[0] == "ro"
    assert by_point[f"/var/log/{SERVICE}"].split()[5].split(",")[0] == "rw"
    # PrivateTmp=yes: the service's /tmp is its own directory, not the host's.
    assert "systemd-private-" in by_point["/tmp"].split()[3]
    props = host.check_output(f"systemctl show -p NoNewPrivileges,ProtectSystem,PrivateTmp,Restart {UNIT}")
    assert set(props.splitlines()) >= {
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "Restart=on-failure",
    }


@pytest.mark.parametrize(("route", "body"), ROUTES.items())
def test_route_answers(host: Any, route: str, body: str) -> None:
    assert _get(host, f"http://127.0.0.1:{PORT}{route}") == (200, body)


def test_served_by_gunicorn_not_flask_dev_server(host: Any) -> None:
    headers = host.check_output(f"curl -sS -D - -o /dev/null http://127.0.0.1:{PORT}/")
    assert "server: gunicorn" in headers.lower()


def test_traces_reach_the_intake(traced: list[dict[str, Any]]) -> None:
    by_resource = {s["resource"]: s for s in traced}
    for route in ROUTES:
        span = by_resource.get(f"GET {route}")
        assert span is not None, f"no span GET {route} for {SERVICE}; got {sorted(by_resource)}"
        assert span["name"] == "flask.request"
        assert span["meta"]["env"] == ENV
        assert span["meta"]["version"] == VERSION
        assert span["meta"]["http.status_code"] == "200"


def test_log_lines_carry_the_trace_ids_of_the_intake(host: Any, traced: list[dict[str, Any]]) -> None:
    lines = [json.loads(line) for line in host.file(LOG_FILE).content_string.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("logger.name") == "exercise_app"]
    assert requests, "no request log lines"
    assert all(line["dd.trace_id"] != "0" for line in requests)
    assert all(line["dd.service"] == SERVICE and line["dd.env"] == ENV for line in requests)
    # 128-bit trace ids: the log has 32 hex digits; the span has the low 64 bits and _dd.p.tid.
    intake_ids = {
        s["meta"].get("_dd.p.tid", "") + format(s["trace_id"], "016x")
        if s["meta"].get("_dd.p.tid")
        else str(s["trace_id"])
        for s in traced
    }
    assert {line["dd.trace_id"] for line in requests} & intake_ids


def test_agent_can_read_the_log_and_collects_it(host: Any) -> None:
    log = host.file(LOG_FILE)
    assert log.user == USER
    # the log directory's group is the app's; the Agent's user joins it (agent role, entry point
    # `integration`), the way it joins adm for MariaDB's logs
    assert log.group == USER
    assert log.mode == 0o640
    assert USER in host.user("dd-agent").groups
    assert host.run(f"runuser -u dd-agent -- head -c 1 {LOG_FILE}").rc == 0
    assert host.run(f"runuser -u nobody -- head -c 1 {LOG_FILE}").rc != 0
    conf = host.file(f"/etc/datadog-agent/conf.d/{SERVICE}.d/conf.yaml")
    assert (conf.user, conf.group, conf.mode) == ("dd-agent", "dd-agent", 0o640)
    logs = yaml.safe_load(conf.content_string)["logs"]
    assert logs == [{"type": "file", "path": LOG_FILE, "service": SERVICE, "source": "python"}]


def test_traffic_timer_active(host: Any) -> None:
    timer = host.service(f"{SERVICE}-traffic.timer")
    assert timer.is_running
    assert timer.is_enabled


def test_virtualenv_from_wheelhouse_with_pinned_packages(host: Any) -> None:
    freeze = host.check_output(f"/opt/{SERVICE}/venv/bin/python -m pip freeze --disable-pip-version-check")
    pinned = {line.lower() for line in freeze.splitlines()}
    assert {"flask==3.1.3", "ddtrace==4.13.2", "gunicorn==23.0.0"} <= pinned
    assert host.file(f"/opt/{SERVICE}/wheelhouse").is_directory
    app = host.file(f"/opt/{SERVICE}/app/app.py")
    assert app.user == "root"
    # ddtrace-run only: the app neither imports ddtrace nor adds its middleware (the role's check).
    assert "import ddtrace" not in app.content_string
    assert not re.search(r"TraceMiddleware|patch_all\(|ddtrace\.auto|ddtrace\.contrib", app.content_string)
