"""Replay recorded real Datadog traffic against the emulator and compare the answers' shape.

For every recording in ../shared/datadog-api-recordings (VCR YAML, recorded by the official
client's own tests), each interaction on a route the emulator implements is re-sent in order
(ids the real API handed out are mapped to the emulator's), and the answer must have the
same status code and the same key sets: top level, ``options`` (monitors) and ``attributes``
(v2 resources), plus the keys of a list answer's first item when both lists have one. Every
field the server adds (in the answer, not in the request) must also have the recorded *value*,
except ids, timestamps and what depends on the replay's date (SERVER_VALUES_VARY): monitor
option defaults (``notify_audit``, ``include_tags``, ``new_host_delay``, ``notify_no_data``,
``groupby_simple_monitor`` for log alerts, ``silenced``), ``multi``, ``overall_state``,
``draft_status``, dashboards' ``restricted_roles``/``notify_list``/... are compared this way.
The event intake host (``event-management-intake``, v2 event create) is replayed on the same
emulator; interactions on other hosts or routes outside the emulator's scope are skipped.

Verdicts: "replayed" (identical status and key sets), "drift" (differs only by fields Datadog
added or removed between recording dates, or by a documented per-recording drift), "differs",
"unsupported" (nothing replayable). The test requires MINIMUM_IDENTICAL identical replays and
no unexplained difference. Run this file directly for a per-recording report with reasons.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dd_emulator import Emulator
from dd_emulator.server import ROUTER
from helpers import call

RECORDINGS = Path(
    os.environ.get("DD_RECORDINGS", Path(__file__).resolve().parents[3] / "shared" / "datadog-api-recordings")
)
MINIMUM_IDENTICAL = 45
# Hosts whose routes the loopback emulator serves (the API and the v2 event intake).
HOSTS = {"api.datadoghq.com", "event-management-intake.datadoghq.com"}
# Server-added fields whose value is not compared: ids, timestamps, URLs, the recording org's
# users, values that depend on the replay's date (a downtime recorded as active has ended since),
# and set-valued lists Datadog returns in no fixed order (compared as sets).
SERVER_VALUES_VARY = {
    "id", "id_str", "uuid", "org_id", "created", "created_at", "modified", "modified_at",
    "deleted_at", "url", "author_handle", "author_name", "creator", "creator_id", "updater_id",
    "overall_state_modified", "deleted_dashboard_id", "deleted_monitor_id", "event", "links",
    "included", "active", "status", "canceled", "monitor_id", "parent_id", "evt", "schedule",
}  # fmt: skip
UNORDERED = {"notify_end_states", "notify_end_types"}
# Recordings whose answers depend on the recording org's pre-existing content or on
# behaviour outside the emulator; each is reported, with the reason, instead of failing.
KNOWN_DIFFERENCES: dict[str, str] = {}
# Fields Datadog added or removed between recordings (2021-2026). The emulator answers like the
# newest recordings; an older recording that differs only by these is counted as "drift".
DRIFT = {"assets", "draft_status", "restriction_policy", "is_read_only"}
# Differences particular to one recording's date or org, with the reason; counted as "drift".
RECORDING_DRIFT = {
    "v1/test_create_a_metric_monitor_with_a_custom_schedule_returns_ok_response.yaml": (
        {"restricted", "run_as", "avalanche_window", "assets"},
        "recorded 2025-05 in org 2 (a Datadog staff org; the other answers come from the client's"
        " test orgs): restricted/run_as/options.avalanche_window are in no other answer and no"
        " client model; assets came later",
    ),
}


def _seed_monitor(emu: Emulator) -> int:
    body = {
        "name": "Replay precondition",
        "type": "metric alert",
        "query": "avg(last_5m):avg:system.load.5{*} > 2",
        "options": {"thresholds": {"critical": 2}},
    }
    return int(call(emu, "POST", "/api/v1/monitor", body).body["id"])


def _seed_downtime(emu: Emulator, scope: str) -> str:
    attributes = {"scope": scope, "monitor_identifier": {"monitor_tags": ["*"]}}
    body = {"data": {"type": "downtime", "attributes": attributes}}
    return str(call(emu, "POST", "/api/v2/downtime", body).body["data"]["id"])


def _org_with_monitor_and_downtime(emu: Emulator) -> dict[str, str]:
    monitor_id = _seed_monitor(emu)
    _seed_downtime(emu, "*")
    return {"35534610": str(monitor_id)}


def _org_with_downtimes(count: int) -> Callable[[Emulator], dict[str, str]]:
    def seed(emu: Emulator) -> dict[str, str]:
        for number in range(count):
            _seed_downtime(emu, f"host:replay-{number}")
        return {}

    return seed


# Recordings that read content the recording org already had (the client's tests' "given"
# steps): it is created first through the emulator's own API, generic bodies, never recorded
# ones; the returned mapping replaces the recorded ids in the replayed requests.
ORG_CONTENT: dict[str, tuple[Callable[[Emulator], dict[str, str]], str]] = {
    "v2/test_get_active_downtimes_for_a_monitor_returns_ok_response.yaml": (
        _org_with_monitor_and_downtime,
        "monitor 35534610 with a downtime on '*' existed in the recording org",
    ),
    "v2/test_get_all_downtimes_returns_ok_response_with_pagination.yaml": (
        _org_with_downtimes(3),
        "the recording org had 3 downtimes (total_filtered_count 3)",
    ),
    "v1/test_get_all_downtimes_returns_ok_response.yaml": (
        _org_with_downtimes(1),
        "the recording org had 977 downtimes",
    ),
}


def _keys(body: Any) -> Any:
    if isinstance(body, list):
        return "list"
    if not isinstance(body, dict):
        return type(body).__name__
    return sorted(body)


def _shape(body: Any) -> dict[str, Any]:
    """The key sets compared: top level, options, data.attributes (first item of a list)."""
    shape: dict[str, Any] = {"top": _keys(body)}
    if isinstance(body, list) and body and isinstance(body[0], dict):
        shape["items"] = _keys(body[0])
    if isinstance(body, dict):
        if isinstance(body.get("options"), dict):
            shape["options"] = _keys(body["options"])
        data = body.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            shape["attributes"] = _keys(data["attributes"])
    return shape


def _server_added(sent: Any, recorded: Any, got: Any) -> list[tuple[str, Any, Any]]:
    """(key, recorded, emulated) for every key the server added whose values differ."""
    if not isinstance(recorded, dict) or not isinstance(got, dict):
        return []
    sent = sent if isinstance(sent, dict) else {}
    out = []
    for key, value in recorded.items():
        if key in sent or key in SERVER_VALUES_VARY or key not in got:
            continue
        mine, theirs = got[key], value
        if key in UNORDERED and isinstance(theirs, list) and isinstance(mine, list):
            theirs, mine = sorted(map(str, theirs)), sorted(map(str, mine))
        if theirs != mine:
            out.append((key, theirs, mine))
    return out


def _value_notes(method: str, path: str, sent: Any, recorded: Any, got: Any) -> list[str]:
    """Differences in the values of server-added fields: top level, options, data.attributes."""
    if not isinstance(recorded, dict) or not isinstance(got, dict):
        return []
    pairs = [("", sent, recorded, got)]
    sent_dict = sent if isinstance(sent, dict) else {}
    pairs.append(("options.", sent_dict.get("options"), recorded.get("options"), got.get("options")))
    rec_data, got_data = recorded.get("data"), got.get("data")
    if isinstance(rec_data, dict) and isinstance(got_data, dict):
        sent_attrs = (
            (sent_dict.get("data") or {}).get("attributes")
            if isinstance(sent_dict.get("data"), dict)
            else None
        )
        pairs.append(("attributes.", sent_attrs, rec_data.get("attributes"), got_data.get("attributes")))
    notes = []
    for prefix, sent_part, rec_part, got_part in pairs:
        for key, value, mine in _server_added(sent_part, rec_part, got_part):
            kind = "drift" if key in DRIFT else "differs"
            notes.append(
                f"{kind}: {method} {path}: server-added {prefix}{key} = {mine!r}, recorded {value!r}"
            )
    return notes


def _ids(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    found = []
    if "id" in body and isinstance(body["id"], (int, str)):
        found.append(str(body["id"]))
    if isinstance(body.get("data"), dict) and "id" in body["data"]:
        found.append(str(body["data"]["id"]))
    return found


def _substitute(text: str, mapping: dict[str, str]) -> str:
    for old, new in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    return text


def _parse(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def replay(path: Path, emu: Emulator, name: str = "") -> tuple[str, list[str]]:
    """('replayed' | 'drift' | 'differs' | 'unsupported', notes)."""
    assert yaml is not None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cassette = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    mapping: dict[str, str] = {}
    notes: list[str] = []
    allowed, reason = RECORDING_DRIFT.get(name, (set(), ""))
    if name in ORG_CONTENT:
        seed, why = ORG_CONTENT[name]
        mapping.update(seed(emu))
        notes.append(f"org content created first: {why}")
    replayed = 0
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        if parts.hostname not in HOSTS:
            notes.append(f"skipped {request['method']} {request['uri']} (other host)")
            continue
        uri = _substitute(parts.path + (f"?{parts.query}" if parts.query else ""), mapping)
        route, _params, _extra = ROUTER.match(request["method"], parts.path.rstrip("/"))
        if route is None:
            notes.append(f"skipped {request['method']} {parts.path} (not emulated)")
            continue
        raw = request.get("body")
        body = _parse(_substitute(raw, mapping)) if raw else None
        answer = call(emu, request["method"], uri, body)
        replayed += 1
        expected_status = response["status"]["code"]
        expected = _parse(response["body"]["string"])
        if answer.status != expected_status:
            notes.append(
                f"differs: {request['method']} {parts.path}: status {answer.status}"
                f" != recorded {expected_status} ({answer.body})"
            )
            continue
        want, got = _shape(expected), _shape(answer.body)
        for part in want:
            if part == "items" and part not in got:
                continue  # the emulator's list is empty: no item to compare
            if want[part] != got.get(part):
                missing = sorted(set(want[part]) - set(got.get(part) or []))
                extra = sorted(set(got.get(part) or []) - set(want[part]))
                kind = "drift" if set(missing + extra) <= DRIFT | allowed else "differs"
                why = f" ({reason})" if kind == "drift" and set(missing + extra) - DRIFT else ""
                notes.append(
                    f"{kind}: {request['method']} {parts.path}: {part} keys missing {missing},"
                    f" extra {extra}{why}"
                )
        if request["method"] in ("POST", "PUT", "PATCH") and answer.status < 300:  # a write's answer
            notes.extend(
                _value_notes(
                    request["method"], parts.path, _parse(raw) if raw else None, expected, answer.body
                )
            )
        if isinstance(answer.body, dict) and isinstance(expected, dict):
            for old, new in zip(_ids(expected), _ids(answer.body)):
                mapping[old] = new
    if replayed == 0:
        return "unsupported", notes
    if any(n.startswith("differs") for n in notes):
        return "differs", notes
    if any(n.startswith("drift") for n in notes):
        return "drift", notes
    return "replayed", notes


def run_all() -> dict[str, tuple[str, list[str]]]:
    results = {}
    with Emulator() as emu:
        for path in sorted(RECORDINGS.glob("v*/*.yaml")):
            emu.reset_state()  # every recording starts from an empty org
            name = str(path.relative_to(RECORDINGS))
            results[name] = replay(path, emu, name)
    return results


@pytest.mark.skipif(yaml is None or not RECORDINGS.is_dir(), reason="recordings or PyYAML not available")
def test_recordings_replay() -> None:
    results = run_all()
    identical = [name for name, (verdict, _detail) in results.items() if verdict == "replayed"]
    differs = {name: notes for name, (verdict, notes) in results.items() if verdict == "differs"}
    unexpected = {name: notes for name, notes in differs.items() if name not in KNOWN_DIFFERENCES}
    assert not unexpected, json.dumps(unexpected, indent=1)
    assert len(identical) >= MINIMUM_IDENTICAL, f"{len(identical)} identical replays"


if __name__ == "__main__":
    outcome = run_all()
    for verdict in ("replayed", "drift", "differs", "unsupported"):
        names = [n for n, (v, _detail) in outcome.items() if v == verdict]
        print(f"== {verdict}: {len(names)}")
        for name in names:
            print(f"  {name}")
            for note in outcome[name][1]:
                if verdict != "replayed" or note.startswith("org content"):
                    print(f"      {note}")
            if name in KNOWN_DIFFERENCES:
                print(f"      known: {KNOWN_DIFFERENCES[name]}")
