"""Open the workspace database, migrate it, and run one transaction per command."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from zoomctl import env
from zoomctl.errors import ConfigError, ZoomctlError
from zoomctl.store.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000
#: SQLITE_BUSY_SNAPSHOT: another writer committed since this transaction read; it cannot write
_BUSY_SNAPSHOT = 517


class Store:
    """A connection to the workspace with an explicit transaction.

    ``open()`` starts a transaction; ``finish(commit=True)`` ends it. A command that fails
    rolls back, so it writes nothing. Long work that must keep what Zoom already did (a
    meeting created there) calls ``checkpoint()`` to commit so far and go on.
    """

    def __init__(self, path: Path):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._deferred: list = []

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
            self._conn.execute("BEGIN")
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if str(self.path) != ":memory:" and not self.path.exists():
                # join links carry passcodes and personal tokens: readable by the owner only
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            if str(self.path) != ":memory:":
                _check_writable(self.path)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the workspace database {self.path}: {exc}",
                hint=f"pass a writable path with --db PATH or {env.DB}",
            ) from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_busy(exc):
                raise busy_error(self.path) from exc
            if _is_write_failure(exc):
                raise write_error(self.path, exc) from exc
            raise not_a_workspace(self.path, exc) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise not_a_workspace(self.path, exc) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        """Run one statement. A transaction that has read and then writes while another process
        holds the write lock gets SQLITE_BUSY at once (SQLite does not wait there): wait for the
        lock here, up to the busy timeout; then, or if the other writer committed meanwhile, a
        clear error (the command's transaction rolls back: nothing half-written)."""
        conn = self.conn
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return conn.execute(sql, params)
            except sqlite3.OperationalError as exc:
                if _is_write_failure(exc):
                    raise write_error(self.path, exc) from exc
                if not _is_busy(exc):
                    raise
                if getattr(exc, "sqlite_errorcode", None) == _BUSY_SNAPSHOT or time.monotonic() >= deadline:
                    raise busy_error(self.path) from exc
                time.sleep(0.05)

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.execute(sql, params).fetchall()

    def insert(self, sql: str, params: tuple | dict = ()) -> int:
        cur = self.execute(sql, params)
        return int(cur.lastrowid)

    def checkpoint(self) -> None:
        """Commit what is done so far and start a new transaction."""
        if self._conn is not None:
            self._conn.execute("COMMIT")
            self._conn.execute("BEGIN")

    def defer(self, write) -> None:
        """Run ``write(store)`` after this command's transaction ends, committed whatever the outcome.

        For facts learned on the way to a failure that must outlive it (Zoom said the
        connection is gone, so it needs a reconnect)."""
        self._deferred.append(write)

    def finish(self, commit: bool) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            if conn.in_transaction:
                try:
                    conn.execute("COMMIT" if commit else "ROLLBACK")
                except sqlite3.OperationalError as exc:
                    if not _is_write_failure(exc):
                        raise
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise write_error(self.path, exc) from exc
            deferred, self._deferred = self._deferred, []
            if deferred:
                self._conn = conn
                conn.execute("BEGIN")
                for write in deferred:
                    write(self)
                conn.execute("COMMIT")
        finally:
            self._conn = None
            conn.close()


def _check_writable(path: Path) -> None:
    """Every command may write (a migration, an event): a read-only workspace is refused up front,
    not half-way through a command. SQLite also writes its -wal and -shm files beside it."""
    if not os.access(path, os.W_OK):
        raise ConfigError(
            f"the workspace database {path} is read-only",
            hint=f"make it writable (chmod u+w '{path}'), or pass another file with --db PATH",
        )
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(
            f"the folder of the workspace database {path} is read-only (SQLite writes its journal there)",
            hint=f"make '{path.parent}' writable, or pass a file in another folder with --db PATH",
        )


def _is_write_failure(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "disk I/O error" in text or "disk is full" in text


def write_error(path: Path, exc: Exception) -> ZoomctlError:
    return ConfigError(
        f"cannot write the workspace database {path} ({exc}; the disk may be full): nothing was changed",
        hint="free some disk space (or raise the file size limit), then run the command again",
    )


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def busy_error(path: Path) -> ZoomctlError:
    return ConfigError(
        f"the workspace database {path} is busy: another process is writing to it",
        hint="run the command again when the other one has finished",
    )


def not_a_workspace(path: Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{path} is not a zoomctl workspace database ({exc})",
        hint=f"point --db or {env.DB} at another file",
    )


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the schema version.

    Each step re-reads the version under a write lock, so processes that start together
    on a new file migrate it once.
    """
    target = len(MIGRATIONS)
    while True:
        if conn.execute("PRAGMA user_version").fetchone()[0] == target:
            return target  # up to date: no write lock needed
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > target:
                raise ConfigError(
                    f"the workspace database has schema version {current}, newer than this zoomctl knows ({target})",
                    hint="upgrade zoomctl (pip install -U zoomctl)",
                )
            if current == target:
                conn.execute("COMMIT")
                return target
            # executescript() would commit on its own; run statement by statement instead.
            for statement in _statements(MIGRATIONS[current]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
