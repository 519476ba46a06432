# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read -> normalise -> compare -> write-if-different flow shared by the resource modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError

PAGE_SIZE = 100
MAX_PAGES = 1000


def paginate(fetch_page: Callable[[int], list[Any]], key: Callable[[Any], Any]) -> Iterator[Any]:
    """Yield items of all pages; ``fetch_page(n)`` returns page ``n`` (0-based).

    Stops at a short page, an empty page, or a page that brings nothing new (a server that
    ignores the paging parameters must not make us loop).
    """
    seen: set[Any] = set()
    for page in range(MAX_PAGES):
        items = fetch_page(page)
        new = [item for item in items if key(item) not in seen]
        for item in new:
            seen.add(key(item))
            yield item
        if len(items) < PAGE_SIZE or not new:
            return


def only_one(matches: list[dict[str, Any]], kind: str, field: str, value: str) -> dict[str, Any] | None:
    """Exactly zero or one object may carry a natural key; several is an error, never a guess."""
    if len(matches) > 1:
        ids = ", ".join(str(m.get("id")) for m in matches)
        raise DatadogError(
            "look up",
            f"{kind} with {field} {value!r}",
            detail=f"{len(matches)} {kind}s have this {field} (ids: {ids}); "
            f"use id to pick one or make the {field} unique",
        )
    return matches[0] if matches else None


def result(
    changed: bool,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    **extra: Any,
) -> dict[str, Any]:
    """Module result with the normalised diff (``{}`` stands for "does not exist")."""
    return {
        "changed": changed,
        "diff": {"before": before or {}, "after": after or {}},
        **extra,
    }
