"""Bad-input catalogue: invalid inputs to the modules and the roles fail early and say which field.

Modules: one generated playbook (one task per case, ``ignore_errors``) runs through the real
``ansible-playbook`` against a fresh in-process emulator; each case must fail with a message
naming the field, and the org must be unchanged with **no write request at all** (the emulator
counts every request, refused ones included).

Roles: each role's ``validate`` entry (``include_role: tasks_from: validate``, the first task
file of the role) runs on localhost; each case must fail in that step with a message naming the
variable. The validate step only reads (facts, stat, getent), and every case's recap must show
``changed=0``: nothing on the host is touched.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from reliability_helpers import admin, run_playbook, state, task_results

M = "datadog_exercise.stack."
ROLES = Path(__file__).resolve().parents[2] / "roles"


def validate_role_tasks(role: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """What a role checks before it writes anything: its argument spec (which Ansible validates
    with the role's defaults when the role starts) and then its validate tasks (the rules a spec
    cannot express)."""
    spec_file = ROLES / role / "meta" / "argument_specs.yml"
    spec = (
        f"{{{{ (lookup('ansible.builtin.file', '{spec_file}') | from_yaml).argument_specs.main.options }}}}"
    )
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())
    extra = {"vars": variables} if variables else {}
    return [
        {
            "name": f"Check the {role} role's argument spec",
            "ansible.builtin.validate_argument_spec": {"argument_spec": spec},
            "vars": {**defaults, **(variables or {})},
        },
        {
            "name": f"Run the {role} role's validate tasks",
            "ansible.builtin.include_role": {"name": f"{M}{role}", "tasks_from": "validate"},
            **extra,
        },
    ]


GOOD_QUERY = "avg(last_5m):avg:my_metric{*} > 800"
GOOD_RECURRENCE = {"days": ["mon"], "start_time": "19:00", "end_time": "09:00"}

# (case id, module, arguments, text the error message must contain)
MODULE_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("monitor-invalid-query", "datadog_monitor",
     {"name": "m1", "type": "metric alert", "query": "avg(last_5m):avg:my_metric{* > 800"}, "query"),
    ("monitor-warning-above-critical", "datadog_monitor",
     {"name": "m2", "type": "metric alert", "query": GOOD_QUERY,
      "options": {"thresholds": {"critical": 800, "warning": 900}}}, "warning"),
    ("monitor-critical-not-query-threshold", "datadog_monitor",
     {"name": "m3", "type": "metric alert", "query": GOOD_QUERY,
      "options": {"thresholds": {"critical": 700}}}, "threshold"),
    ("monitor-unknown-type", "datadog_monitor",
     {"name": "m4", "type": "metric alarm", "query": GOOD_QUERY}, "type"),
    ("monitor-priority-out-of-range", "datadog_monitor",
     {"name": "m5", "type": "metric alert", "query": GOOD_QUERY, "priority": 7}, "priority"),
    ("monitor-missing-query", "datadog_monitor",
     {"name": "m6", "type": "metric alert"}, "query"),
    ("monitor-unknown-option", "datadog_monitor",
     {"name": "m8", "type": "metric alert", "query": GOOD_QUERY,
      "options": {"notify_nobody": True}}, "notify_nobody"),
    # issue 14 items 11 and 14 (monitors): refused before any request, field named
    ("monitor-name-trailing-space", "datadog_monitor",
     {"name": "m13 ", "type": "metric alert", "query": GOOD_QUERY}, "name"),
    ("monitor-timeout-h-above-24", "datadog_monitor",
     {"name": "m14", "type": "metric alert", "query": GOOD_QUERY, "options": {"timeout_h": 48}},
     "options.timeout_h"),
    ("monitor-negative-evaluation-delay", "datadog_monitor",
     {"name": "m15", "type": "metric alert", "query": GOOD_QUERY, "options": {"evaluation_delay": -60}},
     "options.evaluation_delay"),
    ("monitor-zero-no-data-timeframe", "datadog_monitor",
     {"name": "m16", "type": "metric alert", "query": GOOD_QUERY,
      "options": {"notify_no_data": True, "no_data_timeframe": 0}}, "options.no_data_timeframe"),
    ("monitor-recovery-above-critical", "datadog_monitor",
     {"name": "m17", "type": "metric alert", "query": GOOD_QUERY,
      "options": {"thresholds": {"critical": 800, "critical_recovery": 850}}},
     "options.thresholds.critical_recovery"),
    ("monitor-bad-draft-status", "datadog_monitor",
     {"name": "m18", "type": "metric alert", "query": GOOD_QUERY, "draft_status": "hidden"}, "draft_status"),
    ("monitor-definition-unknown-field", "datadog_monitor",
     {"definition": {"name": "m19", "type": "metric alert", "query": GOOD_QUERY, "colour": "red"}},
     "definition.colour"),
    ("connection-unknown-site", "datadog_monitor",
     {"name": "m9", "type": "metric alert", "query": GOOD_QUERY, "site": "datadoghq.moon", "api_url": None},
     "site"),
    ("connection-missing-app-key", "datadog_monitor",
     {"name": "m10", "type": "metric alert", "query": GOOD_QUERY, "app_key": None}, "app_key"),
    ("connection-negative-retries", "datadog_monitor",
     {"name": "m11", "type": "metric alert", "query": GOOD_QUERY, "retries": -1}, "retries"),
    ("connection-zero-timeout", "datadog_monitor",
     {"name": "m12", "type": "metric alert", "query": GOOD_QUERY, "timeout": 0}, "timeout"),
    ("dashboard-unknown-widget-type", "datadog_dashboard",
     {"title": "d1", "layout_type": "ordered", "widgets": [{"definition": {"type": "hologram"}}]},
     "hologram"),
    ("dashboard-bad-layout", "datadog_dashboard",
     {"title": "d2", "layout_type": "grid", "widgets": []}, "layout_type"),
    ("dashboard-missing-title", "datadog_dashboard",
     {"layout_type": "ordered", "widgets": []}, "title"),
    ("dashboard-definition-not-a-mapping", "datadog_dashboard",
     {"definition": "[1, 2, 3]"}, "definition"),
    ("dashboard-duplicate-title", "datadog_dashboard",
     {"title": "twins", "layout_type": "ordered", "widgets": []}, "title"),
    # issue 14 items 9, 11 and 13 (dashboards): refused before any request, field named
    ("dashboard-title-leading-space", "datadog_dashboard",
     {"title": " d3", "layout_type": "ordered", "widgets": []}, "title"),
    ("dashboard-free-widget-without-layout", "datadog_dashboard",
     {"title": "d4", "layout_type": "free", "widgets": [{"definition": {"type": "note", "content": "x"}}]},
     "widgets[0].layout"),
    ("dashboard-empty-template-default", "datadog_dashboard",
     {"title": "d5", "layout_type": "ordered", "widgets": [],
      "template_variables": [{"name": "host", "prefix": "host", "defaults": [""]}]},
     "template_variables[0].defaults[0]"),
    ("dashboard-template-variable-without-name", "datadog_dashboard",
     {"title": "d6", "layout_type": "ordered", "widgets": [], "template_variables": [{"prefix": "host"}]},
     "template_variables[0].name"),
    ("dashboard-timeseries-without-requests", "datadog_dashboard",
     {"title": "d7", "layout_type": "ordered", "widgets": [{"definition": {"type": "timeseries"}}]},
     "widgets[0].definition.requests"),
    ("dashboard-query-value-two-requests", "datadog_dashboard",
     {"title": "d8", "layout_type": "ordered",
      "widgets": [{"definition": {"type": "query_value", "requests": [{"q": "a{*}"}, {"q": "b{*}"}]}}]},
     "widgets[0].definition.requests"),
    ("dashboard-bad-widget-in-group", "datadog_dashboard",
     {"title": "d9", "layout_type": "ordered",
      "widgets": [{"definition": {"type": "group", "layout_type": "ordered",
                                  "widgets": [{"definition": {"type": "timeseries"}}]}}]},
     "widgets[0].definition.widgets[0].definition.requests"),
    ("downtime-bad-rrule", "datadog_downtime",
     {"name": "t1", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=SOMETIMES", "duration": "1h"}]}, "rrule"),
    ("downtime-bad-timezone", "datadog_downtime",
     {"name": "t2", "monitor_tags": ["team:x"], "timezone": "Mars/Olympus_Mons",
      "recurrences": [GOOD_RECURRENCE]}, "timezone"),
    ("downtime-bad-duration", "datadog_downtime",
     {"name": "t3", "monitor_tags": ["team:x"],
      "recurrences": [{"days": ["mon"], "start_time": "19:00", "duration": "5 parsecs"}]}, "duration"),
    ("downtime-negative-duration", "datadog_downtime",
     {"name": "t4", "monitor_tags": ["team:x"],
      "recurrences": [{"days": ["mon"], "start_time": "19:00", "duration": "-2h"}]}, "duration"),
    ("downtime-unknown-day", "datadog_downtime",
     {"name": "t5", "monitor_tags": ["team:x"],
      "recurrences": [{"days": ["funday"], "start_time": "19:00", "end_time": "09:00"}]}, "days"),
    ("downtime-bad-start-time", "datadog_downtime",
     {"name": "t6", "monitor_tags": ["team:x"],
      "recurrences": [{"days": ["mon"], "start_time": "25:00", "end_time": "09:00"}]}, "start_time"),
    ("downtime-end-before-start", "datadog_downtime",
     {"name": "t7", "monitor_tags": ["team:x"], "start": "2030-01-02T10:00", "end": "2030-01-01T10:00"},
     "end"),
    ("downtime-bad-name", "datadog_downtime",
     {"name": "nights]", "monitor_tags": ["team:x"], "recurrences": [GOOD_RECURRENCE]}, "name"),
    ("downtime-days-and-rrule", "datadog_downtime",
     {"name": "t8", "monitor_tags": ["team:x"],
      "recurrences": [{"days": ["mon"], "rrule": "FREQ=DAILY", "duration": "1h"}]}, "rrule"),
    ("downtime-scope-without-key", "datadog_downtime",
     {"name": "t9", "monitor_tags": ["team:x"], "scope": "BAD_SCOPE_MISSING_KEY_VALUE_FORMAT",
      "recurrences": [GOOD_RECURRENCE]}, "scope"),
    ("downtime-unknown-rrule-part", "datadog_downtime",
     {"name": "t10", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=DAILY;SOMEDAY=1", "duration": "1h"}]}, "SOMEDAY"),
    ("downtime-one-time-end-in-past", "datadog_downtime",
     {"name": "t11", "monitor_tags": ["team:x"], "start": "2020-03-01T22:00", "end": "2020-03-02T02:00"},
     "end: 2020-03-02T02:00:00Z is in the past"),
    ("downtime-past-until", "datadog_downtime",
     {"name": "t12", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=DAILY;UNTIL=20200101T000000Z", "start": "2019-06-01T00:00",
                       "duration": "1h"}]}, "UNTIL"),
    ("downtime-bymonthday-32", "datadog_downtime",
     {"name": "t13", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=MONTHLY;BYMONTHDAY=32", "duration": "1h"}]}, "BYMONTHDAY"),
    ("downtime-dtstart-in-rrule", "datadog_downtime",
     {"name": "t14", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "DTSTART:20300101T000000Z\nRRULE:FREQ=DAILY", "duration": "1h"}]},
     "recurrences[0].rrule: DTSTART"),
    ("downtime-numbered-byday-weekly", "datadog_downtime",
     {"name": "t15", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=WEEKLY;BYDAY=1MO", "duration": "1h"}]}, "BYDAY"),
    ("downtime-zero-interval", "datadog_downtime",
     {"name": "t16", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=DAILY;INTERVAL=0", "duration": "1h"}]}, "INTERVAL"),
    ("downtime-until-not-utc", "datadog_downtime",
     {"name": "t17", "monitor_tags": ["team:x"],
      "recurrences": [{"rrule": "FREQ=DAILY;UNTIL=20990101T000000", "duration": "1h"}]}, "UNTIL"),
    ("downtime-display-timezone-differs", "datadog_downtime",
     {"name": "t18", "monitor_tags": ["team:x"], "timezone": "Europe/Paris", "display_timezone": "UTC",
      "recurrences": [GOOD_RECURRENCE]}, "display_timezone"),
    ("downtime-empty-monitor-tags", "datadog_downtime",
     {"name": "t19", "monitor_tags": [], "recurrences": [GOOD_RECURRENCE]}, "monitor_tags"),
    ("downtime-no-monitor-choice", "datadog_downtime",
     {"name": "t20", "recurrences": [GOOD_RECURRENCE]}, "monitor_id"),
]  # fmt: skip

# (case id, role, variables, text the error message must contain)
ROLE_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("agent-bad-host-tag", "agent", {"agent_host_tags": ["env:lab", "bad tag"]}, "agent_host_tags"),
    ("agent-tags-not-a-list", "agent", {"agent_host_tags": "env:lab"}, "agent_host_tags"),
    ("agent-unknown-site", "agent", {"datadog_site": "datadoghq.moon"}, "agent_site"),
    ("agent-missing-api-key", "agent", {"datadog_api_key": ""}, "agent_api_key"),
    ("agent-bad-apm-port", "agent", {"agent_apm_receiver_port": 70000}, "agent_apm_receiver_port"),
    ("agent-api-key-in-extra-config", "agent", {"agent_config_extra": {"api_key": "x"}}, "agent_config_extra"),  # noqa: E501
    ("database-wrong-engine", "database", {"database_engine": "oracle"}, "database_engine"),
    ("database-short-password", "database", {"database_datadog_password": "short"}, "database_datadog_password"),  # noqa: E501
    ("database-bad-port", "database", {"database_port": 0}, "database_port"),
    ("database-bad-user-name", "database", {"database_datadog_user": "data-dog"}, "database_datadog_user"),
    ("database-bad-tags", "database", {"database_tags": ["no colon"]}, "database_tags"),
    ("custom-check-negative-interval", "custom_check",
     {"custom_check_min_collection_interval": -45}, "custom_check_min_collection_interval"),
    ("custom-check-invalid-name", "custom_check",
     {"custom_check_checks": [{"name": "my-metric"}]}, "custom_check_checks[0].name"),
    ("custom-check-duplicate-names", "custom_check",
     {"custom_check_checks": [{"name": "my_metric"}, {"name": "my_metric"}]}, "each name may appear once"),
    ("custom-check-bad-layout", "custom_check", {"custom_check_conf_layout": "tree"}, "custom_check_conf_layout"),  # noqa: E501
    ("apm-app-bad-port", "apm_app", {"apm_app_port": 70000}, "apm_app_port"),
    ("apm-app-bad-bind-address", "apm_app", {"apm_app_bind_address": "everywhere"}, "apm_app_bind_address"),
    ("apm-app-bad-service-name", "apm_app", {"apm_app_service": "flask exercise!"}, "apm_app_service"),
]  # fmt: skip

# The failure's message; for a loop, the failed items' messages too.
RECORD = (
    "{{ ansible_failed_result.msg | default('') }} "
    "{{ ansible_failed_result.results | default([]) | selectattr('failed', 'defined') | selectattr('failed')"
    " | map(attribute='msg') | join(' ') }}"
)

CONNECTION = {"api_key": "lab-api-key", "app_key": "lab-app-key", "retries": 0, "timeout": 5}

ROLE_BASE_VARS = {
    "datadog_api_key": "lab-api-key",
    "datadog_app_key": "lab-app-key",
    "datadog_site": "datadoghq.com",
    "database_datadog_password": "lab-datadog-db-password",
    "database_app_password": "lab-app-db-password",
    "apm_app_agent_logs_enabled": False,
}


def post(url: str, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "DD-API-KEY": "lab-api-key",
            "DD-APPLICATION-KEY": "lab-app-key",
        },
    )
    with urllib.request.urlopen(request, timeout=10):  # loopback emulator
        pass


def test_catalogue_size() -> None:
    assert len(MODULE_CASES) + len(ROLE_CASES) >= 25
    assert len({c[0] for c in MODULE_CASES + ROLE_CASES}) == len(MODULE_CASES) + len(ROLE_CASES)


@pytest.fixture(scope="module")
def module_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run every module case in one playbook against one emulator; return results and counters."""
    from dd_emulator import Emulator  # noqa: PLC0415 - lab path from pytest's pythonpath

    with Emulator(api_key="lab-api-key", app_key="lab-app-key", host="127.0.0.1", port=0).start() as emu:
        # The duplicate-title case needs two dashboards with the same title in the org, made on
        # purpose (different content), not copies left by a race (those are settled, see Concurrency).
        for attempt in range(2):
            body = {
                "title": "twins",
                "description": f"copy {attempt}",
                "layout_type": "ordered",
                "widgets": [],
            }
            post(emu.url, "/api/v1/dashboard", body)
        before = state(emu.url)
        emu.reset_counts()
        tasks = []
        for case, module, args, _expected in MODULE_CASES:
            merged = {**CONNECTION, "api_url": emu.url, **args}
            merged = {k: v for k, v in merged.items() if v is not None}
            tasks.append({"name": case, M + module: merged, "ignore_errors": True})
        play = [{"name": "Feed bad input to the modules", "hosts": "localhost", "connection": "local",
                 "gather_facts": False, "tasks": tasks}]  # fmt: skip
        playbook = tmp_path_factory.mktemp("bad_module_input") / "play.yml"
        playbook.write_text(yaml.safe_dump(play, sort_keys=False))
        proc = run_playbook(playbook, json_output=True)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
        return {
            "results": task_results(proc.stdout),
            "output": proc.stdout + proc.stderr,
            "before": before,
            "after": state(emu.url),
            "counts": admin(emu.url, "counts"),
        }


@pytest.mark.parametrize(("case", "module", "args", "expect"), MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_module_bad_input(case: str, module: str, args: dict[str, Any], expect: str, module_results) -> None:
    result = module_results["results"][case]
    assert result.get("failed") is True, f"{case} did not fail: {result}"
    assert result.get("changed") is not True
    msg = str(result.get("msg"))
    assert expect.lower() in msg.lower(), f"{case}: message does not name {expect!r}: {msg}"
    # ansible-core 2.19 puts exception="(traceback unavailable)" in every fail_json: not a traceback.
    assert "Traceback (most recent call last)" not in json.dumps(result), f"{case}: traceback: {result}"


def test_module_bad_input_writes_nothing(module_results) -> None:
    counts = module_results["counts"]
    assert module_results["after"]["dashboards"] == module_results["before"]["dashboards"]
    for key in ("monitors", "downtimes", "deleted_dashboards", "events"):
        assert module_results["after"][key] == module_results["before"][key], key
    writes = {k: v for k, v in counts["counts"].items() if is_write(k)}
    assert writes == {}, f"a bad input reached a write endpoint: {counts['counts']}"
    assert "Traceback" not in module_results["output"]


def is_write(key: str) -> bool:
    method, _sep, path = key.partition(" ")
    return method in {"POST", "PUT", "PATCH", "DELETE"} and not path.endswith("/validate")


def test_dashboard_bad_widget_is_refused_before_any_write(module_results) -> None:
    assert "POST /api/v1/dashboard" not in module_results["counts"]["counts"]


@pytest.fixture(scope="module")
def role_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every role case as a block (include_role tasks_from: validate) with a rescue that records."""
    tasks = []
    for case, role, variables, _expected in ROLE_CASES:
        tasks.append(
            {
                "name": f"Try {case}",
                "block": [
                    *validate_role_tasks(role, variables),
                    {
                        "name": f"Passed {case}",
                        "ansible.builtin.set_fact": {f"passed_{case.replace('-', '_')}": True},
                    },
                ],
                "rescue": [
                    {
                        "name": f"Record {case}",
                        "ansible.builtin.debug": {"msg": RECORD},
                    }
                ],
            }
        )
    play = [{"name": "Feed bad input to the roles' validate step", "hosts": "localhost",
             "connection": "local", "gather_facts": True, "gather_subset": ["min"], "vars": ROLE_BASE_VARS,
             "tasks": tasks}]  # fmt: skip
    playbook = tmp_path_factory.mktemp("bad_role_input") / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    proc = run_playbook(playbook, json_output=True)
    data = json.loads(proc.stdout[proc.stdout.index("{") :])
    return {"results": task_results(proc.stdout), "stats": data["stats"], "output": proc.stdout + proc.stderr}


@pytest.mark.parametrize(("case", "role", "variables", "expect"), ROLE_CASES, ids=[c[0] for c in ROLE_CASES])
def test_role_bad_input(case: str, role: str, variables: dict[str, Any], expect: str, role_results) -> None:
    results = role_results["results"]
    assert f"Passed {case}" not in results, f"{case}: the validate step accepted the input"
    record = results.get(f"Record {case}")
    assert record is not None, f"{case}: no failure recorded"
    msg = str(record.get("msg"))
    assert expect.lower() in msg.lower(), f"{case}: message does not name {expect!r}: {msg}"


def test_role_bad_input_changes_nothing(role_results) -> None:
    stats = role_results["stats"]["localhost"]
    assert stats["changed"] == 0, stats
    assert stats["rescued"] == len(ROLE_CASES), stats
    assert "Traceback" not in role_results["output"]


def test_role_cases_pass_with_good_input(tmp_path: Path) -> None:
    """The baseline variables pass every role's validate step: the failures above are the inputs'."""
    tasks = [task for role in sorted({c[1] for c in ROLE_CASES}) for task in validate_role_tasks(role)]
    play = [{"name": "Validate good input", "hosts": "localhost", "connection": "local",
             "gather_facts": True, "gather_subset": ["min"], "vars": ROLE_BASE_VARS,
             "tasks": tasks}]  # fmt: skip
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    proc = run_playbook(playbook)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "failed=0" in proc.stdout and "changed=0" in proc.stdout, proc.stdout[-3000:]
