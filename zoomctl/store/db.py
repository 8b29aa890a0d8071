"""Open the workspace database, migrate it, and run one transaction per command.

The workspace is a SQLite file (the default) or a PostgreSQL database (a shared workspace);
``store/dialect.py`` holds every difference between the two."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path

from zoomctl.errors import ConfigError
from zoomctl.store.dialect import (
    BUSY_TIMEOUT_MS,  # noqa: F401  (re-exported: tests and callers read it here)
    POSTGRESQL,
    Dialect,
    Location,
    busy_error,
    dialect_for,
    not_a_workspace,
    parse_location,
    write_error,
)
from zoomctl.store.migrations import MIGRATIONS

__all__ = [
    "Store",
    "SchemaState",
    "busy_error",
    "not_a_workspace",
    "write_error",
    "migrate",
    "schema_state",
    "upgrade",
]


_streams = itertools.count(1)
#: the dialect of a bare sqlite3 connection handed to migrate()
_SQLITE = dialect_for(Location("sqlite", path=Path(":memory:")))


class Store:
    """A connection to the workspace with an explicit transaction.

    ``open()`` starts a transaction; ``finish(commit=True)`` ends it. A command that fails
    rolls back, so it writes nothing. Long work that must keep what Zoom already did (a
    meeting created there) calls ``checkpoint()`` to commit so far and go on.
    """

    def __init__(self, location: Location | Path | str, source: str = "--db", *, upgrade_on_open: bool = True):
        self.location = location if isinstance(location, Location) else parse_location(location, source)
        self.dialect: Dialect = dialect_for(self.location)
        self.upgrade_on_open = upgrade_on_open
        self._conn = None
        self._raw = None
        self._deferred: list = []

    @property
    def path(self) -> Path | str:
        return self.location.path if self.location.path is not None else self.location.shown

    @property
    def engine(self) -> str:
        return self.dialect.engine

    @property
    def conn(self):
        if self._conn is None:
            self._conn = self._connect()
            self._conn.execute("BEGIN")
        return self._conn

    def _connect(self):
        conn = self.dialect.connect()
        try:
            if self.upgrade_on_open:
                migrate(conn, self.dialect)
        except BaseException as exc:
            conn.close()
            found = self.dialect.error(exc) if isinstance(exc, Exception) else None
            if found is not None:
                raise found from exc
            raise
        return conn

    def _run(self, sql: str, params):
        """Run one statement. A SQLite transaction that has read and then writes while another
        process holds the write lock gets SQLITE_BUSY at once (SQLite does not wait there): wait
        for the lock here, up to the busy timeout; then, or if the other writer committed
        meanwhile, a clear error (the command's transaction rolls back: nothing half-written)."""
        conn = self.conn
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return conn.execute(sql, params)
            except Exception as exc:
                if self.dialect.write_failure(exc):
                    raise write_error(self.location, exc) from exc
                if not self.dialect.busy(exc):
                    raise
                if not self.dialect.may_wait(exc) or time.monotonic() >= deadline:
                    raise busy_error(self.location) from exc
                time.sleep(0.05)

    def execute(self, sql: str, params: tuple | dict = ()):
        return self._run(self.dialect.sql(sql), params)

    def one(self, sql: str, params: tuple | dict = ()):
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list:
        return self.execute(sql, params).fetchall()

    def execute_many(self, sql: str, rows: list) -> None:
        try:
            cursor = self.conn.cursor()
            try:
                cursor.executemany(self.dialect.sql(sql), rows)
            finally:
                cursor.close()
        except Exception as exc:
            if self.dialect.busy(exc):
                raise busy_error(self.location) from exc
            raise

    @property
    def raw_conn(self):
        """A connection with no transaction open and no migration run (``db status``/``db upgrade``)."""
        if self._raw is None:
            self._raw = self.dialect.connect()
        return self._raw

    def insert(self, sql: str, params: tuple | dict = ()) -> int:
        return self.dialect.new_id(self._run(self.dialect.insert_sql(sql), params))

    def stream(self, sql: str, params: tuple | dict = ()):
        """A cursor for a long listing: on PostgreSQL a server-side (named) cursor, so rows come
        from the server as they are fetched instead of all at once."""
        if self.engine == POSTGRESQL:
            cursor = self.conn.cursor(name=f"zoomctl_stream_{next(_streams)}")
            cursor.execute(self.dialect.sql(sql), params)
            return cursor
        return self.execute(sql, params)

    def locked(self, name: str):
        """A context: end the current transaction (committing it), then run the block in a new
        one holding the cross-process lock of ``name``; committed when the block ends, else rolled back."""
        import contextlib

        @contextlib.contextmanager
        def hold():
            conn = self.conn
            conn.execute("COMMIT")
            try:
                self.dialect.lock_row(conn, name)
            except Exception as exc:
                conn.execute("BEGIN")
                if self.dialect.busy(exc):
                    raise busy_error(self.location) from exc
                raise
            try:
                yield self
            except BaseException:
                conn.execute("ROLLBACK")
                conn.execute("BEGIN")
                raise
            conn.execute("COMMIT")
            conn.execute("BEGIN")

        return hold()

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
        if self._raw is not None:
            raw, self._raw = self._raw, None
            raw.close()
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            if self.dialect.in_transaction(conn):
                try:
                    conn.execute("COMMIT" if commit else "ROLLBACK")
                except Exception as exc:
                    if not self.dialect.write_failure(exc):
                        raise
                    if self.dialect.in_transaction(conn):
                        conn.execute("ROLLBACK")
                    raise write_error(self.location, exc) from exc
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


@dataclass(frozen=True)
class SchemaState:
    version: int
    known: int  # the newest version this zoomctl knows

    @property
    def pending(self) -> int:
        return max(0, self.known - self.version)


def schema_state(conn, dialect: Dialect) -> SchemaState:
    return SchemaState(dialect.schema_version(conn), len(MIGRATIONS))


def _newer(current: int, target: int) -> ConfigError:
    return ConfigError(
        f"the workspace database has schema version {current}, newer than this zoomctl knows ({target})",
        hint="upgrade zoomctl (pip install -U zoomctl)",
    )


def migrate(conn, dialect: Dialect | None = None) -> int:
    """Bring the schema up to date on open; returns the schema version.

    SQLite migrates on open. A shared PostgreSQL workspace is created on first use (an empty
    database), but an older schema is refused: other administrators may still run the older
    zoomctl, so upgrading is a decision (`zoomctl db upgrade`), not a side effect."""
    dialect = dialect or _SQLITE
    target = len(MIGRATIONS)
    current = dialect.schema_version(conn)
    if current == target:
        return target  # up to date: no write lock needed
    if current > target:
        raise _newer(current, target)
    if dialect.engine == POSTGRESQL and current > 0:
        raise ConfigError(
            f"the shared workspace database has schema version {current}, older than this zoomctl ({target})",
            hint="run `zoomctl db upgrade` (then every administrator needs this zoomctl version or newer)",
        )
    return upgrade(conn, dialect)


def upgrade(conn, dialect: Dialect | None = None) -> int:
    """Apply every pending migration; returns the schema version.

    Each step re-reads the version under the write lock (SQLite) or in one transaction under
    an advisory lock (PostgreSQL), so processes that start together migrate once."""
    dialect = dialect or _SQLITE
    target = len(MIGRATIONS)
    once = dialect.engine == POSTGRESQL
    while True:
        dialect.begin_schema_change(conn)
        try:
            current = dialect.schema_version(conn)
            if current > target:
                raise _newer(current, target)
            if current == target:
                conn.execute("COMMIT")
                return target
            # executescript() would commit on its own; run statement by statement instead.
            for step in range(current, target if once else current + 1):
                for statement in dialect.statements(MIGRATIONS[step]):
                    conn.execute(statement)
                dialect.set_schema_version(conn, step + 1)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
