# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a request body against the official client's model before it is sent.

The client tolerates what it cannot parse (an unknown widget type becomes an "unparsed"
object) and lets the server refuse it. The modules check first, so bad input fails with the
field named and nothing is written, in check mode too.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError

try:
    from datadog_api_client import Configuration
    from datadog_api_client.exceptions import OpenApiException
    from datadog_api_client.model_utils import (
        ModelComposed,
        ModelNormal,
        ModelSimple,
        UnparsedObject,
        validate_and_convert_types,
    )
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    pass


def _where(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


def _classes(types: Any) -> list[type]:
    """Model classes named by an ``openapi_types`` entry (lists unwrapped, scalars dropped)."""
    out: list[type] = []
    for item in types if isinstance(types, (tuple, list)) else (types,):
        if isinstance(item, (tuple, list)):
            out.extend(_classes(item))
        elif isinstance(item, type) and issubclass(item, (ModelNormal, ModelComposed)):
            out.append(item)
    return out


def _first_unparsed(
    node: Any, path: tuple[Any, ...], expected: Any = None
) -> tuple[tuple[Any, ...], Any, Any] | None:
    """Path, raw data and expected model types of the first part the client could not parse."""
    if isinstance(node, UnparsedObject):
        return path, node._data_store, expected
    if isinstance(node, list):
        for index, item in enumerate(node):
            found = _first_unparsed(item, (*path, index), expected)
            if found:
                return found
        return None
    if isinstance(node, ModelSimple):
        return (path, node.value, None) if node._unparsed else None
    if isinstance(node, ModelComposed):
        inner = node.get_oneof_instance()
        if inner is None or node._unparsed:
            return path, None, (type(node),)
        return _first_unparsed(inner, path, (type(node),))
    if isinstance(node, ModelNormal):
        for key, value in node._data_store.items():
            if key not in node.attribute_map:
                return (*path, key), "an unknown field", None
            found = _first_unparsed(value, (*path, node.attribute_map[key]), node.openapi_types.get(key))
            if found:
                return found
        return (path, None, (type(node),)) if node._unparsed else None
    return None


_MISSING = re.compile(r"missing \d+ required (?:positional |keyword-only )?arguments?: (.+)$")
_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")
_INVALID = re.compile(r"Invalid value for `([^`]+)`, (.+)$")


def _type_names(cls: type) -> set[str]:
    """The ``type`` values a widget definition class accepts (its ``type`` enum)."""
    try:
        kinds = cls.openapi_types.get("type", ())
    except AttributeError:
        return set()
    names: set[str] = set()
    for kind in kinds if isinstance(kinds, tuple) else (kinds,):
        names |= set(getattr(kind, "allowed_values", ()) or ())
    return names


def _explain(data: Any, expected: Any, path: tuple[Any, ...]) -> str | None:
    """Why ``data`` is not one of the ``expected`` models, naming the innermost field."""
    for cls in _classes(expected):
        if issubclass(cls, ModelComposed):
            if isinstance(data, dict) and "type" in data:
                matching = [
                    c for c in cls._composed_schemas.get("oneOf", []) if data["type"] in _type_names(c)
                ]
                if not matching:
                    return f"{_where((*path, 'type'))}: {data['type']!r} is not a type Datadog knows here"
                return _explain(data, tuple(matching), path)
            continue
        if not isinstance(data, dict):
            return f"{_where(path)}: must be a mapping (got {type(data).__name__})"
        try:
            instance = validate_and_convert_types(data, (cls,), [], True, True, configuration=Configuration())
        except TypeError as exc:
            missing = _MISSING.search(str(exc))
            if missing:
                names = [n.strip(" '") for n in re.split(r",| and ", missing.group(1)) if n.strip(" '")]
                return "; ".join(f"{_where((*path, n))} is required" for n in names) + _kind(data)
            unexpected = _UNEXPECTED.search(str(exc))
            if unexpected:
                return f"{_where((*path, unexpected.group(1)))}: is not a field Datadog knows" + _kind(data)
            return f"{_where(path)}: {exc}"
        except (OpenApiException, ValueError) as exc:
            invalid = _INVALID.search(str(exc))
            if invalid:
                field, rule = invalid.groups()
                return f"{_where((*path, field))}: {_rule(rule, data.get(field))}" + _kind(data)
            where = getattr(exc, "path_to_item", None) or []
            return f"{_where((*path, *[p for p in where if p != 'received_data']))}: {exc}"
        found = _first_unparsed(instance, path, (cls,))
        if found:
            return _describe(found, data, path)
        return None
    return None


def _kind(data: Any) -> str:
    return (
        f" (in a {data['type']!r} widget)"
        if isinstance(data, dict) and isinstance(data.get("type"), str)
        else ""
    )


def _rule(rule: str, value: Any) -> str:
    bound = re.search(r"`(-?[\d.]+)`", rule)
    number = bound.group(1) if bound else "?"
    count = f", got {len(value)}" if isinstance(value, (list, str)) else ""
    if "number of items must be less than or equal" in rule:
        return f"at most {number} item(s) allowed{count}"
    if "number of items must be greater than or equal" in rule:
        return f"at least {number} item(s) required{count}"
    if "length must be greater than or equal" in rule:
        return f"must be at least {number} character(s) long"
    if "length must be less than or equal" in rule:
        return f"must be at most {number} character(s) long"
    return rule


def _at(body: Any, path: tuple[Any, ...]) -> Any:
    data = body
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _describe(found: tuple[tuple[Any, ...], Any, Any], body: Any, base: tuple[Any, ...] = ()) -> str:
    path, data, expected = found
    if data == "an unknown field":
        return f"{_where(path)}: is not a field Datadog knows"
    raw = _at(body, path[len(base) :]) if data is None else data
    if expected is not None:
        reason = _explain(raw, expected, path)
        if reason:
            return reason
    if isinstance(raw, dict) and "type" in raw:
        return f"{_where(path)}: type {raw['type']!r} is unknown or its fields do not match that type"
    if raw is None:
        return f"{_where(path)}: does not match the schema"
    return f"{_where(path)}: {raw!r} is not an allowed value"


def check_body(body: dict[str, Any], model: type, operation: str, resource: str) -> None:
    """Raise DatadogError naming the field when ``body`` is not a valid ``model``."""
    try:
        instance = validate_and_convert_types(body, (model,), [], True, True, configuration=Configuration())
    except (OpenApiException, ValueError, TypeError) as exc:
        reason = _explain(body, (model,), ())
        raise DatadogError(operation, resource, detail=reason or f"invalid {model.__name__}: {exc}") from None
    found = _first_unparsed(instance, ())
    if found is None:
        return
    raise DatadogError(operation, resource, detail=_describe(found, body))
