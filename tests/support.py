"""The helpers every test directory shares, in one place (importable as `support`: pytest
puts tests/ on sys.path). Shared fixtures are in tests/conftest.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from zoomctl.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[1]


#: The committed, description-free extract of Zoom's OpenAPI documents (scripts/extract-zoom-schemas).
ZOOM_OPENAPI_EXTRACT = REPO / "tests" / "contract" / "zoom-openapi-extract.json"


def shared_zoom_dir() -> Path:
    """Zoom's full OpenAPI documents, when they are there: ../shared/zoom beside the checkout
    (ZOOMCTL_SHARED_DIR overrides). Only the check that the extract is current reads them."""
    env = os.environ.get("ZOOMCTL_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared" / "zoom"


def zoom_openapi() -> dict:
    """The extract as {"meetings": OpenAPI document, "combined": OpenAPI document}, freshly parsed."""
    return json.loads(ZOOM_OPENAPI_EXTRACT.read_text(encoding="utf-8"))


def zoomctl_executable() -> str:
    """The installed console script (end-to-end tests run the real process)."""
    candidate = Path(sys.executable).with_name("zoomctl")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("zoomctl")
    if not found:
        pytest.fail("the zoomctl console script is not installed: pip install -e '.[test]'")
    return found


def parts(outcome):
    """A core Outcome as ``(value, error)``, for tests that look at both."""
    return outcome.value, outcome.error


def default_db(isolated: Path) -> Path:
    """The default profile's workspace file in a test (ZOOMCTL_DATA_DIR is tmp_path/data)."""
    return isolated / "data" / "workspace.db"


@contextmanager
def workspace(path: Path):
    """A Store on ``path`` whose transaction commits when the block ends without an error."""
    from zoomctl.store.db import Store

    store = Store(path)
    ok = False
    try:
        yield store
        ok = True
    finally:
        store.finish(commit=ok)


def default_workspace(isolated: Path):
    """The default workspace as a Store, committed when the block ends without an error."""
    return workspace(default_db(isolated))


# ---- the workspace file, read and written directly -----------------------------------------
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


# ---- Zoom answers, the sandbox, the installed process ---------------------------------------
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


def s2s_login(zc, sb) -> None:
    """A stored Server-to-Server connection to the sandbox (`auth login --server-to-server`,
    tokens in the 0600 file): what `auth logout` forgets, unlike the environment's."""
    app = sb.apps["s2s"]
    res = zc(
        "auth", "login", "--server-to-server", "--account-id", app["account_id"], "--client-id", app["client_id"],
        "--insecure-storage", "--client-secret-stdin", "--json", input=app["client_secret"] + "\n",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr


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
