"""MariaDB + the Datadog MySQL integration: what the check needs works as `datadog`, nothing more.

The SQL below is what DataDog/integrations-core `mysql/` runs with the role's conf.yaml
(default options + replication: true, extra_status_metrics, extra_innodb_metrics), read from
(master, 2025): datadog_checks/mysql/mysql.py, global_variables.py, innodb_metrics.py,
index_metrics.py, queries.py. DBM (dbm: false by default) queries are not covered.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SCENARIO.parent / "_database_shared"))

import dbhelpers  # noqa: E402

# (source file in integrations-core mysql/datadog_checks/mysql/, SQL) - each must succeed.
CHECK_QUERIES = [
    # global_variables.py GlobalVariables.collect()
    ("global_variables.py", "SHOW GLOBAL VARIABLES;"),
    # mysql.py _get_stats_from_status()
    ("mysql.py", "SHOW /*!50002 GLOBAL */ STATUS;"),
    # queries.py SQL_INNODB_ENGINES (mysql.py _check_innodb_engine_enabled)
    (
        "queries.py",
        "SELECT engine FROM information_schema.ENGINES "
        "WHERE engine='InnoDB' and support != 'no' and support != 'disabled'",
    ),
    # queries.py QUERY_DEADLOCKS (runtime query)
    (
        "queries.py",
        "SELECT count as deadlocks FROM information_schema.INNODB_METRICS WHERE NAME='lock_deadlocks'",
    ),
    # queries.py QUERY_USER_CONNECTIONS (runtime query, performance_schema on)
    (
        "queries.py",
        "SELECT COUNT(processlist_user) AS connections, processlist_user, processlist_host, processlist_db, "
        "processlist_state FROM performance_schema.threads WHERE processlist_user IS NOT NULL AND "
        "processlist_state IS NOT NULL GROUP BY processlist_user, processlist_host, processlist_db, "
        "processlist_state",
    ),
    # index_metrics.py QUERY_INDEX_SIZE (index metrics are on by default)
    (
        "index_metrics.py",
        "SELECT database_name, table_name, index_name, stat_value * @@innodb_page_size AS index_size_bytes "
        "FROM mysql.innodb_index_stats WHERE stat_name = 'size'",
    ),
    # index_metrics.py QUERY_INDEX_USAGE
    (
        "index_metrics.py",
        "SELECT object_schema, object_name, index_name, count_read, count_update, count_delete "
        "FROM performance_schema.table_io_waits_summary_by_index_usage "
        "WHERE index_name IS NOT NULL AND object_schema NOT IN ('mysql', 'performance_schema')",
    ),
    # mysql.py _get_binary_log_stats() (log_bin is on: replication)
    ("mysql.py", "SHOW BINARY LOGS;"),
    # queries.py show_replica_status_query() for MariaDB >= 10.5.1 (replication: true)
    ("queries.py", "SHOW REPLICA STATUS;"),
    # queries.py SQL_REPLICA_WORKER_THREADS (mysql.py _get_replicas_connected_count)
    (
        "queries.py",
        "SELECT THREAD_ID, NAME FROM performance_schema.threads WHERE PROCESSLIST_COMMAND LIKE 'Binlog "
        "dump%'",
    ),
    # queries.py SQL_GROUP_REPLICATION_PLUGIN_STATUS (mysql.py _is_group_replication_active)
    (
        "queries.py",
        "SELECT plugin_status FROM information_schema.plugins WHERE plugin_name='group_replication'",
    ),
]

# The complete privilege set of each datadog account (SHOW GRANTS, MariaDB 10.11).
EXPECTED_GRANTS = {
    ("*.*", frozenset({"PROCESS", "BINLOG MONITOR", "SLAVE MONITOR"})),
    ("`performance_schema`.*", frozenset({"SELECT"})),
    ("`mysql`.`innodb_index_stats`", frozenset({"SELECT"})),
}

WRITES = [
    "CREATE TABLE exercise.ddx_probe (i INT)",
    "CREATE DATABASE ddx_probe",
    "INSERT INTO exercise.visits (id, page) VALUES (99, '/probe')",
    "UPDATE performance_schema.setup_consumers SET enabled = 'NO'",
    "CREATE USER probe@localhost",
    "SET GLOBAL max_connections = 10",
]


def test_server_running_and_listening_on_localhost(host: Any) -> None:
    assert host.service("mariadb").is_running
    assert host.service("mariadb").is_enabled
    assert host.socket("tcp://127.0.0.1:3306").is_listening
    assert not host.socket("tcp://0.0.0.0:3306").is_listening


@pytest.mark.parametrize(("source", "sql"), CHECK_QUERIES, ids=[f"{s}:{q[:40]}" for s, q in CHECK_QUERIES])
def test_check_query_succeeds_as_datadog(mysql_as: Any, source: str, sql: str) -> None:
    res = mysql_as("datadog", sql)
    assert res.rc == 0, f"{source}: {sql}\n{res.stderr}"


def test_innodb_status_is_readable(mysql_as: Any) -> None:
    # innodb_metrics.py get_stats_from_innodb_status(): needs PROCESS.
    res = mysql_as("datadog", "SHOW /*!50000 ENGINE*/ INNODB STATUS")
    assert res.rc == 0, res.stderr
    assert "BUFFER POOL AND MEMORY" in res.stdout


def test_binary_log_is_on_and_listed(mysql_as: Any) -> None:
    res = mysql_as("datadog", "SHOW BINARY LOGS;")
    assert res.rc == 0, res.stderr
    assert "mysql-bin." in res.stdout


def test_other_sessions_visible_in_performance_schema(host: Any, mysql_as: Any) -> None:
    # A root session sleeping in the background: PROCESS lets datadog see its thread.
    # (The client strips comments, so the marker is a column alias.)
    sql = (
        "SELECT processlist_user, processlist_info FROM performance_schema.threads "
        "WHERE processlist_info LIKE '%ddx\\_other\\_session%' AND processlist_id <> CONNECTION_ID()"
    )
    session = "sh -c 'mariadb -e \"SELECT SLEEP(20), 1 AS ddx_other_session\"'"
    res = dbhelpers.watch_other_session(host, mysql_as, session, sql, "root")
    assert "root" in res.stdout and "SLEEP(20)" in res.stdout, res.stdout


def test_negative_control_app_user_lacks_monitoring_privileges(mysql_as: Any) -> None:
    # Proves the queries above can fail: the app user has none of datadog's grants.
    res = mysql_as("app", "SHOW /*!50000 ENGINE*/ INNODB STATUS")
    assert res.rc != 0 and "denied" in res.stderr, res.stderr


def _grants(host: Any, account: str) -> set[tuple[str, frozenset[str]]]:
    # As root over the socket: SHOW GRANTS FOR another account needs SELECT on mysql.*.
    res = host.run(f'mariadb --batch --skip-column-names -e "SHOW GRANTS FOR {account}"')
    assert res.rc == 0, res.stderr
    grants = set()
    for line in res.stdout.splitlines():
        m = re.match(r"GRANT (.+?) ON (\S+) TO ", line)
        assert m, line
        grants.add((m.group(2), frozenset(p.strip() for p in m.group(1).split(","))))
    return grants


@pytest.mark.parametrize("account", ["datadog@'localhost'", "datadog@'127.0.0.1'"])
def test_datadog_privileges_are_exactly_the_documented_set(host: Any, account: str) -> None:
    assert _grants(host, account) == EXPECTED_GRANTS


def test_datadog_accounts_are_host_restricted_with_connection_cap(host: Any) -> None:
    res = host.run(
        "mariadb --batch --skip-column-names -e "
        "\"SELECT host, max_user_connections FROM mysql.user WHERE user = 'datadog' ORDER BY host\""
    )
    assert res.rc == 0, res.stderr
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    assert rows == [["127.0.0.1", "5"], ["localhost", "5"]]


@pytest.mark.parametrize("sql", WRITES)
def test_writes_are_refused(mysql_as: Any, sql: str) -> None:
    res = mysql_as("datadog", sql)
    assert res.rc != 0, f"datadog could run: {sql}"
    assert "denied" in res.stderr.lower() or "privilege" in res.stderr.lower(), res.stderr


def test_application_data_is_not_readable(mysql_as: Any) -> None:
    res = mysql_as("datadog", "SELECT * FROM exercise.visits")
    assert res.rc != 0 and "denied" in res.stderr
    assert mysql_as("app", "SELECT COUNT(*) FROM exercise.visits").stdout.strip() == "3"


def test_conf_yaml_parses_and_matches(host: Any, scenario_vars: dict[str, Any]) -> None:
    conf = dbhelpers.integration_conf(host, "mysql")
    (inst,) = conf["instances"]
    assert inst["host"] == "127.0.0.1" and inst["port"] == 3306
    assert inst["username"] == "datadog"
    assert inst["password"] == scenario_vars["database_datadog_password"]
    assert inst["tags"] == scenario_vars["database_tags"]
    assert inst["options"]["replication"] is True
    paths = [entry["path"] for entry in conf["logs"]]
    assert paths == ["/var/log/mysql/mysql_error.log", "/var/log/mysql/mysql_slow.log"]
    assert all(entry["source"] == "mysql" for entry in conf["logs"])


def test_agent_user_can_read_conf_and_logs(host: Any) -> None:
    for path in (
        "/etc/datadog-agent/conf.d/mysql.d/conf.yaml",
        "/var/log/mysql/mysql_error.log",
        "/var/log/mysql/mysql_slow.log",
    ):
        res = host.run(f"runuser -u dd-agent -- head -c 1 {path}")
        assert res.rc == 0, f"{path}: {res.stderr}"
    assert host.run("runuser -u nobody -- head -c 1 /etc/datadog-agent/conf.d/mysql.d/conf.yaml").rc != 0


def test_check_mode_changes_nothing_and_hides_passwords(host: Any, scenario_vars: dict[str, Any]) -> None:
    dbhelpers.assert_check_mode_changes_nothing_and_hides_passwords(SCENARIO, host, scenario_vars)
