"""The workspace's schema state and upgrade, and copying a whole workspace between engines."""

from __future__ import annotations

import re
from typing import Any

from zoomctl.errors import Conflict, StorageError
from zoomctl.store.db import Store, schema_state, upgrade
from zoomctl.store.dialect import Location
from zoomctl.store.migrations import MIGRATIONS

COPY_BATCH = 1000
_CREATE_TABLE = re.compile(r"\bCREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)


#: not copied: encrypted under one workspace's key and names; a copy is connected to Zoom anew
NOT_COPIED = ("workspace_secrets",)


def tables_in_order() -> list[str]:
    """Every table that is copied, parents before children: the order the migrations create them in."""
    seen: list[str] = []
    for script in MIGRATIONS:
        for name in _CREATE_TABLE.findall(script):
            if name not in seen and name not in NOT_COPIED:
                seen.append(name)
    return seen


def status(store: Store) -> dict[str, Any]:
    """Engine, location (never a password), schema version and pending migrations; reads only."""
    conn = store.raw_conn
    state = schema_state(conn, store.dialect)
    return {
        "engine": store.engine,
        "location": store.location.shown,
        "schema_version": state.version,
        "known_version": state.known,
        "pending_migrations": state.pending,
        "newer_than_known": state.version > state.known,
    }


def upgrade_schema(store: Store) -> dict[str, Any]:
    """Apply the pending migrations (PostgreSQL: under an advisory lock, in one transaction)."""
    conn = store.raw_conn
    before = schema_state(conn, store.dialect).version
    after = upgrade(conn, store.dialect)
    return {"engine": store.engine, "location": store.location.shown, "from_version": before, "to_version": after}


def _same(a: Location, b: Location) -> bool:
    if a.path is not None and b.path is not None:
        return a.path.resolve() == b.path.resolve()
    return a == b


def row_counts(store: Store) -> dict[str, int]:
    return {table: int(store.one(f"SELECT COUNT(*) FROM {table}")[0]) for table in tables_in_order()}


def copy(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` (ids kept), in the target's one
    transaction, and check the row counts match before it commits. Returns the counts."""
    if _same(source.location, target.location):
        raise Conflict("the target is the workspace itself", hint="pass another database with --to")
    occupied = {table: n for table, n in row_counts(target).items() if n}
    if occupied:
        first = next(iter(occupied))
        raise Conflict(
            f"the target workspace {target.location.shown} is not empty ({occupied[first]} rows in {first})",
            hint="copy into a new, empty database (or file)",
        )
    for table in tables_in_order():
        cursor = source.stream(f"SELECT * FROM {table}")
        try:
            columns = [c[0] for c in cursor.description]
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            while rows := cursor.fetchmany(COPY_BATCH):
                target.execute_many(insert, [tuple(row) for row in rows])
        finally:
            cursor.close()
        target.dialect.after_copy(target.conn, table)
    counts = row_counts(source)
    copied = row_counts(target)
    if copied != counts:
        wrong = [t for t in counts if counts[t] != copied.get(t)]
        raise StorageError(
            f"the copy does not match its source in {', '.join(wrong)}; nothing was written",
            hint="try again; if it persists, run with --debug and report it",
        )
    return counts
