"""Unit tests of the `my_metric` Agent check shipped by the role custom_check.

The check runs on the real datadog-checks-base with its aggregator stub (what Datadog's own
integration tests use), exactly as the Agent calls it: ``check.run()`` returns ``""`` on success or
a JSON list of errors.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from datadog_checks.base import AgentCheck, ConfigurationError
from datadog_checks.base.stubs import aggregator as aggregator_stub
from datadog_checks.base.stubs.aggregator import AggregatorStub

CHECK_FILE = Path(__file__).resolve().parents[4] / "roles" / "custom_check" / "files" / "my_metric.py"
TAGS = ["team:exercise", "exercise:custom_check"]


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("my_metric", CHECK_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["my_metric"] = module
    spec.loader.exec_module(module)
    return module


my_metric = _load_module()


@pytest.fixture
def aggregator() -> Iterator[AggregatorStub]:
    aggregator_stub.reset()
    yield aggregator_stub
    aggregator_stub.reset()


def make_check(**options: Any) -> Any:
    instance: dict[str, Any] = {"min_collection_interval": 45, "tags": list(TAGS)}
    instance.update(options)
    check = my_metric.MyMetricCheck("my_metric", {}, [instance])
    check.check_id = "my_metric:test"
    return check


def run_ok(check: Any) -> None:
    error = check.run()
    assert error == "", error


def run_error(check: Any) -> str:
    error = check.run()
    assert error, "the run was expected to fail"
    return json.loads(error)[0]["message"]


def gauge_values(agg: AggregatorStub, name: str = "my_metric") -> list[float]:
    samples = agg.metrics(name)
    assert all(s.type == agg.GAUGE for s in samples)
    return [s.value for s in samples]


# --- what the Agent's loader needs ---------------------------------------------------------------


def test_module_is_a_loadable_agent_check() -> None:
    assert my_metric.__version__ == "1.0.0"
    # The Agent's loader takes the AgentCheck subclass without subclasses: there must be one only.
    leaves = [
        obj
        for obj in vars(my_metric).values()
        if inspect.isclass(obj) and issubclass(obj, AgentCheck) and obj is not AgentCheck
    ]
    assert leaves == [my_metric.MyMetricCheck]


def test_interval_is_left_to_the_agent() -> None:
    # The bonus question: the interval belongs in the YAML. The check never reads it nor sleeps.
    source = CHECK_FILE.read_text(encoding="utf-8")
    code = source.split('"""', 2)[2]  # skip the module docstring, which documents the YAML
    assert "min_collection_interval" not in code
    assert "sleep" not in code


# --- default behaviour: the exercise's my_metric ----------------------------------------------


def test_default_submits_one_my_metric_gauge_with_instance_tags(aggregator: AggregatorStub) -> None:
    run_ok(make_check())
    aggregator.assert_metric("my_metric", count=1, tags=TAGS, metric_type=aggregator.GAUGE)
    aggregator.assert_all_metrics_covered()
    (value,) = gauge_values(aggregator)
    assert 0 <= value <= 1000
    assert value == int(value)


def test_every_run_gives_an_integer_in_range(aggregator: AggregatorStub) -> None:
    check = make_check()
    random.seed(7)
    for _run in range(500):
        run_ok(check)
    values = gauge_values(aggregator)
    assert len(values) == 500
    assert all(0 <= v <= 1000 and v == int(v) for v in values)
    assert len(set(values)) > 100, "the values should be random, not constant"


@pytest.mark.parametrize("drawn", [0, 1000])
def test_bounds_are_inclusive(aggregator: AggregatorStub, drawn: int) -> None:
    with mock.patch.object(my_metric.random, "randint", return_value=drawn) as randint:
        run_ok(make_check())
    randint.assert_called_once_with(0, 1000)
    aggregator.assert_metric("my_metric", value=float(drawn), count=1, tags=TAGS)


def test_real_generator_reaches_both_bounds(aggregator: AggregatorStub) -> None:
    check = make_check(min_value=0, max_value=1)
    random.seed(11)
    for _run in range(200):
        run_ok(check)
    assert set(gauge_values(aggregator)) == {0.0, 1.0}


def test_no_tags_is_allowed(aggregator: AggregatorStub) -> None:
    check = my_metric.MyMetricCheck("my_metric", {}, [{}])
    run_ok(check)
    aggregator.assert_metric("my_metric", count=1)
    assert aggregator.metrics("my_metric")[0].tags == []


# --- configurable from the instance, not by editing Python ------------------------------------


def test_metric_name_range_and_tags_come_from_the_instance(aggregator: AggregatorStub) -> None:
    tags = ["team:sales", "region:emea"]
    check = make_check(metric_name="exercise.random_value", min_value=-5, max_value=-5, tags=tags)
    run_ok(check)
    aggregator.assert_metric("exercise.random_value", value=-5.0, count=1, tags=tags)
    assert aggregator.metrics("my_metric") == []


def test_custom_range_is_respected(aggregator: AggregatorStub) -> None:
    check = make_check(min_value=10, max_value=20)
    random.seed(3)
    for _run in range(200):
        run_ok(check)
    assert set(gauge_values(aggregator)) == {float(v) for v in range(10, 21)}


@pytest.mark.parametrize(
    ("options", "option_named"),
    [
        ({"metric_name": "1starts_with_digit"}, "metric_name"),
        ({"metric_name": "has space"}, "metric_name"),
        ({"metric_name": ""}, "metric_name"),
        ({"metric_name": 12}, "metric_name"),
        ({"min_value": "0"}, "min_value"),
        ({"max_value": 10.5}, "max_value"),
        ({"max_value": True}, "max_value"),
        ({"min_value": 10, "max_value": 5}, "min_value"),
        ({"tags": "team:exercise"}, "tags"),
        ({"tags": ["team:exercise", 3]}, "tags"),
        ({"tags": [""]}, "tags"),
    ],
)
def test_bad_instance_fails_the_run_naming_the_option(
    aggregator: AggregatorStub, options: dict[str, Any], option_named: str
) -> None:
    check = make_check(**options)
    message = run_error(check)
    assert f"`{option_named}`" in message
    assert aggregator.metrics("my_metric") == []
    # Direct call: the exception type is the base package's ConfigurationError.
    with pytest.raises(ConfigurationError, match=option_named):
        make_check(**options)._parse_config()


def test_bad_config_keeps_failing_on_every_run(aggregator: AggregatorStub) -> None:
    check = make_check(min_value=3, max_value=1)
    for _run in range(3):
        assert "`min_value`" in run_error(check)
    assert aggregator.metrics("my_metric") == []


def test_generic_tag_keys_are_what_the_stub_rejects(aggregator: AggregatorStub, monkeypatch) -> None:
    # Why the role's default tags use `team:`/`exercise:` keys: Datadog's integration guidelines
    # reserve env/host/service/version; the stub enforces that unless told not to.
    monkeypatch.delenv("DDEV_SKIP_GENERIC_TAGS_CHECK", raising=False)
    message = run_error(make_check(tags=["env:lab"]))
    assert "forbidden tag" in message
