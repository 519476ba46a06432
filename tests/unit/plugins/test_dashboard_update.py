"""datadog_dashboard against the lab emulator: what an update leaves alone, titles, and bad input
caught before any request (issue 14 items 2, 9, 11, 13).

``PUT /api/v1/dashboard/{id}`` replaces the whole dashboard (recorded: the update in
``test_update_a_dashboard_returns_ok_response`` leaves out ``restricted_roles`` and gets ``[]``
back); the emulator does the same, so a field the module does not send is lost there too.
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import DatadogClient
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from emulator_helpers import raw

ROLE = "00000000-0000-0000-0000-000000000001"
WIDGET = {"definition": {"type": "timeseries", "requests": [{"q": "avg:my_metric{host:web-1}"}]}}


def params(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "state": "present",
        "id": None,
        "title": "Exercise timeboard",
        "description": None,
        "layout_type": "ordered",
        "reflow_type": None,
        "widgets": [WIDGET],
        "template_variables": None,
        "template_variable_presets": None,
        "notify_list": None,
        "tags": None,
        "restricted_roles": None,
        "definition": None,
    }
    base.update(overrides)
    return base


def ui_edit(emu: Any, dash_id: str, **changes: Any) -> dict[str, Any]:
    """An edit in the UI: it sends the whole dashboard back with the changes."""
    current = raw(emu, "GET", f"/api/v1/dashboard/{dash_id}")
    body = {k: v for k, v in current.items() if k not in ("id", "url", "author_handle", "author_name")}
    body = {k: v for k, v in body.items() if k not in ("created_at", "modified_at") and v is not None}
    body.update(changes)
    return raw(emu, "PUT", f"/api/v1/dashboard/{dash_id}", body)


# --- item 2 ---------------------------------------------------------------------------------------
def test_description_change_keeps_restricted_roles_and_tags(client: DatadogClient, dd_emulator: Any) -> None:
    dash_id = dashboard.ensure(client, params(description="first"), False)["id"]
    ui_edit(dd_emulator, dash_id, restricted_roles=[ROLE], tags=["team:web"], notify_list=["ops@example.com"])

    predicted = dashboard.ensure(client, params(description="second"), True)
    done = dashboard.ensure(client, params(description="second"), False)

    assert done["changed"] and predicted["diff"] == done["diff"]
    before, after = done["diff"]["before"], done["diff"]["after"]
    assert {k for k in set(before) | set(after) if before.get(k) != after.get(k)} == {"description"}
    server = raw(dd_emulator, "GET", f"/api/v1/dashboard/{dash_id}")
    assert server["description"] == "second"
    assert server["restricted_roles"] == [ROLE]
    assert server["tags"] == ["team:web"]
    assert server["notify_list"] == ["ops@example.com"]
    assert predicted["dashboard"]["restricted_roles"] == [ROLE]
    assert dashboard.ensure(client, params(description="second"), False)["changed"] is False


def test_unset_fields_are_not_managed_but_set_ones_are(client: DatadogClient, dd_emulator: Any) -> None:
    dash_id = dashboard.ensure(client, params(description="kept", tags=["team:ops"]), False)["id"]
    assert dashboard.ensure(client, params(), False)["changed"] is False  # description/tags left alone
    assert raw(dd_emulator, "GET", f"/api/v1/dashboard/{dash_id}")["description"] == "kept"
    ui_edit(dd_emulator, dash_id, restricted_roles=[ROLE])
    result = dashboard.ensure(client, params(restricted_roles=[]), False)
    assert result["changed"]
    assert result["diff"]["before"]["restricted_roles"] == [ROLE]
    assert raw(dd_emulator, "GET", f"/api/v1/dashboard/{dash_id}")["restricted_roles"] == []


# --- item 11 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("title", [" Exercise timeboard", "Exercise timeboard\n"])
def test_title_with_surrounding_whitespace_is_bad_input(
    client: DatadogClient, dd_emulator: Any, title: str
) -> None:
    dd_emulator.reset_counts()
    for state in ("present", "absent"):
        with pytest.raises(DatadogError, match=r"title .* leading or trailing whitespace"):
            dashboard.ensure(client, params(title=title, state=state), True)
    with pytest.raises(DatadogError, match="title"):
        dashboard.ensure(
            client, params(title=None, definition={"title": title, "layout_type": "ordered"}), True
        )
    assert raw(dd_emulator, "GET", "/lab/admin/counts")["counts"] == {}


def test_server_title_with_spaces_is_found_and_renamed(client: DatadogClient, dd_emulator: Any) -> None:
    made = raw(
        dd_emulator,
        "POST",
        "/api/v1/dashboard",
        {"title": "Exercise timeboard  ", "layout_type": "ordered", "widgets": [WIDGET]},
    )
    result = dashboard.ensure(client, params(), False)
    assert result["id"] == made["id"] and result["changed"]
    assert result["diff"]["before"]["title"] == "Exercise timeboard  "
    titles = [d["title"] for d in raw(dd_emulator, "GET", "/api/v1/dashboard")["dashboards"]]
    assert titles == ["Exercise timeboard"]
    assert dashboard.ensure(client, params(), False)["changed"] is False


def test_whitespace_only_rename_by_id_is_applied(client: DatadogClient, dd_emulator: Any) -> None:
    made = raw(
        dd_emulator, "POST", "/api/v1/dashboard", {"title": " Board", "layout_type": "ordered", "widgets": []}
    )
    result = dashboard.ensure(client, params(id=made["id"], title="Board", widgets=[]), False)
    assert result["changed"]
    assert raw(dd_emulator, "GET", f"/api/v1/dashboard/{made['id']}")["title"] == "Board"


# --- items 9 and 13: bad input named, before any request ------------------------------------------
GROUP_WITH_BAD_CHILD = {
    "definition": {
        "type": "group",
        "layout_type": "ordered",
        "widgets": [{"definition": {"type": "timeseries", "title": "no requests"}}],
    }
}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"layout_type": "free", "widgets": [{"definition": {"type": "note", "content": "x"}}]},
            "widgets[0].layout",
        ),
        (
            {"template_variables": [{"name": "host", "prefix": "host", "defaults": [""]}]},
            "template_variables[0].defaults[0]",
        ),
        (
            {"template_variables": [{"name": "host", "default": "a", "defaults": ["a"]}]},
            "template_variables[0]",
        ),
        ({"template_variables": [{"prefix": "host"}]}, "template_variables[0].name"),
        ({"widgets": [{"definition": {"type": "timeseries"}}]}, "widgets[0].definition.requests"),
        (
            {
                "widgets": [
                    {"definition": {"type": "query_value", "requests": [{"q": "a{*}"}, {"q": "b{*}"}]}}
                ]
            },
            "widgets[0].definition.requests",
        ),
        (
            {"widgets": [WIDGET, WIDGET, GROUP_WITH_BAD_CHILD]},
            "widgets[2].definition.widgets[0].definition.requests",
        ),
    ],
)
def test_bad_dashboard_fails_before_any_request(
    client: DatadogClient, dd_emulator: Any, overrides: dict[str, Any], field: str
) -> None:
    dd_emulator.reset_counts()
    with pytest.raises(DatadogError) as err:
        dashboard.ensure(client, params(**overrides), True)
    assert field in str(err.value)
    assert raw(dd_emulator, "GET", "/lab/admin/counts")["counts"] == {}


def test_query_value_message_says_how_many() -> None:
    body = dashboard.desired_dashboard(
        params(widgets=[{"definition": {"type": "query_value", "requests": [{"q": "a{*}"}, {"q": "b{*}"}]}}])
    )
    with pytest.raises(
        DatadogError, match=r"at most 1 item\(s\) allowed, got 2 \(in a 'query_value' widget\)"
    ):
        dashboard.check_body(body, dashboard.Dashboard, "check", "d")
