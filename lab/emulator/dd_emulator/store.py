"""The emulator's state: one lock, plain JSON-like data, optional persistence to a file."""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

# The identity the emulated org's API/application keys belong to (Datadog fills these in).
USER = {
    "id": 1445416,
    "uuid": "3ad549bf-eba0-11e9-a77a-0705486660d0",
    "handle": "lab-user@example.com",
    "email": "lab-user@example.com",
    "name": "Lab User",
}
ORG_ID = 321813


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment: datetime.datetime) -> str:
    """Datadog's timestamp style: UTC with an explicit +00:00 offset (microseconds when set)."""
    return moment.astimezone(datetime.timezone.utc).isoformat()


def parse_iso(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


class Store:
    """Every resource lives here; handlers hold ``lock`` while they read-modify-write."""

    def __init__(self, state_file: str | None = None) -> None:
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file else None
        self.reset()
        if self.state_file and self.state_file.exists():
            self.load()

    def reset(self) -> None:
        with self.lock:
            self.dashboards: dict[str, dict[str, Any]] = {}
            self.deleted_dashboards: dict[str, dict[str, Any]] = {}
            self.monitors: dict[int, dict[str, Any]] = {}
            self.downtimes: dict[str, dict[str, Any]] = {}
            self.events: list[dict[str, Any]] = []
            self.next_monitor_id = 100000001
            self.next_downtime_id = 1000000001  # v1 (integer) downtime ids

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "dashboards": list(self.dashboards.values()),
                "deleted_dashboards": list(self.deleted_dashboards.values()),
                "monitors": list(self.monitors.values()),
                "downtimes": list(self.downtimes.values()),
                "events": list(self.events),
                "next_monitor_id": self.next_monitor_id,
                "next_downtime_id": self.next_downtime_id,
            }

    def load(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text(encoding="utf-8"))
        with self.lock:
            self.dashboards = {d["id"]: d for d in data.get("dashboards", [])}
            self.deleted_dashboards = {d["id"]: d for d in data.get("deleted_dashboards", [])}
            self.monitors = {int(m["id"]): m for m in data.get("monitors", [])}
            self.downtimes = {d["id"]: d for d in data.get("downtimes", [])}
            self.events = list(data.get("events", []))
            self.next_monitor_id = int(data.get("next_monitor_id", 100000001))
            self.next_downtime_id = int(data.get("next_downtime_id", 1000000001))
            for stored in sorted(self.downtimes.values(), key=lambda d: d["created"]):
                if "v1_id" not in stored:  # state written before v1 downtimes were emulated
                    stored["v1_id"] = self.new_downtime_id()

    def save(self) -> None:
        """Write the state atomically (temp file + rename) when a state file is configured."""
        if not self.state_file:
            return
        with self.lock:
            payload = json.dumps(self.snapshot(), indent=1, sort_keys=True)
            directory = self.state_file.parent
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".emulator-state-", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, self.state_file)

    def new_monitor_id(self) -> int:
        with self.lock:
            value = self.next_monitor_id
            self.next_monitor_id += 1
            return value

    def new_downtime_id(self) -> int:
        """The integer id a downtime has in the v1 API (v2 uses its UUID)."""
        with self.lock:
            value = self.next_downtime_id
            self.next_downtime_id += 1
            return value
