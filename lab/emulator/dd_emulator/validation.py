"""Request bodies are checked with the official ``datadog-api-client`` models.

The models are the ones the collection's modules use to build requests, so a body the
emulator accepts is one the client can produce and the real API accepts, and a body it
rejects fails here the way it fails at Datadog: a 400 with ``{"errors": [...]}``. On top of
the model's own checks (types, required fields, enums, lengths, ``oneOf``) the walk below
rejects properties the schema does not declare, as Datadog's JSON-schema validation does
("Additional properties are not allowed ('x' was unexpected)").
"""

from __future__ import annotations

import re
from typing import Any

from datadog_api_client import Configuration
from datadog_api_client.exceptions import ApiAttributeError, ApiTypeError
from datadog_api_client.model_utils import (
    ModelComposed,
    ModelNormal,
    ModelSimple,
    UnparsedObject,
    data_to_dict,
    validate_and_convert_types,
)

from dd_emulator.errors import bad_request

_CONFIG = Configuration()
_MISSING_RE = re.compile(r"missing \d+ required (?:positional|keyword-only) arguments?: (.+)$")
_VALIDATION_RE = re.compile(r"Invalid value for `([^`]+)`, (.+)$")


def _dotted(path: list[Any]) -> str:
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += ("." if out else "") + str(item)
    return out or "body"


def _translate_value_error(message: str) -> str:
    """Client validation texts -> Datadog's texts (as recorded) where they are known."""
    match = _VALIDATION_RE.search(message)
    if not match:
        return message
    field, rule = match.groups()
    number = re.search(r"`(-?[\d.]+)`", rule)
    bound = number.group(1) if number else "?"
    if "number of items must be greater than or equal" in rule:
        return f"Minimum number of elements in parameter '{field}' should be {bound}"
    if "number of items must be less than or equal" in rule:
        return f"Maximum number of elements in parameter '{field}' should be {bound}"
    if "length must be greater than or equal" in rule:
        return f"Minimum length of parameter '{field}' should be {bound}"
    if "length must be less than or equal" in rule:
        return f"Maximum length of parameter '{field}' should be {bound}"
    return f"The value provided for parameter '{field}' is invalid: {rule}"


def _problem(obj: Any, path: list[Any], strict: bool = True) -> str | None:
    """First schema violation found in a deserialized model tree, or None.

    ``strict=False`` tolerates undeclared properties (responses: Datadog returns some).
    """
    if isinstance(obj, UnparsedObject):
        data = obj._data_store
        if isinstance(data, dict) and "type" in data and path and path[-1] == "definition":
            return (
                f"Invalid widget definition at '{_dotted(path)}': unknown or malformed type '{data['type']}'"
            )
        return f"'{_dotted(path)}' is invalid"
    if isinstance(obj, ModelSimple):
        if obj._unparsed:
            allowed = sorted(str(v) for v in obj.allowed_values)
            return f"'{obj.value}' is not one of {allowed} at '{_dotted(path)}'"
        return None
    if isinstance(obj, ModelComposed):
        instance = obj.get_oneof_instance()
        if instance is None or obj._unparsed:
            return f"'{_dotted(path)}' is invalid"
        return _problem(instance, path, strict)
    if isinstance(obj, ModelNormal):
        for key, value in obj._data_store.items():
            if key not in obj.attribute_map:
                if strict:
                    return f"Additional properties are not allowed ('{key}' was unexpected)"
                continue
            found = _problem(value, [*path, obj.attribute_map[key]], strict)
            if found:
                return found
        if obj._unparsed:
            return f"'{_dotted(path)}' is invalid"
        return None
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            found = _problem(item, [*path, index], strict)
            if found:
                return found
    return None


def _widget_hint(problem: str, body: Any) -> str:
    """Name the widget type when a widget definition matched none of the known schemas."""
    match = re.fullmatch(r"'(.+\.definition)' is invalid", problem)
    if not match:
        return problem
    node: Any = body
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", match.group(1)):
        key: Any = int(part[1:-1]) if part.startswith("[") else part
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return problem
    kind = node.get("type") if isinstance(node, dict) else None
    return (
        f"Invalid widget definition at '{match.group(1)}': type {kind!r} is unknown or its fields are invalid"
    )


def unparsed_problem(model: Any) -> str | None:
    """For responses: the first part of a deserialized model the client could not parse."""
    return _problem(model, [], strict=False)


def validate(body: Any, model: type, root: str = "") -> Any:
    """Deserialize ``body`` into ``model`` or raise a Datadog-style 400.

    Returns the model instance.
    """
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON body: expected an object")
    try:
        instance = validate_and_convert_types(
            body, (model,), [root] if root else [], True, True, configuration=_CONFIG
        )
    except ApiTypeError as exc:
        text = str(exc)
        path = getattr(exc, "path_to_item", None)
        where = _dotted([p for p in (path or []) if p != "received_data"])
        raise bad_request(f"The value provided for parameter '{where}' is invalid: {text}") from exc
    except ApiAttributeError as exc:
        # the client's "EventPayload has no attribute 'x' at [...]": a property the schema lacks
        unknown = re.search(r"has no attribute '([^']+)'", str(exc))
        if unknown:
            raise bad_request(
                f"Additional properties are not allowed ('{unknown.group(1)}' was unexpected)"
            ) from exc
        raise bad_request(str(exc)) from exc
    except ValueError as exc:  # the client raises plain ValueError from check_validations
        raise bad_request(_translate_value_error(str(exc))) from exc
    except TypeError as exc:
        match = _MISSING_RE.search(str(exc))
        if match:
            names = [n.strip(" '") for n in re.split(r",| and ", match.group(1)) if n.strip(" '")]
            raise bad_request(*[f"'{name}' is a required property" for name in names]) from exc
        unexpected = re.search(r"unexpected keyword argument '([^']+)'", str(exc))
        if unexpected:
            raise bad_request(
                f"Additional properties are not allowed ('{unexpected.group(1)}' was unexpected)"
            ) from exc
        raise bad_request(f"Invalid request body: {exc}") from exc
    if not isinstance(instance, model):
        raise bad_request(f"Invalid request body for {model.__name__}")
    problem = _problem(instance, [])
    if problem:
        raise bad_request(_widget_hint(problem, body))
    return instance


def to_json(instance: Any) -> Any:
    """The model back to JSON-like data, as the server stores it (numbers coerced, dates ISO)."""
    return data_to_dict(instance)
