"""The two engines behind ``Store``, and every difference between them.

SQLite is the embedded default (a file); PostgreSQL holds a shared workspace (a
``postgresql://`` URL, libpq conninfo). The rest of ``store/`` writes one SQL: ``?`` or
``:name`` parameters, ``INTEGER`` columns and ``id INTEGER PRIMARY KEY``; this module turns it
into what PostgreSQL runs (``%s`` / ``%(name)s``, ``BIGINT``, identity columns), keeps the schema
version (SQLite's ``user_version``, a ``zoomctl_schema`` row on PostgreSQL), takes the
migration lock (``BEGIN IMMEDIATE`` / an advisory lock), and names lock and busy errors the
same way for both. ``psycopg`` is imported only when a PostgreSQL workspace is opened.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from zoomctl import env
from zoomctl.errors import ConfigError, StorageError, ZoomctlError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
URL_SCHEMES = ("postgresql://", "postgres://")
POSTGRES_EXTRA = "pip install 'zoomctl[postgres]'"
BUSY_TIMEOUT_MS = 10_000
#: the advisory-lock key of schema changes (any constant both zoomctl versions agree on)
MIGRATION_LOCK = 0x7A6F6F6D  # "zoom"


@dataclass(frozen=True)
class Location:
    """Where the workspace is: a SQLite file or a PostgreSQL URL (which never holds a password)."""

    engine: str
    path: Path | None = None
    url: str | None = None

    @property
    def shown(self) -> str:
        return self.url if self.url is not None else str(self.path)

    def __str__(self) -> str:
        return self.shown


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and value.startswith(URL_SCHEMES)


def parse_location(value: str | Path, source: str = "--db") -> Location:
    """A workspace location from ``--db``, ZOOMCTL_DB or the profile's ``database``.

    A PostgreSQL URL with a password is refused wherever it comes from: in config.toml it
    is a readable file, on the command line it lands in shell history and the process list."""
    if not is_url(value):
        return Location(SQLITE, path=Path(value).expanduser())
    url = str(value)
    parts = urlsplit(url)
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise ConfigError(
            f"the workspace URL from {source} holds a password",
            hint="remove it from the URL and give it to libpq instead: PGPASSWORD, ~/.pgpass, PGPASSFILE or PGSERVICE",
        )
    return Location(POSTGRESQL, url=url)


def without_password(url: str) -> str:
    """The URL to show: any password dropped (for URLs not read through ``parse_location``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


class Dialect:
    engine: str
    #: the report's --json/--csv rows can be written by the database itself (store/report.py's
    #: SQLite SQL: json_object, printf, strftime, GLOB); elsewhere they come as dicts
    writes_report_rows = False

    def __init__(self, location: Location):
        self.location = location

    def connect(self) -> Any:
        raise NotImplementedError

    def sql(self, text: str) -> str:
        return text

    def statements(self, script: str) -> list[str]:
        return [s.strip() for s in script.split(";") if s.strip()]

    def insert_sql(self, text: str) -> str:
        """An INSERT that hands back the new row's id (``Store.insert``)."""
        return text

    def new_id(self, cursor) -> int:
        return int(cursor.lastrowid)

    def in_transaction(self, conn) -> bool:
        raise NotImplementedError

    def schema_version(self, conn) -> int:
        raise NotImplementedError

    def set_schema_version(self, conn, version: int) -> None:
        raise NotImplementedError

    def begin_schema_change(self, conn) -> None:
        """Start the transaction of a schema change under the engine's write lock."""
        raise NotImplementedError

    def tables(self, conn) -> list[str]:
        raise NotImplementedError

    def lock_row(self, conn, name: str) -> None:
        """Inside a transaction: hold the cross-process lock of ``name`` until it ends."""
        raise NotImplementedError

    def after_copy(self, conn, table: str) -> None:
        """After rows were copied in with their ids: let new ids follow them."""

    def busy(self, exc: BaseException) -> bool:
        """Whether ``exc`` means another writer holds a lock (try again later)."""
        return False

    def may_wait(self, exc: BaseException) -> bool:
        """Whether the statement that met ``busy`` may simply run again (the transaction lives on)."""
        return False

    def write_failure(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the engine could not write its files (a full disk)."""
        return False

    def error(self, exc: BaseException) -> ZoomctlError | None:
        """The ZoomctlError an engine error means, or None when it is a plain bug."""
        if self.write_failure(exc):
            return write_error(self.location, exc)
        if self.busy(exc):
            return busy_error(self.location)
        return None


class SQLiteDialect(Dialect):
    engine = SQLITE
    writes_report_rows = True

    def connect(self):
        import sqlite3

        path = self.location.path
        assert path is not None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if str(path) != ":memory:" and not path.exists():
                # join links carry passcodes and personal tokens: readable by the owner only
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            if str(path) != ":memory:":
                _check_writable(path)
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the workspace database {path}: {exc}",
                hint=f"pass a writable path with --db PATH or {env.DB}",
            ) from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self.error(exc) or not_a_workspace(self.location, exc) from exc
        return conn

    def in_transaction(self, conn) -> bool:
        return conn.in_transaction

    def schema_version(self, conn) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, conn, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def begin_schema_change(self, conn) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def tables(self, conn) -> list[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
        return [r[0] for r in rows]

    def lock_row(self, conn, name: str) -> None:
        conn.execute("BEGIN IMMEDIATE")  # the whole file: SQLite has no finer lock across processes

    def busy(self, exc: BaseException) -> bool:
        import sqlite3

        return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))

    def may_wait(self, exc: BaseException) -> bool:
        # SQLITE_BUSY_SNAPSHOT: another writer committed since this transaction read; it cannot write
        return getattr(exc, "sqlite_errorcode", None) != _SQLITE_BUSY_SNAPSHOT

    def write_failure(self, exc: BaseException) -> bool:
        import sqlite3

        text = str(exc)
        return isinstance(exc, sqlite3.OperationalError) and ("disk I/O error" in text or "disk is full" in text)

    def error(self, exc: BaseException) -> ZoomctlError | None:
        import sqlite3

        found = super().error(exc)
        if found is None and isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            return not_a_workspace(self.location, exc)
        return found


class PostgresDialect(Dialect):
    engine = POSTGRESQL

    def connect(self):
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "a PostgreSQL workspace needs psycopg, which is not installed",
                hint=f"install it: {POSTGRES_EXTRA}",
            ) from None
        try:
            conn = psycopg.connect(
                self.location.url,
                autocommit=True,  # transactions are explicit (BEGIN/COMMIT), as on SQLite
                row_factory=_row_factory,
                connect_timeout=int(os.environ.get("PGCONNECT_TIMEOUT") or 10),
                application_name="zoomctl",
            )
        except psycopg.Error as exc:
            raise StorageError(
                f"cannot connect to the workspace database {self.location.shown}: {_first_line(exc)}",
                hint="check the URL, that the server runs, and the password in PGPASSWORD or ~/.pgpass",
            ) from exc
        try:
            conn.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        except psycopg.Error:
            conn.close()
            raise
        return conn

    def sql(self, text: str) -> str:
        return _pg_sql(text)

    def statements(self, script: str) -> list[str]:
        return [_pg_ddl(s) for s in super().statements(script)]

    def insert_sql(self, text: str) -> str:
        return _pg_sql(text) + " RETURNING id"

    def new_id(self, cursor) -> int:
        return int(cursor.fetchone()[0])

    def in_transaction(self, conn) -> bool:
        from psycopg.pq import TransactionStatus

        return conn.info.transaction_status != TransactionStatus.IDLE

    def schema_version(self, conn) -> int:
        exists = conn.execute("SELECT to_regclass('zoomctl_schema') IS NOT NULL").fetchone()[0]
        if not exists:
            return 0
        row = conn.execute("SELECT version FROM zoomctl_schema").fetchone()
        return int(row[0]) if row else 0

    def set_schema_version(self, conn, version: int) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS zoomctl_schema (version BIGINT NOT NULL)")
        conn.execute("DELETE FROM zoomctl_schema")
        conn.execute("INSERT INTO zoomctl_schema (version) VALUES (%s)", (int(version),))

    def begin_schema_change(self, conn) -> None:
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))

    def tables(self, conn) -> list[str]:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).fetchall()
        return [r[0] for r in rows]

    def lock_row(self, conn, name: str) -> None:
        """An advisory lock per name (a Zoom connection's tokens), released when the transaction
        ends, so processes on different machines refresh one connection's tokens one at a time."""
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(name),))

    def after_copy(self, conn, table: str) -> None:
        sequence = conn.execute(
            "SELECT pg_get_serial_sequence(%s, 'id') FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'id'",
            (table, table),
        ).fetchone()
        if sequence and sequence[0]:
            conn.execute(
                f"SELECT setval(%s, COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",  # noqa: S608
                (sequence[0],),
            )

    def busy(self, exc: BaseException) -> bool:
        try:
            from psycopg import errors
        except ImportError:
            return False
        return isinstance(exc, errors.LockNotAvailable | errors.DeadlockDetected | errors.SerializationFailure)

    def error(self, exc: BaseException) -> ZoomctlError | None:
        from psycopg import errors

        found = super().error(exc)
        if found is None and isinstance(exc, errors.OperationalError):
            return StorageError(
                f"the workspace database {self.location.shown} failed: {_first_line(exc)}",
                hint="check that the server runs and try again",
            )
        return found


def advisory_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (stable across machines and versions)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(b"zoomctl lock\0" + name.encode()).digest()[:8], "big", signed=True)


def dialect_for(location: Location) -> Dialect:
    return PostgresDialect(location) if location.engine == POSTGRESQL else SQLiteDialect(location)


class Row:
    """A PostgreSQL row read like ``sqlite3.Row``: by position, by column name, ``dict(row)``."""

    __slots__ = ("_values", "_index")

    def __init__(self, values, index: dict[str, int]):
        self._values = values
        self._index = index

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other) -> bool:
        return tuple(self._values) == tuple(other)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


def _row_factory(cursor):
    if cursor.description is None:
        return tuple
    index = {column.name: i for i, column in enumerate(cursor.description)}
    return lambda values: Row(values, index)


# patterns for PostgreSQL only, so left to re to compile (and cache) on first use
_TOKEN = r"'(?:[^']|'')*'|\?|%|::|:([A-Za-z_][A-Za-z0-9_]*)"


@lru_cache(maxsize=512)
def _pg_sql(text: str) -> str:
    """``?`` -> ``%s``, ``:name`` -> ``%(name)s``, a literal ``%`` doubled; quoted text untouched."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("'") or token == "::":
            return token.replace("%", "%%")
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return re.sub(_TOKEN, swap, text)


_ID_COLUMN = r"\bid INTEGER PRIMARY KEY\b"
_INTEGER = r"\bINTEGER\b"


def _pg_ddl(statement: str) -> str:
    statement = re.sub(_ID_COLUMN, "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", statement)
    return re.sub(_INTEGER, "BIGINT", statement)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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


_SQLITE_BUSY_SNAPSHOT = 517


def busy_error(location: Location | Path) -> ZoomctlError:
    return ConfigError(
        f"the workspace database {location} is busy: another process is writing to it",
        hint="run the command again when the other one has finished",
    )


def write_error(location: Location | Path, exc: Exception) -> ZoomctlError:
    return ConfigError(
        f"cannot write the workspace database {location} ({exc}; the disk may be full): nothing was changed",
        hint="free some disk space (or raise the file size limit), then run the command again",
    )


def not_a_workspace(location: Location | Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{location} is not a zoomctl workspace database ({exc})",
        hint=f"point --db or {env.DB} at another file",
    )
