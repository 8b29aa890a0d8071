"""Helpers shared by the foundation tests (imported relatively: ``from .helpers import …``)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

from zoomctl.exit_codes import ExitCode

FUTURE = "2099-06-01T10:00:00Z"  # far enough ahead of any test machine's clock
PAST = "2001-06-01T10:00:00Z"
UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def dump(db: Path) -> list[str]:
    """Every table's schema and rows, as SQL text."""
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.iterdump())


def rows(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def execute(db: Path, sql: str, params: tuple = ()) -> int:
    """Write directly (foreign keys on); returns lastrowid."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        cur = conn.execute(sql, params)
        conn.commit()
        return int(cur.lastrowid)


def assert_clean_error(result, code: ExitCode) -> None:
    """A failure a user caused: the documented code, `error:` + `fix:` on stderr, no traceback, no data."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, f"expected a cause line and a fix line, got: {result.stderr!r}"
    assert lines[0].startswith("error: "), result.stderr
    assert lines[1].strip().startswith("fix: "), result.stderr
    assert result.stdout == "", result.stdout


def add_booking(
    db: Path,
    *,
    company_id: int = 1,
    provider_id: int,
    client_id: int,
    starts_at: str = FUTURE,
    ends_at: str | None = None,
    service_id: int | None = None,
    class_session_id: int | None = None,
    status: str = "booked",
) -> int:
    return execute(
        db,
        "INSERT INTO bookings (company_id, service_id, class_session_id, provider_id, client_id, starts_at, ends_at,"
        " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            company_id,
            service_id,
            class_session_id,
            provider_id,
            client_id,
            starts_at,
            ends_at or starts_at,
            status,
            "2026-01-01T00:00:00Z",
        ),
    )
