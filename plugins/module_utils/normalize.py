# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generic helpers to normalise API objects before comparing them.

Normalised objects contain only what the user manages: no server-only fields, no ``None``,
server defaults folded away, sets sorted, strings trimmed as the server trims them and
numbers of equal value equal (``800 == 800.0``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None


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


# --- natural keys (monitor name, dashboard title, downtime name) --------------------------------
# One rule for the three resources. A key with leading or trailing whitespace is bad input: the
# server stores a name as it is sent, so "x " and "x" are different names there, and trimming
# only on our side either hides a rename (comparison) or misses the object (lookup). Lookups
# match server names with their surrounding whitespace ignored, so an object named " x" in the UI
# is still found (no second copy is created) and then renamed to exactly "x"; comparisons are
# exact, so a whitespace-only rename is a change and is applied.


def check_key(value: Any, field: str, what: str) -> str:
    """Return ``value`` if it is a usable natural key, else raise naming ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise DatadogError("check", what, detail=f"{field} must be a non-empty string (got {value!r})")
    if value != value.strip():
        raise DatadogError(
            "check",
            what,
            detail=f"{field} {value!r} has leading or trailing whitespace; remove it "
            "(Datadog stores names as sent, so the module would not find or compare it reliably)",
        )
    return value


def key_matches(server_value: Any, wanted: str) -> bool:
    """Lookup rule: the server's name equals ``wanted`` once its surrounding whitespace is ignored."""
    return isinstance(server_value, str) and server_value.strip() == wanted


# --- documents given as a mapping, JSON text or YAML text ----------------------------------------


def load_document(value: Any, what: str) -> dict[str, Any]:
    """A ``definition`` option (dict, JSON text or YAML text, as exported from the UI) -> dict."""
    if isinstance(value, dict):
        return copy.deepcopy(value)
    text = str(value)
    try:
        data = json.loads(text)
    except ValueError:
        if yaml is None:
            raise DatadogError("parse", what, detail="not JSON and PyYAML is missing") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DatadogError("parse", what, detail=f"neither JSON nor YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DatadogError("parse", what, detail="must be a mapping (the exported JSON object)")
    return data
