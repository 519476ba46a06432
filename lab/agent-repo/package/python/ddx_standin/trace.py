"""``trace-agent`` of the LAB STAND-IN: Datadog's ``ddapm-test-agent`` on the configured port.

Like the real trace-agent it reads ``apm_config`` from datadog.yaml and exits quietly when APM is
disabled; otherwise it replaces itself with the test agent (a real trace intake whose
``/test/traces`` endpoint lets tests inspect what an instrumented app sent).
"""

from __future__ import annotations

import argparse
import os
import sys

from ddx_standin import config as agentconfig

TEST_AGENT = os.environ.get(
    "DDX_STANDIN_TEST_AGENT", "/opt/datadog-agent/lab/trace-venv/bin/ddapm-test-agent"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trace-agent")
    parser.add_argument("-c", "--config", default=os.path.join(agentconfig.CONF_DIR, "datadog.yaml"))
    parser.add_argument("--pidfile", default="")
    args = parser.parse_args(argv)
    try:
        cfg = agentconfig.load(os.path.dirname(args.config))
    except agentconfig.ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    if not agentconfig.is_true(agentconfig.get(cfg, "apm_config.enabled", True)):
        print(
            "trace-agent not enabled. Set the environment variable DD_APM_ENABLED=true or add "
            '"apm_config.enabled: true" entry to your datadog.yaml. Exiting...'
        )
        return 0
    if not cfg.get("api_key"):
        print(
            "Error: you must specify an API Key, either via a configuration file or the DD_API_KEY env var",
            file=sys.stderr,
        )
        return 1
    port = int(agentconfig.get(cfg, "apm_config.receiver_port", agentconfig.DEFAULT_APM_PORT))
    if args.pidfile:
        with open(args.pidfile, "w", encoding="utf-8") as fh:
            fh.write(str(os.getpid()))
    sys.stdout.flush()
    # replace this process with the test agent (like `exec` in a shell script)
    os.execv(TEST_AGENT, [TEST_AGENT, "--port", str(port)])  # noqa: S606
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
