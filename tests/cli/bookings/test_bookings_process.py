"""The installed `zoomctl` in real processes against the sandbox over loopback."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time

import httpx
import pytest
from support import default_db, marker_of, sandbox_meetings, zoomctl_executable, zoomctl_process

from zoomctl.exit_codes import ExitCode

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


@pytest.fixture(scope="module")
def exe() -> str:
    return zoomctl_executable()


@pytest.fixture
def run(exe, s2s_env):
    def go(*args: str, input: str | None = None):
        return zoomctl_process(exe, s2s_env, *args, input=input)

    return go


def get(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as http:
        return http.get(url)


def test_a_booking_and_the_provider_s_fresh_start_link(run, studio, sb, isolated):
    done = run(
        "bookings",
        "create",
        "--service",
        "Private lesson",
        "--provider",
        "Sam",
        "--client",
        "pat@example.com",
        "--start",
        "2031-04-01T16:00",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    booking = json.loads(done.stdout)
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))
    assert m["host_id"] == studio.sam["id"]
    assert (
        booking["client_link"].startswith(f"{sb.base_url}/j/{m['id']}")
        and get(booking["client_link"]).status_code == 200
    )
    assert booking["provider_link"] == f"{sb.base_url}/s/{m['id']}"

    opened = run("bookings", "open", str(booking["id"]), "--as", "provider", "--print")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.startswith(f"{sb.base_url}/s/{m['id']}?zak=")
    assert get(opened.stdout.strip()).status_code == 200

    text = run("bookings", "show", str(booking["id"]))
    assert text.returncode == 0 and "Provider link:" in text.stdout and "zak=" not in text.stdout


def test_a_class_with_three_attendees(run, studio, sb, isolated):
    done = run(
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--session",
        "1",
        "--clients-file",
        "-",
        "--json",
        input="a@example.com,Ann\nb@example.com,Ben\nc@example.com,Cy\n",
    )
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    links = {b["client_link"] for b in made}
    assert len(links) == 3 and len({b["meeting"]["zoom_meeting_id"] for b in made}) == 1
    assert all(get(link).status_code == 200 for link in links)
    (m,) = sandbox_meetings(sb, marker_of(default_db(isolated), made[0]["id"]))
    assert len(m["registrants"]) == 3


def test_a_dropped_connection_after_create_leaves_exactly_one_meeting(run, studio, sb, isolated):
    sb.faults.add_spec("meetingCreate:1:drop=after")
    sb.faults.add_spec("meetings:1:drop=before")  # and the first look for it fails too
    done = run(
        "bookings",
        "create",
        "--service",
        "Private lesson",
        "--provider",
        "Dana",
        "--client",
        "pat@example.com",
        "--start",
        "2031-04-01T09:00",
        "--json",
    )
    assert done.returncode == 0, done.stderr  # the listing was retried, and found it
    booking = json.loads(done.stdout)
    assert len(sandbox_meetings(sb, marker_of(default_db(isolated), booking["id"]))) == 1
    again = run("bookings", "sync", "--all", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["action"] == "ok"
    assert sb.stats()["meetingCreate"] == 1 and len(sandbox_meetings(sb)) == 1


def test_a_500_exits_non_zero_and_sync_in_another_process_fixes_it(run, studio, sb, isolated):
    sb.faults.add_spec("meetingCreate:1:status=500")
    done = run(
        "bookings",
        "create",
        "--service",
        "Private lesson",
        "--provider",
        "Dana",
        "--client",
        "pat@example.com",
        "--start",
        "2031-04-01T09:00",
    )
    assert done.returncode == ExitCode.ZOOM_ERROR
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: booking(s) 1 saved") and "fix: run `zoomctl bookings sync 1`" in done.stderr
    assert "Client link:" not in done.stdout and done.stdout.startswith("ID:")  # the saved booking, with its id
    fixed = run("bookings", "sync", "1", "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)[0]["action"] == "created"
    assert len(sandbox_meetings(sb, marker_of(default_db(isolated), 1))) == 1


def test_purge_without_a_terminal_needs_yes(run, studio, sb):
    made = run("bookings", "create", "--test", "--count", "2", "--service", "Private lesson", "--json")
    assert made.returncode == 0, made.stderr
    refused = run("bookings", "purge", "--test")
    assert refused.returncode == ExitCode.INVALID_INPUT and "--yes" in refused.stderr
    assert len(sandbox_meetings(sb)) == 2
    done = run("bookings", "purge", "--test", "--yes")
    assert done.returncode == 0, done.stderr
    assert sandbox_meetings(sb) == []


def test_a_progress_bar_on_a_terminal_only(exe, s2s_env, studio, sb):
    env = dict(os.environ, **s2s_env, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", COLUMNS="100")
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [exe, "bookings", "create", "--test", "--count", "5", "--service", "Private lesson", "--json"],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read()
    proc.wait(10)
    os.close(master)
    assert proc.returncode == 0, seen
    assert b"Creating Zoom meetings" in seen and b"5/5" in seen
    assert len(json.loads(out)) == 5  # stdout stays clean JSON
    piped = zoomctl_process(exe, s2s_env, "bookings", "purge", "--test", "--yes")
    assert piped.returncode == 0 and "Deleting" not in piped.stderr  # no bar when stderr is not a terminal
