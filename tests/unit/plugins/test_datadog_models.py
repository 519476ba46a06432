"""Request bodies are checked against the client's models before anything is sent."""

from __future__ import annotations

import pytest
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.models import check_body
from datadog_api_client.v1.model.dashboard import Dashboard


def board(*widgets: dict) -> dict:
    return {"title": "t", "layout_type": "ordered", "widgets": list(widgets)}


def timeseries(q: str = "avg:my_metric{*}") -> dict:
    return {"definition": {"type": "timeseries", "requests": [{"q": q, "display_type": "line"}]}}


def test_the_exercise_timeboard_is_valid() -> None:
    body = board(timeseries(), timeseries("avg:my_metric{*}.rollup(sum, 3600)"))
    check_body(body, Dashboard, "create", "d")


def test_unknown_widget_type_names_the_widget_and_the_type() -> None:
    with pytest.raises(DatadogError) as err:
        check_body(board(timeseries(), {"definition": {"type": "hologram"}}), Dashboard, "create", "d")
    assert "widgets[1].definition" in str(err.value)
    assert "'hologram'" in str(err.value)


def test_unknown_field_is_named() -> None:
    body = board(timeseries())
    body["colour"] = "blue"
    with pytest.raises(DatadogError, match="colour"):
        check_body(body, Dashboard, "create", "d")


def test_bad_enum_value_is_named() -> None:
    with pytest.raises(DatadogError, match=r"layout_type|grid"):
        check_body({"title": "t", "layout_type": "grid", "widgets": []}, Dashboard, "create", "d")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (board({"definition": {"type": "timeseries"}}), "widgets[0].definition.requests is required"),
        (
            board({"definition": {"type": "query_value", "requests": [{"q": "a{*}"}, {"q": "b{*}"}]}}),
            "widgets[0].definition.requests: at most 1 item(s) allowed, got 2",
        ),
        (dict(board(), template_variables=[{"prefix": "host"}]), "template_variables[0].name is required"),
        (
            board(
                timeseries(),
                timeseries(),
                {
                    "definition": {
                        "type": "group",
                        "layout_type": "ordered",
                        "widgets": [timeseries(), {"definition": {"type": "timeseries", "title": "x"}}],
                    }
                },
            ),
            "widgets[2].definition.widgets[1].definition.requests is required",
        ),
        ({"layout_type": "ordered", "widgets": []}, "title is required"),
    ],
)
def test_messages_name_the_innermost_field(body: dict, message: str) -> None:
    """Issue 14 item 13: the field is named, a nested widget rather than its group."""
    with pytest.raises(DatadogError) as err:
        check_body(body, Dashboard, "create", "d")
    assert message in str(err.value)
    assert "type 'group' is unknown" not in str(err.value)
