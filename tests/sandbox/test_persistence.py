"""state_path: the world survives restarts and is shared between sandboxes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from .testkit import Zoom, client_for


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state" / "sandbox.json"


def test_world_survives_a_restart(state):
    with Sandbox(SandboxOptions(state_path=str(state), daily_meeting_limit=2)) as first, client_for(first) as http:
        zoom = Zoom(first, http)
        tokens = zoom.login()
        meeting = zoom.create_meeting(tokens, agenda="kept", settings={"approval_type": 0})
        zoom.api(
            "POST", f"/meetings/{meeting['id']}/registrants", tokens, json={"email": "r@example.com", "first_name": "R"}
        )
        zoom.sb.downgrade_user(zoom.user(type=2, owner=False)["id"])
        first.clock.advance(600)
        first_port = first.port
        users_before = zoom.users()
    assert state.exists()
    with (
        Sandbox(SandboxOptions(state_path=str(state), daily_meeting_limit=2, users=1, seed="ignored")) as second,
        client_for(second) as http,
    ):
        zoom = Zoom(second, http)
        assert zoom.users() == users_before  # loaded, not re-seeded
        assert 590 < second.clock.offset < 700
        got = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)  # old token still valid
        assert got.status_code == 200 and got.json()["agenda"] == "kept"
        assert got.json()["join_url"].startswith(second.base_url)  # links follow the new port
        registrants = zoom.api("GET", f"/meetings/{meeting['id']}/registrants", tokens).json()
        assert [r["email"] for r in registrants["registrants"]] == ["r@example.com"]
        # rotation state is persisted: the refresh works once
        assert zoom.refresh("public", tokens["refresh_token"]).status_code == 200
        assert zoom.refresh("public", tokens["refresh_token"]).status_code == 400
        # daily counters are persisted (1 used of 2)
        assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 201
        assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 429
    assert first_port  # (ports differ between runs; nothing depends on them)


def test_state_file_is_written_atomically_and_privately(state):
    with Sandbox(SandboxOptions(state_path=str(state))) as sb, client_for(sb) as http:
        Zoom(sb, http).login()
    mode = stat.S_IMODE(os.stat(state).st_mode)
    assert mode == 0o600
    leftovers = [p.name for p in state.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    data = json.loads(state.read_text())
    assert data["version"] == 1 and data["grants"]


def test_two_running_sandboxes_share_one_world(state):
    options = SandboxOptions(state_path=str(state))
    with Sandbox(options) as one, Sandbox(options) as two, client_for(one) as h1, client_for(two) as h2:
        a, b = Zoom(one, h1), Zoom(two, h2)
        tokens = a.login()
        meeting = a.create_meeting(tokens)
        seen = b.api("GET", f"/meetings/{meeting['id']}", tokens)
        assert seen.status_code == 200
        b.api("DELETE", f"/meetings/{meeting['id']}", tokens)
        assert a.api("GET", f"/meetings/{meeting['id']}", tokens).status_code == 404
        fresh = b.refresh("public", tokens["refresh_token"])
        assert fresh.status_code == 200
        assert a.refresh("public", tokens["refresh_token"]).status_code == 400


def test_another_process_sees_the_same_world(state, tmp_path):
    with Sandbox(SandboxOptions(state_path=str(state))) as sb, client_for(sb) as http:
        zoom = Zoom(sb, http)
        tokens = zoom.login()
        meeting = zoom.create_meeting(tokens, agenda="from-parent")
    script = textwrap.dedent(f"""
        import json, httpx
        from zoomctl.sandbox import Sandbox, SandboxOptions
        with Sandbox(SandboxOptions(state_path={str(state)!r})) as sb:
            r = httpx.get(sb.api_base_url + "/meetings/{meeting["id"]}",
                          headers={{"Authorization": "Bearer " + {tokens["access_token"]!r}}})
            print(json.dumps([r.status_code, r.json().get("agenda")]))
    """)
    import zoomctl

    root = str(Path(zoomctl.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    assert json.loads(out.stdout) == [200, "from-parent"]


def test_a_foreign_file_is_refused(tmp_path):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    with pytest.raises(ValueError):
        Sandbox(SandboxOptions(state_path=str(bogus)))
