"""Export an org, apply the export: nothing changes (issue 17, part 2).

50 objects are created OUT OF BAND through the lab emulator's API with the official
``datadog-api-client`` (as the UI or another tool would: options set in the UI, server
defaults left to the server, downtimes with and without the module's name line, free and
ordered dashboards, recurring and one-time downtimes). The three ``*_info`` modules export
them; the export is written to YAML and read back (the content format); then every item is
applied with the single modules. Every run must report ``changed=false`` and the emulator
must see 0 writes. The modules run in-process (``AnsibleModule`` with patched arguments, as
Ansible's own module tests do): the argument spec, type conversion and the module code are the
real ones, without a process start per object.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from ansible.module_utils import _internal as module_internal
from ansible.module_utils.testing import patch_module_args
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v2.api.downtimes_api import DowntimesApi

MODULES = "ansible_collections.datadog_exercise.stack.plugins.modules"
ROLE = "00000000-0000-1111-0000-000000000001"


def run_module(emu: Any, name: str, args: dict[str, Any], check: bool = False) -> dict[str, Any]:
    """Run module ``name`` in-process with ``args`` (plus the emulator's connection); its result."""
    module = importlib.import_module(f"{MODULES}.{name}")
    full = {
        "api_url": emu.url,
        "api_key": emu.api_key,
        "app_key": emu.app_key,
        "retries": 0,
        **args,
        "_ansible_check_mode": check,
    }
    out = io.StringIO()
    # As on a managed host: once a test has imported controller code (the inventory/templating
    # tests do), module warnings would go to the controller's display instead of the result.
    with (
        patch_module_args(full),
        mock.patch.object(module_internal, "is_controller", False),
        contextlib.redirect_stdout(out),
        pytest.raises(SystemExit),
    ):
        module.main()
    return json.loads(out.getvalue())


def warning_texts(result: dict[str, Any]) -> list[str]:
    """The result's warnings as text (ansible-core 2.19 returns them as structured events)."""
    out = []
    for warning in result.get("warnings") or []:
        out.append(warning if isinstance(warning, str) else str((warning.get("event") or {}).get("msg")))
    return out


@pytest.fixture
def api(dd_client_config: Configuration) -> Iterator[ApiClient]:
    with ApiClient(dd_client_config) as client:
        yield client


# --- the org, created out of band ----------------------------------------------------------------

THRESHOLD_QUERY = "avg(last_5m):avg:system.cpu.user{{env:{env}}} by {{host}} > 90"


def make_monitors(monitors: MonitorsApi) -> list[dict[str, Any]]:
    """20 monitors of several types, with options as the UI sets them (not all the module knows)."""
    bodies: list[dict[str, Any]] = [
        {
            "name": "cpu high (thresholds, no data)",
            "type": "metric alert",
            "query": THRESHOLD_QUERY.format(env="prod"),
            "message": "{{#is_alert}}CPU high{{/is_alert}} @ops@example.com\n",
            "tags": ["team:ops", "env:prod"],
            "priority": 2,
            "options": {
                "thresholds": {
                    "critical": 90,
                    "warning": 80,
                    "critical_recovery": 85,
                    "warning_recovery": 75,
                },
                "notify_no_data": True,
                "no_data_timeframe": 10,
            },
        },
        {
            "name": "cpu high (renotify)",
            "type": "metric alert",
            "query": THRESHOLD_QUERY.format(env="staging"),
            "message": "renotify",
            "options": {
                "thresholds": {"critical": 90},
                "renotify_interval": 60,
                "renotify_occurrences": 3,
                "renotify_statuses": ["alert", "no data"],
                "escalation_message": "still high",
            },
        },
        {
            "name": "cpu high (UI options)",
            "type": "metric alert",
            "query": THRESHOLD_QUERY.format(env="dev"),
            "options": {
                "thresholds": {"critical": 90},
                "new_group_delay": 120,
                "new_host_delay": 600,
                "evaluation_delay": 300,
                "notify_by": ["host"],
                "include_tags": False,
                "notify_audit": True,
                "require_full_window": True,
                "timeout_h": 12,
                "group_retention_duration": "2d",
                "notification_preset_name": "hide_handles",
                "scheduling_options": {"evaluation_window": {"day_starts": "04:00"}},
            },
        },
        {
            "name": "cpu high (draft, restricted)",
            "type": "query alert",
            "query": "avg(last_10m):avg:system.load.1{*} > 4",
            "restricted_roles": [ROLE],
            "draft_status": "draft",
            "options": {"thresholds": {"critical": 4}},
        },
        {
            "name": "errors in logs",
            "type": "log alert",
            "query": 'logs("service:web status:error").index("*").rollup("count").by("host").last("5m") > 10',
            "message": "errors @ops@example.com",
            "tags": ["team:web"],
            "options": {"thresholds": {"critical": 10}, "on_missing_data": "show_and_notify_no_data"},
        },
        {
            "name": "agent up",
            "type": "service check",
            "query": '"datadog.agent.up".over("*").by("host").last(2).count_by_status()',
            "tags": ["team:ops"],
            "options": {"thresholds": {"critical": 1, "warning": 1, "ok": 1}, "notify_no_data": True},
        },
        {
            "name": "cpu anomaly",
            "type": "query alert",
            "query": "avg(last_4h):anomalies(avg:system.cpu.user{*}, 'basic', 2) >= 1",
            "options": {
                "thresholds": {"critical": 1, "critical_recovery": 0},
                "threshold_windows": {"trigger_window": "last_15m", "recovery_window": "last_15m"},
            },
        },
    ]
    for index in range(12):  # plain ones, as a team would have dozens
        bodies.append(
            {
                "name": f"disk usage {index:02d}",
                "type": "metric alert",
                "query": f"max(last_5m):max:system.disk.in_use{{device:sd{index}}} by {{host}} > 0.9",
                "message": f"disk {index} @team-{index % 3}@example.com",
                "tags": [f"team:t{index % 3}", "kind:disk"],
                "priority": index % 5 + 1 if index % 2 else None,
                "options": {"thresholds": {"critical": 0.9, "warning": 0.8}} if index % 3 else {},
            }
        )
    created = [monitors.create_monitor(body={k: v for k, v in b.items() if v is not None}) for b in bodies]
    composite = monitors.create_monitor(
        body={
            "name": "cpu and disk",
            "type": "composite",
            "query": f"{created[0]['id']} && {created[7]['id']}",
            "message": "both",
        }
    )
    return [c.to_dict() for c in [*created, composite]]


def widget(kind: str, index: int) -> dict[str, Any]:
    if kind == "note":
        return {"definition": {"type": "note", "content": f"note {index}", "background_color": "yellow"}}
    if kind == "query_value":
        return {
            "definition": {
                "type": "query_value",
                "title": f"value {index}",
                "requests": [{"q": f"avg:my_metric{{host:web-{index}}}", "aggregator": "avg"}],
                "precision": 2,
            }
        }
    return {
        "definition": {
            "type": "timeseries",
            "title": f"series {index}",
            "requests": [{"q": f"avg:my_metric{{host:web-{index}}}", "display_type": "line"}],
        }
    }


def make_dashboards(dashboards: DashboardsApi) -> list[dict[str, Any]]:
    """10 dashboards: ordered and free, template variables, presets, group widgets, tags."""
    bodies: list[dict[str, Any]] = [
        {
            "title": "Exercise timeboard",
            "description": "my_metric over time",
            "layout_type": "ordered",
            "reflow_type": "fixed",
            "widgets": [
                {**widget("timeseries", 1), "layout": {"x": 0, "y": 0, "width": 4, "height": 2}},
                {**widget("query_value", 2), "layout": {"x": 4, "y": 0, "width": 2, "height": 2}},
            ],
            "template_variables": [{"name": "host", "prefix": "host", "defaults": ["web-1"]}],
            "template_variable_presets": [
                {"name": "web", "template_variables": [{"name": "host", "values": ["web-1"]}]}
            ],
            "notify_list": ["ops@example.com"],
            "tags": ["team:ops"],
        },
        {
            "title": "Screenboard",
            "layout_type": "free",
            "widgets": [
                {**widget("note", 1), "layout": {"x": 0, "y": 0, "width": 20, "height": 10}},
                {**widget("timeseries", 2), "layout": {"x": 20, "y": 0, "width": 40, "height": 20}},
            ],
        },
        {
            "title": "Grouped",
            "layout_type": "ordered",
            "widgets": [
                {
                    "definition": {
                        "type": "group",
                        "layout_type": "ordered",
                        "title": "group",
                        "widgets": [widget("note", 3), widget("timeseries", 4)],
                    }
                }
            ],
            "restricted_roles": [ROLE],
        },
    ]
    for index in range(7):
        bodies.append(
            {
                "title": f"Team board {index}",
                "layout_type": "ordered",
                "widgets": [
                    widget(kind, index) for kind in ("timeseries", "query_value", "note")[: index % 3 + 1]
                ],
                **({"tags": [f"team:t{index % 3}"]} if index % 2 else {}),
            }
        )
    return [dashboards.create_dashboard(body=b).to_dict() for b in bodies]


def make_downtimes(downtimes: DowntimesApi, monitors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """20 live downtimes (14 named by the module's marker, 6 unnamed) plus 1 cancelled and 1 ended."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def at(hours: float) -> str:
        return (now + datetime.timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    def named(message: str, name: str) -> str:
        return f"{message}\n\n[ansible-name: {name}]" if message else f"[ansible-name: {name}]"

    ids = [m["id"] for m in monitors]
    paris = {"timezone": "Europe/Paris"}
    specs: list[dict[str, Any]] = [
        {
            "message": named("Out of office @ops@example.com", "weekday-nights"),
            "monitor_identifier": {"monitor_id": ids[0]},
            "display_timezone": "Europe/Paris",
            "schedule": {
                **paris,
                "recurrences": [
                    {
                        "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                        "start": "2025-01-06T19:00",
                        "duration": "14h",
                    }
                ],
            },
        },
        {
            "message": named("", "weekends"),
            "monitor_identifier": {"monitor_id": ids[0]},
            "display_timezone": "Europe/Paris",
            "schedule": {
                **paris,
                "recurrences": [
                    {"rrule": "FREQ=WEEKLY;BYDAY=SA,SU", "start": "2025-01-04T00:00", "duration": "1d"}
                ],
            },
        },
        {
            "message": named("monthly", "monthly-maintenance"),
            "monitor_identifier": {"monitor_tags": ["team:ops", "env:prod"]},
            "scope": "env:prod",
            "schedule": {
                "recurrences": [
                    {"rrule": "FREQ=MONTHLY;BYMONTHDAY=1", "start": "2025-02-01T02:00", "duration": "2h"}
                ]
            },
        },
        {
            "message": named("", "leap-day"),
            "monitor_identifier": {"monitor_tags": ["*"]},
            "schedule": {
                "recurrences": [
                    {
                        "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
                        "start": "2024-02-29T00:00",
                        "duration": "1d",
                    }
                ]
            },
            "notify_end_states": ["alert"],
            "notify_end_types": ["canceled"],
        },
        {
            "message": named("every other day", "every-other-day"),
            "monitor_identifier": {"monitor_id": ids[2]},
            "scope": "env:(prod OR staging) AND team:ops",
            "mute_first_recovery_notification": True,
            "schedule": {
                "recurrences": [
                    {"rrule": "FREQ=DAILY;INTERVAL=2", "start": "2025-03-01T01:30", "duration": "90m"}
                ]
            },
        },
        {
            "message": named("until 2035", "until-2035"),
            "monitor_identifier": {"monitor_id": ids[3]},
            "display_timezone": "America/New_York",
            "schedule": {
                "timezone": "America/New_York",
                "recurrences": [
                    {
                        "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20350101T000000Z",
                        "start": "2025-01-07T22:00",
                        "duration": "3h",
                    },
                    {"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "2025-01-09T22:00", "duration": "1h"},
                ],
            },
        },
        {
            "message": named("one-time, future", "db-upgrade"),
            "monitor_identifier": {"monitor_tags": ["*"]},
            "scope": "host:db-1",
            "display_timezone": "Europe/Paris",
            "schedule": {"start": at(48), "end": at(52)},
        },
        {
            "message": named("running now", "running"),
            "monitor_identifier": {"monitor_id": ids[4]},
            "schedule": {"start": at(-1), "end": at(5)},
        },
        {
            "message": named("open ended", "open-ended"),
            "monitor_identifier": {"monitor_id": ids[5]},
            "notify_end_states": ["alert", "warn"],
        },
        {
            "message": named("count", "ten-times"),
            "monitor_identifier": {"monitor_id": ids[6]},
            "schedule": {
                "recurrences": [
                    {"rrule": "FREQ=WEEKLY;COUNT=1000", "start": "2025-01-01T00:00", "duration": "1h"}
                ]
            },
        },
    ]
    for index in range(4):
        specs.append(
            {
                "message": named(f"team {index}", f"team-{index}-nights"),
                "monitor_identifier": {"monitor_tags": [f"team:t{index % 3}"]},
                "schedule": {
                    "recurrences": [
                        {
                            "rrule": f"FREQ=WEEKLY;BYDAY={'MO,WE' if index % 2 else 'FR'}",
                            "start": "2025-01-03T20:00",
                            "duration": "10h",
                        }
                    ]
                },
            }
        )
    for index in range(6):  # made in the UI: no name line
        specs.append(
            {
                "message": f"UI downtime {index}" if index % 2 else None,
                "monitor_identifier": {"monitor_id": ids[8 + index]},
                "scope": f"host:web-{index}",
                **({"schedule": {"start": at(-2), "end": at(24 + index)}} if index % 2 else {}),
            }
        )
    created = []
    for spec in specs:
        attrs = {"scope": "*", **{k: v for k, v in spec.items() if v is not None}}
        body = {"data": {"type": "downtime", "attributes": attrs}}
        created.append(downtimes.create_downtime(body=body).to_dict()["data"])
    # History that must not be exported: one cancelled, one ended.
    gone = downtimes.create_downtime(
        body={
            "data": {
                "type": "downtime",
                "attributes": {
                    "scope": "*",
                    "monitor_identifier": {"monitor_tags": ["*"]},
                    "message": "[ansible-name: cancelled]",
                },
            }
        }
    )
    downtimes.cancel_downtime(gone.to_dict()["data"]["id"])
    downtimes.create_downtime(
        body={
            "data": {
                "type": "downtime",
                "attributes": {
                    "scope": "*",
                    "monitor_identifier": {"monitor_tags": ["*"]},
                    "message": "[ansible-name: ended]",
                    "schedule": {"start": at(-5), "end": at(-4)},
                },
            }
        }
    )
    return created


@pytest.fixture
def org(dd_emulator: Any, api: ApiClient) -> dict[str, list[dict[str, Any]]]:
    monitors = make_monitors(MonitorsApi(api))
    dashboards = make_dashboards(DashboardsApi(api))
    downtimes = make_downtimes(DowntimesApi(api), monitors)
    assert len(monitors) + len(dashboards) + len(downtimes) == 50
    return {"monitors": monitors, "dashboards": dashboards, "downtimes": downtimes}


def export_org(emu: Any, check: bool = False, **downtime_args: Any) -> dict[str, Any]:
    results = {
        "monitors": run_module(emu, "datadog_monitor_info", {}, check),
        "dashboards": run_module(emu, "datadog_dashboard_info", {}, check),
        "downtimes": run_module(emu, "datadog_downtime_info", downtime_args, check),
    }
    for result in results.values():
        assert not result.get("failed"), result
        assert result["changed"] is False
    return results


def as_yaml_content(results: dict[str, Any], tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    """Write the exports as the content files of docs/export.md and read them back."""
    content = {}
    for kind, result in results.items():
        path = tmp_path / f"{kind}.yml"
        path.write_text(yaml.safe_dump({kind: result["export"]}, default_flow_style=False, sort_keys=True))
        content[kind] = yaml.safe_load(path.read_text())[kind]
    return content


SINGLE = {"monitors": "datadog_monitor", "dashboards": "datadog_dashboard", "downtimes": "datadog_downtime"}


def apply_single(
    emu: Any, content: dict[str, list[dict[str, Any]]], check: bool = False
) -> list[dict[str, Any]]:
    results = []
    for kind, module in SINGLE.items():
        for item in content[kind]:
            result = run_module(emu, module, item, check)
            assert not result.get("failed"), (module, item, result)
            results.append({"module": module, "item": item, "result": result})
    return results


# --- the round trip -------------------------------------------------------------------------------


def test_export_then_apply_with_the_single_modules_changes_nothing(
    dd_emulator: Any, org: dict[str, Any], tmp_path: Path
) -> None:
    dd_emulator.reset_counts()
    results = export_org(dd_emulator, unnamed_downtimes="id")
    assert dd_emulator.writes() == 0
    assert results["monitors"]["count"] == 20
    assert results["dashboards"]["count"] == 10
    assert results["downtimes"]["count"] == 20  # live only: the cancelled and the ended are left out
    content = as_yaml_content(results, tmp_path)
    assert sum(len(v) for v in content.values()) == 50

    dd_emulator.reset_counts()
    applied = apply_single(dd_emulator, content)
    changed = [(a["module"], a["item"], a["result"].get("diff")) for a in applied if a["result"]["changed"]]
    assert changed == []
    assert len(applied) == 50
    assert dd_emulator.writes() == 0, dd_emulator.counts()


def test_export_form_has_module_options_only(dd_emulator: Any, org: dict[str, Any]) -> None:
    results = export_org(dd_emulator, unnamed_downtimes="id")
    monitors = {m["name"]: m for m in results["monitors"]["export"]}
    ui = monitors["cpu high (UI options)"]
    # Known options under options, the others (set in the UI) under extra_options; defaults out.
    assert ui["options"] == {
        "evaluation_delay": 300,
        "include_tags": False,
        "new_group_delay": 120,
        "new_host_delay": 600,
        "notify_audit": True,
        "notify_by": ["host"],
        "require_full_window": True,
        "thresholds": {"critical": 90},
        "timeout_h": 12,
    }
    assert ui["extra_options"] == {
        "group_retention_duration": "2d",
        "notification_preset_name": "hide_handles",
        "scheduling_options": {"evaluation_window": {"day_starts": "04:00"}},
    }
    plain = monitors["disk usage 00"]
    assert set(plain) == {"name", "type", "query", "notification_message", "tags"}
    draft = monitors["cpu high (draft, restricted)"]
    assert draft["draft_status"] == "draft" and draft["restricted_roles"] == [ROLE]

    boards = {d["title"]: d for d in results["dashboards"]["export"]}
    assert boards["Exercise timeboard"]["reflow_type"] == "fixed"
    assert "reflow_type" not in boards["Screenboard"]
    assert all("id" not in w for d in boards.values() for w in d["widgets"])
    inner = boards["Grouped"]["widgets"][0]["definition"]["widgets"]
    assert all("id" not in w for w in inner)
    for board in boards.values():
        assert set(board) <= {
            "title", "description", "layout_type", "reflow_type", "widgets", "template_variables",
            "template_variable_presets", "notify_list", "tags", "restricted_roles",
        }  # fmt: skip

    downtimes = {d.get("name") or d["id"]: d for d in results["downtimes"]["export"]}
    assert downtimes["weekday-nights"] == {
        "name": "weekday-nights",
        "monitor_id": org["monitors"][0]["id"],
        "downtime_message": "Out of office @ops@example.com",
        "timezone": "Europe/Paris",
        "recurrences": [
            {"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "start": "2025-01-06T19:00", "duration": "14h"}
        ],
        "notify_end_types": ["expired"],  # Datadog's default differs from the module's
    }
    assert downtimes["db-upgrade"]["timezone"] == "Europe/Paris"
    assert downtimes["db-upgrade"]["start"].endswith("Z") and downtimes["db-upgrade"]["end"].endswith("Z")
    assert "cancelled" not in downtimes and "ended" not in downtimes
    unnamed = [d for d in results["downtimes"]["export"] if "name" not in d]
    assert len(unnamed) == 6 and all(d["id"] for d in unnamed)


def test_check_mode_returns_the_same(dd_emulator: Any, org: dict[str, Any]) -> None:
    normal = export_org(dd_emulator)
    dd_emulator.reset_counts()
    checked = export_org(dd_emulator, check=True)
    assert dd_emulator.writes() == 0
    for kind in normal:
        assert checked[kind]["export"] == normal[kind]["export"]
        assert checked[kind]["count"] == normal[kind]["count"]


def test_unnamed_downtimes_adopted_once_then_no_op(
    dd_emulator: Any, org: dict[str, Any], tmp_path: Path
) -> None:
    results = export_org(dd_emulator)  # unnamed_downtimes=adopt (default)
    adopted = [d for d in results["downtimes"]["export"] if "id" in d]
    assert len(adopted) == 6
    assert all(d["name"] == f"downtime-{d['id']}" for d in adopted)
    assert any("downtime-<id>" in w for w in warning_texts(results["downtimes"]))
    content = as_yaml_content(results, tmp_path)

    dd_emulator.reset_counts()
    first = apply_single(dd_emulator, content)
    changed = [a["item"]["name"] for a in first if a["result"]["changed"]]
    assert sorted(changed) == sorted(d["name"] for d in adopted)
    assert dd_emulator.counts().get("PATCH /api/v2/downtime/{downtime_id}") == 6
    assert dd_emulator.writes() == 6

    # From now on they are managed by name: a new export has no id and applies as a no-op.
    again = export_org(dd_emulator)
    assert all("id" not in d for d in again["downtimes"]["export"])
    dd_emulator.reset_counts()
    second = apply_single(dd_emulator, as_yaml_content(again, tmp_path))
    assert [a for a in second if a["result"]["changed"]] == []
    assert dd_emulator.writes() == 0


def test_skip_and_monitor_by_name(dd_emulator: Any, org: dict[str, Any]) -> None:
    result = run_module(
        dd_emulator, "datadog_downtime_info", {"unnamed_downtimes": "skip", "monitor_reference": "name"}
    )
    export = result["export"]
    assert len(export) == 14 and all(d.get("name") for d in export)
    assert any("left out of the export" in w for w in warning_texts(result))
    nights = next(d for d in export if d["name"] == "weekday-nights")
    assert nights["monitor"] == org["monitors"][0]["name"] and "monitor_id" not in nights


def test_export_then_apply_with_datadog_resources_in_one_task_changes_nothing(
    dd_emulator: Any, org: dict[str, Any], tmp_path: Path
) -> None:
    # Monitors named by name in the downtimes: the portable form datadog_resources resolves itself.
    results = export_org(dd_emulator, unnamed_downtimes="id", monitor_reference="name")
    content = as_yaml_content(results, tmp_path)
    assert sum(1 for d in content["downtimes"] if "monitor" in d) == 13

    dd_emulator.reset_counts()
    planned = run_module(dd_emulator, "datadog_resources", content, check=True)
    assert not planned.get("failed"), planned.get("msg")
    assert planned["changed"] is False
    assert planned["summary"] == {"create": 0, "update": 0, "delete": 0, "unchanged": 50}

    applied = run_module(dd_emulator, "datadog_resources", content)
    assert not applied.get("failed"), applied.get("msg")
    assert applied["changed"] is False, [r for r in applied["resources"] if r["action"] != "unchanged"]
    assert applied["summary"]["unchanged"] == 50
    assert dd_emulator.writes() == 0, dd_emulator.counts()
