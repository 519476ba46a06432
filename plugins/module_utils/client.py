# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client layer between the modules and the official ``datadog-api-client``.

Every request goes through :meth:`DatadogClient.call`, which applies the retry policy
(:mod:`retries`) and turns every failure into a :class:`errors.DatadogError` naming the
operation, the resource and Datadog's ``errors``. Results are plain JSON-like data.
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
import time
import traceback
from typing import Any, Callable
from urllib.parse import urlsplit

from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import (
    DatadogError,
    errors_from_body,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.retries import (
    MAX_RATE_LIMIT_WAIT,
    RETRY_STATUS_RATE_LIMIT,
    RetryPolicy,
    decide,
    header,
    is_transient,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import SITES as SITE_TABLE
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import api_url as site_api_url

DATADOG_IMPORT_ERROR: str | None = None
try:
    import urllib3
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ApiException, OpenApiException
    from datadog_api_client.v1.api.authentication_api import AuthenticationApi
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    DATADOG_IMPORT_ERROR = traceback.format_exc()
    HAS_DATADOG = False
else:
    HAS_DATADOG = True

# site -> API base URL (from the one table of sites, module_utils/sites.py)
SITES = {site: info["api_url"] for site, info in SITE_TABLE.items()}

# Operations whose 404 can only mean "this is not the Datadog API" (a list or validate endpoint
# always exists there); only a get/update/delete by id may answer 404 for a missing object.
ENDPOINT_OPERATIONS = frozenset({"list", "validate", "search"})


class ApiUrlError(ValueError):
    """``api_url`` is unsafe or not a base URL; the message names the option."""


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(api_url: str) -> str:
    """Validate ``api_url`` and return it without a trailing slash.

    ``https://host[:port]`` only; ``http://`` only to a loopback host (127.0.0.0/8, ::1,
    localhost: the lab emulator), because the API and application keys travel in headers.
    No path, query or credentials: the client appends ``/api/v1/...`` itself, so a path would
    make every request miss the API.
    """
    text = api_url.strip()
    if "://" not in text:
        raise ApiUrlError(
            f"api_url {api_url!r} has no scheme: give https://HOST[:PORT] "
            "(http:// is accepted only for a loopback host such as 127.0.0.1, for the lab emulator)"
        )
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        raise ApiUrlError("api_url must not contain a user name or password (the keys go in api_key/app_key)")
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise ApiUrlError(f"api_url {api_url!r} must be https://HOST[:PORT]")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ApiUrlError(f"api_url {api_url!r} has an invalid port") from None
    if scheme == "http" and not _loopback(host):
        raise ApiUrlError(
            f"api_url {api_url!r} uses plain http:// to a host that is not loopback: the API and "
            "application keys would travel unencrypted; use https:// "
            "(http:// is accepted only for 127.0.0.0/8, ::1 and localhost)"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        extra = (
            parts.path
            + (f"?{parts.query}" if parts.query else "")
            + (f"#{parts.fragment}" if parts.fragment else "")
        )
        raise ApiUrlError(
            f"api_url {api_url!r} has a path ({extra!r}): give the base URL only, "
            f"{scheme}://{parts.netloc} (the modules add /api/v1/... and /api/v2/... themselves)"
        )
    return f"{scheme}://{parts.netloc}"


def base_url(site: str, api_url: str | None) -> str:
    """``api_url`` wins (proxies, the lab emulator; checked by check_api_url); else the site's API host."""
    if api_url:
        return check_api_url(api_url)
    return site_api_url(site)


def to_plain(value: Any) -> Any:
    """Model objects, datetimes and nested containers -> JSON-like Python data."""
    if hasattr(value, "to_dict") and callable(value.to_dict):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        # Microseconds are kept when the server sent them: creation times decide which of two
        # objects created at once is the older (resource.settle_created).
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return value.isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is not None and type(value).__module__.startswith("datadog_api_client"):
        return getattr(value, "value", str(value))
    return value


def limit_family(url: str) -> str:
    """Which rate limit a request counts against, before its answer names it: ``v1/monitor``.

    Datadog limits per endpoint group (``X-RateLimit-Name``); the group is not known before the
    first answer, so requests are grouped by API version and resource (the first two path
    segments after ``/api/``), which never puts two of Datadog's groups' requests together
    wrongly for the resources this collection manages (monitors, dashboards, downtimes).
    """
    path = urlsplit(url).path.strip("/").split("/")
    if len(path) >= 3 and path[0] == "api":
        return f"{path[1]}/{path[2]}"
    return "/".join(path[:2])


class RateLimiter:
    """One rate limiter shared by every thread of a client (the bulk module's workers).

    Datadog's answers carry ``X-RateLimit-Limit``, ``-Period``, ``-Remaining`` (requests left
    in the current period) and ``-Reset`` (seconds until the period resets) (API reference,
    "Rate Limits"). The limiter keeps, per group of requests (:func:`limit_family`):

    * what is left: each request takes one; when nothing is left, every thread waits until
      the period resets instead of drawing a 429;
    * after a 429 (one thread hit the limit), every thread of the group waits for ``Reset``.

    Each wait is computed once and slept outside the lock (no loop: a clock that does not move
    cannot hang it). Unknown budgets (no headers yet, or a new period) never block.
    """

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._left: dict[str, int] = {}
        self._resume_at: dict[str, float] = {}
        self._in_flight: dict[str, int] = {}
        self.paused: list[float] = []  # every wait, for the record and the tests

    def before(self, family: str) -> None:
        """Called before a request is sent: wait if the group's budget is spent (or after a 429)."""
        wait = 0.0
        with self._lock:
            now = self.clock()
            left = self._left.get(family)
            if left is not None and left <= 0:
                wait = max(0.0, self._resume_at.get(family, now) - now)
                if not wait:
                    del self._left[family]  # a new period: its budget is unknown until answered
            elif left is not None:
                self._left[family] = left - 1
            self._in_flight[family] = self._in_flight.get(family, 0) + 1
        if wait > 0:
            self.paused.append(wait)
            self.sleep(wait)

    def lost(self, family: str) -> None:
        """A request that got no answer (transport error): it no longer counts as in flight."""
        with self._lock:
            self._in_flight[family] = max(0, self._in_flight.get(family, 0) - 1)

    def after(self, family: str, status: int, headers: Any) -> None:
        """Called with every answer: learn the budget (or the pause after a 429) from its headers.

        ``Remaining`` counts the requests the server had seen when it answered; requests other
        threads sent since may not be in it, so they are taken off the budget too.
        """
        remaining = _number(header(headers, "X-RateLimit-Remaining"))
        reset = _number(header(headers, "X-RateLimit-Reset"))
        if status == RETRY_STATUS_RATE_LIMIT:
            remaining = 0.0
            if reset is None:
                reset = _number(header(headers, "Retry-After"))
            if reset is None:
                reset = _number(header(headers, "X-RateLimit-Period")) or 1.0
        with self._lock:
            others = max(0, self._in_flight.get(family, 0) - 1)
            self._in_flight[family] = others
            if remaining is None or reset is None:
                return
            now = self.clock()
            same_period = now < self._resume_at.get(family, 0.0)
            left = int(remaining) - others
            if same_period and family in self._left:
                # Answers to requests sent earlier arrive late: never raise the budget within a period.
                left = min(left, self._left[family])
            self._left[family] = left
            self._resume_at[family] = now + min(max(reset, 0.0), MAX_RATE_LIMIT_WAIT)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


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
        clock: Callable[[], float] = time.monotonic,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        # Every wait of ``call`` (retry backoff, rate-limit reset, re-reads after a lost create)
        # goes through ``sleep``, every time reading through ``clock``: tests pass their own.
        self.sleep = sleep
        self.clock = clock
        # Check mode: lookups that settle race copies report instead of deleting.
        self.read_only = read_only
        self.warnings: list[str] = []
        self._endpoint_checked = False
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
        # Every request (every retry too) passes the one rate limiter of this client.
        self.limiter = RateLimiter(clock, sleep)
        pool = self.api.rest_client.pool_manager
        send = pool.request

        def limited(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            family = limit_family(url)
            self.limiter.before(family)
            try:
                answer = send(method, url, *args, **kwargs)
            except BaseException:
                self.limiter.lost(family)
                raise
            self.limiter.after(family, answer.status, answer.headers)
            return answer

        pool.request = limited

    @property
    def settle_window(self) -> float:
        """How long a request we got no answer to may still land: the whole retry window."""
        return self.timeout * (self.policy.retries + 1)

    def _recover(
        self, recover: Callable[[], Any], attempt: int, *, outcome_unknown: bool, sent_at: float
    ) -> Any:
        """Re-read after a failed create; return what the server holds, or None.

        A 5xx answer came from the server, which refused the request: one re-read after the
        backoff settles it. With no answer at all (read timeout, connection dropped after the
        request was sent) the server may still be working on it: re-read every quarter of the
        timeout until the object appears or until ``settle_window`` (timeout x attempts) has
        passed since the request was sent. Only then is the create sent again, so a server that
        answers after several timeouts is found instead of duplicated.
        """
        if not outcome_unknown:
            wait = self.policy.backoff_delay(attempt)
            self.sleep(wait)
            return recover()
        deadline = sent_at + self.settle_window
        interval = min(max(self.timeout / 4, 0.05), 5.0)
        while True:
            wait = max(0.0, min(interval, deadline - self.clock()))
            self.sleep(wait)
            found = recover()
            if found is not None or self.clock() >= deadline:
                return found

    def check_endpoint(self) -> None:
        """Make sure ``url`` serves the Datadog API (once per client), via ``GET /api/v1/validate``.

        Called when a read by id answers 404: that means "absent" only on the real API. A wrong
        api_url answers 404 to everything, and "absent" would then be a lie.
        """
        if self._endpoint_checked:
            return
        self.call("validate", "the API keys", AuthenticationApi(self.api).validate)
        self._endpoint_checked = True

    def read_or_none(self, resource: str, func: Callable[..., Any], *args: Any) -> Any:
        """Read one object; None when the server answers 404 (it does not exist, or no longer)."""
        try:
            answer = self.call("read", resource, func, *args)
        except DatadogError as err:
            if err.status == 404:
                self.check_endpoint()
                return None
            raise
        self._endpoint_checked = True
        return answer

    def close(self) -> None:
        self.api.close()

    def _failure(self, operation: str, resource: str, exc: BaseException) -> DatadogError:
        if isinstance(exc, ApiException):
            status = exc.status or None
            errors = errors_from_body(exc.body) if exc.body is not None else []
            detail = None if errors else str(exc.reason or "")
            if status == 404 and operation in ENDPOINT_OPERATIONS:
                return DatadogError(
                    operation,
                    resource,
                    status,
                    errors,
                    f"{self.url} does not serve the Datadog API here (a {operation} endpoint "
                    "answered 404 Not Found): check api_url (base URL only, no path) and site",
                    wrong_endpoint=True,
                )
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
            sent_at = self.clock()
            try:
                return to_plain(func(*args, **kwargs))
            except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
                status = getattr(exc, "status", None) if isinstance(exc, ApiException) else None
                headers = getattr(exc, "headers", None)
                # A connection that was never made carried no request: re-sending is safe.
                never_sent = not_sent(exc)
                delay = decide(status, headers, attempt, self.policy, idempotent=idempotent or never_sent)
                recoverable = not idempotent and recover is not None and is_transient(status)
                if delay is None and recoverable and attempt < self.policy.retries:
                    # The create may have reached the server: re-read before sending it again.
                    found = self._recover(recover, attempt, outcome_unknown=status is None, sent_at=sent_at)
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
                self.sleep(delay)
                attempt += 1
            except OpenApiException as exc:
                raise self._failure(operation, resource, exc) from None


def not_sent(exc: BaseException) -> bool:
    """True when the transport failed before the request left (connection refused/timed out)."""
    reason: Any = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    return isinstance(reason, (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError))
