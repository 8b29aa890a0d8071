"""The receiver, as Zoom reaches it: the real `zoomctl webhooks listen` process over loopback."""

from __future__ import annotations

import json
import time

import pytest
from support import default_db, rows

from zoomctl.exit_codes import ExitCode

from .listener import SECRET, RunningListener, event, zoom_signature

pytestmark = pytest.mark.e2e

PLAIN = {"account_id": "acc-unknown", "object": {"id": 123, "uuid": "u==", "host_id": "h"}}


def stored(isolated) -> list[dict]:
    return [dict(r) for r in rows(default_db(isolated), "SELECT * FROM webhook_events ORDER BY id")]


def test_a_signed_event_is_stored_answered_and_reported(listener, isolated):
    body = event("meeting.started", PLAIN)
    reply = listener.post(body)
    assert reply.status_code == 200
    assert listener.next("received")["event"] == "meeting.started"
    done = listener.processed()
    assert done["company"] is None and done["status"] == "unmatched"
    [row] = stored(isolated)
    raw = json.dumps(body)
    assert row["body"] == raw and row["event"] == "meeting.started" and row["event_ts"] == body["event_ts"]
    assert len(row["body_sha256"]) == 64 and row["status"] == "unmatched"


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("bad", 401),
        ("missing", 401),
        ("wrong-secret", 401),
        ("stale", 401),
        ("future", 401),
        ("tampered", 401),
    ],
)
def test_deliveries_not_signed_by_zoom_just_now_are_refused_and_write_nothing(listener, isolated, how, status):
    body = json.dumps(event("meeting.started", PLAIN)).encode()
    now = int(time.time())
    if how == "bad":
        reply = listener.post(body, signature="v0=" + "0" * 64)
    elif how == "missing":
        reply = listener.post(body, headers={"x-zm-signature": None})
    elif how == "wrong-secret":
        reply = listener.post(body, secret="another-secret")
    elif how == "stale":
        reply = listener.post(body, timestamp=now - 6 * 60)
    elif how == "future":
        reply = listener.post(body, timestamp=now + 6 * 60)
    else:  # signed for another body
        reply = listener.post(body, signature=zoom_signature(SECRET, str(now), body + b" "))
    assert reply.status_code == status
    assert listener.next()["kind"] == "refused"
    assert stored(isolated) == []


def test_a_replayed_delivery_changes_nothing(listener, isolated):
    body = json.dumps(event("meeting.ended", PLAIN)).encode()
    assert listener.post(body).status_code == 200
    listener.processed()
    before = stored(isolated)
    again = listener.post(body)  # the same delivery again (Zoom retries, or someone replays it)
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert listener.next("duplicate")["event"] == "meeting.ended"
    assert stored(isolated) == before
    old = listener.post(body, timestamp=int(time.time()) - 3600)  # replayed later: refused as stale
    assert old.status_code == 401
    assert stored(isolated) == before


def test_url_validation_is_answered_as_zoom_documents(listener, isolated):
    import hashlib
    import hmac

    reply = listener.post({"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}})
    assert reply.status_code == 200
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert reply.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    assert listener.next()["kind"] == "url_validation"
    assert stored(isolated) == []


def test_oversized_non_json_wrong_path_and_wrong_method_are_refused(listener, isolated):
    big = b'{"event": "meeting.started", "x": "' + b"a" * (1024 * 1024) + b'"}'
    assert listener.post(big).status_code == 413
    assert listener.post(b"not json at all").status_code == 400
    assert listener.post(b'["a list"]').status_code == 400
    assert listener.post({"payload": {}}).status_code == 400  # no event name
    assert listener.post(event("meeting.started", PLAIN), path="/other").status_code == 404
    assert listener.http.get(listener.url).status_code == 405
    assert listener.post({"event": "endpoint.url_validation", "payload": {}}).status_code == 400
    kinds = [listener.next()["kind"] for _ in range(7)]
    assert kinds == ["refused"] * 7
    assert stored(isolated) == []


def test_ctrl_c_exits_130_and_no_line_shows_the_secret(isolated):
    running = RunningListener("--secret-stdin", secret=None, stdin=SECRET + "\n")
    try:
        running.post(event("meeting.started", PLAIN))
        running.post(event("meeting.started", PLAIN), secret="wrong")
        running.post({"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}})
        running.next("processed")
    finally:
        code = running.interrupt()
    assert code == ExitCode.INTERRUPTED
    assert "Traceback" not in running.stderr_text
    everything = "".join(running.stdout_lines) + running.stderr_text
    assert SECRET not in everything
    assert json.loads(running.stdout_lines[0])["secret_from"] == "stdin"


def test_text_lines_go_to_stderr(isolated):
    import subprocess

    from support import zoomctl_executable

    from .listener import process_env

    proc = subprocess.Popen(
        [zoomctl_executable(), "webhooks", "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env({"ZOOMCTL_WEBHOOK_SECRET": SECRET}),
    )
    first = proc.stderr.readline()
    assert first.startswith("listening on http://127.0.0.1:") and SECRET not in first
    proc.send_signal(2)
    assert proc.wait(20) == ExitCode.INTERRUPTED
    assert proc.stdout.read() == ""
    assert "stopped" in proc.stderr.read()


def test_no_secret_is_refused_before_listening(zc):
    result = zc("webhooks", "listen", "--port", "0")
    assert result.exit_code == ExitCode.AUTH_REQUIRED
    assert "no webhook secret token" in result.stderr


def test_events_lists_what_arrived_and_what_it_did(listener, isolated):
    from support import zoomctl_executable, zoomctl_process

    listener.post(event("meeting.started", PLAIN))
    listener.processed()
    listener.post(event("meeting.ended", PLAIN))
    listener.processed()
    done = zoomctl_process(zoomctl_executable(), {}, "webhooks", "events", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [e["event"] for e in listed] == ["meeting.started", "meeting.ended"]
    assert all(e["status"] == "unmatched" and "acc-unknown" in e["outcome"] for e in listed)
    only = zoomctl_process(zoomctl_executable(), {}, "webhooks", "events", "--event", "meeting.ended", "--json")
    assert [e["event"] for e in json.loads(only.stdout)] == ["meeting.ended"]
    later = zoomctl_process(zoomctl_executable(), {}, "webhooks", "events", "--since", "2999-01-01", "--json")
    assert json.loads(later.stdout) == []


def test_the_secret_token_is_kept_in_the_keyring_not_in_argv_or_config(zc, memory_keyring, isolated):
    result = zc("--no-input", "webhooks", "secret", "set", input="tok-Abc123\n")
    assert result.exit_code == 0, result.stderr
    assert "tok-Abc123" in memory_keyring.entries.values()
    assert "tok-Abc123" not in result.stdout + result.stderr
    config = isolated / "config" / "config.toml"
    assert not config.exists() or "tok-Abc123" not in config.read_text()
    assert zc("webhooks", "secret", "delete").exit_code == 0
    assert "tok-Abc123" not in memory_keyring.entries.values()
    refused = zc("--no-input", "webhooks", "secret", "set", input="two words\n")
    assert refused.exit_code == ExitCode.INVALID_INPUT
