"""Replay recorded real Datadog traffic against the emulator and compare the answers' shape.

For every recording in ../shared/datadog-api-recordings (VCR YAML, recorded by the official
client's own tests), each interaction on a route the emulator implements is re-sent in order
(ids the real API handed out are mapped to the emulator's), and the answer must have the
same status code and the same key sets: top level, ``options`` (monitors) and ``attributes``
(v2 resources). Interactions on routes outside the emulator's scope (roles, v1 downtimes, ...)
are skipped. Run this file directly for a per-recording report.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
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
MINIMUM_REPLAYED = 40
# Recordings whose answers depend on the recording org's pre-existing content or on
# behaviour outside the emulator; each is reported, with the reason, instead of failing.
KNOWN_DIFFERENCES = {
    "v2/test_get_active_downtimes_for_a_monitor_returns_ok_response.yaml": (
        "queries monitor 35534610, which existed in the recording org only (emulator: 404)"
    ),
    "v2/test_get_all_downtimes_returns_ok_response_with_pagination.yaml": (
        "lists downtimes the recording org had; the emulator's list is empty, no attributes to compare"
    ),
    "v1/test_create_a_metric_monitor_with_a_custom_schedule_returns_ok_response.yaml": (
        "2025-05 answer has restricted/run_as and options.avalanche_window (not in the 2025-11 answers)"
    ),
}
# Fields Datadog added or removed between recordings (2021-2026). The emulator answers like the
# newest recordings; an older recording that differs only by these is counted as "drift".
DRIFT = {"assets", "draft_status", "restriction_policy", "is_read_only"}


def _keys(body: Any) -> Any:
    if isinstance(body, list):
        return "list"
    if not isinstance(body, dict):
        return type(body).__name__
    return sorted(body)


def _shape(body: Any) -> dict[str, Any]:
    """The key sets compared: top level, options, data.attributes (first item of a list)."""
    shape: dict[str, Any] = {"top": _keys(body)}
    if isinstance(body, dict):
        if isinstance(body.get("options"), dict):
            shape["options"] = _keys(body["options"])
        data = body.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            shape["attributes"] = _keys(data["attributes"])
    return shape


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


def replay(path: Path, emu: Emulator) -> tuple[str, list[str]]:
    """('replayed' | 'drift' | 'differs' | 'unsupported', notes)."""
    assert yaml is not None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cassette = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    mapping: dict[str, str] = {}
    notes: list[str] = []
    replayed = 0
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        if parts.hostname != "api.datadoghq.com":
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
            if want[part] != got.get(part):
                missing = sorted(set(want[part]) - set(got.get(part) or []))
                extra = sorted(set(got.get(part) or []) - set(want[part]))
                kind = "drift" if set(missing + extra) <= DRIFT else "differs"
                notes.append(
                    f"{kind}: {request['method']} {parts.path}: {part} keys missing {missing}, extra {extra}"
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
            results[str(path.relative_to(RECORDINGS))] = replay(path, emu)
    return results


@pytest.mark.skipif(yaml is None or not RECORDINGS.is_dir(), reason="recordings or PyYAML not available")
def test_recordings_replay() -> None:
    results = run_all()
    replayed = [name for name, (verdict, _detail) in results.items() if verdict in ("replayed", "drift")]
    differs = {name: notes for name, (verdict, notes) in results.items() if verdict == "differs"}
    unexpected = {name: notes for name, notes in differs.items() if name not in KNOWN_DIFFERENCES}
    assert not unexpected, json.dumps(unexpected, indent=1)
    assert len(replayed) >= MINIMUM_REPLAYED


if __name__ == "__main__":
    outcome = run_all()
    for verdict in ("replayed", "drift", "differs", "unsupported"):
        names = [n for n, (v, _detail) in outcome.items() if v == verdict]
        print(f"== {verdict}: {len(names)}")
        for name in names:
            print(f"  {name}")
            if verdict != "replayed":
                for note in outcome[name][1]:
                    print(f"      {note}")
