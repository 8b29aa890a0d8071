"""A `bookings create --test --count 200` killed with SIGKILL at five moments (after 0, 1, 50,
120 and 199 creates, chosen by watching the sandbox's counters): `bookings sync --all` then
converges: every booking has exactly one meeting at the sandbox, no orphan, no duplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from support import default_db, rows, sandbox_meetings, zoomctl_executable, zoomctl_process

from zoomctl.sandbox import SandboxOptions

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
COUNT = 200


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # a Business plan's per-second limits; a daily limit above what a run and its repair need
    return SandboxOptions(users=5, rate_limits={"Light": 80, "Medium": 60, "Heavy": 40}, daily_meeting_limit=1000)


def kill_after(sb, creates: int, argv: list[str]) -> int:
    """Start zoomctl; SIGKILL it once the sandbox has seen ``creates`` meeting creates (for 0:
    once it has seen any call at all). Returns the creates the sandbox saw when it died."""
    env = dict(os.environ)
    env.update(NO_COLOR="1", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    sb.reset_stats()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            stats = sb.stats()
            seen = stats.get("meetingCreate", 0)
            if (creates == 0 and sum(stats.values()) > 0) or (creates > 0 and seen >= creates):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0005)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return sb.stats().get("meetingCreate", 0)


@pytest.mark.parametrize("creates", [0, 1, 50, 120, 199])
def test_a_killed_bulk_create_is_repaired_by_sync(studio, sb, isolated, creates):
    exe = zoomctl_executable()
    argv = [exe, "bookings", "create", "--test", "--count", str(COUNT), "--service", "Private lesson", "--json"]
    seen = kill_after(sb, creates, argv)
    assert seen < COUNT

    done = zoomctl_process(exe, {}, "bookings", "sync", "--all", "--json", timeout=90)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr

    db = default_db(isolated)
    booked = rows(
        db,
        "SELECT b.id, m.status, m.zoom_meeting_id, m.marker FROM bookings b"
        " LEFT JOIN meetings m ON m.booking_id = b.id WHERE b.is_test = 1",
    )
    at_zoom = sandbox_meetings(sb)
    ids_at_zoom = [m["id"] for m in at_zoom]
    assert len(ids_at_zoom) == len(set(ids_at_zoom))
    assert len(booked) == COUNT and len(at_zoom) == COUNT  # the run had booked all 200 before it died
    assert {r["status"] for r in booked} <= {"created"}, [dict(r) for r in booked if r["status"] != "created"]
    ours = [r["zoom_meeting_id"] for r in booked]
    assert len(ours) == len(set(ours)), "two bookings share a meeting"
    assert sorted(ours) == sorted(ids_at_zoom), "an orphan meeting at Zoom, or a booking without one"
    for meeting in at_zoom:  # each meeting at Zoom is the one its booking's marker names
        assert sum(1 for r in booked if r["marker"] in (meeting.get("agenda") or "")) == 1
