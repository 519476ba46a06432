# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datadog downtimes (API v2) with a caller-chosen name as natural key.

Datadog downtimes have no name field. The module stores the name as the **last line of the
downtime's message**: ``[ansible-name: <name>]`` (after a blank line if there is a message).
The marker is visible in the Datadog UI, survives edits of the rest of the message and is
stripped from the ``message`` the module compares and returns.

Lookup by name lists **all** downtimes (``GET /api/v2/downtime`` without ``current_only``, which
Datadog documents as "only return downtimes that are active when the request is made": a
recurring downtime between two windows is ``scheduled``, not active) and keeps the live ones
(``active``/``scheduled``). Cancelled and ended downtimes are history: Datadog keeps listing them
for a while, they never match, and they are never changed. When only ended ones carry the name,
a new downtime is created (the task's window is in the future: a window wholly in the past is
rejected before any request) and their ids are returned in ``ended_ids`` with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.common.warnings import warn
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (
    clean,
    squash_spaces,
    string_set,
    trim,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import Plan, unknown_id
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import RaceRules, dig
from ansible_collections.datadog_exercise.stack.plugins.module_utils.schedule import (
    ScheduleError,
    api_schedule,
    build_schedule,
    check_timezone,
    normalise_schedule,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.service import ResourceService

try:
    from datadog_api_client.v2.api.downtimes_api import DowntimesApi
except ImportError:  # pragma: no cover
    DowntimesApi = None

NAME_MARKER = "[ansible-name: {name}]"
NAME_RE = re.compile(r"\[ansible-name: ([^\]\n]+)\]\s*$")
LIVE_STATUSES = {"active", "scheduled"}
SCOPE_OPERATORS = {"AND", "OR", "NOT"}
SCOPE_TOKEN_RE = re.compile(r'\(|\)|"[^"]*"|[^\s()"]+(?:"[^"]*")?')
SCOPE_TERM_RE = re.compile(r'^[-!]?[^\s:()"]+:\S+$')
SCOPE_GROUP_KEY_RE = re.compile(r'^[-!]?[^\s:()"]+:$')
DEFAULT_END_STATES = ["alert", "no data", "warn"]
DEFAULT_END_TYPES = ["canceled", "expired"]


def check_name(name: str) -> str:
    """The natural-key rule shared with monitors and dashboards (normalize.check_key), plus the
    marker's own limits: one line, no ']'."""
    from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import (  # noqa: PLC0415
        check_key,
    )

    if not name or not name.strip() or "]" in name or "\n" in name:
        raise DatadogError(
            "check", "downtime name", detail=f"name {name!r} must be non-empty, one line, no ']'"
        )
    return check_key(name, "name", "downtime name")


def compose_message(message: str | None, name: str | None) -> str:
    """The message sent to Datadog: the user's text, then the name marker line."""
    text = trim(message) or ""
    if not name:
        return text
    marker = NAME_MARKER.format(name=name)
    return f"{text}\n\n{marker}" if text else marker


SCOPE_HINT = "every term is key:value or key:(a OR b), joined with AND/OR/NOT; * is everything"


def _scope_error(text: str, why: str) -> DatadogError:
    return DatadogError("check", "downtime scope", detail=f"scope {text!r}: {why}; {SCOPE_HINT}")


def check_scope(scope: str | None) -> str:
    """A downtime scope: ``*``, or ``key:value`` terms (``key:(a OR b)`` groups) with AND/OR/NOT.

    Datadog answers 400 "All values must have a key" for a term without ``key:`` (recorded).
    """
    text = (scope or "").strip()
    if not text:
        raise _scope_error(text, "must not be empty")
    words = SCOPE_TOKEN_RE.findall(text)
    if "".join(words) != re.sub(r"\s+", "", text):
        raise _scope_error(text, "unbalanced quotes")
    stack: list[str] = []  # "terms" or "values" (inside key:( ... ))
    after_key = False
    for word in words:
        if word == "(":
            stack.append("values" if after_key else "terms")
            after_key = False
            continue
        if after_key:
            raise _scope_error(text, f"{word!r} follows a key without value")
        if word == ")":
            if not stack:
                raise _scope_error(text, "unbalanced ')'")
            stack.pop()
            continue
        if word.upper() in SCOPE_OPERATORS or word == "*" or (stack and stack[-1] == "values"):
            continue
        if SCOPE_GROUP_KEY_RE.match(word):
            after_key = True
            continue
        if not SCOPE_TERM_RE.match(word):
            raise _scope_error(text, f"{word!r} is not key:value")
    if stack or after_key:
        raise _scope_error(text, "unbalanced '(' or a key without value")
    return text


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


def explicit_nulls(raw_args: dict[str, Any], names: tuple[str, ...]) -> frozenset[str]:
    """Which of ``names`` the task set to null explicitly (``raw_args``: the arguments as sent)."""
    return frozenset(n for n in names if n in raw_args and raw_args[n] is None)


def monitor_identifier(params: dict[str, Any], null_options: frozenset[str]) -> dict[str, Any] | None:
    """The task's ``monitor_identifier``; None when the task leaves it to the existing downtime.

    ``monitor_id: null`` (a templated id of a monitor that does not exist yet) is an error, never
    "all monitors": silencing every monitor is an explicit ``monitor_tags: ['*']``.
    """
    if "monitor_id" in null_options:
        raise DatadogError(
            "check",
            "downtime monitor_id",
            detail="monitor_id is null (a templated id of a monitor that does not exist yet?); give a "
            "monitor id, or monitor_tags (['*'] silences every monitor), or leave monitor_id out",
        )
    if params.get("monitor_id") is not None:
        return {"monitor_id": params["monitor_id"]}
    if params.get("monitor_tags") is not None:
        tags = string_set(params["monitor_tags"])
        if not tags:
            raise DatadogError(
                "check",
                "downtime monitor_tags",
                detail="monitor_tags is empty; list the monitor tags to silence, or ['*'] for every monitor",
            )
        return {"monitor_tags": tags}
    return None


def desired_attributes(
    params: dict[str, Any], null_options: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Task -> (v2 attributes to send, schedule with bookkeeping for comparison).

    Every check that does not need the server runs here, before any request.
    """
    label = f"downtime {params.get('name') or params.get('id')!r}"
    try:
        schedule = build_schedule(params)
        timezone = check_timezone(params.get("timezone") or "UTC")
        display = check_timezone(params.get("display_timezone") or timezone, "display_timezone")
    except ScheduleError as exc:
        raise DatadogError("check", label, detail=str(exc)) from None
    if schedule and "recurrences" in schedule and display != timezone:
        # Datadog: 400 "timezone must match display_timezone" for a recurring schedule.
        raise DatadogError(
            "check",
            label,
            detail=f"display_timezone ({display}) must equal timezone ({timezone}) for a recurring "
            "downtime (Datadog rejects a different one)",
        )
    attrs: dict[str, Any] = {
        "message": compose_message(params.get("downtime_message"), params.get("name")),
        "scope": check_scope(params.get("scope") or "*"),
        "display_timezone": display,
        "mute_first_recovery_notification": bool(params.get("mute_first_recovery_notification")),
        "notify_end_states": sorted(params.get("notify_end_states") or DEFAULT_END_STATES),
        "notify_end_types": sorted(params.get("notify_end_types") or DEFAULT_END_TYPES),
    }
    identifier = monitor_identifier(params, null_options)
    if identifier is not None:
        attrs["monitor_identifier"] = identifier
    sched = api_schedule(schedule)
    if sched:
        attrs["schedule"] = sched
    return attrs, schedule


def normalise(
    attrs: dict[str, Any], desired_schedule: dict[str, Any] | None, managed_target: bool = True
) -> dict[str, Any]:
    """Project v2 attributes (server's or the task's) onto what the module manages.

    ``managed_target=False`` leaves ``monitor_identifier`` out (the task does not set it).
    """
    message, name = split_message(attrs.get("message"))
    ident = attrs.get("monitor_identifier") or {}
    if ident.get("monitor_id") is not None:
        identifier: dict[str, Any] = {"monitor_id": int(ident["monitor_id"])}
    else:
        identifier = {"monitor_tags": string_set(ident.get("monitor_tags"))}
    try:
        schedule = normalise_schedule(attrs.get("schedule"), desired_schedule)
    except ScheduleError as exc:
        raise DatadogError(
            "read", f"downtime {name or ''!r}".strip(), detail=f"cannot read its schedule: {exc}"
        ) from None
    return clean(
        {
            "name": name,
            "message": message or None,
            "scope": squash_spaces(attrs.get("scope")) or None,
            "display_timezone": attrs.get("display_timezone") or None,
            "monitor_identifier": identifier if managed_target else None,
            "mute_first_recovery_notification": bool(attrs.get("mute_first_recovery_notification")),
            "notify_end_states": string_set(attrs.get("notify_end_states") or DEFAULT_END_STATES),
            "notify_end_types": string_set(attrs.get("notify_end_types") or DEFAULT_END_TYPES),
            "schedule": schedule,
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


def race_comparable(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes of a downtime without its start times: a start left to the server is the
    creation time, so copies created by concurrent runs differ there and nowhere else."""
    schedule = dict(attrs.get("schedule") or {})
    schedule.pop("start", None)
    recurrences = [r for r in schedule.get("recurrences") or [] if isinstance(r, dict)]
    schedule["recurrences"] = [{k: v for k, v in r.items() if k != "start"} for r in recurrences]
    return dict(attrs, schedule=schedule)


class DowntimeService(ResourceService):
    """Downtimes (API v2): the shared skeleton (service.py) with the downtime's calls.

    v2 answers carry the object in ``data`` and its fields in ``attributes``; the natural key is
    the name marker of the message; a downtime is cancelled, not deleted.
    """

    API = DowntimesApi
    RACE = RaceRules(
        "downtime",
        "name",
        created=lambda d: attributes_of(d).get("created"),
        creator=lambda d: dig(d, "relationships", "created_by", "data", "id"),
        comparable=lambda d: race_comparable(attributes_of(d)),
    )
    DELETE_OPERATION = "cancel"

    def __init__(self, client: DatadogClient) -> None:
        super().__init__(client)
        # Ended/cancelled downtimes carrying the name, as seen by the last name lookup.
        self.ended_matches: list[dict[str, Any]] = []

    def send_read(self, object_id: str) -> Any:
        return self.api.get_downtime(object_id)

    def page(self, n: int, size: int, what: str, **filters: Any) -> list[dict[str, Any]]:
        """Every downtime, no ``current_only``: see matches."""
        answer = self.client.call(
            "list", what, self.api.list_downtimes, page_offset=n * size, page_limit=size, **filters
        )
        return answer.get("data") or []

    def matches(self, key: str) -> list[dict[str, Any]]:
        """The live downtimes whose name marker is ``key``; the ended or cancelled ones are kept in
        ``ended_matches``.

        Lists every downtime (v2, paged) WITHOUT ``current_only``: Datadog documents it as "only
        return downtimes that are active when the request is made", which leaves out a recurring
        downtime between its windows (``scheduled``).
        """
        named = [d for d in self.list_all() if split_message(attributes_of(d).get("message"))[1] == key]
        self.ended_matches = [d for d in named if not is_live(d)]
        return [d for d in named if is_live(d)]

    def send_create(self, body: dict[str, Any]) -> Any:
        return self.api.create_downtime(body={"data": {"type": "downtime", "attributes": body}})

    def send_update(self, object_id: str, body: dict[str, Any]) -> Any:
        data = {"type": "downtime", "id": object_id, "attributes": body}
        return self.api.update_downtime(object_id, body={"data": data})

    def send_delete(self, object_id: str, force: bool) -> Any:
        return self.api.cancel_downtime(object_id)

    def unwrap(self, answer: Any) -> Any:
        return answer["data"]

    def wrap(self, found: dict[str, Any] | None) -> Any:
        return {"data": found} if found else None

    def fields(self, obj: dict[str, Any]) -> dict[str, Any]:
        return attributes_of(obj)

    def shown(self, obj: dict[str, Any]) -> dict[str, Any]:
        return flatten(obj)

    def also_returned(self, planned: Plan, obj: dict[str, Any]) -> dict[str, Any]:
        return {"ended_ids": planned.extra.get("ended_ids", [])}

    def predict_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": None, "attributes": body}

    def predict_update(self, current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        # An explicit one-time schedule replacing a recurring one is shown as the server keeps it.
        shown = {k: v for k, v in body.items() if k != "schedule" or v != {"start": None, "end": None}}
        return {"id": current["id"], "attributes": dict(attributes_of(current), **shown)}


# --- options: one definition for datadog_downtime and datadog_resources' downtimes ----------------

RECURRENCE_OPTIONS: dict[str, Any] = {
    "days": {"type": "list", "elements": "str"},
    "start_time": {"type": "str"},
    "end_time": {"type": "str"},
    "duration": {"type": "str"},
    "all_day": {"type": "bool"},
    "start_date": {"type": "str"},
    "rrule": {"type": "str"},
    "start": {"type": "str"},
}


def option_spec() -> dict[str, Any]:
    """The downtime's options (without the connection options), as AnsibleModule takes them."""
    return {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "name": {"type": "str"},
        "id": {"type": "str"},
        "monitor_id": {"type": "int"},
        "monitor_tags": {"type": "list", "elements": "str"},
        "scope": {"type": "str", "default": "*"},
        "downtime_message": {"type": "str"},
        "timezone": {"type": "str", "default": "UTC"},
        "display_timezone": {"type": "str"},
        "start": {"type": "str"},
        "end": {"type": "str"},
        "recurrences": {"type": "list", "elements": "dict", "options": dict(RECURRENCE_OPTIONS)},
        "notify_end_states": {"type": "list", "elements": "str", "choices": ["alert", "no data", "warn"]},
        "notify_end_types": {"type": "list", "elements": "str", "choices": ["canceled", "expired"]},
        "mute_first_recovery_notification": {"type": "bool", "default": False},
    }


def option_rules() -> dict[str, Any]:
    """The spec's cross-option rules (AnsibleModule / ArgumentSpecValidator keyword arguments)."""
    return {
        "required_one_of": [("name", "id")],
        "mutually_exclusive": [
            ("monitor_id", "monitor_tags"),
            ("recurrences", "start"),
            ("recurrences", "end"),
        ],
    }


# --- plan / apply (see plan.py) -------------------------------------------------------------------


@dataclass
class Wanted:
    """The task's downtime, checked (``params`` with the name checked; ``null_options`` as given)."""

    params: dict[str, Any]
    null_options: frozenset[str]

    @property
    def name(self) -> str | None:
        return self.params.get("name")

    @property
    def downtime_id(self) -> str | None:
        return self.params.get("id")

    @property
    def present(self) -> bool:
        return self.params.get("state", "present") == "present"


def wanted(params: dict[str, Any], null_options: frozenset[str] = frozenset()) -> Wanted:
    """Every check that needs no request; bad input fails here (check mode too)."""
    name = check_name(params["name"]) if params.get("name") else None
    params = dict(params, name=name)
    if params.get("state", "present") == "present":
        desired_attributes(params, null_options)
    return Wanted(params, null_options)


def lookup(svc: DowntimeService, want: Wanted) -> tuple[dict[str, Any] | None, list[str]]:
    """(the live downtime, ids of ended ones with the name): by id (one GET) or by name (the list)."""
    if want.downtime_id:
        current = svc.get(want.downtime_id)
        return (current if current is not None and is_live(current) else None), []
    current = svc.find(want.name) if want.name else None
    return current, [str(d.get("id")) for d in svc.ended_matches]


def plan(want: Wanted, current: dict[str, Any] | None, ended_ids: list[str] | None = None) -> Plan:
    """Compare; no request. Raises when the task cannot be carried out."""
    params, null_options, name = want.params, want.null_options, want.name
    ended = list(ended_ids or [])
    downtime_id = want.downtime_id
    if not want.present:
        return Plan.for_absent(
            "downtime",
            name,
            current,
            downtime_id,
            normalise=lambda found: normalise(attributes_of(found), None),
            extra={"ended_ids": ended},
        )
    if downtime_id and current is None:
        raise unknown_id(
            "downtime",
            downtime_id,
            "no active or scheduled downtime has this id (cancelled and ended ones cannot be changed)",
        )
    if current is not None and name is None:
        # Identified by id only: keep the name it already carries.
        name = split_message(attributes_of(current).get("message"))[1]
        params = dict(params, name=name)
    if current is None and not name:
        raise DatadogError(
            "create", "downtime", detail="name is required to create a downtime (its natural key)"
        )
    attrs, schedule = desired_attributes(params, null_options)
    managed_target = "monitor_identifier" in attrs
    if current is None and not managed_target:
        raise DatadogError(
            "check",
            f"downtime {name!r}",
            detail="give monitor_id, or monitor_tags (['*'] silences every monitor): a new downtime "
            "needs an explicit choice of monitors",
        )
    if current is None and ended:
        warn(
            f"downtime {name!r}: ended or cancelled downtime(s) {', '.join(ended)} carry this name; "
            "they are history and are left alone, a new downtime is scheduled"
        )

    def update(found: dict[str, Any], _before: dict[str, Any]) -> dict[str, Any]:
        if "schedule" not in attrs and (attributes_of(found).get("schedule") or {}).get("recurrences"):
            # "starts now, never ends" replaces a recurring schedule: send an explicit one-time schedule.
            return dict(attrs, schedule={"start": None, "end": None})
        return attrs

    return Plan.for_present(
        "downtime",
        name,
        current,
        (attrs, normalise(attrs, schedule, managed_target)),
        normalise=lambda found: normalise(attributes_of(found), schedule, managed_target),
        update_body=update,
        extra={"ended_ids": ended},
    )


def ensure(
    client: DatadogClient,
    params: dict[str, Any],
    check_mode: bool,
    null_options: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``null_options``: options the task set to null explicitly (told apart from omitted ones)."""
    svc = DowntimeService(client)
    want = wanted(params, null_options)
    current, ended_ids = lookup(svc, want)
    return svc.apply(plan(want, current, ended_ids), check_mode)
