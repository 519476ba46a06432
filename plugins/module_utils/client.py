# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client layer between the modules and the official ``datadog-api-client``.

Every request goes through :meth:`DatadogClient.call`, which applies the retry policy
(:mod:`retries`) and turns every failure into a :class:`errors.DatadogError` naming the
operation, the resource and Datadog's ``errors``. Results are plain JSON-like data.
"""

from __future__ import annotations

import datetime
import time
import traceback
from typing import Any, Callable

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import (
    DatadogError,
    errors_from_body,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import (
    RetryPolicy,
    decide,
    is_transient,
)

DATADOG_IMPORT_ERROR: str | None = None
try:
    import urllib3
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ApiException, OpenApiException
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    DATADOG_IMPORT_ERROR = traceback.format_exc()
    HAS_DATADOG = False
else:
    HAS_DATADOG = True

SITES = {
    "datadoghq.com": "https://api.datadoghq.com",
    "datadoghq.eu": "https://api.datadoghq.eu",
    "us3.datadoghq.com": "https://api.us3.datadoghq.com",
    "us5.datadoghq.com": "https://api.us5.datadoghq.com",
    "ap1.datadoghq.com": "https://api.ap1.datadoghq.com",
    "ap2.datadoghq.com": "https://api.ap2.datadoghq.com",
    "uk1.datadoghq.com": "https://api.uk1.datadoghq.com",
    "ddog-gov.com": "https://api.ddog-gov.com",
}


def base_url(site: str, api_url: str | None) -> str:
    """``api_url`` wins (proxies, the lab emulator); otherwise the API host of ``site``."""
    if api_url:
        return api_url.rstrip("/")
    return SITES[site]


def to_plain(value: Any) -> Any:
    """Model objects, datetimes and nested containers -> JSON-like Python data."""
    if hasattr(value, "to_dict") and callable(value.to_dict):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.isoformat(timespec="seconds") + "Z"
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is not None and type(value).__module__.startswith("datadog_api_client"):
        return getattr(value, "value", str(value))
    return value


class DatadogClient:
    """Configured API client plus the retrying, error-translating ``call``."""

    def __init__(
        self,
        *,
        api_key: str,
        app_key: str | None,
        url: str,
        validate_certs: bool = True,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.waits: list[float] = []
        keys = {"apiKeyAuth": api_key}
        if app_key:
            keys["appKeyAuth"] = app_key
        config = Configuration(host=url, api_key=keys, request_timeout=timeout)
        config.verify_ssl = validate_certs
        # Retries are ours (see retries.py): the transport must not re-send anything by itself.
        config.retry_policy = urllib3.util.Retry(total=0, connect=0, read=0, redirect=0, status=0)
        config.is_iac = True
        self.api = ApiClient(config)
        self.api.user_agent = "datadog_exercise.stack (Ansible) " + self.api.user_agent

    def _recover(self, recover: Callable[[], Any], attempt: int, *, outcome_unknown: bool) -> Any:
        """Re-read after a failed create; return what the server holds, or None.

        A 5xx answer came from the server, which refused the request: one re-read after the
        backoff settles it. With no answer at all (read timeout, connection dropped) the server
        may still be working on the request: wait as long as the request was given, re-read,
        and once more after another such wait, so a slow create is found instead of duplicated.
        """
        waits = [self.policy.backoff_delay(attempt)]
        if outcome_unknown:
            waits = [max(waits[0], self.timeout), self.timeout]
        for wait in waits:
            self.waits.append(wait)
            self.sleep(wait)
            found = recover()
            if found is not None:
                return found
        return None

    def read_or_none(self, resource: str, func: Callable[..., Any], *args: Any) -> Any:
        """Read one object; None when the server answers 404 (it does not exist, or no longer)."""
        try:
            return self.call("read", resource, func, *args)
        except DatadogError as err:
            if err.status == 404:
                return None
            raise

    def close(self) -> None:
        self.api.close()

    def _failure(self, operation: str, resource: str, exc: BaseException) -> DatadogError:
        if isinstance(exc, ApiException):
            status = exc.status or None
            errors = errors_from_body(exc.body) if exc.body is not None else []
            detail = None if errors else str(exc.reason or "")
            return DatadogError(operation, resource, status, errors, detail or None)
        if isinstance(exc, OpenApiException):
            return DatadogError(operation, resource, None, [], f"invalid request or response: {exc}")
        return DatadogError(operation, resource, None, [], f"cannot reach {self.url}: {exc}")

    def call(
        self,
        operation: str,
        resource: str,
        func: Callable[..., Any],
        *args: Any,
        idempotent: bool = True,
        recover: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run one API operation with the retry policy; return plain data or raise DatadogError.

        ``idempotent=False`` (creates, event posts): a 429 is retried (the request was refused);
        a 5xx/transport error is retried only if ``recover`` is given, and only after
        ``recover()`` re-read the server and found nothing (it returns the object otherwise).
        """
        attempt = 0
        while True:
            try:
                return to_plain(func(*args, **kwargs))
            except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
                status = getattr(exc, "status", None) if isinstance(exc, ApiException) else None
                headers = getattr(exc, "headers", None)
                delay = decide(status, headers, attempt, self.policy, idempotent=idempotent)
                recoverable = not idempotent and recover is not None and is_transient(status)
                if delay is None and recoverable and attempt < self.policy.retries:
                    # The create may have reached the server: re-read before sending it again.
                    found = self._recover(recover, attempt, outcome_unknown=status is None)
                    if found is not None:
                        return found
                    attempt += 1
                    continue
                if delay is None:
                    err = self._failure(operation, resource, exc)
                    if attempt:
                        err.detail = ((err.detail + "; ") if err.detail else "") + (
                            f"gave up after {attempt + 1} attempts"
                        )
                    raise err from None
                self.waits.append(delay)
                self.sleep(delay)
                attempt += 1
            except OpenApiException as exc:
                raise self._failure(operation, resource, exc) from None
