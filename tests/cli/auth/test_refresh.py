"""Refreshing the access token, end to end (installed zoomctl, sandbox, 0600 token file):
about 5 minutes before expiry and never on every call; code 124 → refresh once, retry once;
the new pair stored before use; ``invalid_grant`` / an app removed in Zoom → "needs
reconnect"; eight processes at once → one refresh.
"""

from __future__ import annotations

import time

import httpx
import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import FILE, WAIT, api_status, file_tokens, member, refresh_token_works

pytestmark = pytest.mark.e2e

KEY = "default/acme-yoga"


@pytest.fixture
def connected(company, sb, quick_login, config_dir):
    """acme-yoga connected through the public app; the stored tokens (logged in in-process: what is tested here comes after)."""
    assert quick_login("public", user=member(sb, index=1))["token_location"].startswith("file:")
    sb.reset_stats()
    return file_tokens(config_dir, KEY)


def refreshes(sb) -> int:
    return sb.stats().get("token.refresh_token", 0)


def test_a_fresh_token_is_never_refreshed(zi, zx, sb, connected, config_dir):
    for _ in range(2):
        zx("auth", "status").ok()
    assert zi("auth", "token").ok().stdout.strip() == connected["a"]
    assert sb.stats().get("user") == 2  # the live checks did happen …
    assert sb.stats().get("token", 0) == 0  # … with no trip to the token endpoint
    assert file_tokens(config_dir, KEY) == connected


def test_code_124_refreshes_once_and_retries_once(zi, zx, sb, connected, config_dir):
    sb.clock.advance(3600)  # Zoom now calls the stored access token expired (zoomctl does not know)
    status = zx("auth", "status", "--json").ok().json()
    assert status["live_check"]["ok"] is True
    assert refreshes(sb) == 1
    assert sb.stats()["user"] == 2  # refused with 124, then the retry

    new = file_tokens(config_dir, KEY)
    assert new["a"] != connected["a"] and new["r"] != connected["r"]
    assert refresh_token_works(sb, new["r"]) and not refresh_token_works(sb, connected["r"])

    zi("auth", "status").ok()  # and now the new token is simply used
    assert refreshes(sb) == 1


def test_a_token_refused_even_after_the_refresh_fails_after_one_retry(zx, sb, connected):
    sb.faults.add_spec("user:*:status=401,code=124,message=Invalid access token.")
    status = zx("auth", "status", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED
    assert "even after a refresh" in status.json()["problem"]
    assert refreshes(sb) == 1
    assert sb.stats()["user"] == 2


def test_a_token_about_to_expire_is_refreshed_before_use(zi, zx, company, sb, login, config_dir):
    sb.configure(access_token_ttl=299)  # tokens are born inside the 5-minute window
    login(zx, "public", *FILE).ok()
    sb.configure(access_token_ttl=3599)
    old = file_tokens(config_dir, KEY)
    assert old["e"] - time.time() < 300
    sb.reset_stats()

    printed = zx("auth", "token").ok().stdout.strip()
    new = file_tokens(config_dir, KEY)
    assert refreshes(sb) == 1
    assert printed == new["a"] != old["a"]
    assert api_status(sb, printed) == (200, None)
    assert new["e"] - time.time() > 3000

    assert zi("auth", "token").ok().stdout.strip() == printed
    assert refreshes(sb) == 1  # once refreshed, not again


def test_the_new_pair_is_stored_before_it_is_used(zi, zx, sb, connected, config_dir):
    sb.clock.advance(3600)
    # the refresh works, the call made with the new token fails for an unrelated reason
    sb.faults.add_spec("user:2+:status=400,code=300,message=Validation Failed.")
    failed = zx("auth", "status", "--json")
    assert failed.exit_code == ExitCode.AUTH_REQUIRED and failed.json()["live_check"]["ok"] is False
    assert refreshes(sb) == 1
    stored = file_tokens(config_dir, KEY)
    assert stored["r"] != connected["r"]
    assert refresh_token_works(sb, stored["r"])  # the rotated pair was not lost

    sb.faults.clear()
    zi("auth", "status").ok()
    assert refreshes(sb) == 1


def test_a_failed_refresh_leaves_the_stored_tokens_alone(zi, zx, sb, connected, config_dir):
    sb.clock.advance(3600)
    sb.faults.add_spec("token.refresh_token:1:status=503,body=html")
    failed = zx("auth", "status", "--json")
    assert failed.exit_code == ExitCode.AUTH_REQUIRED
    assert failed.json()["state"] == "error" and failed.json()["live_check"]["ok"] is False  # not "connected"
    assert file_tokens(config_dir, KEY) == connected
    zi("auth", "status").ok()  # Zoom is back: the same refresh token still works
    assert refreshes(sb) == 2


def test_invalid_grant_marks_the_connection_needs_reconnect(zi, zx, sb, connected):
    # someone else used (and so rotated away) the stored refresh token
    stolen = httpx.post(
        f"{sb.oauth_base_url}/oauth/token",
        trust_env=False,
        data={
            "grant_type": "refresh_token",
            "refresh_token": connected["r"],
            "client_id": sb.apps["public"]["client_id"],
        },
    )
    assert stolen.status_code == 200
    sb.clock.advance(3600)

    status = zx("auth", "status", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED
    info = status.json()
    assert info["state"] == "reconnect_required" and info["connected"] is False
    assert "zoomctl auth login" in info["fix"]

    # remembered: later commands say so without asking Zoom again
    sb.reset_stats()
    again = zi("auth", "status", "--json")
    assert again.exit_code == ExitCode.AUTH_REQUIRED and again.json()["state"] == "reconnect_required"
    human = zi("auth", "status")
    assert human.exit_code == ExitCode.AUTH_REQUIRED
    assert "reconnect_required" in human.stdout and "zoomctl auth login" in human.stderr
    token = zi("auth", "token")
    assert token.exit_code == ExitCode.AUTH_REQUIRED and token.stdout == ""
    assert "needs a reconnect" in token.stderr and "zoomctl auth login" in token.stderr
    assert sb.stats() == {}


@pytest.mark.parametrize("how", ["sandbox-api", "admin-endpoint"])
def test_an_app_removed_on_the_zoom_side_is_detected(zi, zx, sb, connected, browser, how):
    if how == "sandbox-api":
        sb.uninstall_app("public")
    else:
        answer = httpx.post(
            f"{sb.base_url}/_sandbox/events", json={"type": "app_uninstalled", "app": "public"}, trust_env=False
        )
        assert answer.status_code == 200 and answer.json()["grants_ended"] == 1
    assert api_status(sb, connected["a"]) == (401, 124)

    status = zx("auth", "status", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED
    info = status.json()
    assert info["state"] == "reconnect_required"
    assert "removed" in info["problem"] + info["fix"]
    assert zi("auth", "token").exit_code == ExitCode.AUTH_REQUIRED
    if how == "admin-endpoint":
        return

    # reconnecting is just logging in again
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        browser.login(proc.url(), user=member(sb, index=1))
        proc.finish().ok()
    finally:
        proc.kill()
    assert zi("auth", "status", "--json").ok().json()["state"] == "connected"


# ---------------------------------------------------------------------------- eight at once


def test_eight_processes_with_a_token_inside_the_skew_refresh_once(zi, zx, company, sb, login, config_dir, data_dir):
    """8 × `zoomctl auth token` (0600 file store): one refresh, every process gets the new token."""
    sb.configure(access_token_ttl=299)
    login(zx, "public", *FILE).ok()
    sb.configure(access_token_ttl=3599)
    old = file_tokens(config_dir, KEY)
    assert old["e"] - time.time() < 300
    sb.reset_stats()
    # the first refresh takes 2 s: the other processes arrive meanwhile and must wait for it
    sb.faults.add_spec("token.refresh_token:1:delay=2")

    procs = [zx.popen("auth", "token") for _ in range(8)]
    outputs = [p.communicate(timeout=WAIT) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes == [0] * 8, [err for _, err in outputs]
    assert refreshes(sb) == 1

    new = file_tokens(config_dir, KEY)
    assert {out.strip() for out, _ in outputs} == {new["a"]}
    assert (data_dir / "locks" / "default_acme-yoga.lock").exists()  # the cross-process refresh lock
    assert refresh_token_works(sb, new["r"]) and not refresh_token_works(sb, old["r"])

    # the stored pair is the newest: a later refresh works
    sb.clock.advance(3600)
    zi("auth", "status").ok()
    assert refreshes(sb) == 2


def test_eight_processes_refused_with_124_refresh_once(zi, zx, sb, connected, config_dir):
    """8 × `zoomctl auth status` whose token Zoom calls expired (code 124): one refresh."""
    sb.clock.advance(3600)
    sb.faults.add_spec("token.refresh_token:1:delay=2")  # the others arrive while it runs
    procs = [zx.popen("auth", "status", "--json") for _ in range(8)]
    outputs = [p.communicate(timeout=WAIT) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert refreshes(sb) == 1
    new = file_tokens(config_dir, KEY)
    assert refresh_token_works(sb, new["r"])
    sb.clock.advance(3600)
    zi("auth", "status").ok()
    assert refreshes(sb) == 2
