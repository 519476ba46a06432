# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service skeleton every Datadog resource shares, and the apply step of a plan (plan.py).

:class:`ResourceService` holds what is the same for monitors, dashboards and downtimes:

* ``get`` by id (a 404 means absent, see ``DatadogClient.read_or_none``);
* ``list_all`` through every page;
* ``find`` by natural key, race copies settled on the oldest (``one_of``, resource.py);
* ``create`` with recovery (a create whose answer was lost is looked up before it is sent
  again) and race settlement (the oldest object with the key wins);
* ``update``; ``delete`` where an object already gone (404) is not an error;
* ``apply``: carry out a plan (nothing is written in check mode) and build the module result.

A resource (monitor.py, dashboard.py, downtime.py) subclasses it with what really differs: its
``API`` class and ``RACE`` rules (which also name its kind and natural key), its calls (``send_*``, ``page``),
how the API wraps an object (``wrap``/``unwrap``), and what the module returns (``shown``,
``also_returned``, the check-mode predictions).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.normalize import key_matches
from ansible_collections.datadog_exercise.stack.plugins.module_utils.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    Plan,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.resource import (
    PAGE_SIZE,
    RaceRules,
    all_matches,
    content,
    paginate,
    result,
    settle_created,
    settle_found,
)


class ResourceService:
    """The HTTP operations on one kind of object, each through the retrying client."""

    # The datadog-api-client class of the resource's endpoints (MonitorsApi, ...).
    API: Any
    # How concurrent creates are told apart; ``kind`` and ``field`` name the kind and its key.
    RACE: RaceRules
    # Page size of ``list_all`` (the lookup by key of a resource may use another).
    LIST_SIZE = PAGE_SIZE
    # The operation that removes an object, as errors name it (downtimes are cancelled).
    DELETE_OPERATION = "delete"
    # The list answers summaries (dashboards): matches are read in full before they are compared.
    SUMMARIES = False

    def __init__(self, client: DatadogClient) -> None:
        self.client = client
        self.api = self.API(client.api)
        self.kind = self.RACE.kind

    # -- the API calls each resource supplies -----------------------------------------------------
    def send_read(self, object_id: Any) -> Any:
        raise NotImplementedError

    def page(self, n: int, size: int, what: str, **filters: Any) -> list[dict[str, Any]]:
        """Page ``n`` (0-based) of ``size`` objects of the list, ``what`` naming it in errors."""
        raise NotImplementedError

    def send_create(self, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def send_update(self, object_id: Any, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def send_delete(self, object_id: Any, force: bool) -> Any:
        raise NotImplementedError

    def unwrap(self, answer: Any) -> Any:
        """An API answer -> the object (v2 answers carry it in ``data``)."""
        return answer

    def wrap(self, found: dict[str, Any] | None) -> Any:
        """An object found by a lookup -> the answer its create would have given (see unwrap)."""
        return found

    def fields(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The fields of an object a create body sets (v2 objects keep them in ``attributes``)."""
        return obj

    # -- the skeleton -----------------------------------------------------------------------------
    def get(self, object_id: Any) -> dict[str, Any] | None:
        """The object with this id, or None when the server answers 404."""
        answer = self.client.read_or_none(f"{self.kind} {object_id}", self.send_read, object_id)
        return None if answer is None else self.unwrap(answer)

    def list_all(self, what: str = "", size: int = 0, **filters: Any) -> list[dict[str, Any]]:
        """Every object of the list (through every page), ``filters`` sent to the server."""
        size = size or self.LIST_SIZE
        what = what or f"{self.kind}s"
        return list(
            paginate(lambda n: self.page(n, size, what, **filters), key=lambda o: o.get("id"), size=size)
        )

    def matches(self, key: str) -> list[dict[str, Any]]:
        """Every listed object whose natural key is ``key`` (see normalize.key_matches)."""
        return [obj for obj in self.list_all() if key_matches(obj.get(self.RACE.field), key)]

    def one_of(self, matches: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
        """The one object a lookup found (race copies settled on the oldest; else an error)."""
        return settle_found(
            matches,
            key,
            self.RACE,
            delete=self.delete,
            read_only=self.client.read_only,
            warn=self.client.warnings.append,
            read=(lambda summary: self.get(summary["id"])) if self.SUMMARIES else None,
        )

    def find(self, key: str) -> dict[str, Any] | None:
        """The one object whose natural key is ``key`` (None if none; several is an error)."""
        found = self.one_of(self.matches(key), key)
        if found is not None and self.SUMMARIES:
            return self.get(found["id"])
        return found

    def create(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Create (with recovery, see ``DatadogClient.call``), then settle a race (resource.py)."""
        answer = self.client.call(
            "create",
            f"{self.kind} {key!r}",
            self.send_create,
            body,
            idempotent=False,
            recover=lambda: self.wrap(self.find(key)),
        )

        def same(ours: dict[str, Any], other: dict[str, Any]) -> bool:
            mine, theirs = self.fields(ours), self.fields(other)
            return content({k: mine.get(k) for k in body}) == content({k: theirs.get(k) for k in body})

        return settle_created(
            self.unwrap(answer),
            self.RACE,
            find_all=lambda: all_matches(lambda: self.find(key)),
            delete=self.delete,
            read=lambda found: self.get(found["id"]),
            update=lambda object_id: self.update(object_id, body),
            same=same,
        )

    def update(self, object_id: Any, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.call("update", f"{self.kind} {object_id}", self.send_update, object_id, body)
        return self.unwrap(answer)

    def delete(self, object_id: Any, force: bool = False) -> None:
        """Delete (or cancel) the object; one that is already gone (404) is not an error."""
        try:
            self.client.call(
                self.DELETE_OPERATION, f"{self.kind} {object_id}", self.send_delete, object_id, force
            )
        except DatadogError as err:
            if err.status != 404:
                raise

    # -- what the module returns ------------------------------------------------------------------
    def shown(self, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as the module returns it."""
        return obj

    def also_returned(self, planned: Plan, obj: dict[str, Any]) -> dict[str, Any]:
        """Resource-specific return values next to the object and its id."""
        return {}

    def predict_create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check mode: the object a create would return (no id yet)."""
        return dict(body, id=None)

    def predict_update(self, current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Check mode: the object an update would return."""
        return dict(current, **body)

    def outcome(self, changed: bool, planned: Plan, obj: dict[str, Any], object_id: Any) -> dict[str, Any]:
        shown = {self.kind: self.shown(obj) if obj else {}}
        return result(
            changed, planned.before, planned.after, **shown, id=object_id, **self.also_returned(planned, obj)
        )

    def apply(self, planned: Plan, check_mode: bool) -> dict[str, Any]:
        """Carry out the plan (nothing is written in check mode); return the module result."""
        action, current, body = planned.action, planned.current, planned.body
        if action == DELETE and current is not None:
            if not check_mode:
                self.delete(current["id"], planned.extra.get("force", False))
            return self.outcome(True, planned, {}, current["id"])
        if action == UNCHANGED:
            return self.outcome(False, planned, current or {}, planned.object_id)
        if body is None:  # a plan that writes always carries it
            raise AssertionError("body missing from the plan")
        if action == CREATE:
            created = self.predict_create(body) if check_mode else self.create(body, planned.key or "")
            return self.outcome(True, planned, created, created.get("id"))
        if current is None:  # a plan that writes always carries it
            raise AssertionError("current missing from the plan")
        updated = self.predict_update(current, body) if check_mode else self.update(current["id"], body)
        return self.outcome(True, planned, updated, current["id"])
