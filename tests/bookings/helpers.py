"""Helpers for the bookings tests (imported relatively: ``from .helpers import …``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import support

API = "https://api.zoom.example/v2"
JOIN_ORIGIN = "https://us06web.zoom.example"


class FakeTokens:
    def access_token(self) -> str:
        return "test-access-token"

    def refresh_after_rejection(self, rejected: str) -> str:
        return "test-access-token-2"


def load_spec_checker(specs: dict[str, dict[str, Any]]):
    """The Zoom layer tests' checker (tests/zoom/zoom_helpers.py: openapi-schema-validator
    against Zoom's documents), imported rather than copied."""
    from zoom.zoom_helpers import SpecChecker  # tests/ is on sys.path; tests/zoom is a namespace package

    return SpecChecker(specs)


def db_path(isolated: Path) -> Path:
    return support.default_db(isolated)


def workspace(isolated: Path):
    """The default workspace as a Store, committed when the block ends without an error."""
    return support.workspace(db_path(isolated))


def rows(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def marker_of(db: Path, booking_id: int) -> str:
    """The marker of a booking's meeting (its own, or its class session's)."""
    found = rows(
        db,
        "SELECT m.marker FROM meetings m JOIN bookings b ON m.booking_id = b.id OR m.class_session_id = b.class_session_id"
        " WHERE b.id = ?",
        (booking_id,),
    )
    assert found, f"booking {booking_id} has no meeting row"
    return found[0][0]


def sandbox_meetings(sb, marker: str | None = None) -> list[dict]:
    """The sandbox's meetings (deep copies), those carrying ``marker`` in their agenda if given."""
    with sb.world.lock:
        meetings = json.loads(json.dumps(list(sb.world.meetings.values())))
    if marker is None:
        return meetings
    return [m for m in meetings if marker in (m.get("agenda") or "")]


def zoomctl_process(exe: str, env: dict[str, str], *args: str, input: str | None = None, timeout: float = 60):
    """Run the installed zoomctl; returns CompletedProcess (text)."""
    full = dict(os.environ)
    full.update(env)
    full.update(NO_COLOR="1", COLUMNS="200", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "BROWSER"):
        full.pop(name, None)
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, env=full, timeout=timeout)


def meeting_answer(n: int = 1, *, agenda: str = "", start_time: str = "2031-03-01T08:00:00Z", topic: str = "T") -> dict:
    """A meetingCreate / meeting answer shaped like Zoom's."""
    mid = 85_746_065_000 + n
    return {
        "id": mid,
        "uuid": f"u{n}==",
        "host_id": "HOST1",
        "topic": topic,
        "type": 2,
        "status": "waiting",
        "start_time": start_time,
        "duration": 60,
        "timezone": "Europe/Berlin",
        "agenda": agenda,
        "created_at": "2026-01-01T00:00:00Z",
        "start_url": f"{JOIN_ORIGIN}/s/{mid}?zak=secret{n}",
        "join_url": f"{JOIN_ORIGIN}/j/{mid}?pwd=p{n}",
        "password": f"pw{n}",
    }
