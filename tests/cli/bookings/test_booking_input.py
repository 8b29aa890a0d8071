"""What `bookings create|reschedule|purge` refuse before they touch anything: times in the
past or inside a daylight-saving gap, bad input on a busy slot, an unconfirmed purge.

Offline services and classes: no Zoom is needed (nor contacted)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from support import default_db, default_workspace, rows

from zoomctl.exit_codes import ExitCode

LESSON = (
    "bookings",
    "create",
    "--service",
    "Private lesson",
    "--provider",
    "Dana",
    "--client",
    "pat@example.com",
    "--start",
    "2031-03-01T09:30",
)


@pytest.fixture
def offline(company, isolated):
    """acme-yoga (Europe/Berlin) with provider Dana, the offline service 'Private lesson'
    (60 min) and the offline class 'Morning yoga' (45 min) with session 1 on 2031-03-03 09:30."""
    from zoomctl.core import catalog, companies

    with default_workspace(isolated) as store:
        acme = companies.get(store, company)
        catalog.add_provider(store, acme, "Dana Smith", "dana@example.com")
        catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith"])
        catalog.add_class(store, acme, "Morning yoga", 45, 3)
        catalog.add_session(store, acme, "Morning yoga", "2031-03-03T09:30", "Dana Smith")
    return company


def dump(isolated) -> list[str]:
    with closing(sqlite3.connect(default_db(isolated))) as conn:
        return list(conn.iterdump())


def refused(zc, isolated, code, *args):
    """The command fails with ``code`` (one error line, one fix line) and writes nothing."""
    before = dump(isolated)
    result = zc(*args)
    assert result.exit_code == code, (result.exit_code, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].strip().startswith("fix: "), result.stderr
    assert dump(isolated) == before
    return lines[0], lines[1]


def test_a_booking_in_the_past_is_refused(zc, offline, isolated):
    line, fix = refused(zc, isolated, ExitCode.INVALID_INPUT, *LESSON[:-1], "2001-01-01T09:30")
    assert "'2001-01-01T09:30' is in the past" in line and "after now" in fix


def test_a_booking_inside_a_daylight_saving_gap_is_refused(zc, offline, isolated):
    line, fix = refused(zc, isolated, ExitCode.INVALID_INPUT, *LESSON[:-1], "2099-03-29T02:30")
    assert "does not exist in Europe/Berlin" in line and "from 02:00 to 03:00" in line
    assert "2099-03-29T03:00" in fix
    # either side of the gap is fine: 01:00-02:00 CET and 03:00-04:00 CEST are back to back
    assert zc(*LESSON[:-1], "2099-03-29T03:00").exit_code == 0
    assert zc(*LESSON[:-1], "2099-03-29T01:00").exit_code == 0


def test_the_time_zone_gap_of_the_review_example(zc, offline, isolated):
    """Europe/Berlin 2026-03-29T02:30 (the gap is named before the date is found to be past)."""
    line, fix = refused(zc, isolated, ExitCode.INVALID_INPUT, *LESSON[:-1], "2026-03-29T02:30")
    assert "does not exist" in line and "2026-03-29T03:00" in fix


def test_a_bad_email_on_a_busy_slot_is_bad_input_not_a_conflict(zc, offline, isolated):
    assert zc(*LESSON).exit_code == 0
    line, _ = refused(zc, isolated, ExitCode.INVALID_INPUT, *LESSON[:6], "--client", "not-an-email", *LESSON[8:])
    assert "not a valid email" in line
    line, _ = refused(zc, isolated, ExitCode.INVALID_INPUT, *LESSON, "--client-name", "12345")
    assert "only digits" in line
    line, _ = refused(zc, isolated, ExitCode.CONFLICT, *LESSON[:6], "--client", "other@example.com", *LESSON[8:])
    assert "already booked" in line


def test_a_class_booking_checks_its_attendees_before_the_session(zc, offline, isolated):
    line, _ = refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--session",
        "99",
        "--client",
        "nope",
    )
    assert "not a valid email" in line


def test_a_booking_into_a_session_that_has_started_is_refused(zc, offline, isolated):
    with default_workspace(isolated) as store:  # a session held long ago
        store.execute(
            "INSERT INTO class_sessions (class_id, provider_id, starts_at, created_at)"
            " VALUES (1, 1, '2001-01-01T08:00:00Z', '2001-01-01T00:00:00Z')"
        )
    line, _ = refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--session",
        "2",
        "--client",
        "a@example.com",
    )
    assert "in the past" in line
    line, _ = refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--start",
        "2001-01-01T09:00",
        "--client",
        "a@example.com",
    )
    assert "in the past" in line


def test_a_reschedule_into_the_past_or_a_gap_is_refused(zc, offline, isolated):
    booking = zc(*LESSON, "--json").json()
    line, _ = refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "reschedule",
        str(booking["id"]),
        "--start",
        "2001-01-01T09:30",
    )
    assert "in the past" in line
    refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "reschedule",
        str(booking["id"]),
        "--start",
        "2099-03-29T02:30",
    )


def test_a_reschedule_to_the_same_time_changes_nothing(zc, offline, isolated):
    booking = zc(*LESSON, "--json").json()
    before = dump(isolated)
    res = zc("bookings", "reschedule", str(booking["id"]), "--start", "2031-03-01T09:30")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "" and f"booking {booking['id']} already starts at 2031-03-01 09:30 CET" in res.stderr
    assert dump(isolated) == before  # not even an event


def test_a_class_session_cannot_be_moved_onto_another_session_of_its_class(zc, offline, isolated):
    assert zc("providers", "add", "Sam Lee").exit_code == 0
    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2031-03-04T09:30", "--provider", "Sam").exit_code
        == 0
    )
    booking = zc(
        "bookings", "create", "--class", "Morning yoga", "--session", "1", "--client", "a@example.com", "--json"
    ).json()
    line, _ = refused(
        zc, isolated, ExitCode.CONFLICT, "bookings", "reschedule", str(booking["id"]), "--start", "2031-03-04T09:30"
    )
    assert "already has a session" in line and "session 2" in line


def test_test_bookings_from_the_past_are_refused(zc, offline, isolated):
    line, _ = refused(
        zc,
        isolated,
        ExitCode.INVALID_INPUT,
        "bookings",
        "create",
        "--test",
        "--count",
        "2",
        "--service",
        "Private lesson",
        "--from",
        "2001-01-01T09:00",
    )
    assert "in the past" in line
    made = zc("bookings", "create", "--test", "--count", "2", "--service", "Private lesson", "--json")
    assert made.exit_code == 0, made.stderr  # from tomorrow 09:00 by default


def test_declining_the_purge_question_is_a_clean_refusal(zc, offline, isolated, monkeypatch):
    assert zc("bookings", "create", "--test", "--count", "2", "--service", "Private lesson").exit_code == 0
    monkeypatch.setattr("zoomctl.app.App.can_prompt", property(lambda self: True))
    before = dump(isolated)
    res = zc("bookings", "purge", "--test", input="n\n")
    assert res.exit_code == ExitCode.CONFLICT, (res.exit_code, res.stderr)
    assert res.stdout == ""  # the question is asked on stderr
    assert "Delete 2 test booking(s)" in res.stderr
    assert "error: nothing was deleted: not confirmed" in res.stderr and "fix: pass --yes" in res.stderr
    assert dump(isolated) == before
    assert rows(default_db(isolated), "SELECT COUNT(*) FROM bookings")[0][0] == 2
    done = zc("bookings", "purge", "--test", input="y\n")
    assert done.exit_code == 0, done.stderr
    assert rows(default_db(isolated), "SELECT COUNT(*) FROM bookings")[0][0] == 0
