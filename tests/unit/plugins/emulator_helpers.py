"""Requests made behind the modules' back (the UI, another tool), straight to the lab emulator."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def raw(emu: Any, method: str, path: str, body: Any = None) -> Any:
    """One HTTP request to the emulator with its keys; the decoded JSON answer (None if empty)."""
    request = urllib.request.Request(
        emu.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            "DD-API-KEY": emu.api_key,
            "DD-APPLICATION-KEY": emu.app_key,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback emulator
        return json.loads(answer.read() or b"null")
