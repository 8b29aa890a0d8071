"""`zoomctl auth login` end to end: the installed zoomctl in a subprocess, the sandbox over
loopback, and an httpx client playing the browser on the consent page.

Token storage here is the ``--insecure-storage`` file (the subprocesses have the ``fail``
keyring backend); the real keyring has its own module (test_keyring.py).
"""

from __future__ import annotations

import getpass
import re
import socket
import stat
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox import Sandbox, SandboxOptions

from .authkit import FILE, file_tokens, member, query_of, refresh_token_works, sandbox_token, token_file, with_query

pytestmark = pytest.mark.e2e

KEY = "default/acme-yoga"


def _port_closed(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


# ---------------------------------------------------------------------------- the happy paths


def test_public_client_logs_in_through_the_consent_page(zi, zx, company, sb, login, config_dir):
    user = member(sb, index=1)  # noah: a plain Licensed member
    run = login(zx, "public", *FILE, user=user).ok()

    # the authorize URL: code + PKCE S256 + a random state, redirect to the loopback listener
    url = run.process.url()
    q = query_of(url)
    assert url.startswith(f"{sb.oauth_base_url}/oauth/authorize?")
    assert q["response_type"] == "code" and q["client_id"] == sb.apps["public"]["client_id"]
    assert q["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", q["code_challenge"])
    assert len(q["state"]) >= 32
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", q["redirect_uri"])
    assert "Open this address" in run.stderr and url in run.stderr

    # the browser page after the callback says it worked
    assert run.page.status_code == 200
    assert "zoomctl is connected to Zoom" in run.page.text

    result = run.json()
    assert result["company"] == "acme-yoga"
    assert result["kind"] == "oauth"
    assert result["account_id"] == sb.world.account["id"]
    assert result["user_email"] == user
    assert result["user_id"] == sb.world.find_user(user)["id"]
    assert result["scopes"] == ["meeting:read", "meeting:write", "user:read"]
    assert result["can_act_for_others"] is False
    assert result["token_location"] == f"file:{token_file(config_dir)}"
    assert result["replaced"] is False
    assert sb.stats()["token.authorization_code"] == 1

    # the workspace remembers the connection; the tokens are in the 0600 file
    status = zx("auth", "status", "--json").ok().json()
    assert status["connected"] is True and status["state"] == "connected"
    assert status["source"] == "workspace"
    assert (status["kind"], status["account_id"], status["user_email"]) == ("oauth", result["account_id"], user)
    assert status["user_id"] == result["user_id"]
    assert status["scopes"] == result["scopes"]
    assert status["can_act_for_others"] is False
    assert status["connected_by"] == getpass.getuser()
    connected_at = datetime.strptime(status["connected_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - connected_at).total_seconds()) < 120
    assert status["live_check"] == {"ok": True, "error": None}
    assert 3000 < status["access_token_expires_in"] <= 3600
    assert "insecure" in status["token_location"]

    stored = file_tokens(config_dir, KEY)
    assert stored and stored["a"] and stored["r"]
    mode = stat.S_IMODE(token_file(config_dir).stat().st_mode)
    assert mode == 0o600, oct(mode)

    human = zi("auth", "status").ok()
    for label in (
        "Company",
        "Zoom account",
        "Zoom user",
        "Kind",
        "Scopes",
        "Token stored in",
        "Access token expires",
        "Live check",
        "Acts for other users",
    ):
        assert label in human.stdout, label
    assert user in human.stdout and stored["a"] not in human.output and stored["r"] not in human.output

    token = zx("auth", "token").ok()
    assert token.stdout == stored["a"] + "\n"
    # a token that works at "Zoom"
    me = httpx.get(f"{sb.api_base_url}/users/me", headers={"Authorization": f"Bearer {token.stdout.strip()}"})
    assert me.status_code == 200 and me.json()["email"] == user


@pytest.mark.parametrize("secret_from", ["stdin", "env"])
def test_confidential_client_keeps_its_secret_for_later_refreshes(
    zi, zx, company, sb, browser, config_dir, secret_from
):
    app = sb.apps["confidential"]
    args = ["--client-id", app["client_id"], *FILE, "--json", "--timeout", "30"]
    if secret_from == "stdin":
        proc = zx.login(*args, "--client-secret-stdin", stdin=app["client_secret"])
    else:
        proc = zx.with_env(ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"]).login(*args)
    try:
        assert browser.login(proc.url()).status_code == 200
        run = proc.finish().ok()
    finally:
        proc.kill()
    assert run.json()["kind"] == "oauth"
    assert app["client_secret"] not in proc.url()

    # the secret went into the token storage, so a refresh later needs no environment
    data = token_file(config_dir).read_text()
    assert f'"{app["client_id"]}":"{app["client_secret"]}"' in data
    sb.clock.advance(3600)  # the access token is now dead at Zoom: code 124 → refresh
    before = sb.stats().get("token.refresh_token", 0)
    status = zi("auth", "status", "--json").ok().json()
    assert status["live_check"]["ok"] is True
    assert sb.stats()["token.refresh_token"] == before + 1


def test_state_and_pkce_differ_on_every_login(zx, company, sb):
    first = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    second = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        a, b = query_of(first.url()), query_of(second.url())
    finally:
        first.kill()
        second.kill()
    assert a["state"] != b["state"]
    assert a["code_challenge"] != b["code_challenge"]
    assert a["redirect_uri"] != b["redirect_uri"]  # an ephemeral port each


@pytest.mark.parametrize(
    ("app", "shared_access", "admin_user", "expected"),
    [
        ("public", False, False, False),
        ("public", True, False, True),
        ("confidential", True, False, True),
        ("admin", False, True, True),
    ],
    ids=["user-level", "public+shared-access", "confidential+shared-access", "admin-app"],
)
def test_whether_the_grant_can_act_for_other_users_is_asked_of_zoom(
    zi, zx, company, sb, login, app, shared_access, admin_user, expected
):
    extra = [*FILE] + (["--shared-access"] if shared_access else [])
    user = member(sb, admin=admin_user, index=0 if admin_user else 1)
    run = login(zx, app, *extra, user=user, shared_access=shared_access).ok()
    grant = next(g for g in sb.world.grants.values() if g["alive"])
    assert grant["shared_access"] is shared_access  # the sandbox really got the ticked box
    assert run.json()["can_act_for_others"] is expected
    assert zi("auth", "status", "--json").ok().json()["can_act_for_others"] is expected


# ---------------------------------------------------------------------------- refusals


def test_deny_on_the_consent_page_fails_clearly(zi, zx, company, sb, login):
    run = login(zx, "public", *FILE, allow=False)
    assert run.exit_code == ExitCode.AUTH_REQUIRED
    assert "declined access" in run.stderr and "zoomctl auth login" in run.stderr
    assert run.page.status_code == 400
    assert "could not connect" in run.page.text and "declined" in run.page.text
    assert sb.stats().get("token", 0) == 0
    status = zi("auth", "status", "--json")
    assert status.exit_code == ExitCode.AUTH_REQUIRED and status.json()["state"] == "not_connected"


def test_a_callback_with_the_wrong_state_is_refused(zi, zx, company, sb, browser):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        location = browser.decide(proc.url())  # a real code, but …
        forged = with_query(location, state="not-the-state-of-this-login")
        page = browser.follow(forged)
        run = proc.finish()
    finally:
        proc.kill()
    assert page.status_code == 400 and "could not connect" in page.text
    assert run.exit_code == ExitCode.AUTH_REQUIRED
    assert "state does not match" in run.stderr and "zoomctl auth login" in run.stderr
    assert sb.stats().get("token", 0) == 0  # the code was never exchanged
    assert _port_closed(proc.port)  # the listener does not wait for more guesses
    assert zi("auth", "status").exit_code == ExitCode.AUTH_REQUIRED


def test_an_error_callback_is_refused_with_zoom_s_words(zx, company, sb, browser):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        page = browser.follow(
            with_query(proc.redirect_uri, error="server_error", error_description="Something broke", state=proc.state)
        )
        run = proc.finish()
    finally:
        proc.kill()
    assert page.status_code == 400
    assert run.exit_code == ExitCode.AUTH_REQUIRED
    assert "Zoom refused the authorization (server_error: Something broke)" in run.stderr


def test_login_times_out_cleanly(zx, company, sb, config_dir):
    started = time.monotonic()
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE, "--timeout", "1")
    port = proc.port
    run = proc.finish(timeout=15)
    assert time.monotonic() - started < 10
    assert run.exit_code == ExitCode.AUTH_REQUIRED
    assert "error: no answer from the browser within 1 s" in run.stderr and "--timeout" in run.stderr
    fix = next(line for line in run.stderr.splitlines() if line.startswith("  fix: "))
    assert "use --no-browser" not in fix and "login --no-browser` again" in fix  # given: not suggested as new
    assert _port_closed(port)
    assert not token_file(config_dir).exists()


def test_timeout_must_be_positive(zi, zx, company, sb):
    run = zi("auth", "login", "--client-id", "x", "--public", "--no-browser", "--timeout", "0")
    assert run.exit_code == ExitCode.INVALID_INPUT and "--timeout" in run.stderr


# ---------------------------------------------------------------------------- paste-back


def test_the_final_address_can_be_pasted_on_stdin(zi, zx, company, sb, browser, config_dir):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE, "--json")
    try:
        location = browser.decide(proc.url(), user=member(sb, index=1))  # the browser is elsewhere:
        proc.paste(location)  # the user copies the address bar instead of following it
        run = proc.finish().ok()
    finally:
        proc.kill()
    assert "paste the address" in run.stderr
    assert run.json()["user_email"] == member(sb, index=1)
    assert file_tokens(config_dir, KEY)
    assert zi("auth", "status").exit_code == 0


def test_a_garbled_paste_is_answered_and_the_login_goes_on(zx, company, sb, browser, config_dir):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE, "--json")
    try:
        location = browser.decide(proc.url())
        proc.paste("http://127.0.0.1:1234/callbak?foo=bar")  # a slip of the mouse
        proc.paste(location)  # then the right address
        run = proc.finish().ok()
    finally:
        proc.kill()
    assert "warning: " in run.stderr and "paste the whole address again" in run.stderr.lower()
    assert file_tokens(config_dir, KEY)


def test_a_pasted_address_with_the_wrong_state_is_refused(zx, company, sb, browser, config_dir):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        location = browser.decide(proc.url())
        proc.paste(with_query(location, state="someone-elses-state"))
        run = proc.finish()
    finally:
        proc.kill()
    assert run.exit_code == ExitCode.AUTH_REQUIRED
    assert "state does not match" in run.stderr
    assert sb.stats().get("token", 0) == 0
    assert file_tokens(config_dir, KEY) is None


def test_a_pasted_denial_is_refused(zx, company, sb, browser):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        proc.paste(browser.decide(proc.url(), allow=False))
        run = proc.finish()
    finally:
        proc.kill()
    assert run.exit_code == ExitCode.AUTH_REQUIRED and "declined access" in run.stderr


# ---------------------------------------------------------------------------- one account per company


def test_a_second_zoom_account_is_refused_until_logout(zi, zx, company, sb, login, config_dir, browser):
    first = login(zx, "public", *FILE, user=member(sb, index=1)).ok().json()
    before = file_tokens(config_dir, KEY)

    with Sandbox(SandboxOptions(seed="another-zoom-account")) as other:
        assert other.world.account["id"] != first["account_id"]
        elsewhere = zx.with_env(ZOOMCTL_ZOOM_OAUTH_URL=other.oauth_base_url, ZOOMCTL_ZOOM_API_URL=other.api_base_url)
        proc = elsewhere.login("--client-id", other.apps["public"]["client_id"], "--public", *FILE)
        try:
            assert browser.login(proc.url()).status_code == 200
            refused = proc.finish()
        finally:
            proc.kill()
        assert refused.exit_code == ExitCode.CONFLICT
        assert first["account_id"] in refused.stderr
        assert "zoomctl auth logout" in refused.stderr  # the fix

        # the first connection is untouched and still works
        assert file_tokens(config_dir, KEY) == before
        status = zi("auth", "status", "--json").ok().json()
        assert status["account_id"] == first["account_id"] and status["user_email"] == first["user_email"]

        # after logout, the other account may connect
        zx("auth", "logout").ok()
        proc = elsewhere.login("--client-id", other.apps["public"]["client_id"], "--public", *FILE, "--json")
        try:
            browser.login(proc.url())
            assert proc.finish().ok().json()["account_id"] == other.world.account["id"]
        finally:
            proc.kill()


def test_another_account_of_the_same_sandbox_is_refused(zi, zx, company, sb, login, config_dir):
    """The sandbox's second account (added over its admin endpoint, as a CI script would):
    its owner logging in while the first account is connected is refused."""
    first = login(zx, "public", *FILE, user=member(sb, index=1)).ok().json()
    before = file_tokens(config_dir, KEY)
    added = httpx.post(f"{sb.base_url}/_sandbox/accounts", json={"users": 1}, timeout=10, trust_env=False)
    second = added.json()["account"]
    assert added.status_code == 201 and second["id"] != first["account_id"]

    refused = login(zx, "public", *FILE, user=second["owner_email"])
    assert refused.exit_code == ExitCode.CONFLICT, refused.stderr
    assert "Traceback" not in refused.stderr
    assert first["account_id"] in refused.stderr and "zoomctl auth logout" in refused.stderr
    assert file_tokens(config_dir, KEY) == before
    status = zi("auth", "status", "--json").ok().json()
    assert (status["account_id"], status["user_email"]) == (first["account_id"], first["user_email"])
    # the refused login's fresh grant is revoked at Zoom: only the kept one lives
    assert _alive_grants(sb) == [_grant_of(sb, before["r"])]
    assert refresh_token_works(sb, before["r"])


def _alive_grants(sb) -> list[str]:
    with sb.world.lock:
        return sorted(g["id"] for g in sb.world.grants.values() if g["alive"])


def _grant_of(sb, refresh_token: str) -> str:
    record = sandbox_token(sb, refresh_token)
    assert record is not None
    return record["grant"]


def test_another_user_of_the_same_account_replaces_the_connection_with_yes(zi, zx, company, sb, login, config_dir):
    login(zx, "public", *FILE, user=member(sb, index=1)).ok()
    old = file_tokens(config_dir, KEY)
    again = login(zx, "public", *FILE, "--yes", user=member(sb, index=2)).ok().json()
    assert again["replaced"] is True
    new = file_tokens(config_dir, KEY)
    assert new["a"] != old["a"] and new["r"] != old["r"]
    status = zi("auth", "status", "--json").ok().json()
    assert status["user_email"] == member(sb, index=2)
    # the replaced connection's grant is revoked at Zoom: only the new one lives
    assert _alive_grants(sb) == [_grant_of(sb, new["r"])]
    assert not refresh_token_works(sb, old["r"])


def test_another_user_of_the_same_account_without_yes_is_refused_and_its_grant_revoked(
    zi, zx, company, sb, login, config_dir
):
    first = login(zx, "public", *FILE, user=member(sb, index=1)).ok().json()
    before = file_tokens(config_dir, KEY)
    refused = login(zx, "public", *FILE, user=member(sb, index=2))  # --no-browser, no terminal: no question
    assert refused.exit_code == ExitCode.INVALID_INPUT, refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"connected to Zoom as {first['user_email']}, not {member(sb, index=2)}" in refused.stderr
    assert "--yes" in refused.stderr
    assert file_tokens(config_dir, KEY) == before
    assert zi("auth", "status", "--json").ok().json()["user_email"] == first["user_email"]
    assert _alive_grants(sb) == [_grant_of(sb, before["r"])]


def test_the_same_user_again_keeps_one_grant(zi, zx, company, sb, login, config_dir):
    login(zx, "public", *FILE, user=member(sb, index=1)).ok()
    again = login(zx, "public", *FILE, user=member(sb, index=1)).ok().json()
    assert again["replaced"] is True  # no question: the same user, the same app
    assert refresh_token_works(sb, file_tokens(config_dir, KEY)["r"])


# ---------------------------------------------------------------------------- opening a browser


def _fake_browser(path: Path, page: Path, *, background: bool) -> Path:
    """A $BROWSER stand-in that loads the URL and follows the redirects (auto-approve).

    ``background``: like a GUI browser, it returns at once and loads the page in another
    process; otherwise, like a console browser (w3m, lynx), zoomctl waits for it."""
    fetch = (
        "import sys, httpx\n"
        "try:\n"
        "    r = httpx.get(sys.argv[1], follow_redirects=True, timeout=2, trust_env=False)\n"
        "    text = f'{r.status_code} {r.text}'\n"
        "except Exception as exc:\n"
        "    text = f'failed: {exc!r}'\n"
        f"open({str(page)!r}, 'w').write(text)\n"
    )
    if background:
        body = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {fetch!r}, sys.argv[1]])\n"
    else:
        body = fetch
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("background", [True, False], ids=["gui-browser", "console-browser"])
def test_without_no_browser_the_browser_is_opened_and_the_loopback_answers(zx, company, sb, tmp_path, background):
    sb.configure(auto_approve=member(sb, index=1))
    page = tmp_path / "page.html"
    fake = _fake_browser(tmp_path / "fake-browser", page, background=background)
    run = zx.with_env(BROWSER=f"{fake} %s")(
        "auth",
        "login",
        "--client-id",
        sb.apps["public"]["client_id"],
        "--public",
        *FILE,
        "--timeout",
        "3",
        "--json",
    )
    loaded = page.read_text() if page.exists() else "(the browser never finished)"
    assert run.exit_code == 0, (run.stderr, loaded)
    assert "Opened your browser" in run.stderr
    assert run.json()["user_email"] == member(sb, index=1)
    assert loaded.startswith("200 ") and "connected to Zoom" in loaded
