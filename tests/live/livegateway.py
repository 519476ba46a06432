"""The live suite's loopback gateway between Ansible and a Datadog org (real, or the lab emulator).

Everything the suite sends to the org goes through one ``LiveGateway`` on 127.0.0.1. It

- **holds the keys**: Ansible and the suite's own reads use throwaway run tokens; the gateway
  swaps them for the real ``DD_API_KEY``/``DD_APP_KEY`` on the way out, so the real keys never
  enter an Ansible process, a log or a failure message. Requests with other keys (the targets'
  "wrong keys" step) are forwarded unchanged, so the org itself answers 403;
- **guards the namespace**: a write (POST/PUT/PATCH/DELETE, validate endpoints excepted) is sent
  only when it creates an object named with the run prefix, or changes/deletes an object this run
  created (or a leftover it was told to clean up). Anything else is answered 403 locally, never
  reaches the org, and is recorded as a violation that fails the run;
- **counts requests** per ``METHOD /route/template`` and takes injected faults, with the lab
  emulator's own accounting and route table (``/lab/admin/counts`` and ``/lab/admin/faults``),
  so the integration targets' request-count and fault steps run unchanged against a real org;
- **paces**: at most ``concurrency`` requests in flight, at least ``pace`` seconds between two
  request starts, and it honours ``X-RateLimit-Remaining``/``X-RateLimit-Reset`` (waits for the
  window when it is spent) and retries a 429 after ``X-RateLimit-Reset`` (bounded), so a real
  org's limits are respected and the targets' counts stay those of the modules' own requests.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from dd_emulator.faults import Accounting, Fault, is_write, rate_headers
from dd_emulator.server import ROUTER

ADMIN = "/lab/admin/"
NAME_MARKER = re.compile(r"\[ansible-name: ([^\]\n]+)\]\s*$")
# Headers that describe one hop, not the message (RFC 9110 7.6.1) or that the gateway recomputes.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length", "host"}
MAX_429_RETRIES = 5
MAX_WAIT = 120.0


@dataclass
class Keys:
    api_key: str
    app_key: str


@dataclass
class GatewayStats:
    forwarded: int = 0
    refused: int = 0
    waited_seconds: float = 0.0
    upstream_429: int = 0
    max_in_flight: int = 0


@dataclass
class Owned:
    """Ids this run may change or delete, per kind."""

    monitors: set[str] = field(default_factory=set)
    dashboards: set[str] = field(default_factory=set)
    downtimes: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)

    def of(self, kind: str) -> set[str]:
        return getattr(self, kind)


class Refused(Exception):
    """A write outside the run's namespace."""


class LiveGateway:
    """HTTP gateway on loopback: key swap, namespace guard, accounting/faults, pacing."""

    def __init__(
        self,
        upstream: str,
        keys: Keys,
        run_keys: Keys,
        prefix: str,
        run_tag: str,
        pace: float = 0.0,
        concurrency: int = 1,
        timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the upstream URL must be http(s)://HOST[:PORT]")
        self.upstream = upstream.rstrip("/")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._keys = keys
        self.run_keys = run_keys
        self.prefix = prefix
        self.run_tag = run_tag
        self.pace = pace
        self.timeout = timeout
        self.accounting = Accounting()
        self.owned = Owned()
        self.violations: list[str] = []
        self.stats = GatewayStats()
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._in_flight = 0
        self._next_start = 0.0
        self._windows: dict[str, tuple[int, float]] = {}  # limit name -> (remaining, reset at)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LiveGateway:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.gateway = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def secrets(self) -> list[str]:
        return [self._keys.api_key, self._keys.app_key]

    # -- the guard ----------------------------------------------------------------------------
    def adopt(self, kind: str, object_id: str) -> None:
        """Allow changes to an object of the namespace that this run did not create (leftovers)."""
        with self._lock:
            self.owned.of(kind).add(str(object_id))

    def _named(self, value: Any) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)

    def _owned(self, kind: str, object_id: str) -> bool:
        with self._lock:
            return str(object_id) in self.owned.of(kind)

    def check(self, method: str, template: str, params: dict[str, str], body: Any) -> str | None:
        """The kind of object a permitted write creates (None for other writes); raises Refused."""
        if not is_write(method, template):
            return None
        doc = body if isinstance(body, dict) else {}
        key = f"{method} {template}"
        if key == "POST /api/v1/monitor":
            if not self._named(doc.get("name")):
                raise Refused(f"monitor name {doc.get('name')!r} lacks the run prefix")
            return "monitors"
        if key in ("PUT /api/v1/monitor/{monitor_id}", "DELETE /api/v1/monitor/{monitor_id}"):
            if not self._owned("monitors", params["monitor_id"]):
                raise Refused(f"monitor {params['monitor_id']} was not created by this run")
            if "name" in doc and not self._named(doc["name"]):
                raise Refused(f"monitor {params['monitor_id']} would be renamed out of the run prefix")
            return None
        if key == "POST /api/v1/dashboard":
            if not self._named(doc.get("title")):
                raise Refused(f"dashboard title {doc.get('title')!r} lacks the run prefix")
            return "dashboards"
        if key in ("PUT /api/v1/dashboard/{dashboard_id}", "DELETE /api/v1/dashboard/{dashboard_id}"):
            if not self._owned("dashboards", params["dashboard_id"]):
                raise Refused(f"dashboard {params['dashboard_id']} was not created by this run")
            if "title" in doc and not self._named(doc["title"]):
                raise Refused(f"dashboard {params['dashboard_id']} would be renamed out of the run prefix")
            return None
        if key in ("POST /api/v2/downtime", "PATCH /api/v2/downtime/{downtime_id}"):
            attrs = ((doc.get("data") or {}).get("attributes")) or {}
            if key.startswith("PATCH") and not self._owned("downtimes", params["downtime_id"]):
                raise Refused(f"downtime {params['downtime_id']} was not created by this run")
            if key.startswith("POST") or "message" in attrs:
                found = NAME_MARKER.search(str(attrs.get("message") or ""))
                if not found or not self._named(found.group(1)):
                    raise Refused("downtime name ([ansible-name: ...] in its message) lacks the run prefix")
            if key.startswith("POST") or "monitor_identifier" in attrs:
                self._check_silenced(attrs.get("monitor_identifier") or {})
            return "downtimes" if key.startswith("POST") else None
        if key == "DELETE /api/v2/downtime/{downtime_id}":
            if not self._owned("downtimes", params["downtime_id"]):
                raise Refused(f"downtime {params['downtime_id']} was not created by this run")
            return None
        if key == "POST /api/v1/events":
            if not self._named(doc.get("title")) and self.run_tag not in (doc.get("tags") or []):
                raise Refused(f"event {doc.get('title')!r} has neither the run prefix nor the run tag")
            return "events"
        raise Refused(f"{key} is not a write the live suite makes")

    def _check_silenced(self, identifier: dict[str, Any]) -> None:
        """A downtime may silence this run's monitors only: its monitor id, or the run tag."""
        if "monitor_id" in identifier:
            if not self._owned("monitors", str(identifier["monitor_id"])):
                raise Refused(f"downtime silences monitor {identifier['monitor_id']}, not one of this run's")
            return
        if self.run_tag not in (identifier.get("monitor_tags") or []):
            raise Refused(
                f"downtime silences monitors by tags {identifier.get('monitor_tags')!r} "
                f"without {self.run_tag}"
            )

    # -- pacing ---------------------------------------------------------------------------------
    def _wait(self, limit_name: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            remaining, reset_at = self._windows.get(limit_name, (1, 0.0))
            if remaining <= 0 and reset_at > start:
                start = reset_at
            self._next_start = start + self.pace
        delay = min(start - time.monotonic(), MAX_WAIT)
        if delay > 0:
            with self._lock:
                self.stats.waited_seconds += delay
            time.sleep(delay)

    def _learn(self, limit_name: str, headers: http.client.HTTPMessage) -> None:
        remaining, reset = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            window = (int(remaining), time.monotonic() + float(reset))
        except ValueError:
            return
        with self._lock:
            self._windows[limit_name] = window

    # -- forwarding -----------------------------------------------------------------------------
    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes, limit_name: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        out = {k: v for k, v in headers.items() if k.lower() not in _HOP and k.lower() != "accept-encoding"}
        for name, run_value, real in (
            ("DD-API-KEY", self.run_keys.api_key, self._keys.api_key),
            ("DD-APPLICATION-KEY", self.run_keys.app_key, self._keys.app_key),
        ):
            for k in [k for k in out if k.lower() == name.lower()]:
                if out[k] == run_value:
                    out[k] = real
        out["Accept-Encoding"] = "identity"
        with self._slots:
            with self._lock:
                self._in_flight += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
            try:
                for attempt in range(MAX_429_RETRIES + 1):
                    self._wait(limit_name)
                    status, reply_headers, payload = self._send(method, path, out, body)
                    self._learn(limit_name, reply_headers)
                    if status != 429 or attempt == MAX_429_RETRIES:
                        break
                    with self._lock:
                        self.stats.upstream_429 += 1
                        self._windows[limit_name] = (0, time.monotonic() + _reset_seconds(reply_headers))
            finally:
                with self._lock:
                    self._in_flight -= 1
                    self.stats.forwarded += 1
        relay = [(k, v) for k, v in reply_headers.items() if k.lower() not in _HOP]
        return status, relay, payload

    def _send(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = cls(self._netloc, timeout=self.timeout)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def record_created(self, kind: str, payload: bytes) -> None:
        try:
            doc = json.loads(payload)
        except ValueError:
            return
        if isinstance(doc, dict):
            data = doc.get("data")
            object_id = data.get("id") if isinstance(data, dict) else doc.get("id")
            if object_id is None and isinstance(doc.get("event"), dict):
                object_id = doc["event"].get("id")
            if object_id is not None:
                self.adopt(kind, str(object_id))


def _reset_seconds(headers: http.client.HTTPMessage) -> float:
    try:
        return min(max(float(headers.get("X-RateLimit-Reset") or 1), 0.5), MAX_WAIT)
    except ValueError:
        return 1.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ddx-live-gateway"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the run reports what matters
        return

    @property
    def gateway(self) -> LiveGateway:
        return self.server.gateway  # type: ignore[attr-defined]

    def _reply(
        self,
        status: int,
        body: Any = None,
        headers: list[tuple[str, str]] | None = None,
        raw: bytes | None = None,
    ) -> None:
        payload = raw if raw is not None else (b"" if status == 204 else json.dumps(body).encode())
        self.send_response(status)
        names = set()
        for name, value in headers or []:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-type" not in names and status != 204:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        gateway = self.gateway
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        path = urlsplit(self.path).path.rstrip("/") or "/"
        if path.startswith(ADMIN.rstrip("/")):
            self._admin(path[len(ADMIN) :], raw)
            return
        route, params, _known = ROUTER.match(self.command, path)
        template = route.template if route else path
        limit_name = route.limit_name if route else "api"
        gateway.accounting.count(self.command, template)
        fault = gateway.accounting.take_fault(self.command, template, path)
        if fault is not None and fault.status:
            if fault.delay:
                time.sleep(fault.delay)
            headers = dict(fault.headers)
            if fault.status == 429:
                headers = {**rate_headers(100, 10, 0, 1, limit_name), **headers}
            self._reply(
                int(fault.status), {"errors": ["Injected fault (ddx-live gateway)"]}, list(headers.items())
            )
            return
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        try:
            kind = gateway.check(self.command, template, params, body)
        except Refused as exc:
            message = f"ddx-live guard refused {self.command} {path}: {exc}"
            with gateway._lock:
                gateway.violations.append(message)
                gateway.stats.refused += 1
            self._reply(403, {"errors": [message]})
            return
        headers = dict(self.headers.items())
        status, reply_headers, payload = gateway.forward(self.command, self.path, headers, raw, limit_name)
        if kind is not None and 200 <= status < 300:
            gateway.record_created(kind, payload)
        self._reply(status, headers=reply_headers, raw=payload)

    def _admin(self, name: str, raw: bytes) -> None:
        accounting = self.gateway.accounting
        if name == "counts" and self.command == "GET":
            body = {"counts": accounting.counts(), "reads": accounting.reads(), "writes": accounting.writes()}
            self._reply(200, body)
        elif name == "faults" and self.command == "POST":
            try:
                spec = json.loads(raw or b"{}")
                accounting.add_fault(
                    Fault(
                        route=spec["route"],
                        method=(spec.get("method") or "").upper() or None,
                        status=int(spec["status"]),
                        times=spec.get("times", 1),
                        headers={str(k): str(v) for k, v in (spec.get("headers") or {}).items()},
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                self._reply(400, {"errors": [f"Invalid fault: {exc}"]})
                return
            self._reply(201, {"faults": accounting.faults()})
        elif name == "faults" and self.command == "DELETE":
            accounting.clear_faults()
            self._reply(204)
        else:
            self._reply(404, {"errors": ["Not found"]})
