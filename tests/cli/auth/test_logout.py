"""`zoomctl auth logout` end to end: revoke at Zoom, forget the tokens, clear the
connection; when the revoke fails, forget locally anyway and say how to finish in Zoom."""

from __future__ import annotations

import json

import httpx
import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import api_status, file_tokens, member, refresh_token_works, token_file

pytestmark = pytest.mark.e2e

KEY = "default/acme-yoga"
REMOVE_HINT = "Zoom App Marketplace → Manage → Added Apps → Remove"


@pytest.fixture
def connected(company, sb, quick_login, config_dir):
    """acme-yoga connected through the confidential app (so a client secret is stored too) (logged in in-process: what is tested here comes after)."""
    assert quick_login("confidential", user=member(sb, index=1))["token_location"].startswith("file:")
    return file_tokens(config_dir, KEY)


def _stored(config_dir) -> dict:
    return json.loads(token_file(config_dir).read_text())


def test_logout_revokes_at_zoom_and_forgets_everything(zi, zx, sb, connected, config_dir):
    client_id = sb.apps["confidential"]["client_id"]
    assert _stored(config_dir)["client_secrets"][client_id]

    run = zx("auth", "logout").ok()
    assert "revoked at Zoom" in run.stderr

    # Zoom no longer accepts the old tokens
    assert api_status(sb, connected["a"]) == (401, 124)
    assert not refresh_token_works(sb, connected["r"])
    refused = httpx.post(
        f"{sb.oauth_base_url}/oauth/token",
        trust_env=False,
        auth=(client_id, sb.apps["confidential"]["client_secret"]),
        data={"grant_type": "refresh_token", "refresh_token": connected["r"]},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    # nothing left here: no tokens, no client secret, no connection
    data = _stored(config_dir)
    assert KEY not in data.get("tokens", {}) and client_id not in data.get("client_secrets", {})
    status = zi("auth", "status", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED
    assert status.json()["state"] == "not_connected" and status.json()["account_id"] is None
    assert zi("auth", "token").exit_code == ExitCode.AUTH_REQUIRED

    again = zi("auth", "logout", "--json").ok().json()
    assert again["was_connected"] is False


def test_logout_with_zoom_unreachable_still_forgets_and_says_so(zi, zx, sb, connected, config_dir):
    sb.stop()  # "Zoom" is down
    run = zx("auth", "logout", "--json").ok()
    result = run.json()
    assert result["was_connected"] is True and result["revoked"] is False
    assert result["revoke_error"]
    assert any(REMOVE_HINT in note for note in result["notes"])
    assert KEY not in _stored(config_dir).get("tokens", {})
    status = zi("auth", "status", "--offline", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED and status.json()["state"] == "not_connected"


def test_logout_human_output_when_the_revoke_fails(zi, zx, sb, connected):
    sb.faults.add_spec("revoke:*:status=500")
    run = zx("auth", "logout").ok()
    assert "could not revoke at Zoom" in run.stderr
    assert "forgotten here anyway" in run.stderr
    assert REMOVE_HINT in run.stderr
    assert zi("auth", "status", "--offline").exit_code == ExitCode.AUTH_REQUIRED


def test_logout_after_the_app_was_removed_on_the_zoom_side(zi, zx, sb, connected, config_dir):
    sb.uninstall_app("confidential")
    result = zx("auth", "logout", "--json").ok().json()
    assert result["was_connected"] is True and result["revoked"] is False
    assert any(REMOVE_HINT in note for note in result["notes"])
    assert KEY not in _stored(config_dir).get("tokens", {})
    assert zi("auth", "status", "--offline", "--json").json()["state"] == "not_connected"
