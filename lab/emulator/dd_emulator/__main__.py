"""``python -m dd_emulator serve --host H --port P --api-key K --app-key K [--state F]``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from dd_emulator.server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dd_emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the emulated Datadog API until SIGTERM/SIGINT")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8900)
    serve.add_argument("--api-key", default="lab-api-key")
    serve.add_argument("--app-key", default="lab-app-key")
    serve.add_argument("--state", default=None, help="JSON file the state is loaded from and saved to")
    serve.add_argument("--rate-limit", type=int, default=None, help="requests per period and route group")
    serve.add_argument("--rate-period", type=int, default=10, help="rate-limit window in seconds")
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='inject a fault at start, e.g. \'{"route": "/api/v1/monitor", "status": 503, "times": 2}\'',
    )
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    emulator = Emulator(
        api_key=args.api_key,
        app_key=args.app_key,
        host=args.host,
        port=args.port,
        state_file=args.state,
        rate_limit=args.rate_limit,
        rate_period=args.rate_period,
        verbose=args.verbose,
    )
    for spec in args.fault:
        emulator.inject_fault(**json.loads(spec))
    emulator.bind()

    def _stop(_signum: int, _frame: object) -> None:
        # shutdown() waits for serve_forever to return: run it outside the serving thread.
        threading.Thread(target=emulator.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"listening on {emulator.url}", flush=True)
    emulator.serve_forever()
    emulator._thread = None
    emulator.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
