"""Fault injection, request accounting, the rate limit and the admin endpoint."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from datadog_api_client import ApiClient
from datadog_api_client.exceptions import ApiException
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from dd_emulator import Emulator
from helpers import call

MONITOR = {
    "name": "m",
    "type": "metric alert",
    "query": "avg(last_5m):avg:my_metric{*} > 800",
    "message": "x",
}


def test_injected_429_is_visible_to_the_client_with_rate_limit_headers(dd_emulator, dd_client_config) -> None:
    dd_emulator.inject_fault(route="/api/v1/monitor/{monitor_id}", method="GET", status=429, times=1)
    created = call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).body
    with ApiClient(dd_client_config) as client:
        api = MonitorsApi(client)
        with pytest.raises(ApiException) as exc:
            api.get_monitor(created["id"])
        assert exc.value.status == 429
        headers = {k.lower(): v for k, v in exc.value.headers.items()}
        assert headers["x-ratelimit-reset"] == "1"
        assert headers["x-ratelimit-remaining"] == "0"
        assert {"x-ratelimit-limit", "x-ratelimit-period", "x-ratelimit-name"} <= set(headers)
        assert api.get_monitor(created["id"]).id == created["id"]  # times=1: the next call passes
    assert dd_emulator.counts()["GET /api/v1/monitor/{monitor_id}"] == 2


def test_fault_headers_override_and_exact_path(dd_emulator) -> None:
    dd_emulator.inject_fault(
        route="/api/v1/validate", status=429, headers={"X-RateLimit-Reset": "7"}, times=None
    )
    for _attempt in range(3):
        answer = call(dd_emulator, "GET", "/api/v1/validate")
        assert answer.status == 429
        assert answer.headers["X-RateLimit-Reset"] == "7"
        assert answer.body == {"errors": ["Too many requests"]}
    dd_emulator.clear_faults()
    assert call(dd_emulator, "GET", "/api/v1/validate").status == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(dd_emulator, status: int) -> None:
    dd_emulator.inject_fault(route="/api/v1/monitor", method="POST", status=status, times=2)
    assert call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).status == status
    assert call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).status == status
    assert call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).status == 200
    assert dd_emulator.counts() == {"POST /api/v1/monitor": 3}
    assert len(call(dd_emulator, "GET", "/api/v1/monitor").body) == 1  # faulted writes wrote nothing


def test_method_filter(dd_emulator) -> None:
    dd_emulator.inject_fault(route="/api/v1/monitor", method="POST", status=500)
    assert call(dd_emulator, "GET", "/api/v1/monitor").status == 200
    assert call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).status == 500


def test_delay(dd_emulator) -> None:
    dd_emulator.inject_fault(route="/api/v1/validate", delay=0.3)
    started = time.monotonic()
    assert call(dd_emulator, "GET", "/api/v1/validate").status == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connection(dd_emulator) -> None:
    dd_emulator.inject_fault(route="/api/v1/validate", drop=True)
    host, port = dd_emulator.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/api/v1/validate", headers={"DD-API-KEY": dd_emulator.api_key})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    conn.close()
    assert call(dd_emulator, "GET", "/api/v1/validate").status == 200
    assert dd_emulator.counts()["GET /api/v1/validate"] == 2


def test_counters_reflect_every_request(dd_emulator) -> None:
    created = call(dd_emulator, "POST", "/api/v1/monitor", MONITOR).body
    call(dd_emulator, "GET", f"/api/v1/monitor/{created['id']}")
    call(dd_emulator, "GET", "/api/v1/monitor/999")  # 404 still counted
    call(dd_emulator, "GET", "/api/v1/monitor", keys=False)  # 403 still counted
    call(dd_emulator, "POST", "/api/v1/monitor/validate", MONITOR)  # a read
    call(dd_emulator, "PUT", f"/api/v1/monitor/{created['id']}", {"name": "n"})
    call(dd_emulator, "DELETE", f"/api/v1/monitor/{created['id']}")
    call(dd_emulator, "GET", "/lab/admin/counts")  # admin: never counted
    call(dd_emulator, "GET", "/")  # the HTML page: not an API request
    assert dd_emulator.counts() == {
        "POST /api/v1/monitor": 1,
        "GET /api/v1/monitor/{monitor_id}": 2,
        "GET /api/v1/monitor": 1,
        "POST /api/v1/monitor/validate": 1,
        "PUT /api/v1/monitor/{monitor_id}": 1,
        "DELETE /api/v1/monitor/{monitor_id}": 1,
    }
    assert dd_emulator.reads() == 4
    assert dd_emulator.writes() == 3
    dd_emulator.reset_counts()
    assert dd_emulator.counts() == {}
    assert (dd_emulator.reads(), dd_emulator.writes()) == (0, 0)


def test_admin_over_http(dd_emulator) -> None:
    call(dd_emulator, "GET", "/api/v1/validate")
    answer = call(dd_emulator, "GET", "/lab/admin/counts", keys=False)
    assert answer.body == {"counts": {"GET /api/v1/validate": 1}, "reads": 1, "writes": 0}
    assert call(dd_emulator, "DELETE", "/lab/admin/counts", keys=False).status == 204
    assert dd_emulator.counts() == {}
    fault = {"route": "/api/v1/validate", "status": 503, "times": 1}
    answer = call(dd_emulator, "POST", "/lab/admin/faults", fault, keys=False)
    assert answer.status == 201
    assert call(dd_emulator, "GET", "/lab/admin/faults", keys=False).body["faults"][0]["status"] == 503
    assert call(dd_emulator, "GET", "/api/v1/validate").status == 503
    call(dd_emulator, "POST", "/lab/admin/faults", {"route": "/api/v1/validate", "status": 500}, keys=False)
    assert call(dd_emulator, "DELETE", "/lab/admin/faults", keys=False).status == 204
    assert call(dd_emulator, "GET", "/api/v1/validate").status == 200
    assert (
        call(dd_emulator, "POST", "/lab/admin/faults", {"route": "/x", "status": 200}, keys=False).status
        == 400
    )
    assert call(dd_emulator, "POST", "/lab/admin/faults", {"bogus": 1}, keys=False).status == 400
    call(dd_emulator, "POST", "/api/v1/monitor", MONITOR)
    assert len(call(dd_emulator, "GET", "/lab/admin/state", keys=False).body["monitors"]) == 1
    assert call(dd_emulator, "DELETE", "/lab/admin/state", keys=False).status == 204
    assert call(dd_emulator, "GET", "/lab/admin/state", keys=False).body["monitors"] == []
    assert call(dd_emulator, "GET", "/lab/admin/nothing", keys=False).status == 404


def test_inject_fault_rejects_nonsense(dd_emulator) -> None:
    with pytest.raises(ValueError):
        dd_emulator.inject_fault(route="/api/v1/monitor")
    with pytest.raises(ValueError):
        dd_emulator.inject_fault(route="/api/v1/monitor", status=200)
    with pytest.raises(ValueError):
        dd_emulator.inject_fault(route="/api/v1/monitor", status=500, times=0)


def test_enforced_rate_limit() -> None:
    with Emulator(rate_limit=3, rate_period=60) as emu:
        answers = [call(emu, "GET", "/api/v1/monitor") for _attempt in range(4)]
        assert [a.status for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["X-RateLimit-Limit"] == "3"
        assert answers[0].headers["X-RateLimit-Remaining"] == "2"
        assert answers[3].headers["X-RateLimit-Remaining"] == "0"
        assert answers[3].headers["X-RateLimit-Name"] == "monitors"
        assert 1 <= int(answers[3].headers["X-RateLimit-Reset"]) <= 60
        assert call(emu, "GET", "/api/v1/dashboard").status == 200  # another limit group
        assert emu.counts()["GET /api/v1/monitor"] == 4


def test_png_and_page_need_no_keys(dd_emulator) -> None:
    call(dd_emulator, "POST", "/api/v1/monitor", MONITOR)
    with urllib.request.urlopen(dd_emulator.url + "/") as response:
        page = response.read().decode()
    assert "avg(last_5m):avg:my_metric{*} &gt; 800" in page
    assert json.dumps(dd_emulator.counts()) == json.dumps({"POST /api/v1/monitor": 1})


# --- concurrent requests (the race tests of the modules rely on these) -------------------------

CONCURRENT_CREATES = {
    "/api/v1/monitor": (lambda i: dict(MONITOR, name=f"m{i}"), lambda b: b["id"], "monitors", "created"),
    "/api/v1/dashboard": (
        lambda i: {"title": f"d{i}", "layout_type": "ordered", "widgets": []},
        lambda b: b["id"],
        "dashboards",
        "created_at",
    ),
    "/api/v2/downtime": (
        lambda i: {
            "data": {
                "type": "downtime",
                "attributes": {"scope": f"env:e{i}", "monitor_identifier": {"monitor_tags": ["*"]}},
            }
        },
        lambda b: b["data"]["id"],
        "downtimes",
        "created",
    ),
}


@pytest.mark.parametrize("route", list(CONCURRENT_CREATES))
def test_concurrent_creates_are_served_at_once_and_stamped_in_commit_order(dd_emulator, route: str) -> None:
    """16 creates at once: all answered, distinct ids, and creation times strictly increase in the
    order the objects became visible (a later-listed object is never stamped earlier), which is
    what "the oldest wins" needs when several runs create one object at the same moment."""
    body, ident, kind, stamp = CONCURRENT_CREATES[route]
    runs = 16
    barrier = threading.Barrier(runs)
    ids: list[Any] = [None] * runs

    def create(index: int) -> None:
        barrier.wait()
        answer = call(dd_emulator, "POST", route, body(index))
        assert answer.status == 200, answer.body
        ids[index] = ident(answer.body)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert None not in ids and len(set(ids)) == runs
    stored = list(getattr(dd_emulator.store, kind).values())  # insertion (commit) order
    stamps = [item[stamp] for item in stored]
    assert stamps == sorted(stamps) and len(set(stamps)) == runs, stamps
