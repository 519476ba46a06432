"""A user's own Agent check, shipped from the playbook's files/ directory (Molecule test data)."""

from __future__ import annotations

from typing import Any

from datadog_checks.base import AgentCheck

__version__ = "0.1.0"


class CustomHelloCheck(AgentCheck):
    """Submit `custom_hello.value` = init_config's greeting_value, tagged with the instance's tags."""

    def check(self, instance: Any) -> None:
        value = int(self.init_config.get("greeting_value", 1))
        self.gauge("custom_hello.value", value, tags=instance.get("tags", []))
