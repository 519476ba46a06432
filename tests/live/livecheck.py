"""The live acceptance suite: the modules' integration targets and the site's API play, in a run namespace.

One ``LiveCheck.run()``:

1. starts the loopback gateway (tests/live/livegateway.py) in front of the org: it holds the keys,
   refuses any write outside the run's namespace, counts requests, takes the targets' injected
   faults, and paces requests under the org's rate limits;
2. checks the keys, lists the org (dashboards, monitors, downtimes) and refuses to go on when it
   holds objects of the ``ddx-live-`` namespace (leftovers of an earlier run) unless told to clean
   them up;
3. runs the integration targets (tests/integration/targets/datadog_{monitor,dashboard,downtime,
   snapshot}) with ``dd_name_prefix`` = the run prefix, then the site playbook's API play with the
   inventory's content renamed (livesite.py): check mode + diff, apply, re-apply (changed=0
   and 0 writes), check mode again (changed=0, 0 writes, ``-vvv``);
4. always (unless ``keep``) deletes what the run created, lists the org again and compares it
   with the first listing.

The real keys live only in the gateway: they are never given to Ansible, never written, and the
run checks every Ansible output for them (and for the run tokens Ansible does hold, in the
site passes run with ``-vvv``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from livegateway import Keys, LiveGateway

REPO = Path(__file__).resolve().parents[2]
TARGETS_DIR = REPO / "tests" / "integration" / "targets"
LIVE_TARGETS = ("datadog_monitor", "datadog_dashboard", "datadog_downtime", "datadog_snapshot")
NAMESPACE = "ddx-live-"
KINDS = ("dashboards", "monitors", "downtimes")
RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
PAGE = 100


class LiveCheckError(Exception):
    """The run cannot start or did not pass; the message says why (never a secret)."""


@dataclass
class Org:
    url: str
    api_key: str
    app_key: str
    label: str


def org_from_env(env: dict[str, str]) -> Org:
    """The org to check, from DD_API_KEY, DD_APP_KEY and DD_API_URL or DD_SITE; LiveCheckError otherwise."""
    missing = [name for name in ("DD_API_KEY", "DD_APP_KEY") if not env.get(name, "").strip()]
    if missing:
        raise LiveCheckError(f"{' and '.join(missing)} not set")
    from ansible_collections.datadog_exercise.stack.plugins.module_utils import client, sites  # noqa: PLC0415

    if env.get("DD_API_URL", "").strip():
        try:
            url = client.check_api_url(env["DD_API_URL"])
        except client.ApiUrlError as exc:
            raise LiveCheckError(f"DD_API_URL: {exc}") from None
        label = url
    else:
        site = env.get("DD_SITE", "").strip() or "datadoghq.com"
        try:
            url = sites.api_url(site)
        except KeyError:
            raise LiveCheckError(
                f"DD_SITE={site!r} is not a Datadog site ({', '.join(sites.site_names())})"
            ) from None
        label = f"{site} ({url})"
    return Org(url=url, api_key=env["DD_API_KEY"].strip(), app_key=env["DD_APP_KEY"].strip(), label=label)


def reachable(url: str, timeout: float = 5.0) -> str | None:
    """None when ``url`` answers HTTP at all; else why not (one line)."""
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.netloc, timeout=timeout)
    try:
        conn.request("GET", "/api/v1/validate")
        conn.getresponse().read()
    except OSError as exc:
        return f"{parts.netloc} unreachable from this machine ({exc.__class__.__name__}: {exc})"
    finally:
        conn.close()
    return None


@dataclass
class Step:
    name: str
    seconds: float
    detail: str = ""


@dataclass
class Report:
    prefix: str
    org: str
    steps: list[Step] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    left: dict[str, list[str]] = field(default_factory=dict)
    events_kept: int = 0
    seconds: float = 0.0
    gateway: dict[str, Any] = field(default_factory=dict)
    logs: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [
            f"ddx-live: run {self.prefix} against {self.org}: "
            f"{'PASSED' if self.ok else 'FAILED'} in {self.seconds:.1f} s"
        ]
        lines += [f"  {s.name:<44} {s.seconds:6.1f} s  {s.detail}" for s in self.steps]
        lines.append(
            "  created: "
            + ", ".join(f"{n} {k}" for k, n in self.created.items())
            + f"; gateway: {self.gateway}"
        )
        if self.events_kept:
            lines.append(
                f"  {self.events_kept} event(s) stay in the event stream (Datadog's API deletes no events); "
                f"their titles start with '{self.prefix}'"
            )
        lines += [f"  FAILURE: {f}" for f in self.failures]
        for kind, names in self.left.items():
            lines += [f"  KEPT {kind}: {n}" for n in names]
        if self.logs:
            lines.append(f"  Ansible output: {self.logs}")
        return "\n".join(lines)


class LiveCheck:
    def __init__(
        self,
        org: Org,
        workdir: Path,
        *,
        keep: bool = False,
        clean_leftovers: bool = False,
        inventory: Path = REPO / "inventories" / "example",
        targets: tuple[str, ...] = LIVE_TARGETS,
        site: bool = True,
        pace: float = 0.2,
        concurrency: int = 1,
        email: str = "ddx-live@example.com",
        log: Callable[[str], None] = print,
    ) -> None:
        self.org = org
        self.workdir = workdir
        self.keep = keep
        self.clean_leftovers = clean_leftovers
        self.inventory = inventory
        self.targets = targets
        self.site = site
        self.email = email
        self.log = log
        self.prefix = f"{NAMESPACE}{secrets.token_hex(4)}"
        self.name_prefix = f"{self.prefix} "
        self.tag = f"ddx-live:{self.prefix}"
        self.run_keys = Keys(
            api_key=f"ddx-run-api-{secrets.token_hex(8)}", app_key=f"ddx-run-app-{secrets.token_hex(8)}"
        )
        self.gateway = LiveGateway(
            org.url,
            Keys(org.api_key, org.app_key),
            self.run_keys,
            prefix=self.name_prefix,
            run_tag=self.tag,
            pace=pace,
            concurrency=concurrency,
        )
        self.report = Report(prefix=self.prefix, org=org.label)
        self.outputs: list[tuple[str, str]] = []  # (step, Ansible output)
        self.before: dict[str, dict[str, Any]] = {}
        self.after: dict[str, dict[str, Any]] = {}

    # -- HTTP through the gateway ---------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        parts = urlsplit(self.gateway.url)
        conn = http.client.HTTPConnection(parts.netloc, timeout=120)
        headers = {"DD-API-KEY": self.run_keys.api_key, "DD-APPLICATION-KEY": self.run_keys.app_key}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw.strip() else None
        except ValueError:
            return response.status, raw.decode(errors="replace")[:200]

    def _get(self, path: str) -> Any:
        status, doc = self.api("GET", path)
        if status != 200:
            raise LiveCheckError(f"GET {path.split('?', maxsplit=1)[0]}: HTTP {status}: {doc}")
        return doc

    # -- the org's listing ----------------------------------------------------------------------
    def listing(self) -> dict[str, dict[str, Any]]:
        """Every dashboard, monitor and downtime of the org: id -> what identifies its state."""
        org: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        start = 0
        while True:
            page = self._get(f"/api/v1/dashboard?count={PAGE}&start={start}").get("dashboards") or []
            for d in page:
                org["dashboards"][str(d["id"])] = {"name": d.get("title"), "modified": d.get("modified_at")}
            if len(page) < PAGE:
                break
            start += PAGE
        number = 0
        while True:
            page = self._get(f"/api/v1/monitor?page={number}&page_size=1000")
            for m in page:
                org["monitors"][str(m["id"])] = {"name": m.get("name"), "modified": m.get("modified")}
            if len(page) < 1000:
                break
            number += 1
        offset = 0
        while True:
            doc = self._get(
                f"/api/v2/downtime?{quote('page[limit]')}={PAGE}&{quote('page[offset]')}={offset}"
            )
            page = doc.get("data") or []
            for d in page:
                attrs = d.get("attributes") or {}
                found = re.search(r"\[ansible-name: ([^\]\n]+)\]\s*$", attrs.get("message") or "")
                org["downtimes"][str(d["id"])] = {
                    "name": found.group(1) if found else attrs.get("message"),
                    "modified": attrs.get("modified"),
                    "canceled": bool(attrs.get("canceled")) or attrs.get("status") == "canceled",
                }
            if len(page) < PAGE:
                break
            offset += PAGE
        return org

    @staticmethod
    def in_namespace(org: dict[str, dict[str, Any]], prefix: str) -> dict[str, dict[str, Any]]:
        """Objects whose name starts with ``prefix`` (cancelled downtimes are gone already)."""
        return {
            kind: {
                i: o
                for i, o in objs.items()
                if str(o.get("name") or "").startswith(prefix) and not o.get("canceled")
            }
            for kind, objs in org.items()
        }

    # -- steps ----------------------------------------------------------------------------------
    def _step(self, name: str, started: float, detail: str = "") -> None:
        step = Step(name, time.monotonic() - started, detail)
        self.report.steps.append(step)
        self.log(f"ddx-live: {name}: {step.seconds:.1f} s {detail}".rstrip())

    def preflight(self) -> None:
        started = time.monotonic()
        status, _body = self.api("GET", "/api/v1/validate")
        if status == 403:
            raise LiveCheckError("the org refused DD_API_KEY (GET /api/v1/validate: HTTP 403)")
        if status != 200:
            raise LiveCheckError(f"GET /api/v1/validate: HTTP {status}")
        status, _body = self.api("GET", "/api/v1/dashboard?count=1")
        if status == 403:
            raise LiveCheckError(
                "the org refused DD_APP_KEY or its scopes (GET /api/v1/dashboard: HTTP 403); "
                "see docs/live-check.md"
            )
        self.before = self.listing()
        leftovers = self.in_namespace(self.before, NAMESPACE)
        found = [(k, i, o["name"]) for k, objs in leftovers.items() for i, o in objs.items()]
        if found and not self.clean_leftovers:
            listed = "; ".join(f"{k[:-1]} {i} {n!r}" for k, i, n in found[:10])
            raise LiveCheckError(
                f"the org already holds {len(found)} object(s) of the {NAMESPACE}* namespace "
                f"(an earlier run's, kept or interrupted): {listed}. Nothing was changed. "
                "Inspect them, then re-run with --clean-leftovers to delete them first"
            )
        for kind, object_id, _name in found:
            self.gateway.adopt(kind, object_id)
        if found:
            self._delete({k: set(objs) for k, objs in leftovers.items()})
            self.before = self.listing()
        counted = {k: len(v) for k, v in self.before.items()}
        self._step("check keys, list the org", started, f"{counted}; {len(found)} leftover(s) cleaned")

    def _ansible_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(
            ANSIBLE_ROLES_PATH=str(TARGETS_DIR),
            ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_PIPELINING="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
        )
        return env

    def _playbook(self, name: str, args: list[str]) -> tuple[dict[str, int], dict[str, int], str]:
        """Run ansible-playbook; (recap, request delta, output). Output kept in workdir/logs."""
        mark = (self.gateway.accounting.reads(), self.gateway.accounting.writes())
        binary = Path(sys.executable).with_name("ansible-playbook")
        proc = subprocess.run(
            [str(binary), *args],
            capture_output=True,
            text=True,
            env=self._ansible_env(),
            cwd=self.workdir,
            timeout=1800,
            check=False,
        )
        output = proc.stdout + proc.stderr
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        (logs / f"{len(self.outputs):02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.log").write_text(output)
        self.outputs.append((name, output))
        delta = {
            "reads": self.gateway.accounting.reads() - mark[0],
            "writes": self.gateway.accounting.writes() - mark[1],
        }
        found = RECAP.search(output)
        recap = (
            dict(zip(("ok", "changed", "unreachable", "failed"), map(int, found.groups())))
            if found
            else {"ok": 0, "changed": 0, "unreachable": 0, "failed": 1}
        )
        recap["rc"] = proc.returncode
        if proc.returncode != 0 or recap["failed"] or recap["unreachable"]:
            failed = re.findall(r"^fatal: .*$|^failed: .*$", output, flags=re.MULTILINE)
            tasks = re.findall(r"^TASK \[(.*)\]", output, flags=re.MULTILINE)
            where = tasks[-1] if tasks else "?"
            raise LiveCheckError(
                f"{name}: ansible-playbook rc={proc.returncode}, last task {where!r}: "
                f"{(failed or [output[-800:]])[-1][:1500]}"
            )
        return recap, delta, output

    def run_targets(self) -> None:
        variables = self.workdir / "target-vars.json"
        variables.write_text(
            json.dumps(
                {
                    "dd_api_url": self.gateway.url,
                    "dd_api_key": self.run_keys.api_key,
                    "dd_app_key": self.run_keys.app_key,
                    "dd_name_prefix": self.name_prefix,
                    "dd_name_tags": [self.tag],
                }
            )
        )
        variables.chmod(0o600)
        for target in self.targets:
            started = time.monotonic()
            playbook = self.workdir / f"{target}.yml"
            playbook.write_text(
                f"- name: Run the {target} integration target\n  hosts: localhost\n  connection: local\n"
                f"  gather_facts: false\n  roles:\n    - {target}\n"
            )
            recap, delta, _output = self._playbook(
                f"target {target}", ["-i", "localhost,", str(playbook), "-e", f"@{variables}"]
            )
            self._step(f"target {target}", started, f"ok={recap['ok']} changed={recap['changed']} {delta}")

    def run_site(self) -> None:
        import livesite  # noqa: PLC0415 - sibling module

        inventory, extra = livesite.build(
            self.inventory,
            self.workdir,
            # its own sub-namespace: the targets leave objects (duplicates) named like the content's
            f"{self.name_prefix}site ",
            self.tag,
            self.gateway.url,
            self.run_keys.api_key,
            self.run_keys.app_key,
            self.email,
        )
        playbook = str(REPO / "playbooks" / "site.yml")
        base = ["-i", str(inventory), playbook, "--limit", "localhost", "-e", f"@{extra}"]
        passes = (
            ("site: check mode + diff (nothing exists)", ["--check", "--diff"], "changes", 0),
            ("site: apply + diff", ["--diff"], "changes", None),
            ("site: apply again (idempotence)", [], "none", 0),
            ("site: check mode + diff again, -vvv", ["--check", "--diff", "-vvv"], "none", 0),
        )
        for name, flags, changes, writes in passes:
            started = time.monotonic()
            recap, delta, _output = self._playbook(name, [*base, *flags])
            if changes == "changes" and recap["changed"] == 0:
                self.report.failures.append(f"{name}: changed=0, expected the content to be created")
            if changes == "none" and recap["changed"] != 0:
                self.report.failures.append(
                    f"{name}: changed={recap['changed']}, expected 0 (not idempotent)"
                )
            if writes is not None and delta["writes"] != writes:
                self.report.failures.append(f"{name}: {delta['writes']} write request(s), expected {writes}")
            self._step(name, started, f"ok={recap['ok']} changed={recap['changed']} {delta}")

    def _delete(self, ids: dict[str, set[str]]) -> list[str]:
        """Delete downtimes, then monitors, then dashboards (404 = already gone); errors returned."""
        errors = []
        routes = {
            "downtimes": "/api/v2/downtime/{}",
            "monitors": "/api/v1/monitor/{}?force=true",
            "dashboards": "/api/v1/dashboard/{}",
        }
        for kind in ("downtimes", "monitors", "dashboards"):
            for object_id in sorted(ids.get(kind, ())):
                status, doc = self.api("DELETE", routes[kind].format(quote(object_id)))
                if status not in (200, 202, 204, 404):
                    errors.append(f"delete {kind[:-1]} {object_id}: HTTP {status}: {doc}")
        return errors

    def cleanup(self) -> None:
        started = time.monotonic()
        owned = {kind: set(self.gateway.owned.of(kind)) for kind in KINDS}
        self.report.created = {kind: len(owned[kind]) for kind in KINDS}
        self.report.created["events"] = len(self.gateway.owned.events)
        self.report.events_kept = len(self.gateway.owned.events)
        if self.keep:
            now = self.listing()
            mine = self.in_namespace(now, self.prefix)
            self.report.left = {k: [f"{i} {o['name']!r}" for i, o in v.items()] for k, v in mine.items() if v}
            self._step(
                "keep (--keep): nothing deleted",
                started,
                f"re-run with --clean-leftovers to delete {self.prefix}*",
            )
            return
        errors = self._delete(owned)
        # Anything named with the run prefix that the gateway did not see created (it cannot
        # happen through the guard; checked anyway).
        now = self.listing()
        stray = self.in_namespace(now, self.prefix)
        if any(stray.values()):
            for kind, objs in stray.items():
                for object_id in objs:
                    self.gateway.adopt(kind, object_id)
            errors += self._delete({k: set(v) for k, v in stray.items()})
            now = self.listing()
        self.after = now
        self.report.failures += errors
        self._step("delete what the run created", started, f"{sum(len(v) for v in owned.values())} object(s)")

    def compare(self) -> None:
        """The org after == before, except this run's cancelled downtimes (Datadog lists them a while)."""
        for kind in KINDS:
            after = dict(self.after.get(kind, {}))
            for object_id in self.gateway.owned.of(kind):
                if object_id in after and kind == "downtimes" and after[object_id].get("canceled"):
                    del after[object_id]
            before = self.before.get(kind, {})
            for object_id in sorted(set(before) | set(after)):
                if before.get(object_id) != after.get(object_id):
                    self.report.failures.append(
                        f"{kind[:-1]} {object_id}: before {before.get(object_id)}, "
                        f"after {after.get(object_id)}"
                    )

    def scan_secrets(self) -> None:
        for name, output in self.outputs:
            for secret in self.gateway.secrets():
                if secret and secret in output:
                    self.report.failures.append(f"{name}: a real key appears in Ansible's output")
            if name.startswith("site:"):
                for token in (self.run_keys.api_key, self.run_keys.app_key):
                    if token in output:
                        self.report.failures.append(
                            f"{name}: the run's key token appears in Ansible's output"
                        )

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.report.logs = self.workdir / "logs"
        self.gateway.start()
        self.log(
            f"ddx-live: run {self.prefix} against {self.org.label}; Ansible output in {self.report.logs}"
        )
        try:
            self.preflight()
            try:
                if self.targets:
                    self.run_targets()
                if self.site:
                    self.run_site()
            except LiveCheckError as exc:
                self.report.failures.append(str(exc))
            finally:
                self.cleanup()
            if not self.keep:
                self.compare()
            self.scan_secrets()
            self.report.failures += self.gateway.violations
        finally:
            self.gateway.stop()
            stats = self.gateway.stats
            self.report.gateway = {
                "forwarded": stats.forwarded,
                "refused": stats.refused,
                "429 retried": stats.upstream_429,
                "paced s": round(stats.waited_seconds, 1),
                "max in flight": stats.max_in_flight,
            }
            self.report.seconds = time.monotonic() - started
        return self.report
