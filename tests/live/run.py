"""``make live-check``: prove the collection against YOUR Datadog org (tests/live, docs/live-check.md).

Needs DD_API_KEY, DD_APP_KEY and DD_SITE (or DD_API_URL) in the environment; explains what is
missing and exits 2 otherwise. Runs tests/live/test_live.py::test_live_org through pytest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

NEEDS = """\
make live-check runs the modules' integration targets and the site playbook's API play against
your Datadog org, inside a throwaway namespace (ddx-live-<random>), then deletes what it created.
It needs, in the environment:
  DD_API_KEY   an API key of the org
  DD_APP_KEY   an application key (scopes: docs/live-check.md)
  DD_SITE      your site: datadoghq.com, datadoghq.eu, us3/us5/ap1/ap2/uk1.datadoghq.com,
               ddog-gov.com or us2.ddog-gov.com  (or DD_API_URL=https://...)
Example:  DD_SITE=datadoghq.eu DD_API_KEY=... DD_APP_KEY=... make live-check
Options (LIVE_ARGS=...): --keep, --clean-leftovers, --inventory DIR, --pace S, --concurrency N"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", action="store_true", help="leave the run's objects in the org to inspect them"
    )
    parser.add_argument(
        "--clean-leftovers", action="store_true", help="first delete ddx-live-* objects left by earlier runs"
    )
    parser.add_argument(
        "--inventory",
        help="inventory directory whose content the site play uses (default: inventories/example)",
    )
    parser.add_argument(
        "--pace", type=float, default=0.2, help="seconds between two requests to the org (default 0.2)"
    )
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at most (default 1)")
    args = parser.parse_args(argv)
    missing = [n for n in ("DD_API_KEY", "DD_APP_KEY") if not os.environ.get(n, "").strip()]
    if missing or not (os.environ.get("DD_SITE", "").strip() or os.environ.get("DD_API_URL", "").strip()):
        what = missing + (
            [] if os.environ.get("DD_SITE") or os.environ.get("DD_API_URL") else ["DD_SITE (or DD_API_URL)"]
        )
        print(f"make live-check: {', '.join(what)} not set.\n\n{NEEDS}", file=sys.stderr)
        return 2
    try:
        import pytest  # noqa: F401, PLC0415 - only to say what is missing
    except ImportError:
        print(
            "make live-check: this Python has no pytest: run make setup first (it creates .venv)",
            file=sys.stderr,
        )
        return 2
    command = [
        sys.executable, "-m", "pytest", str(HERE / "test_live.py") + "::test_live_org",
        "-p", "no:cacheprovider", "-q", "-s", "-rs",
        "--live-pace", str(args.pace), "--live-concurrency", str(args.concurrency),
    ]  # fmt: skip
    if args.keep:
        command.append("--live-keep")
    if args.clean_leftovers:
        command.append("--live-clean-leftovers")
    if args.inventory:
        command += ["--live-inventory", str(Path(args.inventory).resolve())]
    env = {**os.environ, "DDX_LIVE": "1"}
    return subprocess.call(command, cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main())
