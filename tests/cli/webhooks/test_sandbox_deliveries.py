"""The sandbox delivers Zoom's events to the real listener: URL validation first, signed deliveries,
retries; a played class session with three attendees; the app removed on the Zoom side."""

from __future__ import annotations

import json

import httpx
import pytest
from support import default_db, default_workspace, rows

from zoomctl.sandbox.webhooks import WebhookSender

from .listener import SECRET

pytestmark = pytest.mark.e2e

CLASS = ("bookings", "create", "--class", "Morning yoga", "--session", "1")


def admin(sb, path: str, body: dict | None = None) -> dict:
    with httpx.Client(trust_env=False, timeout=30) as http:
        reply = (
            http.post(f"{sb.base_url}/_sandbox/{path}", json=body)
            if body is not None
            else http.get(f"{sb.base_url}/_sandbox/{path}")
        )
    assert reply.status_code == 200, reply.text
    return reply.json()


def subscribe(sb, listener, secret=SECRET) -> dict:
    return admin(sb, "webhook", {"url": listener.url, "secret": secret})


def test_the_endpoint_is_validated_first_and_a_wrong_secret_fails_validation(sb, listener):
    assert subscribe(sb, listener, secret="not-the-listeners")["validated"] is False
    assert listener.next()["kind"] == "refused"  # the listener refused the badly signed validation
    status = subscribe(sb, listener)
    assert status["validated"] is True
    assert listener.next()["kind"] == "url_validation"


def test_a_played_class_session_gives_attendance_two_join_one_no_show(zc, studio, sb, isolated, listener):
    made = zc(*CLASS, "--client", "a@example.com", "--client", "b@example.com", "--client", "c@example.com", "--json")
    assert made.exit_code == 0, made.stderr
    by_email = {b["client_email"]: b["id"] for b in made.json()}
    mid = made.json()[0]["meeting"]["zoom_meeting_id"]
    assert subscribe(sb, listener)["validated"]
    play = [
        {"type": "meeting_started", "at": "2031-03-03T08:30:00Z"},
        {"type": "participant_joined", "registrant": "a@example.com", "at": "2031-03-03T08:31:00Z"},
        {
            "type": "participant_joined",
            "registrant": "b@example.com",
            "empty_email": True,
            "at": "2031-03-03T08:40:00Z",
        },
        {"type": "participant_left", "registrant": "b@example.com", "empty_email": True, "at": "2031-03-03T09:00:00Z"},
        {"type": "meeting_ended", "at": "2031-03-03T09:15:00Z"},
    ]
    for step in play:
        answer = admin(sb, "events", {**step, "meeting_id": mid})
        assert answer["webhook"], answer
    assert sb.webhooks.wait_idle()
    for _ in play:
        assert listener.processed()["status"] == "processed"
    shown = {e: zc("bookings", "show", str(i), "--json").json() for e, i in by_email.items()}
    assert shown["a@example.com"]["client_joined_at"] == "2031-03-03T08:31:00Z"
    assert shown["a@example.com"]["attended_minutes"] == 44
    assert shown["b@example.com"]["attended_minutes"] == 20
    assert [shown[e]["no_show"] for e in sorted(shown)] == [False, False, True]
    assert all(s["host_started_at"] == "2031-03-03T08:30:00Z" for s in shown.values())
    deliveries = admin(sb, "webhook")["deliveries"]
    assert all(d["ok"] for d in deliveries)


def test_the_sandbox_deletes_a_meeting_and_the_listener_marks_it(zc, studio, sb, isolated, listener):
    made = zc(
        "bookings",
        "create",
        "--service",
        "Private lesson",
        "--provider",
        "Dana",
        "--client",
        "p@example.com",
        "--start",
        "2031-03-01T09:30",
        "--json",
    )
    mid = made.json()["meeting"]["zoom_meeting_id"]
    subscribe(sb, listener)
    admin(sb, "events", {"type": "meeting_deleted", "meeting_id": mid})
    assert listener.processed()["event"] == "meeting.deleted"
    [row] = rows(default_db(isolated), "SELECT status, deleted_in_zoom_at FROM meetings")
    assert row["status"] == "deleted" and row["deleted_in_zoom_at"]


def test_app_uninstalled_is_delivered_as_app_deauthorized(zc, studio, sb, isolated, listener):
    from zoomctl.store import companies as company_repo

    with default_workspace(isolated) as store:
        company_repo.save_connection(
            store,
            1,
            kind="oauth",
            oauth_url=sb.oauth_base_url,
            api_url=sb.api_base_url,
            client_id="cid",
            account_id=sb.world.account["id"],
            token_location="memory",
            connected_at="2026-01-01T00:00:00Z",
            connected_by="me",
        )
    subscribe(sb, listener)
    admin(sb, "events", {"type": "app_uninstalled", "app": "public"})
    done = listener.processed()
    assert done["event"] == "app_deauthorized" and done["company"] == studio.company
    [conn] = rows(default_db(isolated), "SELECT status FROM zoom_connections")
    assert conn["status"] == "reconnect_required"


def test_a_delivery_not_answered_2xx_is_retried_with_the_same_body():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[bytes, str]] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((body, self.headers["x-zm-signature"]))
            data = json.loads(body)
            if data["event"] == "endpoint.url_validation":
                import hashlib
                import hmac

                token = data["payload"]["plainToken"]
                answer = {
                    "plainToken": token,
                    "encryptedToken": hmac.new(b"s", token.encode(), hashlib.sha256).hexdigest(),
                }
                raw = json.dumps(answer).encode()
                self.send_response(200)
            else:
                raw = b"{}"
                self.send_response(500 if len(seen) < 3 else 200)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = WebhookSender(retry_delays=(0.05, 0.05, 0.05))
        assert sender.configure(f"http://127.0.0.1:{server.server_address[1]}/", "s")["validated"]
        assert sender.send("meeting.started", {"object": {"id": 1}})
        assert sender.wait_idle(10)
        attempts = [d for d in sender.status()["deliveries"] if d["event"] == "meeting.started"]
        assert [d["status"] for d in attempts] == [500, 200]
        assert seen[1][0] == seen[2][0]  # a retry is the same body: the receiver sees a duplicate
    finally:
        server.shutdown()
        sender.stop()
