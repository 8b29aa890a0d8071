"""What each event does, delivered to the real listener process for bookings made on the sandbox.

The events are shaped as Zoom documents them (payload.account_id, payload.object …)."""

from __future__ import annotations

import json

import pytest
from support import default_db, default_workspace, rows, sandbox_meetings, zoomctl_executable, zoomctl_process

from zoomctl.exit_codes import ExitCode

from .listener import RunningListener, event

pytestmark = pytest.mark.e2e

LESSON = ("bookings", "create", "--service", "Private lesson", "--provider", "Dana", "--client", "pat@example.com")
CLASS = ("bookings", "create", "--class", "Morning yoga", "--session", "1")


def book(zc, *args):
    result = zc(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def meeting_object(sb, zoom_meeting_id: int, **extra) -> dict:
    with sb.world.lock:
        m = dict(sb.world.meetings[str(zoom_meeting_id)])
    obj = {"id": zoom_meeting_id, "uuid": m.get("uuid", "u=="), "host_id": m.get("host_id", "h"), "type": 2}
    obj.update(extra)
    return obj


def payload(sb, obj: dict, **extra) -> dict:
    return {"account_id": sb.world.account["id"], "object": obj, **extra}


def show(booking_id: int) -> dict:
    done = zoomctl_process(zoomctl_executable(), {}, "bookings", "show", str(booking_id), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def meeting_row(isolated, zoom_meeting_id):
    return dict(rows(default_db(isolated), "SELECT * FROM meetings WHERE zoom_meeting_id = ?", (zoom_meeting_id,))[0])


def test_meeting_deleted_in_zoom_is_marked_and_sync_recreates_it(zc, studio, sb, isolated, listener):
    booking = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    mid = booking["meeting"]["zoom_meeting_id"]
    body = event("meeting.deleted", payload(sb, meeting_object(sb, mid)))
    sb.delete_meeting(mid)
    assert listener.post(body).status_code == 200
    done = listener.processed()
    assert (done["company"], done["status"]) == (studio.company, "processed")
    row = meeting_row(isolated, mid)
    assert row["status"] == "deleted" and row["deleted_in_zoom_at"]
    listener.post(body)  # the same delivery again changes nothing
    assert listener.next("duplicate")
    assert meeting_row(isolated, mid) == row
    synced = zc("bookings", "sync", str(booking["id"]), "--json")
    assert synced.exit_code == 0, synced.stderr
    again = zc("bookings", "show", str(booking["id"]), "--json").json()
    assert again["meeting"]["status"] == "created" and again["meeting"]["zoom_meeting_id"] != mid
    assert len(sandbox_meetings(sb)) == 1


def test_with_repair_the_listener_recreates_the_meeting_at_once(zc, studio, sb, isolated):
    booking = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    mid = booking["meeting"]["zoom_meeting_id"]
    running = RunningListener("--repair")
    try:
        deleted = event("meeting.deleted", payload(sb, meeting_object(sb, mid)))
        sb.delete_meeting(mid)
        running.post(deleted)
        running.processed()
        repaired = running.next("repaired", timeout=30)
        assert repaired["bookings"] == [booking["id"]]
    finally:
        running.close()
    again = zc("bookings", "show", str(booking["id"]), "--json").json()
    assert again["meeting"]["status"] == "created" and again["meeting"]["zoom_meeting_id"] != mid
    assert [m["id"] for m in sandbox_meetings(sb)] == [again["meeting"]["zoom_meeting_id"]]


def test_a_meeting_deleted_by_zoomctl_itself_is_left_alone(zc, studio, sb, isolated, listener):
    booking = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    mid = booking["meeting"]["zoom_meeting_id"]
    deleted = event("meeting.deleted", payload(sb, meeting_object(sb, mid)))
    assert zc("bookings", "cancel", str(booking["id"])).exit_code == 0
    before = meeting_row(isolated, mid)
    listener.post(deleted)
    assert listener.processed()["status"] == "ignored"
    assert meeting_row(isolated, mid) == before


def test_a_new_start_in_zoom_is_drift_and_never_moves_the_booking(zc, studio, sb, isolated, listener):
    booking = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    mid = booking["meeting"]["zoom_meeting_id"]
    moved = meeting_object(sb, mid, start_time="2031-03-01T10:00:00Z")
    listener.post(event("meeting.updated", payload(sb, moved, old_object=meeting_object(sb, mid))))
    assert "drift" in listener.processed()["outcome"]
    assert meeting_row(isolated, mid)["zoom_start_time"] == "2031-03-01T10:00:00Z"
    assert show(booking["id"])["drift"] == "2031-03-01T10:00:00Z"
    assert zc("bookings", "show", str(booking["id"]), "--json").json()["starts_at"] == "2031-03-01T08:30:00Z"
    back = meeting_object(sb, mid, start_time="2031-03-01T08:30:00Z")
    listener.post(event("meeting.updated", payload(sb, back)))
    listener.processed()
    assert meeting_row(isolated, mid)["zoom_start_time"] is None
    topic_only = meeting_object(sb, mid, topic="renamed")
    listener.post(event("meeting.updated", payload(sb, topic_only)))
    assert listener.processed()["status"] == "ignored"


def attendance(isolated, booking_id):
    found = rows(default_db(isolated), "SELECT * FROM booking_attendance WHERE booking_id = ?", (booking_id,))
    return dict(found[0]) if found else None


def test_attendance_of_a_one_to_one_meeting_sums_joins_and_matches_an_empty_email(zc, studio, sb, isolated, listener):
    booking = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    mid = booking["meeting"]["zoom_meeting_id"]
    host = meeting_object(sb, mid)["host_id"]

    def person(**fields):
        return meeting_object(sb, mid, participant={"user_name": "Pat", "email": "", **fields})

    deliveries = [
        ("meeting.started", meeting_object(sb, mid, start_time="2031-03-01T08:29:00Z")),
        (
            "meeting.participant_joined",
            meeting_object(sb, mid, participant={"id": host, "user_id": host, "join_time": "2031-03-01T08:29:00Z"}),
        ),
        ("meeting.participant_joined", person(participant_uuid="p1", join_time="2031-03-01T08:31:00Z")),
        ("meeting.participant_left", person(participant_uuid="p1", leave_time="2031-03-01T08:41:00Z")),
        ("meeting.participant_joined", person(participant_uuid="p1", join_time="2031-03-01T08:45:00Z")),
        ("meeting.ended", meeting_object(sb, mid, end_time="2031-03-01T09:00:00Z")),
    ]
    for name, obj in deliveries:
        assert listener.post(event(name, payload(sb, obj))).status_code == 200
        listener.processed()
    got = attendance(isolated, booking["id"])
    assert got == {"booking_id": booking["id"], "client_joined_at": "2031-03-01T08:31:00Z", "attended_seconds": 1500}
    row = meeting_row(isolated, mid)
    assert row["host_started_at"] == "2031-03-01T08:29:00Z" and row["ended_at"] == "2031-03-01T09:00:00Z"
    shown = show(booking["id"])
    assert shown["host_started_at"] == "2031-03-01T08:29:00Z" and shown["client_joined_at"] == "2031-03-01T08:31:00Z"
    assert (shown["attended_minutes"], shown["no_show"], shown["drift"]) == (25, False, None)
    text = zoomctl_process(zoomctl_executable(), {}, "bookings", "show", str(booking["id"])).stdout
    assert "Minutes attended" in text and "25" in text


def test_class_attendance_two_join_one_is_a_no_show(zc, studio, sb, isolated, listener):
    made = book(zc, *CLASS, "--client", "a@example.com", "--client", "b@example.com", "--client", "c@example.com")
    mid = made[0]["meeting"]["zoom_meeting_id"]
    [meeting] = sandbox_meetings(sb)
    registrant = {r["email"]: r["id"] for r in meeting["registrants"]}
    by_email = {b["client_email"]: b["id"] for b in made}

    def joined(email, when, **extra):
        person = {"registrant_id": registrant[email], "email": "", "participant_uuid": email, "join_time": when}
        return meeting_object(sb, mid, participant={**person, **extra})

    deliveries = [
        ("meeting.started", meeting_object(sb, mid, start_time="2031-03-03T08:30:00Z")),
        ("meeting.participant_joined", joined("a@example.com", "2031-03-03T08:30:00Z")),
        # b by email only (no registrant id): still matched
        (
            "meeting.participant_joined",
            meeting_object(
                sb,
                mid,
                participant={"email": "B@example.com", "participant_uuid": "b", "join_time": "2031-03-03T08:35:00Z"},
            ),
        ),
        ("meeting.ended", meeting_object(sb, mid, end_time="2031-03-03T09:15:00Z")),
    ]
    for name, obj in deliveries:
        listener.post(event(name, payload(sb, obj)))
        listener.processed()
    assert attendance(isolated, by_email["a@example.com"])["attended_seconds"] == 45 * 60
    assert attendance(isolated, by_email["b@example.com"])["client_joined_at"] == "2031-03-03T08:35:00Z"
    assert attendance(isolated, by_email["c@example.com"]) is None
    from zoomctl.store.report import ReportFilter, report_rows

    with default_workspace(isolated) as store:
        report = {r["client_email"]: r for r in report_rows(store, 1, "Europe/Berlin")}
        no_shows = [r["client_email"] for r in report_rows(store, 1, "Europe/Berlin", ReportFilter(no_shows=True))]
    assert no_shows == ["c@example.com"]
    assert [report[e]["no_show"] for e in ("a@example.com", "b@example.com", "c@example.com")] == [False, False, True]
    assert [report[e]["attended_minutes"] for e in ("a@example.com", "b@example.com", "c@example.com")] == [45, 40, 0]
    assert report["a@example.com"]["host_started_at"] == "2031-03-03T08:30:00Z"
    assert show(by_email["c@example.com"])["no_show"] is True
    # the same through the command line: `zoomctl report --no-shows`
    listed = zc("report", "--from", "2031-03-03", "--to", "2031-03-03", "--no-shows", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [r["client_email"] for r in listed.json()] == ["c@example.com"]


def test_deauthorization_then_reconnect(zc, studio, sb, isolated, listener, monkeypatch):
    from zoomctl.store import companies as company_repo
    from zoomctl.zoom.tokens import FileTokenStore, TokenSet

    token_file = isolated / "tokens.json"
    with default_workspace(isolated) as store:
        company = store.one("SELECT id FROM companies")[0]
        company_repo.save_connection(
            store,
            company,
            kind="oauth",
            oauth_url=sb.oauth_base_url,
            api_url=sb.api_base_url,
            client_id="cid",
            account_id=sb.world.account["id"],
            user_id=studio.dana["id"],
            user_email=studio.dana["email"],
            token_location=f"file:{token_file}",
            connected_at="2026-01-01T00:00:00Z",
            connected_by="me",
        )
    FileTokenStore(token_file).save(
        "default/acme-yoga", TokenSet(access_token="at", refresh_token="rt", expires_at=9e9)
    )
    body = event(
        "app_deauthorized",
        {
            "account_id": sb.world.account["id"],
            "user_id": studio.dana["id"],
            "signature": "x",
            "deauthorization_time": "2026-12-01T10:00:00Z",
            "client_id": "cid",
            "user_data_retention": "false",
        },
    )
    listener.post(body)
    done = listener.processed()
    assert done["company"] == studio.company and "tokens deleted" in done["outcome"], done
    assert FileTokenStore(token_file).load("default/acme-yoga") is None
    [conn] = rows(default_db(isolated), "SELECT * FROM zoom_connections")
    assert conn["status"] == "reconnect_required" and conn["user_id"] is None and conn["user_email"] is None
    providers = rows(default_db(isolated), "SELECT name, zoom_user_id FROM providers ORDER BY name")
    assert dict((p["name"], p["zoom_user_id"]) for p in providers)["Dana Smith"] is None
    for name in ("ZOOMCTL_ZOOM_ACCOUNT_ID", "ZOOMCTL_ZOOM_CLIENT_ID", "ZOOMCTL_ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(name)
    status = zc("auth", "status", "--json")
    assert "reconnect" in (status.stdout + status.stderr)
    sam = ("bookings", "create", "--service", "Private lesson", "--provider", "Sam", "--client", "pat@example.com")
    blocked = zc(*sam, "--start", "2031-03-01T11:30")
    assert blocked.exit_code == ExitCode.AUTH_REQUIRED and "needs a reconnect" in blocked.stderr
    app = sb.apps["s2s"]
    login = zc(
        "auth",
        "login",
        "--server-to-server",
        "--account-id",
        app["account_id"],
        "--client-id",
        app["client_id"],
        "--insecure-storage",
        "--client-secret-stdin",
        input=app["client_secret"] + "\n",
    )
    assert login.exit_code == 0, login.stderr
    assert zc("auth", "status", "--json").json()["state"] == "connected"
    assert zc(*sam, "--start", "2031-03-01T11:30").exit_code == 0


def test_doctor_warnings_name_deleted_meetings_drift_and_a_removed_app(zc, studio, sb, isolated, listener):
    from zoomctl.core import companies, webhooks

    one = book(zc, *LESSON, "--start", "2031-03-01T09:30")
    two = book(zc, *LESSON, "--start", "2031-03-02T09:30")
    first, second = one["meeting"]["zoom_meeting_id"], two["meeting"]["zoom_meeting_id"]
    with default_workspace(isolated) as store:
        assert webhooks.doctor_warnings(store, companies.get(store, studio.company)) == []
    listener.post(event("meeting.deleted", payload(sb, meeting_object(sb, first))))
    listener.post(event("meeting.updated", payload(sb, meeting_object(sb, second, start_time="2031-03-02T12:00:00Z"))))
    listener.processed()
    listener.processed()
    with default_workspace(isolated) as store:
        warnings = webhooks.doctor_warnings(store, companies.get(store, studio.company))
    assert len(warnings) == 2
    assert f"Zoom meeting {first} was deleted in Zoom" in warnings[0] and "bookings sync" in warnings[0]
    assert f"Zoom meeting {second} starts at 2031-03-02T12:00:00Z in Zoom" in warnings[1]
    # `zoomctl doctor` shows them as one warning, the fix naming `bookings sync --all`
    answer = zc("doctor", "--json")
    check = {c["id"]: c for c in answer.json()["checks"]}["zoom-events"]
    assert check["status"] == "warn" and check["fix"] == "zoomctl bookings sync --all"
    assert str(first) in check["detail"] and str(second) in check["detail"]
