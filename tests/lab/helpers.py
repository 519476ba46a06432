"""A tiny raw-HTTP helper for emulator tests (status, headers and JSON body of one request)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    emulator: Any,
    method: str,
    path: str,
    body: Any = None,
    keys: bool = True,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(emulator.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if keys:
        request.add_header("DD-API-KEY", emulator.api_key)
        request.add_header("DD-APPLICATION-KEY", emulator.app_key)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, head, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, head, raw = exc.code, dict(exc.headers), exc.read()
    kind = head.get("Content-Type", "")
    parsed: Any = json.loads(raw) if raw and kind.startswith("application/json") else (raw or None)
    return Answer(status, head, parsed)
