# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception type for every failure the Datadog modules report, with one clear message."""

from __future__ import annotations

import json
from typing import Any

HINTS = {
    401: "check api_key (DD_API_KEY) and site/api_url",
    403: "check api_key/app_key (DD_API_KEY/DD_APP_KEY), their scopes and site/api_url",
    404: "the object does not exist (any more)",
    429: "rate limited by Datadog",
}


class DatadogError(Exception):
    """A failure of one operation on one resource; ``str()`` is the message for the user."""

    def __init__(
        self,
        operation: str,
        resource: str,
        status: int | None = None,
        errors: list[str] | None = None,
        detail: str | None = None,
        *,
        wrong_endpoint: bool = False,
    ) -> None:
        self.operation = operation
        self.resource = resource
        self.status = status
        self.errors = list(errors or [])
        self.detail = detail
        # The URL does not serve the Datadog API (a list/validate endpoint answered 404).
        self.wrong_endpoint = wrong_endpoint
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        parts = [f"Datadog API: {self.operation} {self.resource} failed"]
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.errors:
            parts.append("errors: " + "; ".join(self.errors))
        if self.detail:
            parts.append(self.detail)
        hint = None if self.wrong_endpoint else HINTS.get(self.status or 0)
        if hint:
            parts.append(f"hint: {hint}")
        return ": ".join(parts[:2]) + (" - " + " - ".join(parts[2:]) if len(parts) > 2 else "")

    def to_result(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "resource": self.resource,
            "status": self.status,
            "errors": self.errors,
        }


def errors_from_body(body: Any) -> list[str]:
    """Extract Datadog's ``errors`` (v1: list of strings; v2: list of objects) from a response body."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            text = body.strip()
            return [text[:300]] if text else []
    if isinstance(body, dict):
        raw = body.get("errors")
        if raw is None:
            return [str(body[k]) for k in ("error", "message") if k in body]
        if not isinstance(raw, list):
            raw = [raw]
        out = []
        for item in raw:
            if isinstance(item, dict):
                text = item.get("detail") or item.get("title") or json.dumps(item, sort_keys=True)
                out.append(str(text))
            else:
                out.append(str(item))
        return out
    return []
