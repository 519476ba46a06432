# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog downtimes (API v2) with a caller-chosen name as natural key.

Datadog downtimes have no name field. The module stores the name as the **last line of the
downtime's message**: ``[ansible-name: <name>]`` (after a blank line if there is a message).
The marker is visible in the Datadog UI, survives edits of the rest of the message and is
stripped from the ``message`` the module compares and returns. A downtime that is cancelled or
ended counts as absent.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    clean,
    squash_spaces,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import (
    PAGE_SIZE,
    only_one,
    paginate,
    result,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.schedule import (
    ScheduleError,
    api_schedule,
    build_schedule,
    normalise_schedule,
)

try:
    from datadog_api_client.v2.api.downtimes_api import DowntimesApi
except ImportError:  # pragma: no cover
    DowntimesApi = None

NAME_MARKER = "[ansible-name: {name}]"
NAME_RE = re.compile(r"\[ansible-name: ([^\]\n]+)\]\s*$")
LIVE_STATUSES = {"active", "scheduled"}
DEFAULT_END_STATES = ["alert", "no data", "warn"]
DEFAULT_END_TYPES = ["canceled", "expired"]


def check_name(name: str) -> str:
    if not name or not name.strip() or "]" in name or "\n" in name:
        raise DatadogError(
            "check", "downtime name", detail=f"name {name!r} must be non-empty, one line, no ']'"
        )
    return name.strip()


def compose_message(message: str | None, name: str | None) -> str:
    """The message sent to Datadog: the user's text, then the name marker line."""
    text = trim(message) or ""
    if not name:
        return text
    marker = NAME_MARKER.format(name=name)
    return f"{text}\n\n{marker}" if text else marker


def split_message(message: str | None) -> tuple[str, str | None]:
    """Datadog message -> (user text, name or None)."""
    text = message or ""
    match = NAME_RE.search(text)
    if not match:
        return trim(text) or "", None
    return trim(text[: match.start()]) or "", match.group(1).strip()


def attributes_of(downtime: dict[str, Any]) -> dict[str, Any]:
    """v2 response ``data`` item (or a bare attributes dict) -> attributes."""
    return downtime.get("attributes", downtime) if isinstance(downtime, dict) else {}


def desired_attributes(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Task -> (v2 attributes to send, schedule with bookkeeping for comparison)."""
    try:
        schedule = build_schedule(params)
    except ScheduleError as exc:
        raise DatadogError(
            "check", f"downtime {params.get('name') or params.get('id')!r}", detail=str(exc)
        ) from None
    if params.get("monitor_id") is not None:
        identifier: dict[str, Any] = {"monitor_id": params["monitor_id"]}
    else:
        identifier = {"monitor_tags": string_set(params.get("monitor_tags")) or ["*"]}
    attrs: dict[str, Any] = {
        "message": compose_message(params.get("downtime_message"), params.get("name")),
        "scope": params.get("scope") or "*",
        "monitor_identifier": identifier,
        "mute_first_recovery_notification": bool(params.get("mute_first_recovery_notification")),
        "notify_end_states": sorted(params.get("notify_end_states") or DEFAULT_END_STATES),
        "notify_end_types": sorted(params.get("notify_end_types") or DEFAULT_END_TYPES),
    }
    sched = api_schedule(schedule)
    if sched:
        attrs["schedule"] = sched
    return attrs, schedule


def normalise(attrs: dict[str, Any], desired_schedule: dict[str, Any] | None) -> dict[str, Any]:
    """Project v2 attributes (server's or the task's) onto what the module manages."""
    message, name = split_message(attrs.get("message"))
    ident = attrs.get("monitor_identifier") or {}
    if ident.get("monitor_id") is not None:
        identifier: dict[str, Any] = {"monitor_id": int(ident["monitor_id"])}
    else:
        identifier = {"monitor_tags": string_set(ident.get("monitor_tags"))}
    return clean(
        {
            "name": name,
            "message": message or None,
            "scope": squash_spaces(attrs.get("scope")) or None,
            "monitor_identifier": identifier,
            "mute_first_recovery_notification": bool(attrs.get("mute_first_recovery_notification")),
            "notify_end_states": string_set(attrs.get("notify_end_states") or DEFAULT_END_STATES),
            "notify_end_types": string_set(attrs.get("notify_end_types") or DEFAULT_END_TYPES),
            "schedule": normalise_schedule(attrs.get("schedule"), desired_schedule),
        }
    )


def is_live(item: dict[str, Any]) -> bool:
    status = attributes_of(item).get("status")
    return status is None or status in LIVE_STATUSES


def flatten(item: dict[str, Any]) -> dict[str, Any]:
    """v2 data item -> the object the module returns: id plus attributes, ``name`` split out."""
    attrs = dict(attributes_of(item))
    message, name = split_message(attrs.get("message"))
    attrs.update(id=item.get("id"), name=name, message=message)
    return attrs


class DowntimeService:
    def __init__(self, client: DatadogClient) -> None:
        self.client = client
        self.api = DowntimesApi(client.api)

    def get(self, downtime_id: str) -> dict[str, Any] | None:
        answer = self.client.read_or_none(f"downtime {downtime_id}", self.api.get_downtime, downtime_id)
        return None if answer is None else answer.get("data")

    def find_by_name(self, name: str) -> dict[str, Any] | None:
        """List current downtimes (v2, ``current_only``, paged) and match the name marker."""

        def page(n: int) -> list[dict[str, Any]]:
            answer = self.client.call(
                "list",
                "downtimes",
                self.api.list_downtimes,
                current_only=True,
                page_offset=n * PAGE_SIZE,
                page_limit=PAGE_SIZE,
            )
            return answer.get("data") or []

        matches = [
            d
            for d in paginate(page, key=lambda d: d.get("id"))
            if is_live(d) and split_message(attributes_of(d).get("message"))[1] == name
        ]
        return only_one(matches, "downtime", "name", name)

    def create(self, attrs: dict[str, Any], name: str) -> dict[str, Any]:
        body = {"data": {"type": "downtime", "attributes": attrs}}

        def recover() -> dict[str, Any] | None:
            found = self.find_by_name(name)
            return {"data": found} if found else None

        answer = self.client.call(
            "create",
            f"downtime {name!r}",
            self.api.create_downtime,
            body=body,
            idempotent=False,
            recover=recover,
        )
        return answer["data"]

    def update(self, downtime_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
        body = {"data": {"type": "downtime", "id": downtime_id, "attributes": attrs}}
        answer = self.client.call(
            "update", f"downtime {downtime_id}", self.api.update_downtime, downtime_id, body=body
        )
        return answer["data"]

    def cancel(self, downtime_id: str) -> None:
        try:
            self.client.call("cancel", f"downtime {downtime_id}", self.api.cancel_downtime, downtime_id)
        except DatadogError as err:
            if err.status != 404:
                raise


def ensure(client: DatadogClient, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    svc = DowntimeService(client)
    name = check_name(params["name"]) if params.get("name") else None
    params = dict(params, name=name)
    downtime_id = params.get("id")
    if params["state"] == "present":
        desired_attributes(params)  # bad input fails here, before any request
    if downtime_id:
        current = svc.get(downtime_id)
        if current is not None and not is_live(current):
            current = None
    else:
        current = svc.find_by_name(name) if name else None

    if params["state"] == "absent":
        if current is None:
            return result(False, None, None, downtime={}, id=downtime_id)
        before = normalise(attributes_of(current), None)
        if not check_mode:
            svc.cancel(current["id"])
        return result(True, before, None, downtime={}, id=current["id"])

    if downtime_id and current is None:
        raise DatadogError(
            "read",
            f"downtime {downtime_id}",
            404,
            detail="no active or scheduled downtime has this id (cancelled and ended ones cannot be changed)",
        )
    if current is not None and name is None:
        # Identified by id only: keep the name it already carries.
        name = split_message(attributes_of(current).get("message"))[1]
        params = dict(params, name=name)
    if current is None and not name:
        raise DatadogError(
            "create", "downtime", detail="name is required to create a downtime (its natural key)"
        )

    attrs, schedule = desired_attributes(params)
    after = normalise(attrs, schedule)
    if current is None:
        created = {"id": None, "attributes": attrs} if check_mode else svc.create(attrs, name or "")
        return result(True, None, after, downtime=flatten(created), id=created.get("id"))

    before = normalise(attributes_of(current), schedule)
    if before == after:
        return result(False, before, after, downtime=flatten(current), id=current["id"])
    if check_mode:
        merged = {"id": current["id"], "attributes": dict(attributes_of(current), **attrs)}
        return result(True, before, after, downtime=flatten(merged), id=current["id"])
    if "schedule" not in attrs and (attributes_of(current).get("schedule") or {}).get("recurrences"):
        # "starts now, never ends" replaces a recurring schedule: send an explicit one-time schedule.
        attrs["schedule"] = {"start": None, "end": None}
    updated = svc.update(current["id"], attrs)
    return result(True, before, after, downtime=flatten(updated), id=current["id"])
