# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared argument spec and module wrapper for the Datadog modules.

The options here are documented once in ``plugins/doc_fragments/datadog.py``.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import (
    DATADOG_IMPORT_ERROR,
    HAS_DATADOG,
    ApiUrlError,
    DatadogClient,
    base_url,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import DatadogError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import RetryPolicy
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import DEFAULT_SITE, site_names


def datadog_argument_spec() -> dict[str, Any]:
    """Connection options every Datadog module accepts."""
    return {
        "api_key": {
            "type": "str",
            "required": True,
            "no_log": True,
            "fallback": (env_fallback, ["DD_API_KEY"]),
        },
        "app_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["DD_APP_KEY"])},
        "site": {
            "type": "str",
            "default": DEFAULT_SITE,
            "choices": site_names(),
            "fallback": (env_fallback, ["DD_SITE"]),
        },
        "api_url": {"type": "str", "fallback": (env_fallback, ["DD_API_URL"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30.0},
        "retries": {"type": "int", "default": 5},
        "retry_backoff": {"type": "float", "default": 1.0},
    }


class DatadogModule:
    """AnsibleModule plus the shared options, a lazily built client and one error exit."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = datadog_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        if not HAS_DATADOG:
            self.module.fail_json(
                msg=missing_required_lib("datadog-api-client"), exception=DATADOG_IMPORT_ERROR
            )
        if not self.params["app_key"]:
            self.fail("app_key is required (option app_key or environment variable DD_APP_KEY)")
        for name in ("timeout", "retry_backoff"):
            if self.params[name] <= 0:
                self.fail(f"{name} must be greater than 0, got {self.params[name]}")
        if self.params["retries"] < 0:
            self.fail(f"retries must be 0 or more, got {self.params['retries']}")
        try:
            # Checked here, before any request: keys must never travel in clear text.
            self.url = base_url(self.params["site"], self.params["api_url"])
        except ApiUrlError as exc:
            self.fail(f"{exc} (option api_url or environment variable DD_API_URL)")
        self._client: DatadogClient | None = None

    @property
    def client(self) -> DatadogClient:
        if self._client is None:
            p = self.params
            self._client = DatadogClient(
                api_key=p["api_key"],
                app_key=p["app_key"],
                url=self.url,
                validate_certs=p["validate_certs"],
                timeout=p["timeout"],
                policy=RetryPolicy(retries=p["retries"], backoff=p["retry_backoff"]),
                read_only=self.check_mode,
            )
        return self._client

    def fail(self, msg: str, **extra: Any) -> None:
        self.module.fail_json(msg=msg, **extra)

    def fail_error(self, err: DatadogError) -> None:
        self.module.fail_json(msg=str(err), api_error=err.to_result())

    def run(self, ensure: Callable[[DatadogClient, dict[str, Any], bool], dict[str, Any]]) -> None:
        """Run a module's ``ensure(client, params, check_mode)`` and exit with its result or error."""
        try:
            outcome = ensure(self.client, self.params, self.check_mode)
        except DatadogError as err:
            self._flush_warnings()
            self.fail_error(err)
        self._flush_warnings()
        self.exit(**outcome)

    def _flush_warnings(self) -> None:
        """Warnings the client collected (race copies settled by a lookup)."""
        if self._client is not None:
            for text in self._client.warnings:
                self.module.warn(text)
            self._client.warnings.clear()

    def exit(self, **result: Any) -> None:
        if self._client is not None:
            self._client.close()
        self.module.exit_json(**result)


def run_module(
    argument_spec: dict[str, Any],
    ensure: Callable[[DatadogClient, dict[str, Any], bool], dict[str, Any]],
    **rules: Any,
) -> None:
    """A module's ``main()``: the shared options plus ``argument_spec`` and its ``rules``
    (``mutually_exclusive``, ``required_if``, ...), check mode supported, then ``ensure`` run."""
    DatadogModule(argument_spec=argument_spec, supports_check_mode=True, **rules).run(ensure)
