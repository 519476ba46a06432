"""PostgreSQL + the Datadog Postgres integration: the check's queries work as `datadog`, writes don't.

The SQL below is what DataDog/integrations-core `postgres/` runs by default on PostgreSQL 15
(dbm: false), read from (master, 2025): datadog_checks/postgres/postgres.py (_collect_stats,
dynamic queries, load_version/system identifier/cluster name/wal_level) and util.py
(the query constants named in each entry). `{metrics_columns}` expanded with the columns
util.py lists for PG 15.
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

CHECK_QUERIES = [
    ("version_utils.py get_raw_version", "SHOW SERVER_VERSION;"),
    ("postgres.py _get_replication_role", "SELECT pg_is_in_recovery();"),
    ("postgres.py load_system_identifier", "SELECT system_identifier FROM pg_control_system();"),
    ("postgres.py load_cluster_name", "SHOW cluster_name;"),
    ("postgres.py _get_wal_level", "SHOW wal_level;"),
    (
        "util.py COMMON_METRICS+NEWER_92/14_METRICS+DATABASE_SIZE (pg_stat_database)",
        "SELECT psd.datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, tup_returned, "
        "tup_fetched, tup_inserted, tup_updated, tup_deleted, 2^31 - age(datfrozenxid) as wraparound, "
        "deadlocks, temp_bytes, temp_files, blk_read_time, blk_write_time, checksum_failures, session_time, "
        "active_time, idle_in_transaction_time, sessions, sessions_abandoned, sessions_fatal, "
        "sessions_killed, "
        "pg_database_size(psd.datname) as pg_database_size "
        "FROM pg_stat_database psd JOIN pg_database pd ON psd.datname = pd.datname "
        "WHERE psd.datname not ilike 'template%' AND psd.datname not ilike 'rdsadmin' "
        "AND psd.datname not ilike 'azure_maintenance'",
    ),
    ("util.py QUERY_PG_STAT_DATABASE", "SELECT datname, deadlocks FROM pg_stat_database"),
    (
        "util.py QUERY_PG_STAT_DATABASE_CONFLICTS",
        "SELECT datname, confl_tablespace, confl_lock, confl_snapshot, confl_bufferpin, confl_deadlock "
        "FROM pg_stat_database_conflicts",
    ),
    (
        "util.py QUERY_PG_UPTIME",
        "SELECT FLOOR(EXTRACT(EPOCH FROM current_timestamp - pg_postmaster_start_time()))",
    ),
    (
        "util.py QUERY_PG_CONTROL_CHECKPOINT",
        "SELECT timeline_id, EXTRACT (EPOCH FROM now() - checkpoint_time) FROM pg_control_checkpoint();",
    ),
    (
        "util.py COMMON_BGW_METRICS+NEWER_91/92_BGW_METRICS (pg_stat_bgwriter, PG < 17)",
        "SELECT checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean, maxwritten_clean, "
        "buffers_backend, buffers_alloc, buffers_backend_fsync, checkpoint_write_time, checkpoint_sync_time "
        "FROM pg_stat_bgwriter",
    ),
    ("util.py COMMON_ARCHIVER_METRICS", "SELECT archived_count, failed_count FROM pg_stat_archiver"),
    (
        "util.py CONNECTION_METRICS",
        "WITH max_con AS (SELECT setting::float FROM pg_settings WHERE name = 'max_connections') "
        "SELECT MAX(setting) AS max_connections, SUM(numbackends)/MAX(setting) AS pct_connections "
        "FROM pg_stat_database, max_con",
    ),
    (
        "util.py REPLICATION_METRICS + REPLICATION_METRICS_10",
        "SELECT CASE WHEN exists(SELECT * FROM pg_stat_wal_receiver) AND (pg_last_wal_receive_lsn() IS NULL "
        "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()) THEN 0 ELSE GREATEST(0, EXTRACT (EPOCH "
        "FROM "
        "now() - pg_last_xact_replay_timestamp())) END, abs(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), "
        "pg_last_wal_replay_lsn())) WHERE (SELECT pg_is_in_recovery())",
    ),
    (
        "util.py QUERY_PG_STAT_WAL_RECEIVER",
        "WITH connected(c) AS (VALUES (1)) SELECT CASE WHEN status IS NULL THEN 'disconnected' ELSE status "
        "END "
        "AS connected, c, received_tli, EXTRACT(EPOCH FROM (clock_timestamp() - last_msg_send_time)), "
        "EXTRACT(EPOCH FROM (clock_timestamp() - last_msg_receipt_time)), EXTRACT(EPOCH FROM "
        "(clock_timestamp() - latest_end_time)) FROM pg_stat_wal_receiver RIGHT JOIN connected ON (true);",
    ),
    (
        "util.py WAL_FILE_METRICS (pg_ls_waldir: pg_monitor)",
        "SELECT count(*), sum(size), EXTRACT (EPOCH FROM now() - min(modification)) FROM pg_ls_waldir();",
    ),
    (
        "util.py QUERY_PG_REPLICATION_SLOTS",
        "SELECT slot_name, slot_type, CASE WHEN temporary THEN 'temporary' ELSE 'permanent' END, "
        "CASE WHEN active THEN 'active' ELSE 'inactive' END, CASE WHEN xmin IS NULL THEN NULL ELSE "
        "age(xmin) END, "
        "CASE WHEN catalog_xmin IS NULL THEN NULL ELSE age(catalog_xmin) END, pg_wal_lsn_diff(CASE WHEN "
        "pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn), "
        "pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE "
        "pg_current_wal_lsn() END, confirmed_flush_lsn) FROM pg_replication_slots;",
    ),
    (
        "util.py REPLICATION_STATS_METRICS (pg_stat_replication)",
        "SELECT application_name, state, sync_state, client_addr, GREATEST (0, EXTRACT(epoch from "
        "write_lag)) "
        "as write_lag, GREATEST (0, EXTRACT(epoch from flush_lag)) AS flush_lag, GREATEST (0, EXTRACT(epoch "
        "from replay_lag)) AS replay_lag, GREATEST (0, age(backend_xmin)) as backend_xmin_age "
        "FROM pg_stat_replication",
    ),
    (
        "util.py VACUUM_PROGRESS_METRICS_LT_17",
        "SELECT v.datname, c.relname, v.phase, v.heap_blks_total, v.heap_blks_scanned, v.heap_blks_vacuumed, "
        "v.index_vacuum_count, v.max_dead_tuples, v.num_dead_tuples FROM pg_stat_progress_vacuum as v "
        "JOIN pg_class c on c.oid = v.relid",
    ),
    (
        "util.py CLUSTER_VACUUM_PROGRESS_METRICS",
        "SELECT v.datname, c.relname, v.command, v.phase, i.relname, heap_tuples_scanned, "
        "heap_tuples_written, "
        "heap_blks_total, heap_blks_scanned, index_rebuild_count FROM pg_stat_progress_cluster as v "
        "LEFT JOIN pg_class c on c.oid = v.relid LEFT JOIN pg_class i on i.oid = v.cluster_index_relid",
    ),
    (
        "util.py INDEX_PROGRESS_METRICS",
        "SELECT p.datname, c.relname, i.relname, p.command, p.phase, lockers_total, lockers_done, "
        "blocks_total, "
        "blocks_done, tuples_total, tuples_done, partitions_total, partitions_done "
        "FROM pg_stat_progress_create_index as p LEFT JOIN pg_class c on c.oid = p.relid "
        "LEFT JOIN pg_class i on i.oid = p.index_relid",
    ),
    (
        "util.py ANALYZE_PROGRESS_METRICS",
        "SELECT r.datname, c.relname, child.relname, r.phase, r.sample_blks_total, r.sample_blks_scanned, "
        "r.ext_stats_total, r.ext_stats_computed, r.child_tables_total, r.child_tables_done "
        "FROM pg_stat_progress_analyze as r JOIN pg_class c on c.oid = r.relid "
        "LEFT JOIN pg_class child on child.oid = r.current_child_table_relid",
    ),
    (
        "util.py SNAPSHOT_TXID_METRICS",
        "WITH snap AS (SELECT * from pg_current_snapshot()), xip_count AS (SELECT COUNT(xip_list) FROM "
        "LATERAL "
        "(SELECT pg_snapshot_xip(pg_current_snapshot) FROM snap) as xip_list) select "
        "pg_snapshot_xmin(pg_current_snapshot), pg_snapshot_xmax(pg_current_snapshot), count from snap, "
        "xip_count;",
    ),
    (
        "util.py STAT_WAL_METRICS (PG 14-17: pg_stat_wal)",
        "SELECT wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync, wal_write_time, "
        "wal_sync_time FROM pg_stat_wal",
    ),
    (
        "util.py QUERY_PG_REPLICATION_SLOTS_STATS",
        "SELECT stat.slot_name, slot_type, CASE WHEN active THEN 'active' ELSE 'inactive' END, spill_txns, "
        "spill_count, spill_bytes, stream_txns, stream_count, stream_bytes, total_txns, total_bytes "
        "FROM pg_stat_replication_slots AS stat JOIN pg_replication_slots "
        "ON pg_replication_slots.slot_name = stat.slot_name",
    ),
    ("util.py STAT_SUBSCRIPTION_STATS_METRICS (PG 15)", "SELECT * FROM pg_stat_subscription_stats"),
    ("util.py QUERY_PG_STAT_RECOVERY_PREFETCH (PG 15)", "SELECT * FROM pg_stat_recovery_prefetch"),
    (
        "util.py QUERY_PG_WAIT_EVENT_METRICS (pg_stat_activity)",
        "SELECT application_name, datname, usename, COALESCE(wait_event, 'NoWaitEvent'), backend_type, "
        "COUNT(*) "
        "FROM pg_stat_activity GROUP BY application_name, datname, usename, wait_event, backend_type",
    ),
    (
        "util.py COUNT_METRICS",
        "SELECT N.nspname AS schemaname, count (*) FROM (SELECT C.relnamespace FROM pg_class C WHERE "
        "C.relkind "
        "IN ('r', 'p')) AS subquery LEFT JOIN pg_namespace N ON (N.oid = relnamespace) WHERE N.nspname NOT "
        "IN "
        "('pg_catalog', 'information_schema') GROUP BY N.nspname;",
    ),
    (
        "util.py SLRU_METRICS",
        "SELECT name, blks_zeroed, blks_hit, blks_read, blks_written , blks_exists, flushes, truncates "
        "FROM pg_stat_slru",
    ),
    (
        "postgres.py PG_SETTINGS_QUERY",
        "SELECT name, setting FROM pg_settings WHERE name IN ('track_activity_query_size', "
        "'track_io_timing', "
        "'max_connections', 'pg_stat_statements.max')",
    ),
]

WRITES = [
    ("postgres", "CREATE TABLE public.ddx_probe (i int)"),
    ("postgres", "CREATE DATABASE ddx_probe"),
    ("postgres", "CREATE ROLE ddx_probe"),
    ("postgres", "ALTER SYSTEM SET work_mem = '8MB'"),
    ("postgres", "SELECT pg_reload_conf()"),
    ("postgres", "SELECT pg_switch_wal()"),
    ("exercise", "INSERT INTO visits (id, page) VALUES (99, '/probe')"),
    ("exercise", "CREATE TABLE ddx_probe (i int)"),
]


def test_server_running_and_listening_on_localhost(host: Any) -> None:
    assert host.service("postgresql").is_enabled
    assert host.run("pg_lsclusters -h").stdout.split()[3] == "online"
    assert host.socket("tcp://127.0.0.1:5432").is_listening
    assert not host.socket("tcp://0.0.0.0:5432").is_listening


@pytest.mark.parametrize(("source", "sql"), CHECK_QUERIES, ids=[s for s, _ in CHECK_QUERIES])
def test_check_query_succeeds_as_datadog(psql_as: Any, source: str, sql: str) -> None:
    res = psql_as("datadog", sql)
    assert res.rc == 0, f"{source}: {sql}\n{res.stderr}"


def test_wal_directory_is_listed(psql_as: Any) -> None:
    res = psql_as("datadog", "SELECT count(*) FROM pg_ls_waldir()")
    assert res.rc == 0 and int(res.stdout) >= 1, res.stderr


def test_other_users_sessions_are_visible_with_query_text(host: Any, psql_as: Any) -> None:
    other_session = "runuser -u postgres -- psql -X -c 'SELECT pg_sleep(30), 1 AS ddx_other_session'"
    sql = (
        "SELECT usename, state, query FROM pg_stat_activity WHERE usename = 'postgres' "
        "AND pid <> pg_backend_pid() AND query LIKE '%ddx\\_other\\_session%'"
    )
    res = dbhelpers.watch_other_session(host, psql_as, other_session, sql, "pg_sleep")
    assert "pg_sleep(30)" in res.stdout, res.stdout
    assert "<insufficient privilege>" not in res.stdout
    # Negative control: the app user (no pg_monitor) only gets the placeholder for postgres's sessions.
    other = psql_as("app", "SELECT query FROM pg_stat_activity WHERE usename = 'postgres'")
    assert other.rc == 0, other.stderr
    assert "<insufficient privilege>" in other.stdout, other.stdout


def test_pg_stat_statements_shows_other_users_statements(psql_as: Any) -> None:
    res = psql_as(
        "datadog",
        "SELECT count(*) FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
        "WHERE r.rolname <> current_user AND s.query NOT LIKE '<insufficient privilege>'",
    )
    assert res.rc == 0, res.stderr
    assert int(res.stdout) > 0


def test_datadog_role_attributes_and_membership(host: Any) -> None:
    res = host.run(
        "runuser -u postgres -- psql -X -At -F '|' -c "
        '"SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, '
        "rolconnlimit, "
        "(SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) FROM pg_roles r WHERE rolname = "
        "'datadog'\""
    )
    assert res.rc == 0, res.stderr
    assert res.stdout.strip() == "f|f|f|f|f|t|5|pg_monitor"


def test_datadog_login_is_restricted_in_pg_hba(host: Any) -> None:
    hba_file = host.run("runuser -u postgres -- psql -X -At -c 'SHOW hba_file'").stdout.strip()
    hba = host.file(hba_file).content_string
    rules = [line.split() for line in hba.splitlines() if line.split() and "datadog" in line.split()[2:3]]
    assert sorted(r[3] for r in rules) == ["127.0.0.1/32", "::1/128"]
    assert all(r[0] == "host" and r[-1] == "scram-sha-256" for r in rules)


@pytest.mark.parametrize(("database", "sql"), WRITES, ids=[s for _, s in WRITES])
def test_writes_are_refused(psql_as: Any, database: str, sql: str) -> None:
    res = psql_as("datadog", sql, database=database)
    assert res.rc != 0, f"datadog could run: {sql}"
    assert re.search(r"permission denied|must be|not allowed", res.stderr), res.stderr


def test_application_data_is_not_readable(psql_as: Any) -> None:
    res = psql_as("datadog", "SELECT * FROM visits", database="exercise")
    assert res.rc != 0 and "permission denied" in res.stderr, res.stderr
    assert psql_as("app", "SELECT count(*) FROM visits", database="exercise").stdout.strip() == "3"


def test_conf_yaml_parses_and_matches(host: Any, scenario_vars: dict[str, Any]) -> None:
    conf = dbhelpers.integration_conf(host, "postgres")
    (inst,) = conf["instances"]
    assert inst["host"] == "127.0.0.1" and inst["port"] == 5432
    assert inst["username"] == "datadog" and inst["dbname"] == "postgres"
    assert inst["password"] == scenario_vars["database_datadog_password"]
    assert inst["tags"] == scenario_vars["database_tags"]
    (log,) = conf["logs"]
    assert log["path"] == "/var/log/postgresql/pg.log" and log["source"] == "postgresql"


def test_log_collection_settings_are_live(psql_as: Any, host: Any) -> None:
    res = psql_as(
        "datadog",
        "SELECT name || '=' || setting FROM pg_settings WHERE name IN "
        "('logging_collector', 'log_directory', 'log_filename', 'log_line_prefix') ORDER BY name",
    )
    assert res.rc == 0, res.stderr
    assert res.stdout.splitlines() == [
        "log_directory=/var/log/postgresql",
        "log_filename=pg.log",
        "log_line_prefix=%m [%p] %d %a %u %h %c ",
        "logging_collector=on",
    ]
    assert host.run("runuser -u dd-agent -- head -c 1 /var/log/postgresql/pg.log").rc == 0


def test_agent_user_can_read_conf(host: Any) -> None:
    path = "/etc/datadog-agent/conf.d/postgres.d/conf.yaml"
    assert host.run(f"runuser -u dd-agent -- head -c 1 {path}").rc == 0
    assert host.run(f"runuser -u nobody -- head -c 1 {path}").rc != 0


def test_check_mode_changes_nothing_and_hides_passwords(host: Any, scenario_vars: dict[str, Any]) -> None:
    dbhelpers.assert_check_mode_changes_nothing_and_hides_passwords(SCENARIO, host, scenario_vars)
