"""The official datadog-api-client against the emulator: CRUD round trips, strict deserialization."""

from __future__ import annotations

import datetime
import urllib.request
from typing import Any

import pytest
from datadog_api_client import ApiClient
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.downtimes_api import DowntimesApi as DowntimesApiV1
from datadog_api_client.v1.api.events_api import EventsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.api.snapshots_api import SnapshotsApi
from datadog_api_client.v1.model.cancel_downtimes_by_scope_request import CancelDowntimesByScopeRequest
from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.dashboard_layout_type import DashboardLayoutType
from datadog_api_client.v1.model.downtime import Downtime
from datadog_api_client.v1.model.downtime_recurrence import DowntimeRecurrence
from datadog_api_client.v1.model.event_create_request import EventCreateRequest
from datadog_api_client.v1.model.monitor import Monitor
from datadog_api_client.v1.model.monitor_options import MonitorOptions
from datadog_api_client.v1.model.monitor_thresholds import MonitorThresholds
from datadog_api_client.v1.model.monitor_type import MonitorType
from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest
from datadog_api_client.v1.model.timeseries_widget_definition import TimeseriesWidgetDefinition
from datadog_api_client.v1.model.timeseries_widget_definition_type import TimeseriesWidgetDefinitionType
from datadog_api_client.v1.model.timeseries_widget_request import TimeseriesWidgetRequest
from datadog_api_client.v1.model.widget import Widget
from datadog_api_client.v2.api.downtimes_api import DowntimesApi
from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_create_request_attributes import DowntimeCreateRequestAttributes
from datadog_api_client.v2.model.downtime_create_request_data import DowntimeCreateRequestData
from datadog_api_client.v2.model.downtime_monitor_identifier_id import DowntimeMonitorIdentifierId
from datadog_api_client.v2.model.downtime_resource_type import DowntimeResourceType
from datadog_api_client.v2.model.downtime_schedule_recurrence_create_update_request import (
    DowntimeScheduleRecurrenceCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrences_create_request import (
    DowntimeScheduleRecurrencesCreateRequest,
)
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest
from datadog_api_client.v2.model.downtime_update_request_attributes import DowntimeUpdateRequestAttributes
from datadog_api_client.v2.model.downtime_update_request_data import DowntimeUpdateRequestData
from dd_emulator.validation import unparsed_problem


def assert_clean(model: Any) -> None:
    """The response deserialized into the client's models without any unparsed part."""
    assert unparsed_problem(model) is None


@pytest.fixture
def api(dd_client_config):
    with ApiClient(dd_client_config) as client:
        yield client


def _dashboard(title: str, query: str) -> Dashboard:
    return Dashboard(
        title=title,
        layout_type=DashboardLayoutType.ORDERED,
        widgets=[
            Widget(
                definition=TimeseriesWidgetDefinition(
                    type=TimeseriesWidgetDefinitionType.TIMESERIES,
                    requests=[TimeseriesWidgetRequest(q=query)],
                )
            )
        ],
    )


def test_dashboard_crud(api) -> None:
    dashboards = DashboardsApi(api)
    created = dashboards.create_dashboard(_dashboard("Exercise timeboard", "avg:my_metric{host:web-1}"))
    assert_clean(created)
    assert created.url == f"/dashboard/{created.id}/exercise-timeboard"
    assert isinstance(created.widgets[0].id, int)
    assert created.author_handle
    fetched = dashboards.get_dashboard(created.id)
    assert_clean(fetched)
    assert fetched.widgets[0].definition.requests[0].q == "avg:my_metric{host:web-1}"
    updated = dashboards.update_dashboard(
        created.id, _dashboard("Renamed", "avg:my_metric{*}.rollup(sum, 3600)")
    )
    assert_clean(updated)
    assert updated.title == "Renamed"
    assert updated.created_at == created.created_at
    assert updated.modified_at >= created.modified_at
    listed = dashboards.list_dashboards()
    assert_clean(listed)
    assert [d.id for d in listed.dashboards] == [created.id]
    deleted = dashboards.delete_dashboard(created.id)
    assert deleted.deleted_dashboard_id == created.id
    with pytest.raises(NotFoundException) as exc:
        dashboards.get_dashboard(created.id)
    assert exc.value.body == {"errors": [f"Dashboard with ID {created.id} not found"]}


def test_monitor_crud(api) -> None:
    monitors = MonitorsApi(api)
    body = Monitor(
        name="my_metric above 800",
        type=MonitorType.METRIC_ALERT,
        query="avg(last_5m):avg:my_metric{host:web-1} > 800",
        message="my_metric is high @ops",
        tags=["team:exercise"],
        options=MonitorOptions(
            thresholds=MonitorThresholds(critical=800.0, warning=500.0), notify_no_data=True
        ),
    )
    created = monitors.create_monitor(body)
    assert_clean(created)
    assert created.type == MonitorType.QUERY_ALERT  # Datadog's alias rewrite
    assert created.options.include_tags is True
    assert created.options.new_host_delay == 300
    assert created.overall_state.value == "No Data"
    fetched = monitors.get_monitor(created.id)
    assert_clean(fetched)
    updated = monitors.update_monitor(created.id, MonitorUpdateRequest(name="renamed"))
    assert_clean(updated)
    assert updated.name == "renamed"
    assert updated.query == created.query
    listed = monitors.list_monitors(monitor_tags="team:exercise")
    assert [m.id for m in listed] == [created.id]
    for item in listed:
        assert_clean(item)
    assert monitors.delete_monitor(created.id).deleted_monitor_id == created.id
    with pytest.raises(NotFoundException):
        monitors.get_monitor(created.id)


def test_downtime_crud(api) -> None:
    monitor = MonitorsApi(api).create_monitor(
        Monitor(
            name="m", type=MonitorType.METRIC_ALERT, query="avg(last_5m):avg:my_metric{*} > 800", message="x"
        )
    )
    downtimes = DowntimesApi(api)
    created = downtimes.create_downtime(
        DowntimeCreateRequest(
            data=DowntimeCreateRequestData(
                type=DowntimeResourceType.DOWNTIME,
                attributes=DowntimeCreateRequestAttributes(
                    scope="env:lab",
                    monitor_identifier=DowntimeMonitorIdentifierId(monitor_id=monitor.id),
                    display_timezone="Europe/Paris",
                    schedule=DowntimeScheduleRecurrencesCreateRequest(
                        timezone="Europe/Paris",
                        recurrences=[
                            DowntimeScheduleRecurrenceCreateUpdateRequest(
                                rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                                duration="14h",
                                start="2024-01-01T19:00",
                            )
                        ],
                    ),
                ),
            )
        )
    )
    assert_clean(created)
    attrs = created.data.attributes
    assert attrs.status.value in ("active", "scheduled")
    assert attrs.schedule.current_downtime.start is not None
    downtime_id = created.data.id
    fetched = downtimes.get_downtime(downtime_id)
    assert_clean(fetched)
    updated = downtimes.update_downtime(
        downtime_id,
        DowntimeUpdateRequest(
            data=DowntimeUpdateRequestData(
                id=downtime_id,
                type=DowntimeResourceType.DOWNTIME,
                attributes=DowntimeUpdateRequestAttributes(message="weekday nights"),
            )
        ),
    )
    assert_clean(updated)
    assert updated.data.attributes.message == "weekday nights"
    matches = downtimes.list_monitor_downtimes(monitor.id)
    assert_clean(matches)
    assert [m.id for m in matches.data] == [downtime_id]
    downtimes.cancel_downtime(downtime_id)
    after = downtimes.get_downtime(downtime_id)
    assert after.data.attributes.status.value == "canceled"
    assert after.data.attributes.canceled is not None
    listed = downtimes.list_downtimes()
    assert_clean(listed)
    assert [d.id for d in listed.data] == [downtime_id]  # cancelled downtimes stay listed
    assert downtimes.list_downtimes(current_only=True).data == []


@pytest.mark.filterwarnings("ignore:.* is deprecated:DeprecationWarning")  # v1 downtimes: deprecated, served
def test_v1_downtime_crud(api) -> None:
    """The v1 DowntimesApi (community.general.datadog_downtime's client) round trips cleanly."""
    monitor = MonitorsApi(api).create_monitor(
        Monitor(
            name="load",
            type=MonitorType.METRIC_ALERT,
            query="avg(last_5m):avg:system.load.5{host:web-1} > 2",
            options=MonitorOptions(thresholds=MonitorThresholds(critical=2.0)),
        )
    )
    downtimes = DowntimesApiV1(api)
    start = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    created = downtimes.create_downtime(
        Downtime(
            scope=["host:web-1"],
            monitor_id=monitor.id,
            message="maintenance",
            start=start,
            end=start + 3600,
            timezone="Europe/Paris",
            recurrence=DowntimeRecurrence(type="rrule", rrule="FREQ=DAILY;INTERVAL=1"),
        )
    )
    assert_clean(created)
    assert (created.scope, created.monitor_id, created.downtime_type) == (["host:web-1"], monitor.id, 1)
    assert created.active is True and created.disabled is False and created.canceled is None
    assert created.recurrence.rrule == "FREQ=DAILY;INTERVAL=1"
    fetched = downtimes.get_downtime(created.id)
    assert_clean(fetched)
    assert fetched.to_dict() == created.to_dict()
    updated = downtimes.update_downtime(created.id, Downtime(message="longer maintenance"))
    assert_clean(updated)
    assert updated.message == "longer maintenance" and updated.updater_id == created.creator_id
    matching = downtimes.list_monitor_downtimes(monitor.id)
    assert_clean(matching)
    assert [m.id for m in matching] == [created.id]
    other = downtimes.create_downtime(Downtime(scope=["env:lab"]))
    cancelled = downtimes.cancel_downtimes_by_scope(CancelDowntimesByScopeRequest(scope="env:lab"))
    assert_clean(cancelled)
    assert cancelled.cancelled_ids == [other.id]
    downtimes.cancel_downtime(created.id)
    after = downtimes.get_downtime(created.id)
    assert after.disabled is True and isinstance(after.canceled, int)
    listed = downtimes.list_downtimes(with_creator=True)
    assert_clean(listed)
    assert [d.id for d in listed] == [created.id, other.id]  # cancelled downtimes stay listed
    assert downtimes.list_downtimes(current_only=True) == []
    with pytest.raises(NotFoundException) as exc:
        downtimes.get_downtime(1)
    assert exc.value.body == {"errors": ["Downtime not found"]}
    with pytest.raises(ApiException) as bad:
        downtimes.create_downtime(
            Downtime(
                scope=["*"],
                start=start,
                end=start + 60,
                recurrence=DowntimeRecurrence(type="weeks", week_days=["mon"]),
            )
        )
    assert bad.value.status == 400
    assert bad.value.body == {
        "errors": ["Invalid set of days in week_days. Be sure that the first letter is capitalized."]
    }


def test_event_and_snapshot(api, dd_emulator) -> None:
    events = EventsApi(api)
    created = events.create_event(
        EventCreateRequest(title="Snapshot", text="@ops look", tags=["team:exercise"])
    )
    assert_clean(created)
    start = int(created.event.date_happened) - 60
    listed = events.list_events(start=start, end=start + 3600)
    assert [e.title for e in listed.events] == ["Snapshot"]
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    snap = SnapshotsApi(api).get_graph_snapshot(
        start=now - 3600, end=now, metric_query="avg:my_metric{host:web-1}", title="my_metric"
    )
    assert_clean(snap)
    assert snap.snapshot_url.startswith(dd_emulator.url + "/snapshot/view/")
    with urllib.request.urlopen(snap.snapshot_url) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"


def test_wrong_keys_are_forbidden(dd_client_config) -> None:
    dd_client_config.api_key["appKeyAuth"] = "not-the-key"
    with ApiClient(dd_client_config) as client, pytest.raises(ForbiddenException) as exc:
        MonitorsApi(client).list_monitors()
    assert exc.value.status == 403
    assert exc.value.body == {"errors": ["Forbidden"]}


def test_invalid_bodies_fail_like_datadog(api) -> None:
    with pytest.raises(ApiException) as exc:
        MonitorsApi(api).create_monitor(
            Monitor(name="bad", type=MonitorType.LOG_ALERT, query="query", message="x")
        )
    assert exc.value.status == 400
    assert exc.value.body == {
        "errors": ["The value provided for parameter 'query' is invalid: invalid operator specified: "]
    }
