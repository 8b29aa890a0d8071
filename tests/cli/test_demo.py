"""`zoomctl demo`: the README's first command runs the whole feature against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from support import zoomctl_executable

pytestmark = pytest.mark.e2e


def test_demo_books_online_meetings_end_to_end(tmp_path):
    env = {
        **os.environ,
        "ZOOMCTL_CONFIG_DIR": str(tmp_path / "cfg"),
        "ZOOMCTL_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    done = subprocess.run(
        [zoomctl_executable(), "demo", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    one = result["one_to_one"]
    assert one["meeting"]["status"] == "created"
    assert one["client_link"].startswith("http://127.0.0.1:") and "/j/" in one["client_link"]
    meeting_id = one["meeting"]["zoom_meeting_id"]
    assert one["provider_link"].endswith(f"/s/{meeting_id}")  # the host's start page, no token in it
    assert "tk=" not in one["provider_link"] and "zak=" not in one["provider_link"]

    session = result["class_session"]
    links = [b["client_link"] for b in session["bookings"]]
    assert len(links) == 3 and len(set(links)) == 3 and all(links)
    assert len(session["zoom_meeting_ids"]) == 1
    assert all(f"/{session['zoom_meeting_ids'][0]}" in link for link in links)

    # no keyring (the fail backend) was needed, nothing was left in the user's directories
    assert not (tmp_path / "data").exists()  # no workspace, no lock files: nothing left behind
    assert not (tmp_path / "cfg" / "config.toml").exists()
    assert "authorized Zoom" in done.stderr


def test_demo_keep_leaves_a_workspace_that_lists_the_bookings(tmp_path, zc):
    result = zc("demo", "--keep", "--json")
    assert result.exit_code == 0, result.stderr
    workspace = result.json()["workspace"]
    listed = zc("--db", workspace, "--company", "demo-yoga", "services", "list", "--json")
    assert [s["online"] for s in listed.json()] == [True]
