# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy for Datadog API calls.

Only two kinds of answers are retried:

* ``429 Too Many Requests``: the request was refused, not processed, so any method may be sent
  again once the rate limit window named by ``X-RateLimit-Reset`` (seconds) has passed;
* ``5xx`` and transport errors (connection reset, timeout): sent again with exponential backoff
  **only for idempotent operations**. A create (POST) that may have reached the server is never
  re-sent blindly: the caller supplies a ``recover`` function that re-reads by natural key first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RETRY_STATUS_RATE_LIMIT = 429
MAX_RATE_LIMIT_WAIT = 300.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` extra attempts after the first; backoff ``base * 2**attempt`` capped at 30 s."""

    retries: int = 5
    backoff: float = 1.0

    def backoff_delay(self, attempt: int) -> float:
        return min(MAX_BACKOFF, self.backoff * (2**attempt))


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """Case-insensitive header lookup."""
    if not headers:
        return None
    lname = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lname:
            return str(value)
    return None


def rate_limit_wait(headers: Mapping[str, Any] | None, fallback: float) -> float:
    """Seconds to wait after a 429: ``X-RateLimit-Reset`` (seconds to reset), else ``fallback``."""
    raw = header(headers, "X-RateLimit-Reset")
    if raw is None:
        raw = header(headers, "Retry-After")
    try:
        wait = float(raw) if raw is not None else fallback
    except ValueError:
        wait = fallback
    return max(0.0, min(wait, MAX_RATE_LIMIT_WAIT))


def is_transient(status: int | None) -> bool:
    """5xx or no status at all (transport error, timeout)."""
    return status is None or status == 0 or 500 <= status <= 599


def decide(
    status: int | None,
    headers: Mapping[str, Any] | None,
    attempt: int,
    policy: RetryPolicy,
    idempotent: bool,
) -> float | None:
    """Return the delay before the next attempt, or ``None`` when the failure must be raised.

    ``attempt`` counts from 0 (the first try). Non-idempotent calls are retried on 429 only;
    their 5xx handling (re-read before re-sending) belongs to the caller.
    """
    if attempt >= policy.retries:
        return None
    if status == RETRY_STATUS_RATE_LIMIT:
        return rate_limit_wait(headers, policy.backoff_delay(attempt))
    if idempotent and is_transient(status):
        return policy.backoff_delay(attempt)
    return None
