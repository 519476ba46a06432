# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generic helpers to normalise API objects before comparing them.

Normalised objects contain only what the user manages: no server-only fields, no ``None``,
server defaults folded away, sets sorted, strings trimmed as the server trims them and
numbers of equal value equal (``800 == 800.0``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def number(value: Any) -> Any:
    """Integral floats become ints so that ``800.0`` and ``800`` compare (and print) equal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def clean(value: Any) -> Any:
    """Drop ``None`` values recursively and normalise numbers."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return number(value)


def string_set(values: Iterable[Any] | None) -> list[str]:
    """A list that is a set for the server: sorted, unique, stripped strings."""
    return sorted({str(v).strip() for v in values or [] if str(v).strip()})


def squash_spaces(text: str | None) -> str | None:
    """Queries: the server ignores insignificant whitespace."""
    if text is None:
        return None
    return re.sub(r"\s+", " ", text).strip()


def trim(text: str | None) -> str | None:
    """Free text (messages, descriptions): leading/trailing whitespace is not significant."""
    if text is None:
        return None
    return text.strip()


def drop_defaults(obj: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Remove keys whose value is the server default (so absent == default)."""
    out = {}
    for key, value in obj.items():
        if key in defaults and clean(value) == clean(defaults[key]):
            continue
        out[key] = value
    return out


def drop_empty(obj: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Remove the given keys when their value is empty (``""``, ``[]``, ``{}``, ``None``)."""
    empty: tuple[Any, ...] = ("", [], {}, None)
    return {k: v for k, v in obj.items() if not (k in keys and v in empty)}


def only(obj: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if k in obj}
