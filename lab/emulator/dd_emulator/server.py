"""HTTP front: auth, accounting, faults, rate limit, routing; the in-process ``Emulator``."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dd_emulator import dashboards, downtimes, downtimes_v1, events_v2, misc, monitors, page
from dd_emulator.errors import ApiError
from dd_emulator.faults import Accounting, Fault, rate_headers
from dd_emulator.routing import Reply, Request, Router
from dd_emulator.store import Store

ROUTER = Router(
    dashboards.ROUTES
    + monitors.ROUTES
    + downtimes.ROUTES
    + downtimes_v1.ROUTES
    + misc.ROUTES
    + events_v2.ROUTES
)
ADMIN_PREFIX = "/lab/admin/"
_REASONS = {
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server_version = "dd-emulator"
    sys_version = ""
    server: _Server

    # -- plumbing ---------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, reply: Reply) -> None:
        if reply.raw is not None:
            payload = reply.raw
        elif reply.body is None and reply.status == 204:
            payload = b""
        else:
            payload = json.dumps(reply.body, separators=(",", ":")).encode()
        self.send_response(reply.status)
        if reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (timeout) before the answer: what a server sees, not an error.
                self.close_connection = True

    def _error(self, status: int, messages: list[str], headers: dict[str, str] | None = None) -> None:
        self._send(Reply(status=status, body={"errors": messages}, headers=headers or {}))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _base_url(self) -> str:
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        return f"http://{host}"

    # -- dispatch ---------------------------------------------------------------------------
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
        emu = self.server.emulator
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        raw = self._read_body()
        if path.startswith(ADMIN_PREFIX.rstrip("/")):
            self._admin(path, raw)
            return
        if path == "/" and self.command == "GET":
            text = page.render(emu.store).encode()
            self._send(Reply(raw=text, content_type="text/html; charset=utf-8"))
            return
        if path.startswith("/snapshot/view/") and path.endswith(".png") and self.command == "GET":
            self._send(Reply(raw=page.snapshot_png(path), content_type="image/png"))
            return
        route, params, path_known = ROUTER.match(self.command, path)
        template = route.template if route else path
        emu.accounting.count(self.command, template)

        fault = emu.accounting.take_fault(self.command, template, path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self._drop()
                return
            if fault.status:
                self._fault_reply(fault, route.limit_name if route else "api")
                return

        if route is None:
            if path_known:
                self._error(405, ["Method Not Allowed"])
            else:
                self._error(404, ["Not found"])
            return

        allowed, limit_headers = emu.accounting.rate_check(route.limit_name)
        if not allowed:
            self._error(429, [_REASONS[429]], limit_headers)
            return
        if not self._authorised(route.auth):
            self._error(403, ["Forbidden"], limit_headers)
            return
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                self._error(400, ["Invalid JSON in request body"], limit_headers)
                return
        request = Request(self.command, path, params, query, body, self._base_url(), emu.store)
        try:
            reply = route.handler(request)
        except ApiError as exc:
            reply = Reply(status=exc.status, body={"errors": exc.messages}, headers=exc.headers)
        reply.headers = {**limit_headers, **reply.headers}
        self._send(reply)

    def _authorised(self, auth: str) -> bool:
        emu = self.server.emulator
        if self.headers.get("DD-API-KEY") != emu.api_key:
            return False
        return auth == "api" or self.headers.get("DD-APPLICATION-KEY") == emu.app_key

    def _fault_reply(self, fault: Fault, limit_name: str) -> None:
        status = int(fault.status or 500)
        headers = dict(fault.headers)
        if status == 429:
            limit = self.server.emulator.accounting.rate_limit or 100
            headers = {**rate_headers(limit, 10, 0, 1, limit_name), **headers}
        self._error(status, [_REASONS.get(status, "Injected fault")], headers)

    # -- admin ------------------------------------------------------------------------------
    def _admin(self, path: str, raw: bytes) -> None:
        emu = self.server.emulator
        name = path[len(ADMIN_PREFIX) :] if path.startswith(ADMIN_PREFIX) else ""
        method = self.command
        if name == "counts" and method == "GET":
            body = {"counts": emu.counts(), "reads": emu.reads(), "writes": emu.writes()}
            self._send(Reply(body=body))
        elif name == "counts" and method == "DELETE":
            emu.reset_counts()
            self._send(Reply(status=204))
        elif name == "faults" and method == "GET":
            self._send(Reply(body={"faults": emu.accounting.faults()}))
        elif name == "faults" and method == "POST":
            try:
                spec = json.loads(raw or b"{}")
                emu.inject_fault(**spec)
            except (ValueError, TypeError) as exc:
                self._error(400, [f"Invalid fault: {exc}"])
                return
            self._send(Reply(status=201, body={"faults": emu.accounting.faults()}))
        elif name == "faults" and method == "DELETE":
            emu.clear_faults()
            self._send(Reply(status=204))
        elif name == "state" and method == "GET":
            self._send(Reply(body=emu.store.snapshot()))
        elif name == "state" and method == "DELETE":
            emu.reset_state()
            self._send(Reply(status=204))
        else:
            self._error(404, ["Not found"])


class Emulator:
    """A Datadog API emulator on a background thread (``port=0`` picks a free port)."""

    def __init__(  # noqa: PLR0917 - the lab's documented call shape
        self,
        api_key: str = "lab-api-key",
        app_key: str = "lab-app-key",
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | None = None,
        rate_limit: int | None = None,
        rate_period: int = 10,
        verbose: bool = False,
    ) -> None:
        self.api_key = api_key
        self.app_key = app_key
        self.host = host
        self.port = port
        self.verbose = verbose
        self.store = Store(state_file)
        self.accounting = Accounting(rate_limit=rate_limit, rate_period=rate_period)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def bind(self) -> _Server:
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
        return self._server

    def start(self) -> Emulator:
        server = self.bind()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="dd-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.bind().serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        """Stop serve_forever (callable from another thread or a signal handler's thread)."""
        if self._server is not None:
            self._server.shutdown()

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
            self._server.server_close()
            self._server = None
            self._thread = None
        self.store.save()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- accounting and faults --------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return self.accounting.counts()

    def reads(self) -> int:
        return self.accounting.reads()

    def writes(self) -> int:
        return self.accounting.writes()

    def reset_counts(self) -> None:
        self.accounting.reset_counts()

    def inject_fault(  # noqa: PLR0917 - the lab's documented call shape
        self,
        route: str,
        method: str | None = None,
        status: int | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        drop: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        if status is None and not drop and not delay:
            raise ValueError("a fault needs a status, a delay or drop=True")
        if status is not None and not 400 <= int(status) <= 599:
            raise ValueError("status must be an HTTP error code (400-599)")
        if times is not None and int(times) < 1:
            raise ValueError("times must be >= 1 or None (forever)")
        fault = Fault(
            route=route,
            method=method.upper() if method else None,
            status=int(status) if status is not None else None,
            times=int(times) if times is not None else None,
            delay=float(delay),
            drop=bool(drop),
            headers={str(k): str(v) for k, v in (headers or {}).items()},
        )
        self.accounting.add_fault(fault)

    def clear_faults(self) -> None:
        self.accounting.clear_faults()

    def reset_state(self) -> None:
        self.store.reset()
        self.store.save()
