"""datadog_downtime's logic against the lab emulator (issue 14 items 3, 4, 5, 6, 9, 10, 13, 14).

The emulator implements ``current_only`` as Datadog documents it ("only return downtimes that
are active when the request is made"), so a lookup that relied on it would miss a recurring
downtime between its windows and create a copy on every run.
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import downtime
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from emulator_helpers import raw

# A window of one minute every four years (29 February): started in the past, next window in the
# future - "scheduled" on any day but one in 1461.
LEAP_DAY = {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "start": "2024-02-29T00:00", "duration": "1m"}
NIGHTS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start_time": "19:00", "end_time": "09:00"}


def params(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "state": "present",
        "id": None,
        "name": "leap-day",
        "monitor_id": None,
        "monitor_tags": ["team:ops"],
        "scope": "*",
        "downtime_message": None,
        "timezone": "UTC",
        "display_timezone": None,
        "start": None,
        "end": None,
        "recurrences": [LEAP_DAY],
        "notify_end_states": None,
        "notify_end_types": None,
        "mute_first_recovery_notification": False,
    }
    base.update(overrides)
    return base


def stored(emu: Any) -> list[dict[str, Any]]:
    return raw(emu, "GET", "/api/v2/downtime")["data"]


# --- item 3: a downtime between its windows is found ----------------------------------------------
def test_scheduled_recurring_downtime_is_found_not_duplicated(
    client: DatadogClient, dd_emulator: Any
) -> None:
    created = downtime.ensure(client, params(), False)
    assert created["changed"] and created["downtime"]["status"] == "scheduled"
    # current_only leaves it out, as at Datadog.
    assert raw(dd_emulator, "GET", "/api/v2/downtime?current_only=true")["data"] == []

    dd_emulator.reset_counts()
    again = downtime.ensure(client, params(), False)
    check = downtime.ensure(client, params(), True)
    assert not again["changed"] and not check["changed"]
    assert again["id"] == created["id"]
    assert dd_emulator.counts() == {"GET /api/v2/downtime": 2}
    assert len(stored(dd_emulator)) == 1


def test_lookup_pages_through_every_downtime(client: DatadogClient, dd_emulator: Any) -> None:
    for index in range(105):
        raw(
            dd_emulator,
            "POST",
            "/api/v2/downtime",
            {"data": {"type": "downtime", "attributes": {"scope": f"env:e{index}",
                                                         "monitor_identifier": {"monitor_tags": ["*"]}}}},
        )  # fmt: skip
    created = downtime.ensure(client, params(), False)
    assert not downtime.ensure(client, params(), False)["changed"]
    assert downtime.ensure(client, params(state="absent"), False)["id"] == created["id"]


# --- item 4: windows in the past, ended downtimes with the name ------------------------------------
@pytest.mark.parametrize(
    "overrides",
    [
        {"recurrences": None, "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"},
        {"recurrences": [{"rrule": "FREQ=DAILY;UNTIL=20200101T000000Z", "start": "2019-06-01T00:00",
                          "duration": "1h"}]},
        {"recurrences": [{"rrule": "FREQ=MONTHLY;BYMONTHDAY=32", "duration": "1h"}]},
        {"recurrences": [{"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "duration": "1h"}]},
    ],
)  # fmt: skip
@pytest.mark.parametrize("check_mode", [True, False])
def test_window_wholly_in_the_past_fails_before_any_request(
    client: DatadogClient, dd_emulator: Any, overrides: dict[str, Any], check_mode: bool
) -> None:
    dd_emulator.reset_counts()
    with pytest.raises(DatadogError) as err:
        downtime.ensure(client, params(**overrides), check_mode)
    assert any(word in str(err.value) for word in ("end:", "recurrences[0]"))
    assert dd_emulator.counts() == {}


def test_ended_downtime_with_the_name_is_reported_and_left_alone(
    client: DatadogClient, dd_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(downtime, "warn", warned.append)
    old = raw(
        dd_emulator,
        "POST",
        "/api/v2/downtime",
        {"data": {"type": "downtime", "attributes": {
            "scope": "*", "message": "[ansible-name: leap-day]",
            "monitor_identifier": {"monitor_tags": ["*"]},
            "schedule": {"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}}}},
    )["data"]  # fmt: skip
    assert old["attributes"]["status"] == "ended"
    created = downtime.ensure(client, params(), False)
    assert created["changed"] and created["id"] != old["id"]
    assert created["ended_ids"] == [old["id"]]
    assert len(warned) == 1 and old["id"] in warned[0]
    again = downtime.ensure(client, params(), False)
    assert not again["changed"] and again["ended_ids"] == [old["id"]]
    ended = raw(dd_emulator, "GET", f"/api/v2/downtime/{old['id']}")["data"]["attributes"]
    assert ended["status"] == "ended" and ended["modified"] == old["attributes"]["modified"]


# --- item 5: monitor_id null is not "every monitor" -------------------------------------------------
def test_null_monitor_id_is_an_error_before_any_request(client: DatadogClient, dd_emulator: Any) -> None:
    dd_emulator.reset_counts()
    with pytest.raises(DatadogError, match="monitor_id is null"):
        downtime.ensure(client, params(monitor_tags=None), True, null_options=frozenset({"monitor_id"}))
    assert dd_emulator.counts() == {}
    assert stored(dd_emulator) == []


def test_creating_needs_an_explicit_target(client: DatadogClient, dd_emulator: Any) -> None:
    with pytest.raises(DatadogError, match=r"give monitor_id, or monitor_tags \(\['\*'\]"):
        downtime.ensure(client, params(monitor_tags=None), False)
    with pytest.raises(DatadogError, match="monitor_tags is empty"):
        downtime.ensure(client, params(monitor_tags=[]), False)
    assert stored(dd_emulator) == []
    everything = downtime.ensure(client, params(monitor_tags=["*"]), False)
    assert everything["downtime"]["monitor_identifier"] == {"monitor_tags": ["*"]}


def test_update_without_target_keeps_the_monitors(client: DatadogClient, dd_emulator: Any) -> None:
    created = downtime.ensure(client, params(monitor_tags=["team:db"]), False)
    changed = downtime.ensure(client, params(monitor_tags=None, downtime_message="new text"), False)
    assert changed["changed"] and "monitor_identifier" not in changed["diff"]["after"]
    server = raw(dd_emulator, "GET", f"/api/v2/downtime/{created['id']}")["data"]["attributes"]
    assert server["monitor_identifier"] == {"monitor_tags": ["team:db"]}


def test_explicit_nulls() -> None:
    assert downtime.explicit_nulls({"monitor_id": None, "name": "x"}, ("monitor_id",)) == {"monitor_id"}
    assert downtime.explicit_nulls({"name": "x"}, ("monitor_id",)) == frozenset()
    assert downtime.explicit_nulls({"monitor_id": 3}, ("monitor_id",)) == frozenset()


# --- item 6: timezone changes send display_timezone -------------------------------------------------
def test_timezone_change_sends_display_timezone(client: DatadogClient, dd_emulator: Any) -> None:
    task = params(name="nights", recurrences=[NIGHTS], timezone="Europe/Paris")
    created = downtime.ensure(client, task, False)
    assert created["downtime"]["display_timezone"] == "Europe/Paris"
    moved = params(name="nights", recurrences=[NIGHTS], timezone="America/New_York")
    predicted = downtime.ensure(client, moved, True)
    done = downtime.ensure(client, moved, False)
    assert done["changed"] and predicted["diff"] == done["diff"]
    assert done["diff"]["before"]["display_timezone"] == "Europe/Paris"
    assert done["diff"]["after"]["display_timezone"] == "America/New_York"
    assert done["diff"]["after"]["schedule"]["timezone"] == "America/New_York"
    server = raw(dd_emulator, "GET", f"/api/v2/downtime/{created['id']}")["data"]["attributes"]
    assert server["display_timezone"] == server["schedule"]["timezone"] == "America/New_York"
    assert not downtime.ensure(client, moved, False)["changed"]


def test_display_timezone_is_managed(client: DatadogClient, dd_emulator: Any) -> None:
    one_time = params(name="once", recurrences=None, end="2099-01-01T00:00:00Z", timezone="Europe/Paris")
    created = downtime.ensure(client, one_time, False)
    assert created["downtime"]["display_timezone"] == "Europe/Paris"
    shown_in_tokyo = dict(one_time, display_timezone="Asia/Tokyo")
    assert downtime.ensure(client, shown_in_tokyo, False)["diff"]["after"]["display_timezone"] == "Asia/Tokyo"
    assert not downtime.ensure(client, shown_in_tokyo, False)["changed"]
    with pytest.raises(DatadogError, match=r"display_timezone \(Asia/Tokyo\) must equal timezone"):
        downtime.ensure(client, params(display_timezone="Asia/Tokyo"), True)
    with pytest.raises(DatadogError, match="display_timezone: 'Mars/Base'"):
        downtime.ensure(client, params(display_timezone="Mars/Base"), True)


# --- items 9, 13, 14: rejected before any request, check mode included ------------------------------
@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"scope": "BAD_SCOPE_MISSING_KEY_VALUE_FORMAT"}, "scope 'BAD_SCOPE_MISSING_KEY_VALUE_FORMAT'"),
        ({"scope": "env:prod AND web"}, "'web' is not key:value"),
        ({"scope": "env:(prod OR staging"}, "unbalanced"),
        ({"recurrences": [{"rrule": "FREQ=DAILY;FOO=1", "duration": "1h"}]}, "FOO is not an RFC 5545"),
        ({"recurrences": [{"rrule": "DTSTART:20300101T000000Z\nRRULE:FREQ=DAILY", "duration": "1h"}]},
         "recurrences[0].rrule: DTSTART"),
        ({"recurrences": [{"rrule": "FREQ=WEEKLY;BYDAY=2TU", "duration": "1h"}]}, "BYDAY=2TU"),
        ({"recurrences": [{"rrule": "FREQ=DAILY;INTERVAL=0", "duration": "1h"}]}, "INTERVAL=0"),
        ({"recurrences": None, "end": "2001-01-01T00:00:00Z"}, "end: 2001-01-01T00:00:00Z is in the past"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("check_mode", [True, False])
def test_bad_input_fails_before_any_request(
    client: DatadogClient, dd_emulator: Any, overrides: dict[str, Any], needle: str, check_mode: bool
) -> None:
    dd_emulator.reset_counts()
    with pytest.raises(DatadogError) as err:
        downtime.ensure(client, params(**overrides), check_mode)
    assert needle in str(err.value)
    assert dd_emulator.counts() == {}


@pytest.mark.parametrize(
    "scope", ["*", "env:prod", "host:web-1 AND env:prod", "env:(prod OR staging) AND NOT team:qa", "-env:dev"]
)
def test_scopes_datadog_accepts(client: DatadogClient, scope: str) -> None:
    assert downtime.ensure(client, params(scope=scope), False)["changed"]


# --- item 10: server data the schedule code cannot read is a clean failure ----------------------------
def test_unreadable_server_schedule_is_a_clean_error() -> None:
    attrs = {
        "message": "[ansible-name: x]",
        "schedule": {"timezone": "UTC", "recurrences": [{"rrule": "FREQ=DAILY;junk", "duration": "1h"}]},
    }
    with pytest.raises(DatadogError, match="cannot read its schedule"):
        downtime.normalise(attrs, None)
