"""`auth logout --delete-future-meetings`, a new login, then `bookings sync --all`: every
booking has a meeting at Zoom again, and every class attendee a registration in it."""

from __future__ import annotations

from support import s2s_login, sandbox_meetings

ENV = ("ZOOMCTL_ZOOM_ACCOUNT_ID", "ZOOMCTL_ZOOM_CLIENT_ID", "ZOOMCTL_ZOOM_CLIENT_SECRET")


def test_sync_after_a_logout_that_deleted_the_meetings_registers_the_attendees_again(zc, studio, sb, monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name)
    s2s_login(zc, sb)
    lesson = zc(
        "bookings", "create", "--service", "Private lesson", "--provider", "Dana Smith",
        "--client", "pat@example.com", "--start", "2031-01-10T09:00", "--json",
    )  # fmt: skip
    assert lesson.exit_code == 0, lesson.stderr
    attendees = zc(
        "bookings", "create", "--class", "Morning yoga", "--start", "2031-03-03T09:30",
        "--client", "a@example.com", "--client", "b@example.com", "--json",
    )  # fmt: skip
    assert attendees.exit_code == 0, attendees.stderr

    out = zc("auth", "logout", "--delete-future-meetings", "--yes", "--json")
    assert out.exit_code == 0 and out.json()["meetings_deleted"] == 2, out.stderr
    assert sandbox_meetings(sb) == []
    report = zc("report", "--json").json()
    assert {r["meeting_status"] for r in report} == {"deleted"} and not any(r["client_link"] for r in report)
    gone = zc("bookings", "list", "--json").json()
    assert [b["registrant"]["status"] for b in gone if b["kind"] == "class"] == ["pending", "pending"]  # wait for links

    s2s_login(zc, sb)
    synced = zc("bookings", "sync", "--all", "--json")
    assert synced.exit_code == 0, synced.stderr
    listed = zc("bookings", "list", "--json").json()
    assert all(b["meeting"]["status"] == "created" for b in listed)
    assert [b["registrant"]["status"] for b in listed if b["kind"] == "class"] == ["created", "created"]
    at_zoom = sandbox_meetings(sb)
    assert len(at_zoom) == 2
    registered = sorted(r["email"] for m in at_zoom for r in m.get("registrants", []))
    assert registered == ["a@example.com", "b@example.com"]
    assert all(r["client_link"] for r in zc("report", "--json").json())
