# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a request body against the official client's model before it is sent.

The client tolerates what it cannot parse (an unknown widget type becomes an "unparsed"
object) and lets the server refuse it. The modules check first, so bad input fails with the
field named and nothing is written, in check mode too.
"""

from __future__ import annotations

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


def _first_unparsed(node: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any] | None:
    """Path and raw data of the first part of a model tree the client could not parse."""
    if isinstance(node, UnparsedObject):
        return path, node._data_store
    if isinstance(node, list):
        for index, item in enumerate(node):
            found = _first_unparsed(item, (*path, index))
            if found:
                return found
        return None
    if isinstance(node, ModelSimple):
        return (path, node.value) if node._unparsed else None
    if isinstance(node, ModelComposed):
        inner = node.get_oneof_instance()
        if inner is None or node._unparsed:
            return path, None
        return _first_unparsed(inner, path)
    if isinstance(node, ModelNormal):
        for key, value in node._data_store.items():
            if key not in node.attribute_map:
                return (*path, key), "an unknown field"
            found = _first_unparsed(value, (*path, node.attribute_map[key]))
            if found:
                return found
        return (path, None) if node._unparsed else None
    return None


def check_body(body: dict[str, Any], model: type, operation: str, resource: str) -> None:
    """Raise DatadogError naming the field when ``body`` is not a valid ``model``."""
    try:
        instance = validate_and_convert_types(body, (model,), [], True, True, configuration=Configuration())
    except (OpenApiException, ValueError, TypeError) as exc:
        raise DatadogError(operation, resource, detail=f"invalid {model.__name__}: {exc}") from None
    found = _first_unparsed(instance, ())
    if found is None:
        return
    path, data = found
    if data is None:  # a oneOf that matched nothing: show what was given there
        data = body
        for part in path:
            try:
                data = data[part]
            except (KeyError, IndexError, TypeError):
                data = None
                break
    if isinstance(data, dict) and "type" in data:
        what = f"type {data['type']!r} is unknown or its fields do not match that type"
    elif data is None:
        what = "does not match the schema"
    elif data == "an unknown field":
        what = "is not a field Datadog knows"
    else:
        what = f"{data!r} is not an allowed value"
    raise DatadogError(operation, resource, detail=f"{_where(path)}: {what}")
