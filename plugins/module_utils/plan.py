# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a resource's plan step decides for one object, shared by the single modules and
``datadog_resources``.

Every resource module (monitor.py, dashboard.py, downtime.py) splits its ``ensure()`` in three:

* ``wanted(params)`` - the task's intent, every check that needs no request (bad input fails
  here, check mode too);
* ``plan(wanted, current)`` - pure: the object as the server holds it (``current``, from a get,
  a lookup by natural key or one list for many objects) and the intent -> a :class:`Plan`
  with the action and the normalised before/after (``Plan.for_absent`` / ``Plan.for_present``
  hold the decision every resource shares);
* ``service.apply(plan, check_mode)`` - the write (nothing in check mode) and the module result
  (service.py, one implementation for every resource).

The single module does ``wanted -> lookup -> plan -> apply`` for one object; the bulk module
does ``wanted`` for all, one list per kind, ``plan`` for all, then ``apply`` for what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import check_key

Obj = dict[str, Any]

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
UNCHANGED = "unchanged"
ACTIONS = (CREATE, UPDATE, DELETE, UNCHANGED)


@dataclass
class Plan:
    """One object's action. ``body`` is what would be sent (create/update); ``current`` the
    server's object (None when it does not exist); ``extra`` resource-specific facts."""

    kind: str
    key: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    current: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    object_id: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.action != UNCHANGED

    @classmethod
    def for_absent(
        cls,
        kind: str,
        key: str | None,
        current: Obj | None,
        object_id: Any,
        *,
        normalise: Callable[[Obj], Obj],
        extra: dict[str, Any] | None = None,
    ) -> Plan:
        """state=absent: delete what exists (``normalise(current)`` is the diff's before), else nothing."""
        extra = extra or {}
        if current is None:
            return cls(kind, key, UNCHANGED, None, None, object_id=object_id, extra=extra)
        return cls(kind, key, DELETE, normalise(current), None, current, object_id=current["id"], extra=extra)

    @classmethod
    def for_present(
        cls,
        kind: str,
        key: str | None,
        current: Obj | None,
        wanted: tuple[Obj, Obj],
        *,
        normalise: Callable[[Obj], Obj],
        update_body: Callable[[Obj, Obj], Obj],
        extra: dict[str, Any] | None = None,
    ) -> Plan:
        """state=present: create what does not exist, update what differs, else nothing.

        ``wanted`` is (the create body, its normalised form); ``normalise(current)`` must give what
        compares with the latter. ``update_body(current, before)`` is what an update sends (it may
        raise when the change cannot be made).
        """
        extra = extra or {}
        body, after = wanted
        if current is None:
            return cls(kind, key, CREATE, None, after, None, body, extra=extra)
        before = normalise(current)
        if before == after:
            return cls(kind, key, UNCHANGED, before, after, current, object_id=current["id"], extra=extra)
        update = update_body(current, before)
        return cls(kind, key, UPDATE, before, after, current, update, object_id=current["id"], extra=extra)


def unknown_id(kind: str, object_id: Any, detail: str = "") -> DatadogError:
    """The error for state=present with an ``id`` no object has (an id is never created)."""
    return DatadogError(
        "read", f"{kind} {object_id}", 404, detail=detail or f"cannot update a {kind} id that does not exist"
    )


def absent_key(params: dict[str, Any], field: str, kind: str, load: Callable[[Any], Obj]) -> str | None:
    """The natural key of a task with state=absent: the option, else its definition's (checked)."""
    value = params.get(field)
    if value is None and params.get("definition") is not None:
        value = load(params["definition"]).get(field)
    if value is not None:
        check_key(value, field, kind)
    return value
