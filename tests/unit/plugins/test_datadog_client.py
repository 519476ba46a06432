"""Retry decisions and error translation of the client layer."""

from __future__ import annotations

import datetime

import pytest
import urllib3
from ansible_collections.datadog_exercise.stack.plugins.module_utils import resource, retries
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import (
    DatadogClient,
    base_url,
    not_sent,
    to_plain,
)
from ansible_collections.datadog_exercise.stack.plugins.module_utils.errors import (
    DatadogError,
    errors_from_body,
)
from fake_time import FakeTime

POLICY = retries.RetryPolicy(retries=3, backoff=0.5)


def test_429_waits_for_rate_limit_reset_even_for_creates() -> None:
    assert retries.decide(429, {"x-ratelimit-reset": "7"}, 0, POLICY, idempotent=False) == 7.0
    assert retries.decide(429, {}, 1, POLICY, idempotent=True) == 1.0


def test_5xx_retried_with_backoff_only_when_idempotent() -> None:
    assert [retries.decide(503, None, a, POLICY, idempotent=True) for a in range(4)] == [0.5, 1.0, 2.0, None]
    assert retries.decide(500, None, 0, POLICY, idempotent=False) is None
    assert retries.decide(None, None, 0, POLICY, idempotent=True) == 0.5


def test_client_errors_are_not_retried() -> None:
    for status in (400, 401, 403, 404, 409):
        assert retries.decide(status, None, 0, POLICY, idempotent=True) is None


def test_backoff_is_capped() -> None:
    assert retries.RetryPolicy(retries=99, backoff=1).backoff_delay(20) == retries.MAX_BACKOFF


def test_error_message_names_operation_resource_and_errors() -> None:
    err = DatadogError(
        "create",
        "monitor 'x'",
        400,
        errors_from_body(b'{"errors": ["The value provided for parameter \'query\' is invalid"]}'),
    )
    assert str(err).startswith(
        "Datadog API: create monitor 'x' failed: HTTP 400 - errors: The value provided"
    )
    forbidden = DatadogError("list", "monitors", 403, ["Forbidden"])
    assert "hint: check api_key/app_key" in str(forbidden)


def test_v2_error_objects_are_flattened() -> None:
    assert errors_from_body({"errors": [{"title": "Bad Request", "detail": "scope is invalid"}]}) == [
        "scope is invalid"
    ]
    assert errors_from_body("<html>bad gateway</html>") == ["<html>bad gateway</html>"]


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("us5.datadoghq.com", "https://api.us5.datadoghq.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
    ],
)
def test_sites(site: str, url: str) -> None:
    assert base_url(site, None) == url
    assert base_url(site, "http://127.0.0.1:9/") == "http://127.0.0.1:9"


def test_to_plain_datetimes() -> None:
    stamp = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert to_plain({"a": [stamp]}) == {"a": ["2025-01-01T11:00:00Z"]}


def test_to_plain_keeps_microseconds_that_order_concurrent_creates() -> None:
    stamp = datetime.datetime(2025, 1, 1, 12, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    assert to_plain(stamp) == "2025-01-01T12:00:00.123456Z"


def fake_client(timeout: float, attempts_after_first: int) -> tuple[DatadogClient, FakeTime]:
    fake = FakeTime()
    client = DatadogClient(
        api_key="k",
        app_key="a",
        url="http://127.0.0.1:9",
        timeout=timeout,
        policy=retries.RetryPolicy(retries=attempts_after_first, backoff=0.5),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    return client, fake


def test_unanswered_create_is_looked_for_during_the_whole_retry_window() -> None:
    client, fake = fake_client(timeout=10.0, attempts_after_first=2)  # window: 10 s x 3 attempts = 30 s
    sent_at = fake.now
    lands_at = sent_at + 27.0  # the server finishes the first request 2.7 timeouts later
    reads: list[float] = []

    def recover() -> dict | None:
        reads.append(fake.now)
        return {"id": 1} if fake.now >= lands_at else None

    fake.now += 10.0  # the read timeout
    found = client._recover(recover, 0, outcome_unknown=True, sent_at=sent_at)
    assert found == {"id": 1}
    assert reads[-1] - sent_at <= client.settle_window
    client.close()


def test_unanswered_create_that_never_lands_is_resent_after_the_window() -> None:
    client, fake = fake_client(timeout=4.0, attempts_after_first=1)  # window 8 s
    sent_at = fake.now
    fake.now += 4.0
    assert client._recover(lambda: None, 0, outcome_unknown=True, sent_at=sent_at) is None
    assert fake.now == pytest.approx(sent_at + client.settle_window)
    client.close()


def test_refused_create_is_read_once_after_the_backoff() -> None:
    client, fake = fake_client(timeout=4.0, attempts_after_first=3)
    calls: list[float] = []
    assert client._recover(lambda: calls.append(fake.now), 1, outcome_unknown=False, sent_at=fake.now) is None
    assert len(calls) == 1 and fake.slept == [1.0]
    client.close()


def test_connection_never_made_means_the_request_was_not_sent() -> None:
    pool_error = urllib3.exceptions.NewConnectionError(None, "refused")
    assert not_sent(urllib3.exceptions.MaxRetryError(None, "/", pool_error))
    read_timeout = urllib3.exceptions.ReadTimeoutError(None, "/", "timed out")
    assert not not_sent(urllib3.exceptions.MaxRetryError(None, "/", read_timeout))
    assert not not_sent(urllib3.exceptions.ProtocolError("Connection aborted."))


def test_404_of_a_list_is_not_explained_as_a_missing_object() -> None:
    missing = DatadogError("read", "monitor 1", 404)
    assert "does not exist" in str(missing)
    wrong = DatadogError("list", "monitors", 404, detail="check api_url", wrong_endpoint=True)
    assert "does not exist" not in str(wrong) and "api_url" in str(wrong)


# --- resource.py: the oldest object with a key wins ---------------------------------------------

RULES = resource.RaceRules(
    "monitor", "name", created=lambda m: m.get("created"), creator=lambda m: m.get("by")
)


def test_oldest_by_creation_time_then_id() -> None:
    a = {"id": 7, "created": "2025-01-01T00:00:00.000002+00:00"}
    b = {"id": 9, "created": "2025-01-01T00:00:00.000001Z"}
    c = {"id": 3, "created": "2025-01-01T00:00:00.000002+00:00"}
    assert resource.oldest([a, b, c], RULES) is b
    assert resource.oldest([a, c], RULES) is c  # same time: lowest id
    assert resource.oldest([{"id": "b"}, {"id": "a", "created": 1735689600000}], RULES)["id"] == "a"
    assert resource.parse_created(1735689600000) == resource.parse_created("2025-01-01T00:00:00Z")


def settle(ours: dict, found: list[dict], read: dict | None, same: bool = True) -> tuple[dict, list[str]]:
    log: list[str] = []
    winner = resource.settle_created(
        ours,
        RULES,
        find_all=lambda: list(found),
        delete=lambda i: log.append(f"delete {i}"),
        read=lambda w: read,
        update=lambda i: log.append(f"update {i}") or {"id": i, "updated": True},
        same=lambda mine, other: same,
    )
    return winner, log


def test_settle_created_keeps_ours_when_it_is_the_oldest() -> None:
    ours = {"id": 1, "created": "2025-01-01T00:00:01Z"}
    later = {"id": 2, "created": "2025-01-01T00:00:02Z"}
    assert settle(ours, [ours, later], read=later) == (ours, [])
    assert settle(ours, [], read=None) == (ours, [])  # a list that lags behind our create


def test_settle_created_loser_deletes_its_own_and_adopts_the_winner() -> None:
    ours = {"id": 2, "created": "2025-01-01T00:00:02Z"}
    first = {"id": 1, "created": "2025-01-01T00:00:01Z"}
    full = dict(first, query="q")
    assert settle(ours, [first, ours], read=full) == (full, ["delete 2"])
    assert settle(ours, [first, ours], read=full, same=False) == (
        {"id": 1, "updated": True},
        ["delete 2", "update 1"],
    )
    # The winner vanished between the list and the read: ours stays, nothing is deleted.
    assert settle(ours, [first, ours], read=None) == (ours, [])


def test_settle_found_only_settles_copies() -> None:
    base = {"name": "n", "query": "q", "by": "me"}
    one = dict(base, id=1, created="2025-01-01T00:00:01Z")
    two = dict(base, id=2, created="2025-01-01T00:00:05Z")
    deleted: list[int] = []
    warnings: list[str] = []
    kwargs = {"delete": deleted.append, "warn": warnings.append}
    assert resource.settle_found([two, one], "n", RULES, read_only=True, **kwargs) is one
    assert deleted == [] and "would delete 2" in warnings[-1]
    assert resource.settle_found([two, one], "n", RULES, read_only=False, **kwargs) is one
    assert deleted == [2] and "deleted 2" in warnings[-1]
    cases = {
        "different content": dict(two, query="other"),
        "different authors": dict(two, by="someone else"),
        "created more than 600 s apart": dict(two, created="2025-01-01T00:20:00Z"),
    }
    for why, other in cases.items():
        with pytest.raises(resource.DuplicateError, match=why):
            resource.settle_found([one, other], "n", RULES, read_only=False, **kwargs)
    assert deleted == [2]
