"""Measure the emulator: process start-up time and simple GETs per second.

``python -m dd_emulator.measure [--seconds 3] [--threads 4]`` starts ``python -m dd_emulator
serve`` on a free loopback port, times the readiness line, then hammers one monitor GET over
keep-alive connections for a bounded time and prints the rates. Stops everything it started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

KEYS = {"DD-API-KEY": "lab-api-key", "DD-APPLICATION-KEY": "lab-app-key", "Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dd_emulator", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        startup = time.monotonic() - started
        conn = http.client.HTTPConnection("127.0.0.1", port)
        body = {"name": "m", "type": "metric alert", "query": "avg(last_5m):avg:a{*} > 1", "message": ""}
        conn.request("POST", "/api/v1/monitor", json.dumps(body), KEYS)
        monitor_id = json.loads(conn.getresponse().read())["id"]
        conn.close()
        path = f"/api/v1/monitor/{monitor_id}"
        counts = [0] * args.threads
        deadline = time.monotonic() + args.seconds

        def worker(index: int) -> None:
            client = http.client.HTTPConnection("127.0.0.1", port)
            while time.monotonic() < deadline:
                client.request("GET", path, headers=KEYS)
                response = client.getresponse()
                response.read()
                if response.status == 200:
                    counts[index] += 1
            client.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - begin
        print(f"readiness line: {line!r}")
        print(f"start-up (spawn -> listening): {startup:.3f} s")
        rate = sum(counts) / elapsed
        print(f"GET {path}: {sum(counts)} in {elapsed:.2f} s = {rate:.0f} req/s ({args.threads} threads)")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
