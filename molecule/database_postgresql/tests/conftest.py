"""Fixtures for the PostgreSQL scenario: a password file for the datadog and app roles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SCENARIO.parent / "_database_shared"))

import dbhelpers  # noqa: E402

PGPASS = "/root/.ddx-pgpass"


def _pgpass_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


@pytest.fixture(scope="module")
def scenario_vars() -> dict[str, Any]:
    return dbhelpers.load_vars(SCENARIO)


@pytest.fixture(scope="module")
def psql_as(host: Any, scenario_vars: dict[str, Any]):
    """Run SQL as `datadog` or `app` over TCP 127.0.0.1 (like the Agent) with a 0600 passfile."""
    users = {"datadog": scenario_vars.get("database_datadog_user", "datadog"), "app": "exercise"}
    lines = [
        f"127.0.0.1:5432:*:{users['datadog']}:{_pgpass_escape(scenario_vars['database_datadog_password'])}",
        f"127.0.0.1:5432:*:{users['app']}:{_pgpass_escape(scenario_vars['database_app_password'])}",
    ]
    dbhelpers.put_file(dbhelpers.container_name(host), PGPASS, "\n".join(lines) + "\n")

    def run(who: str, sql: str, database: str = "postgres") -> Any:
        quoted = "'" + sql.replace("'", "'\"'\"'") + "'"
        return host.run(
            f"PGPASSFILE={PGPASS} psql -X -w -h 127.0.0.1 -p 5432 -U {users[who]} -d {database} "
            f"-v ON_ERROR_STOP=1 -At -F '|' -c {quoted}"
        )

    yield run
    host.run(f"rm -f {PGPASS}")
