"""How `auth login` picks its client secret, and what `auth status` says when Zoom is away."""

from __future__ import annotations

import pytest

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox import Sandbox, SandboxOptions


@pytest.fixture
def sandbox_env(monkeypatch):
    with Sandbox(SandboxOptions(users=2)) as sb:
        monkeypatch.setenv("ZOOMCTL_ZOOM_OAUTH_URL", sb.oauth_base_url)
        monkeypatch.setenv("ZOOMCTL_ZOOM_API_URL", sb.api_base_url)
        yield sb


def test_without_a_terminal_a_missing_secret_is_an_error_not_a_public_login(zc, company, sandbox_env):
    result = zc("--no-input", "auth", "login", "--client-id", sandbox_env.apps["confidential"]["client_id"])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "--client-secret-stdin" in result.stderr and "--public" in result.stderr
    assert sandbox_env.stats().get("authorize", 0) == 0


def test_public_ignores_a_secret_in_the_environment(zc, company, sandbox_env, monkeypatch):
    from zoomctl.core import auth as core_auth

    seen = {}
    monkeypatch.setenv("ZOOMCTL_ZOOM_CLIENT_SECRET", "s2s-secret-meant-for-something-else")
    monkeypatch.setattr(core_auth, "login_request", _spy(core_auth.login_request, seen))
    zc("--no-input", "auth", "login", "--client-id", "x", "--public", "--timeout", "0.1")
    assert seen["result"].client_id == "x" and seen["result"].client_secret is None


def test_public_and_secret_from_stdin_contradict(zc, company, sandbox_env):
    result = zc("auth", "login", "--client-id", "x", "--public", "--client-secret-stdin", input="secret\n")
    assert result.exit_code == ExitCode.INVALID_INPUT and "contradict" in result.stderr


def test_status_says_unreachable_when_zoom_does_not_answer(zc, company, monkeypatch):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("ZOOMCTL_ZOOM_API_URL", f"http://127.0.0.1:{port}/v2")
    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", "a-token")
    result = zc("auth", "status", "--json")
    assert result.exit_code == ExitCode.AUTH_REQUIRED
    assert result.json()["state"] == "unreachable" and result.json()["connected"] is False


def test_a_bad_keyring_timeout_is_a_configuration_error(zc, company, monkeypatch):
    monkeypatch.setenv("ZOOMCTL_KEYRING_TIMEOUT", "abc")
    result = zc("auth", "login", "--client-id", "x", "--public")
    assert result.exit_code == ExitCode.CONFIG
    assert "ZOOMCTL_KEYRING_TIMEOUT" in result.stderr and "Traceback" not in result.stderr


def test_server_to_server_from_the_environment_fetches_one_token_per_process(company, sandbox_env, monkeypatch):
    from zoomctl.app import App
    from zoomctl.config import ConfigFile, resolve_settings
    from zoomctl.core import companies
    from zoomctl.ui import UI

    s2s = sandbox_env.apps["s2s"]
    monkeypatch.setenv("ZOOMCTL_ZOOM_ACCOUNT_ID", s2s["account_id"])
    monkeypatch.setenv("ZOOMCTL_ZOOM_CLIENT_ID", s2s["client_id"])
    monkeypatch.setenv("ZOOMCTL_ZOOM_CLIENT_SECRET", s2s["client_secret"])
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    cfg = ConfigFile.load()
    app = App(config=cfg, settings=resolve_settings(cfg, {}), ui=UI())
    try:
        acme = companies.get(app.store, company)
        for _ in range(3):
            with app.zoom(acme) as zoom:
                zoom.get_user("me")
    finally:
        app.finish(ok=True)
    assert sandbox_env.stats()["token.account_credentials"] == 1


def _spy(fn, seen):
    def wrapper(*args, **kwargs):
        seen["result"] = fn(*args, **kwargs)
        return seen["result"]

    return wrapper


def test_zoom_users_explains_a_grant_that_acts_only_for_itself(zc, company, sandbox_env, monkeypatch):
    from zoomctl.exit_codes import ExitCode as Codes

    tokens = _user_level_token(sandbox_env)
    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", tokens)
    result = zc("zoom", "users")
    assert result.exit_code == Codes.AUTH_REQUIRED
    assert "may not list the account's users" in result.stderr and "--shared-access" in result.stderr


def test_with_shared_access_an_inactive_zoom_user_is_refused_for_what_it_is(zc, company, sandbox_env, monkeypatch):
    from zoomctl.exit_codes import ExitCode as Codes

    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", _user_level_token(sandbox_env, shared_access=True))
    with sandbox_env.world.lock:
        inactive = next(u for u in sandbox_env.world.users.values() if u["status"] == "inactive")["email"]
    assert zc("providers", "add", "Kim Lee", "--email", "kim@example.com").exit_code == 0
    result = zc("providers", "assign", "Kim Lee", "--zoom-user", inactive)
    assert result.exit_code == Codes.CONFLICT, result.stderr
    error, fix = result.stderr.splitlines()
    assert f"Zoom user {inactive} is inactive, not active" in error and "shared access" not in error
    assert "activate the user in Zoom" in fix and "choose an active one" in fix


def test_an_invalid_email_for_the_zoom_user_exits_3_before_zoom_is_asked(zc, company, sandbox_env, monkeypatch):
    from zoomctl.exit_codes import ExitCode as Codes

    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", _user_level_token(sandbox_env))
    assert zc("providers", "add", "Kim Lee").exit_code == 0
    before = sandbox_env.stats()
    result = zc("providers", "assign", "Kim Lee", "--zoom-user", "kim@@example.com")
    assert result.exit_code == Codes.INVALID_INPUT, result.stderr
    assert sandbox_env.stats() == before


def test_a_permission_limit_of_the_authorization_exits_7(zc, company, sandbox_env, monkeypatch):
    from zoomctl.exit_codes import ExitCode as Codes

    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", _user_level_token(sandbox_env))  # acts for itself only
    with sandbox_env.world.lock:
        owner = sandbox_env.world.account["owner_id"]
        other = next(u for u in sandbox_env.world.users.values() if u["status"] == "active" and u["id"] != owner)[
            "email"
        ]
    assert zc("providers", "add", "Kim Lee").exit_code == 0
    result = zc("providers", "assign", "Kim Lee", "--zoom-user", other)
    assert result.exit_code == Codes.AUTH_REQUIRED, result.stderr
    assert "--shared-access" in result.stderr


def _user_level_token(sb, *, shared_access: bool = False) -> str:
    """A public-app grant (without shared access unless asked), through the sandbox's auto-approve."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    import httpx

    with sb.world.lock:
        owner = sb.world.users[sb.world.account["owner_id"]]["email"]
    sb.configure(auto_approve=owner, auto_approve_shared_access=shared_access)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    client_id = sb.apps["public"]["client_id"]
    redirect = "http://127.0.0.1:1/callback"
    answer = httpx.get(
        f"{sb.oauth_base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        follow_redirects=False,
        trust_env=False,
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{sb.oauth_base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
            "client_id": client_id,
        },
        trust_env=False,
    )
    return token.json()["access_token"]
