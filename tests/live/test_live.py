"""The live acceptance suite: the lab emulator in ``make test``, your org in ``make live-check``.

``test_suite_against_the_lab_emulator`` runs exactly what ``make live-check`` runs (livecheck.py),
with an emulator on loopback as the org, so the suite cannot rot. The emulator is seeded with
"foreign" objects named like the suite's own (the targets' default names, the site content's
names): the run must leave them as they were. ``test_live_org`` is the live run; it is skipped
unless ``make live-check`` asked for it.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import livesite
import pytest
from dd_emulator import Emulator
from livecheck import NAMESPACE, REPO, LiveCheck, LiveCheckError, Org, org_from_env, reachable
from livegateway import Keys, LiveGateway


def _call(url: str, keys: Keys, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
    headers = {
        "DD-API-KEY": keys.api_key,
        "DD-APPLICATION-KEY": keys.app_key,
        "Content-Type": "application/json",
    }
    try:
        conn.request(
            method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers
        )
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response.status, (json.loads(raw) if raw.strip() else None)


@pytest.fixture
def emulator_org() -> Iterator[tuple[Emulator, Org]]:
    """A lab emulator with random keys (the "real" keys of this org) and no other way in."""
    emulator = Emulator(
        api_key=f"emu-api-{secrets.token_hex(8)}", app_key=f"emu-app-{secrets.token_hex(8)}"
    ).start()
    try:
        yield (
            emulator,
            Org(url=emulator.url, api_key=emulator.api_key, app_key=emulator.app_key, label="lab emulator"),
        )
    finally:
        emulator.stop()


def _seed(emulator: Emulator) -> dict[str, Any]:
    """Foreign objects, named as the targets and the site content would name theirs without a prefix."""
    keys = Keys(emulator.api_key, emulator.app_key)
    ids: dict[str, Any] = {}
    for name in ("my_metric is high (integration)", "my_metric is high", "duplicate (integration)"):
        status, doc = _call(
            emulator.url,
            keys,
            "POST",
            "/api/v1/monitor",
            {
                "name": name,
                "type": "metric alert",
                "query": "avg(last_5m):avg:my_metric{*} > 800",
                "tags": ["team:other"],
            },
        )
        assert status == 200, doc
        ids[name] = doc["id"]
    for title in ("Exercise timeboard (integration)", "Datadog exercise timeboard"):
        status, doc = _call(
            emulator.url,
            keys,
            "POST",
            "/api/v1/dashboard",
            {"title": title, "layout_type": "ordered", "widgets": []},
        )
        assert status == 200, doc
        ids[title] = doc["id"]
    for name in ("weekday-nights", "weekends"):
        body = {
            "data": {
                "type": "downtime",
                "attributes": {
                    "scope": "*",
                    "message": f"someone else's\n\n[ansible-name: {name}]",
                    "monitor_identifier": {"monitor_id": ids["my_metric is high"]},
                },
            }
        }
        status, doc = _call(emulator.url, keys, "POST", "/api/v2/downtime", body)
        assert status in (200, 201), doc
        ids[name] = doc["data"]["id"]
    return ids


def _foreign_state(emulator: Emulator) -> dict[str, Any]:
    """The emulator's whole store, minus what the run created (named with the namespace)."""
    state = json.loads(json.dumps(emulator.store.snapshot(), default=str))
    kept: dict[str, Any] = {}
    for kind, objects in state.items():
        if isinstance(objects, dict):
            kept[kind] = {k: v for k, v in objects.items() if NAMESPACE not in json.dumps(v)}
        elif isinstance(objects, list):
            kept[kind] = [v for v in objects if NAMESPACE not in json.dumps(v)]
        elif not kind.startswith("next_"):  # id counters move with every creation
            kept[kind] = objects
    return kept


def test_suite_against_the_lab_emulator(emulator_org: tuple[Emulator, Org], tmp_path: Path) -> None:
    emulator, org = emulator_org
    _seed(emulator)
    before = _foreign_state(emulator)
    lines: list[str] = []
    check = LiveCheck(org, tmp_path / "run", pace=0.0, log=lines.append)
    report = check.run()
    summary = report.summary()
    print(summary)
    assert report.ok, summary
    # What the run made, and that it is gone: the org listed before == after (checked by the run),
    # and the emulator's own store agrees for every object that is not the run's.
    assert (
        report.created["monitors"] >= 5
        and report.created["dashboards"] >= 3
        and report.created["downtimes"] >= 5
    )
    assert report.gateway["refused"] == 0
    assert _foreign_state(emulator) == before
    listing = check.after  # the run's own listing after the cleanup (the gateway is stopped now)
    assert check.in_namespace(listing, NAMESPACE) == {"dashboards": {}, "monitors": {}, "downtimes": {}}
    assert sorted(o["name"] for o in listing["dashboards"].values()) == [
        "Datadog exercise timeboard",
        "Exercise timeboard (integration)",
    ]
    # The real keys were never given to Ansible; the run tokens it held were never printed (-vvv).
    joined = "\n".join(out for _name, out in check.outputs) + "\n".join(lines) + summary
    assert emulator.api_key not in joined and emulator.app_key not in joined
    assert any("-vvv" in name for name, _out in check.outputs)
    assert "<localhost> EXEC" in check.outputs[-1][1] or "ESTABLISH LOCAL CONNECTION" in check.outputs[-1][1]
    print(f"ddx-live against the lab emulator: {report.seconds:.1f} s")


def test_secret_scan_catches_a_leak(emulator_org: tuple[Emulator, Org], tmp_path: Path) -> None:
    _emulator, org = emulator_org
    check = LiveCheck(org, tmp_path, log=lambda _line: None)
    check.outputs = [
        ("site: apply", f"ok: [localhost] => {{'api_key': '{check.run_keys.api_key}'}}"),
        ("target x", f"... {org.app_key} ..."),
    ]
    check.scan_secrets()
    assert len(check.report.failures) == 2


def test_guard_refuses_writes_outside_the_namespace(emulator_org: tuple[Emulator, Org]) -> None:
    emulator, org = emulator_org
    ids = _seed(emulator)
    run = Keys("run-api", "run-app")
    gateway = LiveGateway(
        org.url,
        Keys(org.api_key, org.app_key),
        run,
        prefix="ddx-live-0000 ",
        run_tag="ddx-live:ddx-live-0000",
    ).start()
    try:
        monitor = {"type": "metric alert", "query": "avg(last_5m):avg:my_metric{*} > 800"}
        refused = [
            ("POST", "/api/v1/monitor", {"name": "unprefixed", **monitor}),
            ("PUT", f"/api/v1/monitor/{ids['my_metric is high']}", {"message": "hijacked"}),
            ("DELETE", f"/api/v1/monitor/{ids['my_metric is high']}", None),
            ("DELETE", f"/api/v1/dashboard/{ids['Datadog exercise timeboard']}", None),
            ("DELETE", f"/api/v2/downtime/{ids['weekends']}", None),
            (
                "DELETE",
                "/api/v1/dashboard",
                {"data": [{"id": ids["Datadog exercise timeboard"], "type": "dashboard"}]},
            ),
            ("POST", "/api/v1/downtime", {"scope": "*"}),
        ]
        for method, path, body in refused:
            status, doc = _call(gateway.url, run, method, path, body)
            assert status == 403 and "ddx-live guard" in doc["errors"][0], (method, path, doc)
        status, mine = _call(
            gateway.url, run, "POST", "/api/v1/monitor", {"name": "ddx-live-0000 mine", **monitor}
        )
        assert status == 200
        silence_all = {
            "data": {
                "type": "downtime",
                "attributes": {
                    "scope": "*",
                    "message": "[ansible-name: ddx-live-0000 all]",
                    "monitor_identifier": {"monitor_tags": ["*"]},
                },
            }
        }
        assert _call(gateway.url, run, "POST", "/api/v2/downtime", silence_all)[0] == 403
        assert (
            _call(gateway.url, run, "PUT", f"/api/v1/monitor/{mine['id']}", {"name": "renamed out"})[0] == 403
        )
        assert _call(gateway.url, run, "DELETE", f"/api/v1/monitor/{mine['id']}")[0] == 200
        # wrong keys are forwarded unchanged: the org answers 403 itself
        assert _call(gateway.url, Keys("wrong", "wrong"), "GET", "/api/v1/monitor")[0] == 403
        assert len(gateway.violations) == len(refused) + 2
        assert (
            emulator.writes() == 3 + 2 + 2 + 2
        )  # the seed (3 monitors, 2 dashboards, 2 downtimes) + mine + its delete
    finally:
        gateway.stop()
    status, doc = _call(
        emulator.url, Keys(org.api_key, org.app_key), "GET", f"/api/v1/monitor/{ids['my_metric is high']}"
    )
    assert status == 200 and doc["message"] == ""


def test_leftovers_stop_the_run_unless_cleaned(emulator_org: tuple[Emulator, Org], tmp_path: Path) -> None:
    emulator, org = emulator_org
    ids = _seed(emulator)
    keys = Keys(org.api_key, org.app_key)
    _call(
        emulator.url,
        keys,
        "POST",
        "/api/v1/dashboard",
        {"title": "ddx-live-0badc0de timeboard", "layout_type": "ordered", "widgets": []},
    )
    writes = emulator.writes()
    with pytest.raises(
        LiveCheckError, match=r"1 object\(s\) of the ddx-live-\* namespace.*--clean-leftovers"
    ):
        LiveCheck(org, tmp_path / "a", targets=(), site=False, log=lambda _l: None).run()
    assert emulator.writes() == writes  # refused before any write
    report = LiveCheck(
        org, tmp_path / "b", targets=(), site=False, clean_leftovers=True, log=lambda _l: None
    ).run()
    assert report.ok, report.summary()
    titles = {d["title"] for d in _call(emulator.url, keys, "GET", "/api/v1/dashboard")[1]["dashboards"]}
    assert titles == {"Exercise timeboard (integration)", "Datadog exercise timeboard"}
    assert _call(emulator.url, keys, "GET", f"/api/v1/monitor/{ids['my_metric is high']}")[0] == 200


def test_gateway_paces_under_the_rate_limit() -> None:
    """An org allowing 3 requests per second: 8 reads through the gateway, none answered 429."""
    emulator = Emulator(api_key="k", app_key="a", rate_limit=3, rate_period=1).start()
    gateway = LiveGateway(
        emulator.url, Keys("k", "a"), Keys("r", "s"), prefix="ddx-live-0000 ", run_tag="t"
    ).start()
    try:
        started = time.monotonic()
        statuses = [_call(gateway.url, Keys("r", "s"), "GET", "/api/v1/monitor")[0] for _attempt in range(8)]
        elapsed = time.monotonic() - started
    finally:
        gateway.stop()
        emulator.stop()
    assert statuses == [200] * 8
    assert gateway.stats.waited_seconds > 0 or gateway.stats.upstream_429 > 0
    assert elapsed >= 1.0  # 8 requests at 3 per second span at least two windows


def test_site_content_is_renamed_into_the_namespace() -> None:
    content = livesite.rename_content(
        livesite.load_group_vars(REPO / "inventories" / "example"), "ddx-live-1 ", "ddx-live:ddx-live-1"
    )
    assert content["datadog_exercise_timeboard"].startswith("ddx-live-1 ")
    for dashboard in content["datadog_exercise_dashboards"]:
        assert (
            dashboard["title"].startswith("ddx-live-1 ") or "datadog_exercise_timeboard" in dashboard["title"]
        )
    monitors = {m["name"] for m in content["datadog_exercise_monitors"]}
    assert all(n.startswith("ddx-live-1 ") for n in monitors)
    assert all("ddx-live:ddx-live-1" in m["tags"] for m in content["datadog_exercise_monitors"])
    for downtime in content["datadog_exercise_downtimes"]:
        assert downtime["name"].startswith("ddx-live-1 ")
        assert downtime.get("monitor", "ddx-live-1 ") in monitors | {"ddx-live-1 "}
        assert "*" not in downtime.get("monitor_tags", [])
    assert content["datadog_exercise_snapshot"]["title"].startswith("ddx-live-1 ")


def test_live_check_without_keys_explains_and_fails() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("run.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "DD_API_KEY, DD_APP_KEY, DD_SITE (or DD_API_URL) not set" in proc.stderr
    assert "docs/live-check.md" in proc.stderr


def _live_skip_reason() -> str | None:
    if os.environ.get("DDX_LIVE") == "1":
        return None
    try:
        org = org_from_env(dict(os.environ))
    except LiveCheckError as exc:
        return f"live run against a Datadog org: {exc} (make live-check runs it, see docs/live-check.md)"
    unreachable = reachable(org.url)
    if unreachable:
        return f"live run against a Datadog org: {unreachable}"
    return "live run against a Datadog org: keys are set, but only make live-check uses them"


def test_live_org(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    reason = _live_skip_reason()
    if reason:
        pytest.skip(reason)
    org = org_from_env(dict(os.environ))  # make live-check: a problem is a failure, never a skip
    unreachable = reachable(org.url)
    assert unreachable is None, unreachable
    option = request.config.getoption
    inventory = option("--live-inventory")
    check = LiveCheck(
        org,
        tmp_path / "run",
        keep=option("--live-keep"),
        clean_leftovers=option("--live-clean-leftovers"),
        inventory=Path(inventory) if inventory else REPO / "inventories" / "example",
        pace=option("--live-pace"),
        concurrency=option("--live-concurrency"),
        email=os.environ.get("DDX_LIVE_EMAIL", "ddx-live@example.com"),
    )
    try:
        report = check.run()
    except LiveCheckError as exc:
        pytest.fail(f"ddx-live: {exc}", pytrace=False)
    print(report.summary())
    assert report.ok, report.summary()


def test_every_module_target_runs_once_in_make_test() -> None:
    """The targets the suite runs are left out of the direct driver, and only those."""
    import importlib.util  # noqa: PLC0415

    from livecheck import LIVE_TARGETS, TARGETS_DIR  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location(
        "driver", REPO / "tests" / "unit" / "test_integration_targets.py"
    )
    assert spec and spec.loader
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    visible = {
        p.name
        for p in TARGETS_DIR.iterdir()
        if (p / "aliases").exists() and "hidden" not in (p / "aliases").read_text()
    }
    assert set(LIVE_TARGETS) == driver.LIVE_SUITE_TARGETS
    assert set(driver.MODULE_TARGETS) | set(LIVE_TARGETS) == visible
    assert not set(driver.MODULE_TARGETS) & set(LIVE_TARGETS)


class _OneDashboard(LiveCheck):
    """A run whose only step creates one dashboard through the gateway (a fast stand-in for the plays)."""

    def run_site(self) -> None:
        status, _body = self.api(
            "POST",
            "/api/v1/dashboard",
            {"title": f"{self.name_prefix}kept", "layout_type": "ordered", "widgets": []},
        )
        assert status == 200


def test_keep_leaves_the_run_then_blocks_the_next(emulator_org: tuple[Emulator, Org], tmp_path: Path) -> None:
    emulator, org = emulator_org
    kept = _OneDashboard(org, tmp_path / "a", targets=(), keep=True, log=lambda _l: None).run()
    assert kept.ok and kept.left == {"dashboards": [kept.left["dashboards"][0]]}
    assert f"{kept.prefix} kept" in kept.left["dashboards"][0]
    with pytest.raises(LiveCheckError, match="--clean-leftovers"):
        _OneDashboard(org, tmp_path / "b", targets=(), log=lambda _l: None).run()
    cleaned = _OneDashboard(org, tmp_path / "c", targets=(), clean_leftovers=True, log=lambda _l: None).run()
    assert cleaned.ok, cleaned.summary()
    assert emulator.store.dashboards == {}
