"""Path ids are checked for their form before any lookup: a malformed id is Datadog's 400.

Datadog answers 404 only for a well-formed id that names nothing; an id that cannot be one
(a word where a monitor's integer belongs, a dashboard id not shaped ``abc-def-ghi``, a v2
downtime id that is not a UUID) is refused as a bad parameter, before the resource is looked up.
"""

from __future__ import annotations

import re
import uuid

from dd_emulator.errors import ApiError, bad_request

_DASHBOARD_ID = re.compile(r"^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}$")
_INT64_MAX = 2**63 - 1


def _invalid(name: str, raw: str, why: str) -> ApiError:
    return bad_request(f"The value provided for parameter '{name}' is invalid: {raw!r} {why}")


def integer_id(raw: str, name: str) -> int:
    """Monitor ids and v1 downtime ids: a positive 64-bit integer."""
    if not raw.isdigit() or int(raw) > _INT64_MAX:
        raise _invalid(name, raw, "is not an integer id")
    return int(raw)


def dashboard_id(raw: str, name: str = "dashboard_id") -> str:
    if not _DASHBOARD_ID.match(raw):
        raise _invalid(
            name, raw, "is not a dashboard id (three groups of three letters or digits: abc-def-ghi)"
        )
    return raw


def uuid_id(raw: str, name: str) -> str:
    """v2 downtime ids: a UUID in its canonical text form."""
    try:
        parsed = uuid.UUID(raw)
    except ValueError:
        raise _invalid(name, raw, "is not a UUID") from None
    if str(parsed) != raw.lower():
        raise _invalid(name, raw, "is not a UUID")
    return raw
