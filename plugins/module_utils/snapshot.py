# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph snapshots (``GET /api/v1/graph/snapshot``) and the event that shares them.

Not idempotent by nature: every run takes a new snapshot; posting an event is a change.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.schedule import (
    ScheduleError,
    parse_duration,
)

try:
    from datadog_api_client.v1.api.events_api import EventsApi
    from datadog_api_client.v1.api.snapshots_api import SnapshotsApi
except ImportError:  # pragma: no cover
    EventsApi = SnapshotsApi = None


def to_epoch(value: Any, field: str) -> int:
    """Epoch seconds (int or digits) or an ISO 8601 date-time with offset or ``Z``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DatadogError(
            "check", "snapshot", detail=f"{field}: {value!r} is not epoch seconds or ISO 8601"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp())


def window(params: dict[str, Any], now: float | None = None) -> tuple[int, int]:
    """``start``/``end`` or ``last`` (a duration ending now) -> (start, end) epoch seconds."""
    current = int(now if now is not None else time.time())
    end = to_epoch(params["end"], "end") if params.get("end") is not None else current
    if params.get("last"):
        try:
            minutes = parse_duration(params["last"], "last")
        except ScheduleError as exc:
            raise DatadogError("check", "snapshot", detail=str(exc)) from None
        start = end - minutes * 60
    elif params.get("start") is not None:
        start = to_epoch(params["start"], "start")
    else:
        raise DatadogError("check", "snapshot", detail="give start (with optional end) or last")
    if start >= end:
        raise DatadogError("check", "snapshot", detail=f"start ({start}) must be before end ({end})")
    return start, end


def mention(handle: str) -> str:
    """``alice@example.com`` / ``@slack-ops`` -> ``@alice@example.com`` / ``@slack-ops``."""
    handle = handle.strip()
    return handle if handle.startswith("@") else "@" + handle


def event_text(text: str | None, snapshot_url: str, notify: list[str]) -> str:
    lines = [text.strip()] if text and text.strip() else []
    lines.append(snapshot_url)
    if notify:
        lines.append(" ".join(mention(h) for h in notify))
    return "\n\n".join(lines)


def run(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    start, end = window(params)
    query = params["metric_query"]
    resource = f"graph snapshot of {query!r}"
    kwargs: dict[str, Any] = {"metric_query": query}
    if params.get("title"):
        kwargs["title"] = params["title"]
    snap = client.call("take", resource, SnapshotsApi(client.api).get_graph_snapshot, start, end, **kwargs)
    out: dict[str, Any] = {"changed": False, "snapshot": snap, "start": start, "end": end, "event": None}
    snapshot_url = snap.get("snapshot_url") or ""
    if not params.get("post_event"):
        return out
    title = params.get("event_title") or params.get("title") or f"Snapshot of {query}"
    body: dict[str, Any] = {
        "title": title,
        "text": event_text(params.get("event_text"), snapshot_url, params.get("notify") or []),
        "tags": sorted(set(params.get("tags") or [])),
        "alert_type": params.get("alert_type") or "info",
    }
    out["changed"] = True
    if check_mode:
        out["event"] = body
        return out
    answer = client.call(
        "post", f"event {title!r}", EventsApi(client.api).create_event, body=body, idempotent=False
    )
    out["event"] = answer.get("event") or answer
    return out
