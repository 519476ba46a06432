"""What a person running the demo looks at: an HTML overview and snapshot PNGs."""

from __future__ import annotations

import hashlib
import html
import random
import struct
import zlib
from typing import Any

from dd_emulator import downtimes, monitors
from dd_emulator.store import Store, now


def _queries(node: Any) -> list[str]:
    """Every query string inside a widget definition (``q``, ``query``, formulas, note text)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("q", "query", "formula", "content") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_queries(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_queries(item))
    return found


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def render(store: Store) -> str:
    with store.lock:
        dashboards = sorted(store.dashboards.values(), key=lambda d: d["created_at"])
        mons = sorted(store.monitors.values(), key=lambda m: m["id"])
        dts = [downtimes.data_doc(d, relationships=False) for d in store.downtimes.values()]
        events = list(store.events)[-20:]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Datadog API emulator</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "code{font-size:90%}</style></head><body>",
        "<h1>Datadog API emulator (lab)</h1>",
        f"<p>State at {_e(now().isoformat(timespec='seconds'))}. Read-only view.</p>",
        f"<h2>Dashboards ({len(dashboards)})</h2><table><tr><th>id</th><th>title</th>"
        "<th>widgets: type and queries</th></tr>",
    ]
    for dash in dashboards:
        rows = []
        for widget in dash.get("widgets", []):
            definition = widget.get("definition", {})
            queries = "<br>".join(f"<code>{_e(q)}</code>" for q in _queries(definition))
            rows.append(f"<b>{_e(definition.get('type'))}</b> {_e(definition.get('title', ''))}<br>{queries}")
        parts.append(
            f"<tr><td>{_e(dash['id'])}</td><td>{_e(dash['title'])}<br><small>{_e(dash['url'])}</small></td>"
            f"<td>{'<hr>'.join(rows)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        f"<h2>Monitors ({len(mons)})</h2><table><tr><th>id</th><th>name</th><th>type</th><th>query</th>"
        "<th>tags</th><th>state</th></tr>"
    )
    for mon in mons:
        doc = monitors.document(mon)
        parts.append(
            f"<tr><td>{doc['id']}</td><td>{_e(doc['name'])}</td><td>{_e(doc['type'])}</td>"
            f"<td><code>{_e(doc['query'])}</code></td><td>{_e(', '.join(doc['tags']))}</td>"
            f"<td>{_e(doc['overall_state'])}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        f"<h2>Downtimes ({len(dts)})</h2><table><tr><th>id</th><th>scope</th><th>monitor</th>"
        "<th>status</th><th>schedule</th><th>message</th></tr>"
    )
    for dt in sorted(dts, key=lambda d: d["attributes"]["created"]):
        attrs = dt["attributes"]
        parts.append(
            f"<tr><td>{_e(dt['id'])}</td><td>{_e(attrs['scope'])}</td>"
            f"<td>{_e(attrs['monitor_identifier'])}</td><td>{_e(attrs['status'])}</td>"
            f"<td><code>{_e(attrs['schedule'])}</code></td><td>{_e(attrs['message'])}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        f"<h2>Events (last {len(events)})</h2><table><tr><th>title</th><th>text</th><th>tags</th></tr>"
    )
    for event in reversed(events):
        parts.append(
            f"<tr><td>{_e(event['title'])}</td><td>{_e(event['text'])}</td>"
            f"<td>{_e(', '.join(event.get('tags') or []))}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "".join(parts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def snapshot_png(name: str, width: int = 400, height: int = 200) -> bytes:
    """A deterministic line chart per snapshot name (stands in for Datadog's rendered graph)."""
    rng = random.Random(int(hashlib.sha256(name.encode()).hexdigest()[:16], 16))  # noqa: S311 - not crypto
    values, level = [], height / 2
    for _ in range(width):
        level = min(height - 10, max(10, level + rng.uniform(-6, 6)))
        values.append(int(level))
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if abs(values[x] - y) <= 1:
                row += bytes((99, 44, 166))  # Datadog purple
            elif y % 40 == 0:
                row += bytes((225, 225, 225))
            else:
                row += bytes((255, 255, 255))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )
