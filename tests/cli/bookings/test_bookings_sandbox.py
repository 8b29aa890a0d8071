"""Bookings end to end against the sandbox over loopback (the CLI in-process, real sockets)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from support import default_db, default_workspace, marker_of, rows, sandbox_meetings

from zoomctl.exit_codes import ExitCode

pytestmark = pytest.mark.timeout(60)

LESSON = (
    "bookings",
    "create",
    "--service",
    "Private lesson",
    "--provider",
    "Dana",
    "--client",
    "pat@example.com",
    "--client-name",
    "Pat Lee",
    "--start",
    "2031-03-01T09:30",
)


def book(zc, *extra, args=LESSON):
    result = zc(*args, *extra, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def page(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as http:
        return http.get(url)


def assert_one_line_error(result, code):
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-2].startswith("error: ") and lines[-1].strip().startswith("fix: "), result.stderr
    return lines[-2], lines[-1]


# ----------------------------------------------------------------------------- one-to-one
def test_one_to_one_booking_gets_a_meeting_and_both_links(zc, studio, sb, isolated):
    booking = book(zc)
    meeting = sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))
    assert len(meeting) == 1
    m = meeting[0]
    assert m["host_id"] == studio.dana["id"] and m["type"] == 2
    assert datetime.fromtimestamp(m["start_time"], UTC) == datetime(2031, 3, 1, 8, 30, tzinfo=UTC)
    assert m["duration"] == 60 and m["timezone"] == "Europe/Berlin"
    assert "Private lesson" in m["topic"] and "Pat Lee" in m["topic"]
    assert m["agenda"].startswith("zoomctl-booking:")

    assert booking["meeting"] == {"status": "created", "zoom_meeting_id": m["id"], "last_error": None}
    assert booking["starts_at"] == "2031-03-01T08:30:00Z" and booking["starts_local"] == "2031-03-01 09:30 CET"
    assert booking["ends_at"] == "2031-03-01T09:30:00Z"
    assert booking["kind"] == "service" and booking["registrant"] is None
    assert booking["client_link"].startswith(f"{sb.base_url}/j/{m['id']}?pwd=")
    assert page(booking["client_link"]).status_code == 200  # the link leads into the meeting
    # the provider link is the host's start page: no token in it, so it can be stored and mailed
    assert booking["provider_link"] == f"{sb.base_url}/s/{m['id']}"
    assert "zak" not in booking["provider_link"]
    dump = "\n".join(str(tuple(r)) for r in rows(default_db(isolated), "SELECT * FROM meetings"))
    assert "zak=" not in dump and "start_url" not in dump


def test_text_output_prints_both_links(zc, studio, sb):
    result = zc(*LESSON)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"^Client link: +http://127\.0\.0\.1:\d+/j/\d+\?pwd=", result.stdout, re.M)
    assert re.search(r"^Provider link: +http://127\.0\.0\.1:\d+/s/\d+$", result.stdout, re.M)
    assert "booked Private lesson" in result.stderr


def test_offline_service_books_without_a_meeting(zc, studio, sb):
    assert zc("services", "online", "Private lesson", "--off").exit_code == 0
    booking = book(zc)
    assert booking["meeting"] is None and booking["client_link"] is None and booking["provider_link"] is None
    assert sb.stats().get("meetingCreate", 0) == 0


def test_refusals_write_nothing(zc, studio, sb, isolated, monkeypatch):
    db = default_db(isolated)
    before = rows(db, "SELECT COUNT(*) FROM bookings")[0][0], rows(db, "SELECT COUNT(*) FROM clients")[0][0]
    # a provider with no Zoom user, for an online service
    assert zc("providers", "assign", "Sam", "--none").exit_code == 0
    res = zc(*LESSON[:4], "--provider", "Sam", *LESSON[6:])
    _, fix = assert_one_line_error(res, ExitCode.CONFLICT)
    assert "providers assign" in fix
    # a provider who does not offer the service
    res = zc(*LESSON[:4], "--provider", "Lee Basic", *LESSON[6:])
    assert_one_line_error(res, ExitCode.CONFLICT)
    # Zoom not connected
    monkeypatch.delenv("ZOOMCTL_ZOOM_CLIENT_SECRET")
    res = zc(*LESSON)
    _, fix = assert_one_line_error(res, ExitCode.AUTH_REQUIRED)
    assert "auth login" in fix
    after = rows(db, "SELECT COUNT(*) FROM bookings")[0][0], rows(db, "SELECT COUNT(*) FROM clients")[0][0]
    assert after == before
    assert sb.stats().get("meetingCreate", 0) == 0


def test_a_double_booked_slot_is_refused(zc, studio, sb):
    book(zc)
    res = zc(*LESSON[:-1], "2031-03-01T10:00")  # overlaps 09:30-10:30
    line, _ = assert_one_line_error(res, ExitCode.CONFLICT)
    assert "already booked" in line
    other = zc(*LESSON[:4], "--provider", "Sam", *LESSON[6:-1], "2031-03-01T10:00", "--json")
    assert other.exit_code == 0, other.stderr  # another provider is free then
    back_to_back = zc(*LESSON[:-1], "2031-03-01T10:30")
    assert back_to_back.exit_code == 0, back_to_back.stderr
    assert sb.stats()["meetingCreate"] == 3


def test_cancel_deletes_the_meeting(zc, studio, sb, isolated):
    booking = book(zc)
    marker = marker_of(default_db(isolated), booking["id"])
    assert len(sandbox_meetings(sb, marker)) == 1
    res = zc("bookings", "cancel", str(booking["id"]), "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["status"] == "cancelled" and res.json()["meeting"]["status"] == "deleted"
    assert res.json()["client_link"] is None
    assert sandbox_meetings(sb, marker) == []
    assert page(booking["client_link"]).status_code == 404
    again = zc("bookings", "cancel", str(booking["id"]))
    assert_one_line_error(again, ExitCode.CONFLICT)


def test_reschedule_moves_the_meeting_and_keeps_the_link(zc, studio, sb, isolated):
    booking = book(zc)
    res = zc("bookings", "reschedule", str(booking["id"]), "--start", "2031-03-02T14:00", "--json")
    assert res.exit_code == 0, res.stderr
    moved = res.json()
    assert moved["meeting_action"] == "updated"
    assert moved["starts_at"] == "2031-03-02T13:00:00Z" and moved["ends_at"] == "2031-03-02T14:00:00Z"
    assert moved["client_link"] == booking["client_link"]
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))
    assert datetime.fromtimestamp(m["start_time"], UTC) == datetime(2031, 3, 2, 13, 0, tzinfo=UTC)
    assert sb.stats()["meetingCreate"] == 1 and sb.stats()["meetingUpdate"] == 1


def test_reschedule_into_a_busy_slot_changes_nothing(zc, studio, sb):
    first = book(zc)
    book(zc, args=(*LESSON[:-1], "2031-03-01T12:00"))
    res = zc("bookings", "reschedule", str(first["id"]), "--start", "2031-03-01T11:30")
    assert_one_line_error(res, ExitCode.CONFLICT)
    assert zc("bookings", "show", str(first["id"]), "--json").json()["starts_at"] == first["starts_at"]
    assert "meetingUpdate" not in sb.stats()


def test_open_as_provider_fetches_a_fresh_start_url_and_never_stores_it(zc, studio, sb, isolated, monkeypatch):
    booking = book(zc)
    res = zc("bookings", "open", str(booking["id"]), "--as", "provider", "--print")
    assert res.exit_code == 0, res.stderr
    url = res.stdout.strip()
    assert url.startswith(f"{sb.base_url}/s/{booking['meeting']['zoom_meeting_id']}?zak=")
    assert page(url).status_code == 200  # fresh: the sandbox accepts its token
    sb.clock.advance(3 * 3600)
    assert page(url).status_code == 403  # two hours later that one has expired…
    fresh = zc("bookings", "open", str(booking["id"]), "--as", "provider", "--print").stdout.strip()
    assert fresh != url and page(fresh).status_code == 200  # …and the next open gets a new one
    token = url.split("zak=")[1]
    for table in ("meetings", "bookings", "events"):
        assert token not in str([tuple(r) for r in rows(default_db(isolated), f"SELECT * FROM {table}")])

    opened = []
    monkeypatch.setattr("webbrowser.open", lambda u: opened.append(u) or True)
    res = zc("bookings", "open", str(booking["id"]))
    assert res.exit_code == 0 and res.stdout == ""
    assert opened == [booking["client_link"]]


# -------------------------------------------------------------------------------- classes
CLASS = ("bookings", "create", "--class", "Morning yoga", "--session", "1")


def test_three_attendees_get_three_links_into_one_meeting(zc, studio, sb, isolated):
    res = zc(*CLASS, "--client", "a@example.com", "--client", "b@example.com", "--client", "c@example.com", "--json")
    assert res.exit_code == 0, res.stderr
    made = res.json()
    assert len(made) == 3
    links = [b["client_link"] for b in made]
    assert len(set(links)) == 3
    meeting_ids = {b["meeting"]["zoom_meeting_id"] for b in made}
    assert len(meeting_ids) == 1
    (mid,) = meeting_ids
    assert all(link.startswith(f"{sb.base_url}/w/{mid}?tk=") for link in links)
    for booking in made:
        assert booking["kind"] == "class" and booking["class"] == "Morning yoga" and booking["session_id"] == 1
        assert booking["registrant"]["status"] == "created"
        assert booking["provider_link"] == f"{sb.base_url}/s/{mid}"
        landing = page(booking["client_link"])
        assert landing.status_code == 200 and booking["client_email"] in landing.text
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), made[0]["id"]))
    assert m["settings"]["approval_type"] == 0
    assert sorted(r["email"] for r in m["registrants"]) == ["a@example.com", "b@example.com", "c@example.com"]
    assert sb.stats()["meetingCreate"] == 1 and sb.stats()["addBatchRegistrants"] == 1

    full = zc(*CLASS, "--client", "d@example.com")
    line, _ = assert_one_line_error(full, ExitCode.CONFLICT)
    assert "0 of 3 places left" in line
    assert len(rows(default_db(isolated), "SELECT * FROM bookings")) == 3


def test_attendees_booked_one_by_one_share_the_meeting(zc, studio, sb):
    first = book(zc, args=(*CLASS, "--client", "a@example.com"))
    second = book(
        zc,
        args=(
            "bookings",
            "create",
            "--class",
            "Morning yoga",
            "--start",
            "2031-03-03T09:30",
            "--client",
            "b@example.com",
        ),
    )
    assert first["meeting"]["zoom_meeting_id"] == second["meeting"]["zoom_meeting_id"]
    assert first["client_link"] != second["client_link"]
    assert sb.stats()["meetingCreate"] == 1 and sb.stats()["meetingRegistrantCreate"] == 2
    again = zc(*CLASS, "--client", "a@example.com")
    assert_one_line_error(again, ExitCode.CONFLICT)


def test_attendees_from_a_file(zc, studio, sb, tmp_path):
    listing = tmp_path / "attendees.txt"
    listing.write_text("# yoga\nann@example.com,Ann Example\n\nbob@example.com\n")
    made = book(zc, args=(*CLASS, "--clients-file", str(listing)))
    assert [(b["client_email"], b["client_name"]) for b in made] == [
        ("ann@example.com", "Ann Example"),
        ("bob@example.com", None),
    ]
    assert len({b["client_link"] for b in made}) == 2


def test_a_basic_host_cannot_teach_an_online_class(zc, studio, sb, isolated):
    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2031-03-04T09:30", "--provider", "Lee").exit_code
        == 0
    )
    res = zc("bookings", "create", "--class", "Morning yoga", "--session", "2", "--client", "a@example.com")
    line, _ = assert_one_line_error(res, ExitCode.CONFLICT)
    assert "licensed" in line
    assert rows(default_db(isolated), "SELECT COUNT(*) FROM bookings")[0][0] == 0


def test_cancel_a_class_booking_cancels_only_that_registration(zc, studio, sb, isolated):
    made = book(zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com"))
    res = zc("bookings", "cancel", str(made[0]["id"]), "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["registrant"]["status"] == "cancelled"
    assert page(made[0]["client_link"]).status_code == 403
    assert page(made[1]["client_link"]).status_code == 200
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), made[0]["id"]))
    assert {r["email"]: r["status"] for r in m["registrants"]} == {
        "a@example.com": "denied",
        "b@example.com": "approved",
    }
    assert sb.stats()["meetingRegistrantStatus"] == 1
    # the place is free again, and the same client can book again with a working link
    again = book(zc, args=(*CLASS, "--client", "a@example.com"))
    assert page(again["client_link"]).status_code == 200


def test_reschedule_a_class_moves_the_session_with_one_update(zc, studio, sb, isolated):
    made = book(
        zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com", "--client", "c@example.com")
    )
    res = zc("bookings", "reschedule", str(made[1]["id"]), "--start", "2031-03-05T18:00", "--json")
    assert res.exit_code == 0, res.stderr
    assert sb.stats()["meetingUpdate"] == 1
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), made[0]["id"]))
    assert datetime.fromtimestamp(m["start_time"], UTC) == datetime(2031, 3, 5, 17, 0, tzinfo=UTC)
    listed = zc("bookings", "list", "--json").json()
    assert {b["starts_at"] for b in listed} == {"2031-03-05T17:00:00Z"}
    assert [b["client_link"] for b in listed] == [b["client_link"] for b in made]
    assert all(page(b["client_link"]).status_code == 200 for b in made)
    session = zc("classes", "sessions", "list", "--json").json()[0]
    assert session["starts_at"] == "2031-03-05T17:00:00Z"


def test_cancelling_a_session_deletes_its_meeting(zc, studio, sb, isolated):
    made = book(zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com"))
    marker = marker_of(default_db(isolated), made[0]["id"])
    res = zc("classes", "sessions", "cancel", "1")
    assert res.exit_code == 0, res.stderr
    assert sandbox_meetings(sb, marker) == []
    listed = zc("bookings", "list", "--json").json()
    assert {b["status"] for b in listed} == {"cancelled"}
    assert {b["registrant"]["status"] for b in listed} == {"cancelled"}


def test_cancelling_a_session_without_a_meeting_needs_no_zoom(zc, studio, sb, monkeypatch):
    monkeypatch.delenv("ZOOMCTL_ZOOM_CLIENT_SECRET")  # not connected: still fine, nothing to delete
    res = zc("classes", "sessions", "cancel", "1", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["status"] == "cancelled"


# ---------------------------------------------------------- never lose a link, never duplicate
def test_a_500_on_create_keeps_the_booking_and_sync_creates_exactly_one(zc, studio, sb, isolated):
    sb.faults.add_spec("meetingCreate:1:status=500")
    res = zc(*LESSON)
    line, fix = assert_one_line_error(res, ExitCode.ZOOM_ERROR)
    assert "booking(s) 1 saved" in line and "bookings sync 1" in fix
    booking = zc("bookings", "show", "1", "--json").json()
    assert booking["status"] == "booked"
    assert booking["meeting"]["status"] == "failed" and "500" in booking["meeting"]["last_error"]
    assert booking["client_link"] is None
    assert zc("bookings", "list", "--status", "failed", "--json").json()[0]["id"] == 1
    marker = marker_of(default_db(isolated), 1)
    assert sandbox_meetings(sb, marker) == []

    synced = zc("bookings", "sync", "1", "--json")
    assert synced.exit_code == 0, synced.stderr
    assert synced.json()[0]["action"] == "created"
    assert len(sandbox_meetings(sb, marker)) == 1
    assert sb.stats()["meetingCreate"] == 2  # the one that failed, and the retry
    fixed = zc("bookings", "show", "1", "--json").json()
    assert fixed["meeting"]["status"] == "created" and fixed["client_link"]
    assert zc("bookings", "sync", "1", "--json").json()[0]["action"] == "ok"
    assert len(sandbox_meetings(sb, marker)) == 1


def test_a_dropped_answer_after_create_is_adopted_not_duplicated(zc, studio, sb, isolated):
    sb.faults.add_spec("meetingCreate:1:drop=after")  # Zoom creates it, the answer is lost
    booking = book(zc)
    marker = marker_of(default_db(isolated), booking["id"])
    (m,) = sandbox_meetings(sb, marker)
    assert booking["meeting"]["status"] == "created" and booking["meeting"]["zoom_meeting_id"] == m["id"]
    assert booking["client_link"].startswith(f"{sb.base_url}/j/{m['id']}")
    assert sb.stats()["meetingCreate"] == 1


def test_sync_after_an_unanswered_create_adopts_instead_of_creating(zc, studio, sb, isolated):
    # the answer is lost and, at first, Zoom cannot even be asked what happened
    sb.faults.add_spec("meetingCreate:1:drop=after")
    sb.faults.add_spec("meetings:*:status=503")
    res = zc(*LESSON)
    line, fix = assert_one_line_error(res, ExitCode.NETWORK)
    assert "may have" in zc("bookings", "show", "1", "--json").json()["meeting"]["last_error"]
    marker = marker_of(default_db(isolated), 1)
    assert len(sandbox_meetings(sb, marker)) == 1
    sb.faults.clear()
    synced = zc("bookings", "sync", "--all", "--json")
    assert synced.exit_code == 0, synced.stderr
    assert synced.json()[0]["action"] == "adopted"
    (m,) = sandbox_meetings(sb, marker)
    assert sb.stats()["meetingCreate"] == 1
    shown = zc("bookings", "show", "1", "--json").json()
    assert shown["meeting"]["zoom_meeting_id"] == m["id"] and page(shown["client_link"]).status_code == 200


def test_a_meeting_deleted_in_zoom_is_recreated_by_sync(zc, studio, sb, isolated):
    booking = book(zc)
    old = booking["meeting"]["zoom_meeting_id"]
    sb.delete_meeting(old)
    res = zc("bookings", "sync", "--all", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json() == [
        {
            "bookings": [booking["id"]],
            "kind": "service",
            "action": "recreated",
            "zoom_meeting_id": res.json()[0]["zoom_meeting_id"],
            "error": None,
        }
    ]
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))
    assert m["id"] != old
    shown = zc("bookings", "show", str(booking["id"]), "--json").json()
    assert shown["meeting"]["zoom_meeting_id"] == m["id"]
    assert shown["client_link"] != booking["client_link"] and page(shown["client_link"]).status_code == 200


def test_a_class_meeting_deleted_in_zoom_comes_back_with_every_attendee(zc, studio, sb, isolated):
    made = book(zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com"))
    sb.delete_meeting(made[0]["meeting"]["zoom_meeting_id"])
    res = zc("bookings", "sync", str(made[0]["id"]), "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()[0]["action"] == "recreated"
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), made[0]["id"]))
    assert sorted(r["email"] for r in m["registrants"]) == ["a@example.com", "b@example.com"]
    listed = zc("bookings", "list", "--json").json()
    assert len({b["client_link"] for b in listed}) == 2
    assert all(page(b["client_link"]).status_code == 200 for b in listed)


def test_open_a_meeting_deleted_in_zoom_names_sync(zc, studio, sb):
    booking = book(zc)
    sb.delete_meeting(booking["meeting"]["zoom_meeting_id"])
    res = zc("bookings", "open", str(booking["id"]), "--as", "provider", "--print")
    _, fix = assert_one_line_error(res, ExitCode.NOT_FOUND)
    assert f"bookings sync {booking['id']}" in fix


class TestDailyLimit:
    @pytest.fixture
    def sandbox_options(self):
        from zoomctl.sandbox import SandboxOptions

        return SandboxOptions(users=5, daily_meeting_limit=2)

    def test_stops_at_once_and_sync_finishes_after_midnight_utc(self, zc, studio, sb, isolated):
        assert zc("services", "add", "Intro call", "--duration", "30", "--provider", "Dana").exit_code == 0
        assert zc("services", "online", "Intro call", "--on").exit_code == 0
        res = zc("bookings", "create", "--test", "--count", "5", "--service", "Intro call", "--rate", "5", "--json")
        line, fix = assert_one_line_error(res, ExitCode.RATE_LIMITED)
        assert studio.dana["email"] in line and "00:00 UTC" in line + fix and "bookings sync --all" in fix
        made = res.json()  # the bookings are printed even so
        assert sorted(b["meeting"]["status"] for b in made) == ["created", "created", "pending", "pending", "pending"]
        assert all(b["meeting"]["last_error"] for b in made if b["meeting"]["status"] == "pending")
        assert sb.stats()["meetingCreate"] == 3  # two, then the refused one: nothing after it
        assert len(sandbox_meetings(sb)) == 2

        still = zc("bookings", "sync", "--all")
        assert_one_line_error(still, ExitCode.RATE_LIMITED)
        assert len(sandbox_meetings(sb)) == 2

        now = sb.clock.now()
        sb.clock.set(datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1, minutes=1))
        done = zc("bookings", "sync", "--all", "--json")
        assert done.exit_code == ExitCode.RATE_LIMITED  # 3 left, 2 a day
        sb.clock.advance(86400)
        done = zc("bookings", "sync", "--all", "--json")
        assert done.exit_code == 0, done.stderr
        listed = zc("bookings", "list", "--json").json()
        assert {b["meeting"]["status"] for b in listed} == {"created"}
        for b in listed:
            assert len(sandbox_meetings(sb, marker_of(default_db(isolated), b["id"]))) == 1
        assert len(sandbox_meetings(sb)) == 5


# -------------------------------------------------------------------------- listings
def past(isolated, booking_id: int, starts_at: str = "2001-01-01T09:00:00Z", ends_at: str = "2001-01-01T09:15:00Z"):
    """Move a booking into the past (as if it had been made long ago)."""
    from zoomctl.store import bookings as repo

    with default_workspace(isolated) as store:
        repo.move_booking(store, booking_id, starts_at, ends_at)


def test_list_filters_and_json_fields(zc, studio, sb, isolated):
    book(zc)
    book(zc, args=(*CLASS, "--client", "a@example.com", "--test"))
    assert zc("services", "add", "Chat", "--duration", "15").exit_code == 0  # offline, no providers listed
    chat = book(
        zc,
        args=(
            "bookings",
            "create",
            "--service",
            "Chat",
            "--provider",
            "Lee",
            "--client",
            "z@example.com",
            "--start",
            "2031-01-01T10:00",
        ),
    )
    past(isolated, chat["id"])  # a booking made back then: new ones cannot start in the past
    everything = zc("bookings", "list", "--json").json()
    assert [b["id"] for b in everything] == [3, 1, 2]
    assert set(everything[0]) == {
        "id",
        "kind",
        "service",
        "class",
        "session_id",
        "provider",
        "client_email",
        "client_name",
        "starts_at",
        "starts_local",
        "ends_at",
        "status",
        "is_test",
        "meeting",
        "registrant",
        "client_link",
        "provider_link",
        "no_link_reason",
    }
    assert [b["id"] for b in zc("bookings", "list", "--upcoming", "--json").json()] == [1, 2]
    assert [b["id"] for b in zc("bookings", "list", "--test", "--json").json()] == [2]
    assert [b["id"] for b in zc("bookings", "list", "--status", "created", "--json").json()] == [1, 2]
    assert zc("bookings", "list", "--status", "failed", "--json").json() == []
    plain = zc("bookings", "list")
    assert plain.exit_code == 0 and len(plain.stdout.splitlines()) == 3
    bad = zc("bookings", "list", "--status", "nope")
    assert_one_line_error(bad, ExitCode.INVALID_INPUT)
    missing = zc("bookings", "show", "99")
    assert_one_line_error(missing, ExitCode.NOT_FOUND)


def test_sync_reports_nothing_to_do(zc, studio, sb):
    book(zc)
    res = zc("bookings", "sync", "--all")
    assert res.exit_code == 0 and "in place" in res.stderr
    usage = zc("bookings", "sync")
    assert_one_line_error(usage, ExitCode.INVALID_INPUT)


def test_sync_gives_a_link_to_a_booking_made_while_offline(zc, studio, sb):
    assert zc("services", "online", "Private lesson", "--off").exit_code == 0
    booking = book(zc)
    assert booking["meeting"] is None
    assert zc("services", "online", "Private lesson", "--on").exit_code == 0
    res = zc("bookings", "sync", str(booking["id"]), "--json")
    assert res.exit_code == 0, res.stderr and res.json()[0]["action"] == "created"
    assert zc("bookings", "show", str(booking["id"]), "--json").json()["client_link"]


# -------------------------------------------------------------------- providers and users
def test_zoom_users_lists_every_user_with_type_and_status(zc, studio, sb):
    res = zc("zoom", "users", "--json")
    assert res.exit_code == 0, res.stderr
    active = [u for u in studio.users if u["status"] == "active"]
    assert sorted(u["email"] for u in res.json()) == sorted(u["email"] for u in active)
    by_email = {u["email"]: u for u in res.json()}
    assert by_email[studio.basic["email"]]["type_name"] == "Basic"
    assert by_email[studio.dana["email"]] == {
        "id": studio.dana["id"],
        "email": studio.dana["email"],
        "display_name": studio.dana["display_name"],
        "type": 2,
        "type_name": "Licensed",
        "status": "active",
    }
    inactive = zc("zoom", "users", "--status", "inactive", "--json").json()
    assert [u["status"] for u in inactive] == ["inactive"]


def test_providers_assign_checks_the_user_with_zoom(zc, studio, sb):
    zc("providers", "add", "Kim", "--email", "kim@example.com")
    basic = zc("providers", "assign", "Kim", "--zoom-user", studio.basic["email"])
    assert basic.exit_code == 0 and "Basic" in basic.stderr and "40 minutes" in basic.stderr
    inactive = next(u for u in studio.users if u["status"] == "inactive")
    res = zc("providers", "assign", "Kim", "--zoom-user", inactive["email"])
    line, _ = assert_one_line_error(res, ExitCode.CONFLICT)
    assert "inactive" in line
    res = zc("providers", "assign", "Kim", "--zoom-user", "nobody@example.com")
    _, fix = assert_one_line_error(res, ExitCode.NOT_FOUND)
    assert "zoom users" in fix
    by_id = zc("providers", "assign", "Kim", "--zoom-user", studio.sam["id"], "--json")
    assert by_id.exit_code == 0 and by_id.json()["zoom_user_email"] == studio.sam["email"]
    me = zc("providers", "assign", "Kim", "--zoom-user", "me", "--json")  # S2S: "me" is the account owner
    assert me.exit_code == 0, me.stderr
    listed = {p["name"]: p for p in zc("providers", "list", "--json").json()}
    assert listed["Kim"]["zoom_user_id"] == me.json()["zoom_user_id"]
    none = zc("providers", "assign", "Kim", "--none", "--json")
    assert none.exit_code == 0 and none.json()["result"] == "unassigned"
    assert zc("providers", "show", "Kim", "--json").json()["zoom_user_id"] is None


def test_providers_assign_all_by_email(zc, company, sb, s2s_env):
    users = [u for u in sb.world.users.values()]
    active = [u for u in users if u["status"] == "active"]
    inactive = next(u for u in users if u["status"] == "inactive")
    zc("providers", "add", "One", "--email", active[0]["email"].upper())
    zc("providers", "add", "Two", "--email", active[1]["email"])
    zc("providers", "add", "Gone", "--email", inactive["email"])
    zc("providers", "add", "Stranger", "--email", "stranger@example.com")
    zc("providers", "add", "Anon")
    res = zc("providers", "assign", "--all", "--by-email", "--json")
    assert res.exit_code == 0, res.stderr
    results = {r["provider"]: r for r in res.json()}
    assert {name: r["result"] for name, r in results.items()} == {
        "One": "assigned",
        "Two": "assigned",
        "Gone": "no match",
        "Stranger": "no match",
        "Anon": "no email",
    }
    assert results["One"]["zoom_user_id"] == active[0]["id"]
    again = zc("providers", "assign", "--all", "--by-email", "--json").json()
    assert {r["provider"]: r["result"] for r in again}["One"] == "unchanged"
    listed = {p["name"]: p for p in zc("providers", "list", "--json").json()}
    assert (
        listed["Two"]["zoom_user_email"] == active[1]["email"] and listed["Two"]["zoom_user_type"] == active[1]["type"]
    )
    assert listed["Gone"]["zoom_user_id"] is None


def test_booking_into_a_class_whose_meeting_was_deleted_in_zoom_remakes_it(zc, studio, sb, isolated):
    first = book(zc, args=(*CLASS, "--client", "a@example.com"))
    sb.delete_meeting(first["meeting"]["zoom_meeting_id"])
    second = book(zc, args=(*CLASS, "--client", "b@example.com"))
    assert second["meeting"]["zoom_meeting_id"] != first["meeting"]["zoom_meeting_id"]
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), first["id"]))
    assert sorted(r["email"] for r in m["registrants"]) == ["a@example.com", "b@example.com"]
    again = zc("bookings", "show", str(first["id"]), "--json").json()
    assert again["client_link"] != first["client_link"] and page(again["client_link"]).status_code == 200


def test_rescheduling_a_booking_whose_meeting_was_deleted_in_zoom_makes_a_new_one(zc, studio, sb, isolated):
    booking = book(zc)
    sb.delete_meeting(booking["meeting"]["zoom_meeting_id"])
    res = zc("bookings", "reschedule", str(booking["id"]), "--start", "2031-03-02T14:00", "--json")
    assert res.exit_code == 0, res.stderr
    moved = res.json()
    assert moved["meeting_action"] == "recreated" and moved["client_link"] != booking["client_link"]
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))
    assert datetime.fromtimestamp(m["start_time"], UTC) == datetime(2031, 3, 2, 13, 0, tzinfo=UTC)


def test_removing_a_provider_with_force_deletes_their_future_meetings(zc, studio, sb, isolated):
    lesson = book(zc)
    attendee = book(zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com"))[0]
    markers = [marker_of(default_db(isolated), lesson["id"]), marker_of(default_db(isolated), attendee["id"])]
    assert all(len(sandbox_meetings(sb, m)) == 1 for m in markers)

    refused = zc("providers", "remove", "Dana Smith")
    assert_one_line_error(refused, ExitCode.CONFLICT)
    assert all(len(sandbox_meetings(sb, m)) == 1 for m in markers)  # nothing touched

    res = zc("providers", "remove", "Dana Smith", "--force", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["bookings_cancelled"] == 3
    assert all(sandbox_meetings(sb, m) == [] for m in markers)
    assert {b["status"] for b in zc("bookings", "list", "--json").json()} == {"cancelled"}


def _created_meetings_exist_in_zoom(sb, isolated) -> None:
    """The database never claims a meeting Zoom no longer has."""
    in_zoom = {m["id"] for m in sandbox_meetings(sb)}
    claimed = rows(default_db(isolated), "SELECT id, zoom_meeting_id FROM meetings WHERE status = 'created'")
    assert all(r["zoom_meeting_id"] in in_zoom for r in claimed), ([tuple(r) for r in claimed], in_zoom)


def test_a_zoom_refusal_during_forced_removal_keeps_zoom_and_the_database_in_step(zc, studio, sb, isolated):
    first = book(zc)  # booking 1
    attendees = book(zc, args=(*CLASS, "--client", "a@example.com", "--client", "b@example.com"))  # 2, 3 (session 1)
    later = book(zc, args=(*LESSON[:-1], "2031-03-01T12:00"))  # 4
    # deleted in this order: session 1's meeting, then booking 1's (refused), then booking 4's
    sb.faults.add_spec("meetingDelete:2:status=400")
    res = zc("providers", "remove", "Dana Smith", "--force")
    _created_meetings_exist_in_zoom(sb, isolated)
    line, fix = assert_one_line_error(res, ExitCode.ZOOM_ERROR)
    assert "provider Dana Smith was not removed: 2 of their" in line and "meeting of booking 1: " in line
    assert 'providers remove "Dana Smith" --force' in fix
    status = {b["id"]: (b["status"], b["meeting"]["status"]) for b in zc("bookings", "list", "--json").json()}
    assert status == {
        first["id"]: ("booked", "created"),
        attendees[0]["id"]: ("cancelled", "deleted"),
        attendees[1]["id"]: ("cancelled", "deleted"),
        later["id"]: ("cancelled", "deleted"),
    }
    assert len(sandbox_meetings(sb, marker_of(default_db(isolated), first["id"]))) == 1
    assert "Dana Smith" in [p["name"] for p in zc("providers", "list", "--json").json()]

    again = zc("providers", "remove", "Dana Smith", "--force", "--json")  # finishes the job
    assert again.exit_code == 0, again.stderr
    assert again.json()["bookings_cancelled"] == 1
    assert {b["status"] for b in zc("bookings", "list", "--json").json()} == {"cancelled"}
    assert sandbox_meetings(sb) == []
    _created_meetings_exist_in_zoom(sb, isolated)


def test_several_links_are_printed_whole_on_a_narrow_terminal(zc, studio, sb, monkeypatch):
    monkeypatch.setattr("zoomctl.ui._isatty", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "100")
    emails = ["a.long.address.for.the.table@example.com", "b.long.address.for.the.table@example.com"]
    res = zc(*CLASS, "--client", emails[0], "--client", emails[1])
    assert res.exit_code == 0, res.stderr
    made = zc("bookings", "list", "--json").json()
    for booking in made:
        assert re.search(
            rf"^client link \({re.escape(booking['client_email'])}\): +{re.escape(booking['client_link'])}$",
            res.stdout,
            re.M,
        ), res.stdout
    assert re.search(rf"^provider link: +{re.escape(made[0]['provider_link'])}$", res.stdout, re.M), res.stdout
    assert "…" not in "".join(line for line in res.stdout.splitlines() if "link" in line)


def test_rescheduling_to_the_same_time_asks_nothing_of_zoom(zc, studio, sb):
    booking = book(zc)
    res = zc("bookings", "reschedule", str(booking["id"]), "--start", "2031-03-01T09:30", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["meeting_action"] == "unchanged" and res.json()["starts_at"] == booking["starts_at"]
    text = zc("bookings", "reschedule", str(booking["id"]), "--start", "2031-03-01T08:30Z")  # the same instant
    assert text.exit_code == 0 and "nothing to move" in text.stderr
    assert "meetingUpdate" not in sb.stats()


def test_open_without_a_browser_prints_the_link(zc, studio, sb, monkeypatch):
    booking = book(zc)
    monkeypatch.setenv("BROWSER", "false")  # a "browser" that fails to start
    res = zc("bookings", "open", str(booking["id"]))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == booking["client_link"]
    assert "no web browser" in res.stderr


def test_a_wrong_server_to_server_secret_names_the_variables(zc, studio, sb, monkeypatch):
    monkeypatch.setenv("ZOOMCTL_ZOOM_CLIENT_SECRET", "not-the-secret")
    res = zc("zoom", "users")
    line, fix = assert_one_line_error(res, res.exit_code)
    assert res.exit_code != 0
    assert "ZOOMCTL_ZOOM_CLIENT_SECRET" in fix
