"""Request accounting, injected faults and the optional rate limit."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

READ_METHODS = {"GET", "HEAD"}


def is_write(method: str, template: str) -> bool:
    """Writes are POST/PUT/PATCH/DELETE, except the validate endpoints (they change nothing)."""
    if method in READ_METHODS:
        return False
    return not template.endswith("/validate")


@dataclass
class Fault:
    route: str
    method: str | None = None
    status: int | None = None
    times: int | None = 1
    delay: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, template: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return self.route in (template, path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "method": self.method,
            "status": self.status,
            "times": self.times,
            "delay": self.delay,
            "drop": self.drop,
            "headers": self.headers,
        }


class Accounting:
    """Counters per ``"METHOD /route/template"``, the fault list and the rate-limit windows."""

    def __init__(self, rate_limit: int | None = None, rate_period: int = 10) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._reads = 0
        self._writes = 0
        self._faults: list[Fault] = []
        self.rate_limit = rate_limit
        self.rate_period = rate_period
        self._windows: dict[str, tuple[float, int]] = {}

    # -- counters ---------------------------------------------------------------------------
    def count(self, method: str, template: str) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1
            if is_write(method, template):
                self._writes += 1
            else:
                self._reads += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reads(self) -> int:
        with self._lock:
            return self._reads

    def writes(self) -> int:
        with self._lock:
            return self._writes

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._reads = 0
            self._writes = 0

    # -- faults -----------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def take_fault(self, method: str, template: str, path: str) -> Fault | None:
        """The first matching fault, consuming one of its ``times`` (None = forever)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, template, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # -- rate limit -------------------------------------------------------------------------
    def rate_check(self, name: str) -> tuple[bool, dict[str, str]]:
        """Fixed window per rate-limit name, as Datadog's ``X-RateLimit-*`` headers describe."""
        if not self.rate_limit:
            return True, {}
        now = time.monotonic()
        with self._lock:
            start, used = self._windows.get(name, (now, 0))
            if now - start >= self.rate_period:
                start, used = now, 0
            allowed = used < self.rate_limit
            if allowed:
                used += 1
            self._windows[name] = (start, used)
            reset = max(1, math.ceil(self.rate_period - (now - start)))
        return allowed, rate_headers(self.rate_limit, self.rate_period, self.rate_limit - used, reset, name)


def rate_headers(limit: int, period: int, remaining: int, reset: int, name: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Period": str(period),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Name": name,
    }
