"""Server-to-Server OAuth and ``ZOOMCTL_ZOOM_TOKEN``, end to end (no keyring in these
subprocesses; the keyring-cached variant is in test_keyring.py)."""

from __future__ import annotations

import httpx
import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import FILE, api_status, file_tokens

pytestmark = pytest.mark.e2e


def _s2s_env(sb) -> dict[str, str]:
    app = sb.apps["s2s"]
    return {
        "ZOOMCTL_ZOOM_ACCOUNT_ID": app["account_id"],
        "ZOOMCTL_ZOOM_CLIENT_ID": app["client_id"],
        "ZOOMCTL_ZOOM_CLIENT_SECRET": app["client_secret"],
    }


def _everything_written(*dirs) -> bytes:
    return b"".join(p.read_bytes() for d in dirs if d.exists() for p in sorted(d.rglob("*")) if p.is_file())


@pytest.mark.parametrize("secret_from", ["stdin", "env"])
def test_s2s_login(zi, zx, company, sb, config_dir, secret_from):
    app = sb.apps["s2s"]
    args = [
        "auth",
        "login",
        "--server-to-server",
        "--account-id",
        app["account_id"],
        "--client-id",
        app["client_id"],
        *FILE,
        "--json",
    ]
    if secret_from == "stdin":
        run = zx(*args, "--client-secret-stdin", input=app["client_secret"] + "\n")
    else:
        run = zx.with_env(ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"])(*args)
    result = run.ok().json()
    assert result["kind"] == "s2s"
    assert result["account_id"] == app["account_id"] == sb.world.account["id"]
    assert result["can_act_for_others"] is True  # admin scopes: asked of Zoom
    assert sb.stats()["token.account_credentials"] == 1

    stored = file_tokens(config_dir, "default/acme-yoga")
    assert stored["k"] == "s" and "r" not in stored  # no refresh token in S2S
    if secret_from == "env":
        return  # the rest is the same whichever way the secret came

    status = zx("auth", "status", "--json").ok().json()
    assert (status["kind"], status["source"], status["state"]) == ("s2s", "workspace", "connected")
    token = zi("auth", "token").ok().stdout.strip()
    assert token == stored["a"] and api_status(sb, token) == (200, None)

    # an hour later the S2S token is fetched again with the stored secret (no env needed)
    sb.clock.advance(3700)
    zi("auth", "status").ok()
    assert sb.stats()["token.account_credentials"] == 2
    assert sb.stats().get("token.refresh_token", 0) == 0


def test_s2s_login_needs_the_account_and_the_secret(zi, zx, company, sb):
    app = sb.apps["s2s"]
    no_secret = zi(
        "auth", "login", "--server-to-server", "--account-id", app["account_id"], "--client-id", app["client_id"], *FILE
    )
    assert no_secret.exit_code == ExitCode.INVALID_INPUT
    assert "--client-secret-stdin" in no_secret.stderr and "ZOOMCTL_ZOOM_CLIENT_SECRET" in no_secret.stderr
    no_account = zx.with_env(ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"])(
        "auth", "login", "--server-to-server", "--client-id", app["client_id"], *FILE
    )
    assert no_account.exit_code == ExitCode.INVALID_INPUT and "--account-id" in no_account.stderr
    wrong = zi(
        "auth",
        "login",
        "--server-to-server",
        "--account-id",
        app["account_id"],
        "--client-id",
        app["client_id"],
        "--client-secret-stdin",
        *FILE,
        input="not-the-secret\n",
    )
    assert wrong.exit_code == ExitCode.AUTH_REQUIRED and "invalid_client" in wrong.stderr
    assert zi("auth", "status").exit_code == ExitCode.AUTH_REQUIRED


def test_s2s_from_the_environment_needs_no_login(zx, company, sb, config_dir, data_dir):
    ci = zx.with_env(**_s2s_env(sb))
    status = ci("auth", "status", "--json").ok().json()
    assert status["connected"] is True
    assert (status["source"], status["kind"]) == ("environment (server-to-server)", "s2s")
    assert status["can_act_for_others"] is True

    first = ci("auth", "token").ok().stdout.strip()
    assert api_status(sb, first) == (200, None)
    # without a usable keyring the token is cached in memory only: each process asks again,
    # and nothing lands on disk
    before = sb.stats()["token.account_credentials"]
    ci("auth", "token").ok()
    assert sb.stats()["token.account_credentials"] == before + 1
    written = _everything_written(config_dir, data_dir)
    assert first.encode() not in written and sb.apps["s2s"]["client_secret"].encode() not in written
    assert not (config_dir / "tokens-insecure.json").exists()


def test_zoomctl_zoom_token_is_used_as_is_never_refreshed_never_stored(zx, company, sb, login, config_dir, data_dir):
    login(zx, "public", *FILE).ok()
    stored_before = file_tokens(config_dir, "default/acme-yoga")
    app = sb.apps["s2s"]
    minted = httpx.post(
        f"{sb.oauth_base_url}/oauth/token",
        auth=(app["client_id"], app["client_secret"]),
        data={"grant_type": "account_credentials", "account_id": app["account_id"]},
        trust_env=False,
    ).json()["access_token"]
    env_token = zx.with_env(ZOOMCTL_ZOOM_TOKEN=minted)
    sb.reset_stats()

    # it wins over the workspace's connection
    assert env_token("auth", "token").ok().stdout == minted + "\n"
    status = env_token("auth", "status", "--json").ok().json()
    assert status["source"] == "environment token" and status["live_check"]["ok"] is True

    sb.clock.advance(3700)  # now Zoom refuses it: no refresh, a clear error
    expired = env_token("auth", "status", "--json")
    assert expired.exit_code == ExitCode.AUTH_REQUIRED
    assert "ZOOMCTL_ZOOM_TOKEN" in expired.json()["problem"]
    assert sb.stats().get("token", 0) == 0

    assert file_tokens(config_dir, "default/acme-yoga") == stored_before
    assert minted.encode() not in _everything_written(config_dir, data_dir)

    # logout notes that the environment still supplies credentials
    out = env_token("auth", "logout", "--json").ok().json()
    assert any("ZOOMCTL_ZOOM_" in note for note in out["notes"])
