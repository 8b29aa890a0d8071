"""Test bookings for CI jobs: many at once against the sandbox, then purged without orphans.

The sandbox runs with a Business plan's per-second limits (Light 80/s, Medium 60/s, Heavy
40/s) and zoomctl with ``--rate 60``: real limits of a real plan, enforced by the sandbox.
The daily limit stays Zoom's 100 per host."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from support import default_db, marker_of, rows, sandbox_meetings

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox import SandboxOptions

pytestmark = pytest.mark.timeout(120)
BUSINESS = {"Light": 80, "Medium": 60, "Heavy": 40}


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(users=5, rate_limits=dict(BUSINESS))


def test_200_test_bookings_are_made_and_purged_without_orphans(zc, studio, sb, isolated):
    third = next(
        u
        for u in studio.users
        if u["type"] == 2 and u["status"] == "active" and u["id"] not in (studio.dana["id"], studio.sam["id"])
    )
    assert zc("providers", "add", "Noah", "--email", third["email"]).exit_code == 0
    assert zc("providers", "assign", "Noah", "--zoom-user", third["email"]).exit_code == 0
    lesson = (
        "services",
        "add",
        "CI lesson",
        "--duration",
        "60",
        "--provider",
        "Dana",
        "--provider",
        "Sam",
        "--provider",
        "Noah",
    )
    assert zc(*lesson).exit_code == 0 and zc("services", "online", "CI lesson", "--on").exit_code == 0
    keep = zc(
        "bookings",
        "create",
        "--service",
        "CI lesson",
        "--provider",
        "Dana",
        "--client",
        "real@example.com",
        "--start",
        "2031-01-10T12:00",
        "--json",
    )
    assert keep.exit_code == 0, keep.stderr
    sb.reset_stats()

    started = time.monotonic()
    res = zc(
        "bookings",
        "create",
        "--test",
        "--count",
        "200",
        "--service",
        "CI lesson",
        "--from",
        "2031-01-10T09:00",
        "--rate",
        "60",
        "--json",
    )
    took = time.monotonic() - started
    assert res.exit_code == 0, res.stderr
    made = res.json()
    assert len(made) == 200 and all(b["is_test"] for b in made)
    assert {b["meeting"]["status"] for b in made} == {"created"}
    ids = {b["meeting"]["zoom_meeting_id"] for b in made}
    assert len(ids) == 200
    assert sb.stats()["meetingCreate"] == 200  # no retry after a 429, no second create of anything
    spread = Counter(b["provider"] for b in made)
    assert set(spread) == {"Dana Smith", "Sam Lee", "Noah"} and sorted(spread.values()) == [66, 67, 67]
    assert sorted(b["client_email"] for b in made) == sorted(f"test+{n}@example.invalid" for n in range(1, 201))
    for provider in ("Dana Smith", "Sam Lee", "Noah"):  # free slots only: nobody is double-booked
        mine = sorted((b["starts_at"], b["ends_at"]) for b in made if b["provider"] == provider)
        assert all(end <= nxt for (_, end), (nxt, _) in zip(mine, mine[1:], strict=False))
    assert "2031-01-10T11:00:00Z" not in {b["starts_at"] for b in made if b["provider"] == "Dana Smith"}  # real@'s slot
    assert len(sandbox_meetings(sb)) == 201
    assert took < 20, f"200 test bookings took {took:.1f} s"

    listed = zc("bookings", "list", "--test", "--json").json()
    assert len(listed) == 200

    refused = zc("--no-input", "bookings", "purge", "--test")
    assert refused.exit_code == ExitCode.INVALID_INPUT and "--yes" in refused.stderr
    assert len(zc("bookings", "list", "--test", "--json").json()) == 200

    purged = zc("bookings", "purge", "--test", "--yes", "--rate", "60", "--json")
    assert purged.exit_code == 0, purged.stderr
    assert purged.json() == {"bookings_deleted": 200, "meetings_deleted": 200}
    remaining = sandbox_meetings(sb)
    assert [m["id"] for m in remaining] == [keep.json()["meeting"]["zoom_meeting_id"]]  # no orphan left
    assert zc("bookings", "list", "--json").json()[0]["id"] == keep.json()["id"]
    db = default_db(isolated)
    assert rows(db, "SELECT COUNT(*) FROM bookings")[0][0] == 1
    assert rows(db, "SELECT COUNT(*) FROM clients WHERE email LIKE 'test+%'")[0][0] == 0
    assert rows(db, "SELECT COUNT(*) FROM meetings")[0][0] == 1


def test_purge_also_removes_a_meeting_whose_create_was_never_answered(zc, studio, sb, isolated):
    sb.faults.add_spec("meetingCreate:2:drop=after")
    sb.faults.add_spec("meetings:*:status=400")  # and Zoom will not say what it did, at first
    res = zc("bookings", "create", "--test", "--count", "3", "--service", "Private lesson", "--json")
    assert res.exit_code == ExitCode.NETWORK, res.stderr
    made = res.json()
    assert sorted(b["meeting"]["status"] for b in made) == ["created", "created", "failed"]
    assert len(sandbox_meetings(sb)) == 3  # Zoom did create the third
    sb.faults.clear()
    purged = zc("bookings", "purge", "--test", "--yes", "--json")
    assert purged.exit_code == 0, purged.stderr
    assert purged.json() == {"bookings_deleted": 3, "meetings_deleted": 3}
    assert sandbox_meetings(sb) == []


def test_purge_with_nothing_to_purge(zc, studio, sb):
    res = zc("--no-input", "bookings", "purge", "--test", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json() == {"bookings_deleted": 0, "meetings_deleted": 0}
    assert zc("bookings", "purge").exit_code == ExitCode.INVALID_INPUT


def test_a_class_test_booking_is_purged_by_cancelling_its_registration(zc, studio, sb, isolated):
    real = zc(
        "bookings", "create", "--class", "Morning yoga", "--session", "1", "--client", "real@example.com", "--json"
    )
    test = zc(
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--session",
        "1",
        "--client",
        "t@example.com",
        "--test",
        "--json",
    )
    assert real.exit_code == 0 and test.exit_code == 0, test.stderr
    purged = zc("bookings", "purge", "--test", "--yes", "--json")
    assert purged.exit_code == 0, purged.stderr
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), real.json()["id"]))  # the session's meeting stays
    assert {r["email"]: r["status"] for r in m["registrants"]} == {
        "real@example.com": "approved",
        "t@example.com": "denied",
    }
    assert [b["id"] for b in zc("bookings", "list", "--json").json()] == [real.json()["id"]]


def test_zoom_s_daily_limit_of_100_per_host(zc, studio, sb, isolated):
    assert zc("services", "add", "Intro call", "--duration", "15", "--provider", "Dana").exit_code == 0
    assert zc("services", "online", "Intro call", "--on").exit_code == 0
    res = zc("bookings", "create", "--test", "--count", "101", "--service", "Intro call", "--rate", "60", "--json")
    assert res.exit_code == ExitCode.RATE_LIMITED
    assert studio.dana["email"] in res.stderr and "00:00 UTC" in res.stderr
    statuses = Counter(b["meeting"]["status"] for b in res.json())
    assert statuses == {"created": 100, "pending": 1}
    assert sb.stats()["meetingCreate"] == 101 and len(sandbox_meetings(sb)) == 100

    now = sb.clock.now()
    sb.clock.set(datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1, seconds=30))
    sb.reset_stats()
    synced = zc("bookings", "sync", "--all", "--json")
    assert synced.exit_code == 0, synced.stderr
    assert Counter(i["action"] for i in synced.json()) == {"ok": 100, "created": 1}
    assert sb.stats()["meetingCreate"] == 1
    # one listing of the host checked all 101 (plus the try its expired token got after the clock
    # jump), with no GET per meeting
    assert sb.stats()["meetings"] <= 2 and "meeting" not in sb.stats()
    assert len(sandbox_meetings(sb)) == 101
    pending = next(b for b in res.json() if b["meeting"]["status"] == "pending")
    assert len(sandbox_meetings(sb, marker_of(default_db(isolated), pending["id"]))) == 1
