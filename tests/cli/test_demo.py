"""`zoomctl demo`: the README's first command runs the whole feature against the sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from support import zoomctl_executable

pytestmark = pytest.mark.e2e


def _demo(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ZOOMCTL_CONFIG_DIR": str(tmp_path / "cfg"),
        "ZOOMCTL_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return subprocess.run(
        [zoomctl_executable(), "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_demo_tells_the_whole_story_as_json(tmp_path):
    done = _demo(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    one = result["one_to_one"]
    assert one["meeting"]["status"] == "created"
    assert one["client_link"].startswith("http://127.0.0.1:") and "/j/" in one["client_link"]
    meeting_id = one["meeting"]["zoom_meeting_id"]
    assert one["provider_link"].endswith(f"/s/{meeting_id}")  # the host's start page, no token in it
    assert "tk=" not in one["provider_link"] and "zak=" not in one["provider_link"]

    # four distinct client links, three of them in the class session's one meeting
    session = result["class_session"]
    links = [b["client_link"] for b in session["bookings"]]
    assert len(links) == 3 and all(links)
    assert len({*links, one["client_link"]}) == 4
    assert len(session["zoom_meeting_ids"]) == 1 and session["zoom_meeting_ids"][0] != meeting_id
    assert all(f"/{session['zoom_meeting_ids'][0]}" in link for link in links)

    # the provider opens the meeting: a fresh start link (with its token), never stored
    start = result["provider_start_link"]
    assert f"/s/{meeting_id}?zak=" in start
    assert start not in json.dumps(result["one_to_one"]) and start not in json.dumps(result["report"])

    # both confirmations carry their link
    confirmations = result["confirmations"]
    assert one["client_link"] in confirmations["client-confirmation"]["body"]
    assert one["provider_link"] in confirmations["provider-confirmation"]["body"]

    # the report lists the four bookings
    assert sorted(r["client_email"] for r in result["report"]) == [
        "ana@example.com",
        "ben@example.com",
        "chloe@example.com",
        "pat.lee@example.com",
    ]

    # the app removed at Zoom: auth status says reconnect; after the reconnect, connected
    assert result["reconnect"] == {
        "after_removal": "reconnect_required",
        "marked": "reconnect_required",
        "after": "connected",
    }

    # doctor: every check ok; after the removal the live token and the reconnect checks fail (the
    # checks that need Zoom skip); after the reconnect every check is ok again
    doctor = result["doctor"]
    assert doctor["first"]["ok"] and set(doctor["first"]["checks"].values()) == {"ok"}
    assert not doctor["after_removal"]["ok"]
    assert doctor["after_removal"]["checks"]["reconnect"] == "fail"
    assert doctor["after_removal"]["checks"]["token-live"] == "fail"
    assert doctor["after_removal"]["checks"]["feature"] == "ok"
    assert doctor["after_reconnect"] == doctor["first"]

    # the class meeting played at the sandbox, its signed webhook events received by a real
    # listener: two attendees joined (minutes summed from join to leave), the third is a no-show
    attendance = {row["client_email"]: row for row in result["attendance"]}
    assert [attendance[e]["no_show"] for e in ("ana@example.com", "ben@example.com", "chloe@example.com")] == [
        False,
        False,
        True,
    ]
    assert attendance["ana@example.com"]["attended_minutes"] == 42
    assert attendance["chloe@example.com"]["client_joined_at"] is None
    assert all(row["host_started_at"] for row in result["attendance"])

    # rescheduled, then cancelled: Zoom's meeting moved, then deleted
    moved = result["rescheduled_and_cancelled"]
    assert moved["zoom_meeting_id"] == meeting_id
    assert moved["zoom_start_time"] == moved["starts_at"]
    assert moved["deleted_at_zoom"] is True

    # logged out: revoked at the sandbox (the first grant ended with the app's removal)
    assert result["logout"]["revoked"] is True
    assert result["logout"]["grants"] == ["uninstalled", "revoked"]

    # no keyring (the fail backend) was needed, nothing was left in the user's directories
    assert not (tmp_path / "data").exists()  # no workspace, no lock files: nothing left behind
    assert not (tmp_path / "cfg" / "config.toml").exists()
    assert "authorized Zoom" in done.stderr


def test_demo_puts_data_on_stdout_and_narration_on_stderr(tmp_path):
    done = _demo(tmp_path)
    assert done.returncode == 0, done.stderr
    out, err = done.stdout, done.stderr
    client_links = re.findall(r"^client link\t(\S+)\t(\S+)$", out, re.M)
    assert len(client_links) == 4 and len({url for _, url in client_links}) == 4
    assert re.search(r"^provider link\tDana Smith\thttp://127\.0\.0\.1:\d+/s/\d+$", out, re.M)
    assert re.search(r"^start link\tDana Smith\t\S+zak=", out, re.M)
    assert "--- client-confirmation (email) ---" in out and "--- provider-confirmation (email) ---" in out
    assert out.count("\tcreated\t") == 4  # the report's rows
    assert re.findall(r"^attendance\t(\S+)\t\S+\t(\d+)\t(yes|no)$", out, re.M) == [
        ("ana@example.com", "42", "no"),
        ("ben@example.com", "41", "no"),
        ("chloe@example.com", "0", "yes"),
    ]
    assert "webhook event(s) received and processed" in err
    doctor_runs = re.findall(r"^doctor\t(\w+)\treconnect\t", out, re.M)
    assert doctor_runs == ["ok", "fail", "ok"]
    assert re.search(r"^doctor\tfail\treconnect\t.*\t.*zoomctl auth login", out, re.M)
    for narration in ("authorized Zoom", "switched service", "removed the app", "revoked at Zoom", "is deleted"):
        assert narration in err and narration not in out
    assert "http://" not in err.replace(err.splitlines()[0], "")  # links are data: stdout only
    steps = re.findall(r"^(\d+)\. ", err, re.M)
    assert steps == [str(n) for n in range(1, len(steps) + 1)] and len(steps) >= 11


def test_demo_keep_leaves_a_workspace_that_lists_the_bookings(tmp_path, zc):
    result = zc("demo", "--keep", "--json")
    assert result.exit_code == 0, result.stderr
    workspace = result.json()["workspace"]
    listed = zc("--db", workspace, "--company", "demo-yoga", "services", "list", "--json")
    assert [s["online"] for s in listed.json()] == [True]
