"""End to end: the whole exercise on one host and in the (emulated) Datadog org."""

from __future__ import annotations

import datetime
import json
import os
import re
import time
import urllib.request
from typing import Any

import pytest
from dateutil.rrule import rrulestr

API = os.environ.get("DDX_LAB_API_URL", "http://127.0.0.1:8901")
INVENTORY_NAME = "site-debian12"  # molecule.yml platform `name`
VM_HOSTNAME = "lab-vm-01"  # molecule.yml platform `hostname`: what the Agent reports
KEYS = {"DD-API-KEY": "lab-api-key", "DD-APPLICATION-KEY": "lab-app-key"}


def api(path: str) -> Any:
    req = urllib.request.Request(API + path, headers=KEYS)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


# ---- host side ------------------------------------------------------------------------------


def test_agent_running_with_apm_and_logs(host):
    assert host.service("datadog-agent").is_running
    assert host.service("datadog-agent-trace").is_running
    cfg = host.file("/etc/datadog-agent/datadog.yaml")
    assert cfg.user == "dd-agent"
    assert cfg.mode == 0o640
    content = cfg.content_string
    assert "logs_enabled: true" in content
    assert "env:lab" in content


def test_agent_reports_the_vm_hostname_not_the_inventory_name(host):
    assert host.check_output("hostname") == VM_HOSTNAME
    assert host.check_output("datadog-agent hostname") == VM_HOSTNAME
    assert host.check_output("datadog-agent hostname --local") == VM_HOSTNAME
    # what the Agent sends is scoped on that name: the my_metric samples in the lab's intake
    intake = host.file("/var/log/datadog/lab-intake.jsonl").content_string.splitlines()
    samples = [json.loads(line)["payload"] for line in intake]
    hosts = {p["host"] for p in samples if p.get("metric") == "my_metric"}
    assert hosts == {VM_HOSTNAME}


def test_database_integration_configured(host):
    conf = host.file("/etc/datadog-agent/conf.d/postgres.d/conf.yaml")
    assert conf.exists
    assert conf.mode == 0o640
    assert conf.user == "dd-agent"
    assert host.service("postgresql").is_running


def test_custom_check_collects_my_metric(host):
    out = host.check_output("datadog-agent check my_metric --json")
    data = json.loads(out[out.index("[") :])
    metrics = [m for run in data for m in run["aggregator"]["metrics"] if m["metric"] == "my_metric"]
    assert len(metrics) == 1
    value = metrics[0]["points"][0][1]
    assert 0 <= value <= 1000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", "Entrypoint to the Application"),
        ("/api/apm", "Getting APM Started"),
        ("/api/trace", "Posting Traces"),
    ],
)
def test_app_routes_answer(host, path, body):
    out = host.check_output(f"curl -fsS http://127.0.0.1:5050{path}")
    assert body in out


def test_traces_reach_the_agent(host):
    host.check_output("curl -fsS http://127.0.0.1:5050/api/apm")
    resources: set[str] = set()
    for _ in range(20):
        traces = json.loads(host.check_output("curl -fsS http://127.0.0.1:8126/test/traces"))
        resources = {s.get("resource") for t in traces for s in t}
        if "GET /api/apm" in resources:
            break
        time.sleep(1)
    assert "GET /api/apm" in resources


# ---- Datadog side (the emulator) ------------------------------------------------------------


def _dashboard(title: str) -> dict[str, Any]:
    found = [d for d in api("/api/v1/dashboard")["dashboards"] if d["title"] == title]
    assert len(found) == 1, title
    return api(f"/api/v1/dashboard/{found[0]['id']}")


@pytest.mark.parametrize("title", ["Datadog exercise timeboard", "APM and infrastructure"])
def test_dashboards_scope_on_the_reported_hostname(title):
    board = _dashboard(title)
    host_vars = [v for v in board["template_variables"] if v["prefix"] == "host"]
    assert host_vars, board["template_variables"]
    for var in host_vars:
        assert var["defaults"] == [VM_HOSTNAME], var
    assert INVENTORY_NAME not in json.dumps(board)


def test_timeboard_queries():
    board = _dashboard("Datadog exercise timeboard")
    queries = [r["q"] for w in board["widgets"] for r in w["definition"]["requests"]]
    assert "avg:my_metric{$host}" in queries
    assert "anomalies(avg:postgresql.rows_fetched{$host}, 'basic', 2)" in queries
    assert "avg:my_metric{$host}.rollup(sum, 3600)" in queries
    assert board["template_variables"][0]["name"] == "host"
    assert board["template_variables"][0]["defaults"] == [VM_HOSTNAME]


def test_apm_dashboard_has_apm_and_infrastructure():
    board = _dashboard("APM and infrastructure")
    queries = " ".join(r["q"] for w in board["widgets"] for r in w["definition"]["requests"])
    assert "trace.flask.request.hits{service:flask-exercise}" in queries
    assert "system.cpu.user" in queries
    assert "system.mem.used" in queries


def _monitor() -> dict[str, Any]:
    found = [m for m in api("/api/v1/monitor?name=my_metric") if m["name"] == "my_metric is high"]
    assert len(found) == 1
    return found[0]


def test_monitor_thresholds_and_messages():
    mon = _monitor()
    assert mon["type"] == "query alert"  # Datadog rewrites "metric alert" to "query alert"
    assert mon["query"] == "avg(last_5m):avg:my_metric{*} by {host} > 800"
    opts = mon["options"]
    assert opts["thresholds"] == {"critical": 800.0, "warning": 500.0} or opts["thresholds"] == {
        "critical": 800,
        "warning": 500,
    }
    assert opts["notify_no_data"] is True
    assert opts["no_data_timeframe"] == 10
    for block in ("{{#is_alert}}", "{{#is_warning}}", "{{#is_no_data}}", "{{value}}", "{{host.ip}}"):
        assert block in mon["message"], block
    assert "@you@example.com" in mon["message"]


def _duration(text: str) -> datetime.timedelta:
    found = re.fullmatch(r"(\d+)([mhdw])", text)  # Datadog's duration strings: 30m, 14h, 1d, 1w
    assert found, text
    unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[found.group(2)]
    return datetime.timedelta(**{unit: int(found.group(1))})


def _office_hours_errors(recurrences: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Expand Datadog recurrences (rrule, start, duration; wall clock) and sample two weeks every
    15 minutes (at :07, :22, ... away from the edges): return each sample silenced in office hours
    (Mon-Fri 09:00-19:00) or not silenced outside them."""
    firsts = [datetime.datetime.fromisoformat(rec["start"]) for rec in recurrences]
    monday = max(firsts) + datetime.timedelta(days=14 - max(firsts).weekday())
    monday = monday.replace(hour=0, minute=7, second=0, microsecond=0)
    until = monday + datetime.timedelta(days=15)
    windows = [
        (occ, occ + _duration(rec["duration"]))
        for rec, first in zip(recurrences, firsts, strict=True)
        for occ in rrulestr(rec["rrule"], dtstart=first).between(first, until, inc=True)
    ]
    wrong = []
    for step in range(14 * 24 * 4):
        t = monday + datetime.timedelta(minutes=15 * step)
        office = t.weekday() < 5 and 9 <= t.hour < 19
        if any(a <= t < b for a, b in windows) == office:
            wrong.append((t.isoformat(), "office hour silenced" if office else "off-hour not silenced"))
    return wrong


def test_downtimes_cover_every_off_hour_and_no_office_hour():
    """The downtimes as stored by the (emulated) API, expanded: every sampled minute outside
    Mon-Fri 09:00-19:00 (Europe/Paris wall clock) is silenced, none inside. DST is the unit tests'."""
    mon_id = _monitor()["id"]
    downtimes = [d for d in api("/api/v2/downtime")["data"] if d["attributes"]["status"] != "canceled"]
    assert downtimes
    recurrences = []
    for d in downtimes:
        attrs = d["attributes"]
        assert attrs["monitor_identifier"] == {"monitor_id": mon_id}
        assert "@you@example.com" in attrs["message"]
        sched = attrs["schedule"]
        assert sched["timezone"] == "Europe/Paris"
        recurrences += sched["recurrences"]
    wrong = _office_hours_errors(recurrences)
    assert not wrong, wrong[:10]


def test_snapshot_event_mentions_the_email():
    events = api(f"/api/v1/events?start=0&end={int(time.time()) + 60}")["events"]
    snaps = [
        e for e in events if "snapshot" in (e.get("text") or "").lower() or "snapshot" in e["title"].lower()
    ]
    assert snaps, events
    assert any("@you@example.com" in e["text"] for e in snaps)


def test_snapshot_is_scoped_on_the_reported_hostname():
    events = api(f"/api/v1/events?start=0&end={int(time.time()) + 60}")["events"]
    snaps = [e for e in events if "snapshot" in json.dumps(e).lower()]
    assert snaps, events
    for event in snaps:
        assert INVENTORY_NAME not in json.dumps(event), event
