"""The workspace database: location, pragmas, migrations, tables, UTC times, one transaction per command."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from support import UTC_RE, dump, rows

from zoomctl.errors import Conflict, ZoomctlError
from zoomctl.exit_codes import ExitCode
from zoomctl.store import db as db_module
from zoomctl.store import dialect as dialect_module
from zoomctl.store.db import BUSY_TIMEOUT_MS, Store, migrate
from zoomctl.store.migrations import MIGRATIONS

TABLES = {
    "companies",
    "zoom_connections",
    "providers",
    "services",
    "service_providers",
    "classes",
    "class_sessions",
    "clients",
    "bookings",
    "meetings",
    "registrants",
    "templates",
    "events",
}


def columns(db: Path, table: str) -> dict[str, sqlite3.Row]:
    return {r["name"]: r for r in rows(db, f"PRAGMA table_info({table})")}


def user_version(db: Path) -> int:
    return rows(db, "PRAGMA user_version")[0][0]


# ---- where it lives ----------------------------------------------------------------------
def test_default_file_is_in_the_data_dir(zc, isolated):
    assert zc("company", "list").exit_code == 0
    assert (isolated / "data" / "workspace.db").is_file()


def test_default_file_follows_platformdirs_when_no_override(zc, isolated, monkeypatch):
    monkeypatch.delenv("ZOOMCTL_DATA_DIR")
    from platformdirs import user_data_path

    expected = user_data_path("zoomctl", appauthor=False) / "workspace.db"
    assert expected.is_relative_to(isolated)
    assert zc("company", "list").exit_code == 0
    assert expected.is_file()


def test_db_flag_and_environment_move_it(zc, isolated, monkeypatch):
    assert zc("--db", str(isolated / "a" / "flag.db"), "company", "list").exit_code == 0
    assert (isolated / "a" / "flag.db").is_file()
    monkeypatch.setenv("ZOOMCTL_DB", str(isolated / "b" / "env.db"))
    assert zc("company", "list").exit_code == 0
    assert (isolated / "b" / "env.db").is_file()
    assert not (isolated / "data" / "workspace.db").exists()


def test_commands_that_need_no_workspace_do_not_create_one(zc, isolated):
    assert zc("config", "list").exit_code == 0
    assert zc("--help").exit_code == 0
    assert not (isolated / "data").exists()


def test_an_unopenable_path_is_a_config_error(zc, isolated):
    (isolated / "somedir").mkdir()
    result = zc("--db", str(isolated / "somedir"), "company", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert "--db" in result.stderr and "Traceback" not in result.stderr


# ---- pragmas -----------------------------------------------------------------------------
def test_wal_foreign_keys_and_busy_timeout(db):
    store = Store(db)
    try:
        assert store.one("PRAGMA journal_mode")[0] == "wal"
        assert store.one("PRAGMA foreign_keys")[0] == 1
        assert store.one("PRAGMA busy_timeout")[0] == BUSY_TIMEOUT_MS > 0
    finally:
        store.finish(commit=False)
    assert rows(db, "PRAGMA journal_mode")[0][0] == "wal"  # persistent in the file


def test_foreign_keys_are_enforced(db, company):
    store = Store(db)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            store.execute(
                "INSERT INTO providers (company_id, name, name_key, created_at) VALUES (99, 'x', 'x', '2026-01-01T00:00:00Z')"
            )
    finally:
        store.finish(commit=False)


def hold_write_lock(db: Path, seconds: float):
    """Another process's writer: holds the write lock for ``seconds`` (in a thread with its own connection)."""
    import threading

    locked = threading.Event()

    def writer():
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE companies SET name = 'Writer'")
            locked.set()
            import time

            time.sleep(seconds)
            conn.execute("COMMIT")
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(5)
    return thread


def test_a_second_writer_waits_instead_of_failing(db, company):
    """The busy timeout: a writer that finds the file locked waits for the lock instead of failing at once."""
    thread = hold_write_lock(db, 0.3)
    try:
        second = Store(db)
        second.execute("UPDATE companies SET name = 'Second'")
        second.finish(commit=True)
    finally:
        thread.join()
    assert rows(db, "SELECT name FROM companies")[0][0] == "Second"


def test_reading_is_not_blocked_by_another_writer(zc, db, company, monkeypatch):
    """WAL lets readers run beside a writer: `company list` must not wait for (or fail on) another process's write."""
    monkeypatch.setattr(dialect_module, "BUSY_TIMEOUT_MS", 200)
    thread = hold_write_lock(db, 0.6)
    try:
        result = zc("company", "list", "--json")
    finally:
        thread.join()
    assert result.exit_code == 0, result.stderr
    assert [c["slug"] for c in result.json()] == ["acme-yoga"]


def test_a_busy_workspace_is_not_called_a_non_workspace(zc, db, company, monkeypatch):
    monkeypatch.setattr(dialect_module, "BUSY_TIMEOUT_MS", 200)
    thread = hold_write_lock(db, 0.6)
    try:
        result = zc("providers", "add", "Dana Smith")
    finally:
        thread.join()
    assert result.exit_code != ExitCode.OK
    assert "Traceback" not in result.stderr
    assert "not a zoomctl workspace database" not in result.stderr, result.stderr
    assert "busy" in result.stderr or "locked" in result.stderr


# ---- migrations --------------------------------------------------------------------------
def test_a_new_file_is_migrated_to_the_latest_version(zc, db):
    assert not db.exists()
    assert zc("company", "list").exit_code == 0
    assert user_version(db) == len(MIGRATIONS) >= 1
    names = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert TABLES <= names


def test_an_empty_existing_file_is_migrated(zc, db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    result = zc("company", "create", "Acme", "--timezone", "UTC", "--json")
    assert result.exit_code == 0, result.stderr
    assert user_version(db) == len(MIGRATIONS)
    assert [r[0] for r in rows(db, "SELECT slug FROM companies")] == ["acme"]


def test_migrating_twice_changes_nothing(db):
    db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        assert migrate(conn) == len(MIGRATIONS)
        before = list(conn.iterdump())
        assert migrate(conn) == len(MIGRATIONS)
        assert list(conn.iterdump()) == before


def test_each_migration_step_is_numbered(db, monkeypatch):
    """A file at version 1 gets only the steps after 1: extra migrations run once, in order."""
    db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        migrate(conn)
    extra = [
        *MIGRATIONS,
        "CREATE TABLE probe_a (x INTEGER)",
        "CREATE TABLE probe_b (y INTEGER); INSERT INTO probe_b VALUES (1)",
    ]
    monkeypatch.setattr(db_module, "MIGRATIONS", extra)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        assert migrate(conn) == len(extra)
        assert migrate(conn) == len(extra)
    assert user_version(db) == len(extra)
    assert rows(db, "SELECT y FROM probe_b")[0][0] == 1  # ran once


def test_a_failing_migration_leaves_the_file_at_the_last_good_version(db, monkeypatch):
    db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        migrate(conn)
    monkeypatch.setattr(db_module, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE half (x INTEGER); THIS IS NOT SQL"])
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        with pytest.raises(sqlite3.DatabaseError):
            migrate(conn)
    assert user_version(db) == len(MIGRATIONS)
    assert not rows(db, "SELECT name FROM sqlite_master WHERE name = 'half'")


def test_a_newer_schema_is_a_clear_error(zc, db):
    db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
        conn.commit()
    before = dump(db)
    result = zc("company", "list")
    assert "Traceback" not in result.stderr
    assert "newer" in result.stderr and str(len(MIGRATIONS) + 5) in result.stderr
    assert "upgrade zoomctl" in result.stderr
    assert dump(db) == before
    assert user_version(db) == len(MIGRATIONS) + 5
    # an unusable workspace file is a configuration problem (like a non-SQLite file), not a bug
    assert result.exit_code == ExitCode.CONFIG


@pytest.mark.parametrize(
    "content", [b"this is not a database\n" * 10, b"SQLite format 3\x00" + b"\xff" * 200, bytes(range(256)) * 8]
)
def test_a_non_sqlite_file_is_a_config_error(zc, db, content):
    db.parent.mkdir(parents=True)
    db.write_bytes(content)
    result = zc("company", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert str(db) in result.stderr
    assert "not a zoomctl workspace database" in result.stderr
    assert "--db" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == content  # left as it was


# ---- schema ------------------------------------------------------------------------------
def test_zoom_connection_metadata_has_no_token_or_secret_columns(zc, db):
    assert zc("company", "list").exit_code == 0
    for table in TABLES:
        for name in columns(db, table):
            assert not any(word in name for word in ("access_token", "refresh_token", "secret", "password_hash")), (
                table,
                name,
            )
            assert name in ("token_location", "password") or "token" not in name, (table, name)
    assert {"kind", "client_id", "account_id", "user_id", "scopes", "status"} <= set(columns(db, "zoom_connections"))


def test_online_is_off_by_default_in_the_schema(zc, db):
    assert zc("company", "list").exit_code == 0
    for table in ("services", "classes"):
        assert columns(db, table)["online"]["dflt_value"] == "0"
    assert columns(db, "companies")["online_meetings_enabled"]["dflt_value"] == "0"


def test_companies_hold_slug_name_timezone_and_the_feature_flag(zc, db):
    assert zc("company", "list").exit_code == 0
    assert {"slug", "name", "timezone", "online_meetings_enabled"} <= set(columns(db, "companies"))
    assert {"at", "os_user", "action", "subject", "details"} <= set(columns(db, "events"))


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO services (company_id, name, name_key, duration_minutes, created_at) VALUES (1, 'x', 'x', 0, 't')",
        "INSERT INTO services (company_id, name, name_key, duration_minutes, created_at) VALUES (1, 'x', 'x', 1441, 't')",
        "INSERT INTO classes (company_id, name, name_key, duration_minutes, capacity, created_at) VALUES (1, 'x', 'x', 30, 0, 't')",
    ],
)
def test_the_schema_itself_guards_durations_and_capacity(db, company, sql):
    with closing(sqlite3.connect(db)) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(sql)


def test_times_are_stored_in_utc(zc, catalog, client_id, db):
    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2099-07-01T23:30", "--provider", "Dana").exit_code
        == 0
    )
    assert rows(db, "SELECT starts_at FROM class_sessions")[0][0] == "2099-07-01T21:30:00Z"
    for table in ("companies", "providers", "services", "classes", "clients", "class_sessions"):
        for (created,) in rows(db, f"SELECT created_at FROM {table}"):
            assert UTC_RE.match(created), (table, created)
    for (at,) in rows(db, "SELECT at FROM events"):
        assert UTC_RE.match(at)


# ---- one transaction per command ---------------------------------------------------------
def test_a_command_that_fails_after_writing_rolls_back(zc, company, db, monkeypatch):
    from zoomctl.core import catalog

    def refuse(*args, **kwargs):
        raise Conflict("refused by the test", hint="none")

    monkeypatch.setattr(catalog.events, "record", refuse)  # fails after the INSERT of the provider
    before = dump(db)
    result = zc("providers", "add", "Dana Smith")
    assert result.exit_code == ExitCode.CONFLICT
    assert dump(db) == before


def test_an_unexpected_error_rolls_back_without_a_traceback(zc, company, db, monkeypatch):
    from zoomctl.core import catalog

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog.events, "record", crash)
    before = dump(db)
    result = zc("providers", "add", "Dana Smith")
    assert result.exit_code == ExitCode.FAILURE
    assert "Traceback" not in result.stderr
    assert "unexpected error: RuntimeError: boom" in result.stderr
    assert "--debug" in result.stderr
    assert dump(db) == before


def test_force_removal_keeps_each_cancellation_but_a_failed_removal_removes_nothing(
    zc, catalog, client_id, db, monkeypatch
):
    """`providers remove --force` commits each cancellation as it goes (a deleted Zoom meeting must
    stay recorded as deleted); a failure at the end leaves the provider in place, and running
    the command again finishes the job."""
    from support import add_booking

    from zoomctl.core import removal as core
    from zoomctl.store import catalog as repo

    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana").exit_code
        == 0
    )
    booking = add_booking(db, provider_id=1, client_id=client_id, service_id=1)

    def crash(*args, **kwargs):
        raise ZoomctlError("disk trouble", hint="try again", exit_code=ExitCode.FAILURE)

    with monkeypatch.context() as patched:
        patched.setattr(repo, "remove_named", crash)
        assert core.repo is repo
        result = zc("providers", "remove", "Dana", "--force")
    assert result.exit_code == ExitCode.FAILURE
    assert rows(db, "SELECT status FROM class_sessions")[0][0] == "cancelled"
    assert rows(db, "SELECT status FROM bookings WHERE id = ?", (booking,))[0][0] == "cancelled"
    assert rows(db, "SELECT removed_at FROM providers WHERE id = 1")[0][0] is None  # the removal itself: undone
    again = zc("providers", "remove", "Dana", "--force", "--json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["bookings_cancelled"] == 0
    assert rows(db, "SELECT removed_at FROM providers WHERE id = 1")[0][0] is not None


def test_store_finish_commits_or_rolls_back(db, company):
    store = Store(db)
    store.execute("UPDATE companies SET name = 'Kept'")
    store.finish(commit=True)
    store = Store(db)
    store.execute("UPDATE companies SET name = 'Dropped'")
    store.finish(commit=False)
    assert rows(db, "SELECT name FROM companies")[0][0] == "Kept"


def test_checkpoint_keeps_work_done_so_far(db, company):
    store = Store(db)
    store.execute("UPDATE companies SET name = 'Checkpointed'")
    store.checkpoint()
    store.execute("UPDATE companies SET name = 'Dropped'")
    store.finish(commit=False)
    assert rows(db, "SELECT name FROM companies")[0][0] == "Checkpointed"
