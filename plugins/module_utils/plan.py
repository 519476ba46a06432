# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a resource's plan step decides for one object, shared by the single modules and
``datadog_resources``.

Every resource module (monitor.py, dashboard.py, downtime.py) splits its ``ensure()`` in three:

* ``wanted(params)`` - the task's intent, every check that needs no request (bad input fails
  here, check mode too);
* ``plan(wanted, current)`` - pure: the object as the server holds it (``current``, from a get,
  a lookup by natural key or one list for many objects) and the intent -> a :class:`Plan`
  with the action and the normalised before/after;
* ``apply(service, plan, check_mode)`` - the write (nothing in check mode) and the module result.

The single module does ``wanted -> lookup -> plan -> apply`` for one object; the bulk module
does ``wanted`` for all, one list per kind, ``plan`` for all, then ``apply`` for what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
