"""Custom Agent check ``my_metric``: a gauge with a random integer, once per collection interval.

Shipped by the role ``datadog_exercise.stack.custom_check`` to ``/etc/datadog-agent/checks.d/``.
Everything a user may want to change lives in the instance config (``conf.d/my_metric.yaml``), not
in this file:

    init_config: {}
    instances:
      - min_collection_interval: 45   # read by the Agent's scheduler, never by this code
        tags: ["team:exercise"]        # added to every sample
        metric_name: my_metric         # optional, default my_metric
        min_value: 0                   # optional, default 0 (inclusive)
        max_value: 1000                # optional, default 1000 (inclusive)

A bad instance makes every run fail with a ``ConfigurationError`` naming the option, which the Agent
shows in ``datadog-agent status`` and ``datadog-agent check my_metric``.
"""

from __future__ import annotations

import random
import re
from typing import Any

from datadog_checks.base import AgentCheck, ConfigurationError

__version__ = "1.0.0"

DEFAULT_METRIC_NAME = "my_metric"
DEFAULT_MIN_VALUE = 0
DEFAULT_MAX_VALUE = 1000
# Datadog metric names: start with a letter, then ASCII letters, digits, underscores and periods,
# at most 200 characters (https://docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics).
METRIC_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,199}$")


def _integer_option(instance: dict[str, Any], key: str, default: int) -> int:
    value = instance.get(key, default)
    # bool is an int subclass: `max_value: yes` is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"instance option `{key}` must be an integer, got {value!r}")
    return value


class MyMetricCheck(AgentCheck):
    """Submit one gauge per run with a random integer in ``[min_value, max_value]``."""

    def __init__(self, name: str, init_config: dict[str, Any], instances: list[dict[str, Any]]) -> None:
        super().__init__(name, init_config, instances)
        self.metric_name = DEFAULT_METRIC_NAME
        self.min_value = DEFAULT_MIN_VALUE
        self.max_value = DEFAULT_MAX_VALUE
        self.tags: list[str] = []
        # Run by AgentCheck.run() before the first check() and retried until it succeeds, so a
        # bad config surfaces as the run's error instead of a traceback at load time.
        self.check_initializations.append(self._parse_config)

    def _parse_config(self) -> None:
        instance: dict[str, Any] = self.instance or {}

        metric_name = instance.get("metric_name", DEFAULT_METRIC_NAME)
        if not isinstance(metric_name, str) or not METRIC_NAME_RE.match(metric_name):
            raise ConfigurationError(
                "instance option `metric_name` must start with a letter and contain only ASCII letters, "
                f"digits, underscores and periods (at most 200 characters), got {metric_name!r}"
            )

        min_value = _integer_option(instance, "min_value", DEFAULT_MIN_VALUE)
        max_value = _integer_option(instance, "max_value", DEFAULT_MAX_VALUE)
        if min_value > max_value:
            raise ConfigurationError(
                f"instance option `min_value` ({min_value}) must not be greater than "
                f"`max_value` ({max_value})"
            )

        tags = instance.get("tags", [])
        if tags is None:
            tags = []
        if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
            raise ConfigurationError(
                f"instance option `tags` must be a list of non-empty strings, got {tags!r}"
            )

        self.metric_name = metric_name
        self.min_value = min_value
        self.max_value = max_value
        self.tags = list(tags)

    def check(self, instance: Any) -> None:  # the options were parsed once, in _parse_config
        # Not security-sensitive: a demo value, so the non-cryptographic generator is the right one.
        value = random.randint(self.min_value, self.max_value)  # noqa: S311
        self.gauge(self.metric_name, value, tags=self.tags)
