"""Fixtures for the MariaDB scenario: option files with the datadog and app credentials."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SCENARIO.parent / "_database_shared"))

import dbhelpers  # noqa: E402


@pytest.fixture(scope="module")
def scenario_vars() -> dict[str, Any]:
    return dbhelpers.load_vars(SCENARIO)


def _option_file(user: str, password: str) -> str:
    # TCP to 127.0.0.1 like the Agent (conf.yaml host), not the socket.
    return f'[client]\nuser = {user}\npassword = "{password}"\nhost = 127.0.0.1\nport = 3306\n'


@pytest.fixture(scope="module")
def mysql_as(host: Any, scenario_vars: dict[str, Any]):
    """Run SQL as `datadog` or `app` through an option file copied in with mode 0600."""
    name = dbhelpers.container_name(host)
    files = {
        "datadog": "/root/.ddx-datadog.cnf",
        "app": "/root/.ddx-app.cnf",
    }
    dbhelpers.put_file(
        name,
        files["datadog"],
        _option_file(
            scenario_vars.get("database_datadog_user", "datadog"), scenario_vars["database_datadog_password"]
        ),
    )
    dbhelpers.put_file(name, files["app"], _option_file("exercise", scenario_vars["database_app_password"]))

    def run(who: str, sql: str, database: str = "") -> Any:
        db = f" {database}" if database else ""
        return host.run(
            f"mariadb --defaults-extra-file={files[who]} --batch --skip-column-names{db} -e {_quote(sql)}"
        )

    yield run
    host.run(f"rm -f {files['datadog']} {files['app']}")


def _quote(sql: str) -> str:
    return "'" + sql.replace("'", "'\"'\"'") + "'"
