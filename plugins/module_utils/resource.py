# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read -> normalise -> compare -> write-if-different flow shared by the resource modules."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError

PAGE_SIZE = 100
MAX_PAGES = 1000


def paginate(
    fetch_page: Callable[[int], list[Any]], key: Callable[[Any], Any], size: int = PAGE_SIZE
) -> Iterator[Any]:
    """Yield items of all pages; ``fetch_page(n)`` returns page ``n`` (0-based) of ``size`` items.

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
        if len(items) < size or not new:
            return


class DuplicateError(DatadogError):
    """Several objects carry one natural key; ``matches`` holds them (as the lookup saw them)."""

    def __init__(
        self, kind: str, field: str, value: str, matches: list[dict[str, Any]], why: str = ""
    ) -> None:
        self.matches = list(matches)
        ids = ", ".join(str(m.get("id")) for m in matches)
        detail = f"{len(matches)} {kind}s have this {field} (ids: {ids}); "
        if why:
            detail += f"they are not copies left by concurrent runs ({why}), so none is chosen; "
        detail += f"use id to pick one or make the {field} unique"
        super().__init__("look up", f"{kind} with {field} {value!r}", detail=detail)


def only_one(matches: list[dict[str, Any]], kind: str, field: str, value: str) -> dict[str, Any] | None:
    """Exactly zero or one object may carry a natural key; several is an error, never a guess."""
    if len(matches) > 1:
        raise DuplicateError(kind, field, value, matches)
    return matches[0] if matches else None


# --- concurrency: several runs creating the same object at once ---------------------------------
#
# Datadog has no unique constraint on names/titles, so two runs that both look a key up, find
# nothing and create, leave two objects. The rule that makes every run converge on one object:
#
# * after its create, a run looks the key up again; the OLDEST object with the key (creation
#   time, then id) is the one; a run whose object is not the oldest deletes its own object and
#   adopts the oldest (updating it if its content differs from what the run wanted);
# * a lookup that finds several objects treats them as copies left by concurrent runs only when
#   all of them have the same author, were created within RACE_WINDOW of the oldest and hold the
#   same content (everything but ids, authors and timestamps): it keeps the oldest and deletes
#   the others (not in check mode; each deletion is reported as a warning). Any other set of
#   duplicates is someone's deliberate objects: the lookup fails and names their ids.

RACE_WINDOW = 600.0  # seconds between the oldest and the newest copy of one race

# Server-assigned or server-computed fields that differ between copies of the same content.
VOLATILE = frozenset(
    {
        "id",
        "created",
        "created_at",
        "modified",
        "modified_at",
        "deleted",
        "deleted_at",
        "creator",
        "created_by",
        "author_handle",
        "author_name",
        "url",
        "overall_state",
        "overall_state_modified",
        "state",
        "matching_downtimes",
        "org_id",
        "status",
        "relationships",
        "current_downtime",
        "is_favorite",
        "is_shared",
        "is_read_only",
        "popularity",
    }
)

_FRACTION = re.compile(r"\.(\d+)")


@dataclass(frozen=True)
class RaceRules:
    """How to read the age and the author of one kind of object (a list or get answer)."""

    kind: str
    field: str
    created: Callable[[dict[str, Any]], Any]
    creator: Callable[[dict[str, Any]], Any]
    # What must be equal for two objects to be copies (default: all but the VOLATILE fields).
    comparable: Callable[[dict[str, Any]], Any] | None = None


def parse_created(value: Any) -> float | None:
    """A creation time (ISO 8601 text or epoch seconds/milliseconds) -> epoch seconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
        # Python < 3.11 accepts only 3 or 6 fraction digits.
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def age_key(obj: dict[str, Any], rules: RaceRules) -> tuple[float, int, int, str]:
    """Sort key: creation time (unknown sorts last), then id (numeric ids numerically)."""
    stamp = parse_created(rules.created(obj))
    raw = obj.get("id")
    numeric = isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())
    return (
        stamp if stamp is not None else float("inf"),
        0 if numeric else 1,
        int(raw) if numeric else 0,
        "" if numeric else str(raw),
    )


def oldest(matches: list[dict[str, Any]], rules: RaceRules) -> dict[str, Any]:
    return min(matches, key=lambda m: age_key(m, rules))


def content(obj: Any) -> Any:
    """``obj`` without the VOLATILE fields, at every depth (widget ids included)."""
    if isinstance(obj, dict):
        return {k: content(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [content(v) for v in obj]
    return obj


def why_not_copies(matches: list[dict[str, Any]], full: list[dict[str, Any]], rules: RaceRules) -> str:
    """Empty when ``matches`` are copies left by a race (see above), else the reason they are not."""
    if len({repr(rules.creator(m)) for m in matches}) > 1:
        return "different authors"
    stamps = [parse_created(rules.created(m)) for m in matches]
    if any(s is None for s in stamps):
        return "unknown creation time"
    known = [s for s in stamps if s is not None]
    if max(known) - min(known) > RACE_WINDOW:
        return f"created more than {int(RACE_WINDOW)} s apart"
    project = rules.comparable or (lambda obj: obj)
    first = content(project(full[0]))
    if any(content(project(other)) != first for other in full[1:]):
        return "different content"
    return ""


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...`` or None where a level is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def all_matches(find_one: Callable[[], dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Every object a natural-key lookup sees (a DuplicateError carries them all)."""
    try:
        found = find_one()
    except DuplicateError as err:
        return list(err.matches)
    return [found] if found is not None else []


def settle_found(
    matches: list[dict[str, Any]],
    value: str,
    rules: RaceRules,
    *,
    delete: Callable[[Any], None],
    read_only: bool,
    warn: Callable[[str], None],
    read: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
) -> dict[str, Any] | None:
    """The one object a lookup found: zero or one match, or race copies settled on the oldest.

    ``read`` turns a list item into the full object when the list returns summaries (dashboards);
    ``delete`` removes one copy by id. Raise DuplicateError when the matches are not race copies.
    """
    if len(matches) <= 1:
        return matches[0] if matches else None
    full = [read(m) for m in matches] if read else list(matches)
    if any(f is None for f in full):  # one vanished while we looked: look at the rest
        rest = [m for m, f in zip(matches, full) if f is not None]
        return settle_found(rest, value, rules, delete=delete, read_only=read_only, warn=warn, read=read)
    why = why_not_copies(matches, [f for f in full if f is not None], rules)
    if why:
        raise DuplicateError(rules.kind, rules.field, value, matches, why)
    keep = oldest(matches, rules)
    extra = [str(m.get("id")) for m in matches if m is not keep]
    verb = "would delete" if read_only else "deleted"
    for match in matches:
        if match is not keep and not read_only:
            delete(match.get("id"))
    warn(
        f"{len(matches)} {rules.kind}s with {rules.field} {value!r} are copies left by concurrent runs: "
        f"kept the oldest ({keep.get('id')}), {verb} {', '.join(extra)}"
    )
    return keep


def settle_created(
    ours: dict[str, Any],
    rules: RaceRules,
    *,
    find_all: Callable[[], list[dict[str, Any]]],
    delete: Callable[[Any], None],
    read: Callable[[dict[str, Any]], dict[str, Any] | None],
    update: Callable[[Any], dict[str, Any]],
    same: Callable[[dict[str, Any], dict[str, Any]], bool],
) -> dict[str, Any]:
    """After our create: the oldest object with the key wins; if that is not ours, delete ours.

    The winner is read in full (``read``) before ours is deleted, so the key never ends with no
    object. If the winner's content is not what we asked for (``same(ours, winner)`` is false),
    ``update(winner_id)`` applies our body to it, as a run that came second would have done.
    """
    matches = find_all()
    if all(str(m.get("id")) != str(ours.get("id")) for m in matches):
        matches.append(ours)  # a list that lags behind our own create
    winner = oldest(matches, rules)
    if str(winner.get("id")) == str(ours.get("id")):
        return ours
    full = read(winner)
    if full is None:  # the winner vanished since the list: ours stays
        return ours
    delete(ours.get("id"))
    if same(ours, full):
        return full
    return update(full.get("id"))


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
