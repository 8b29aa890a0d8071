"""Token storage without a secure keyring: the ``fail`` and ``null`` backends mean "no
secure storage" (login fails with STORAGE=11 and says what to do, before any browser);
``--insecure-storage`` writes a 0600 file and warns on every use. Nothing is stored in
plain text silently."""

from __future__ import annotations

import os
import stat

import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import FAIL_BACKEND, FILE, NULL_BACKEND, file_tokens, token_file

pytestmark = pytest.mark.e2e

PLAIN_TEXT_WARNING = "stored in plain text"


def _files(*dirs) -> list[str]:
    return sorted(str(p) for d in dirs if d.exists() for p in d.rglob("*") if p.is_file())


@pytest.mark.parametrize("backend", [FAIL_BACKEND, NULL_BACKEND], ids=["fail", "null"])
@pytest.mark.parametrize("flow", ["oauth", "s2s"])
def test_without_a_secure_keyring_login_fails_and_says_what_to_do(zi, zx, company, sb, config_dir, backend, flow):
    no_keyring = zx.with_env(PYTHON_KEYRING_BACKEND=backend)
    if flow == "oauth":
        run = no_keyring(
            "auth", "login", "--client-id", sb.apps["public"]["client_id"], "--public", "--no-browser", "--timeout", "5"
        )
    else:
        app = sb.apps["s2s"]
        run = no_keyring(
            "auth",
            "login",
            "--server-to-server",
            "--account-id",
            app["account_id"],
            "--client-id",
            app["client_id"],
            "--client-secret-stdin",
            input=app["client_secret"] + "\n",
        )
    assert run.exit_code == ExitCode.STORAGE
    assert "no secure token storage" in run.stderr
    assert "--insecure-storage" in run.stderr and "keyring" in run.stderr
    assert "/oauth/authorize" not in run.stderr  # it failed before sending anyone to a browser
    assert sb.stats() == {}  # and before talking to Zoom
    assert not token_file(config_dir).exists()
    assert zi("auth", "status").exit_code == ExitCode.AUTH_REQUIRED


def test_insecure_storage_is_a_0600_file_and_warned_about_on_every_use(
    zi, zx, company, sb, login, config_dir, data_dir
):
    run = login(zx, "public", *FILE, json_out=False).ok()
    path = token_file(config_dir)
    assert PLAIN_TEXT_WARNING in run.stderr and str(path) in run.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = file_tokens(config_dir, "default/acme-yoga")

    for args in (("auth", "status"), ("auth", "status", "--json"), ("auth", "token")):
        used = zx(*args).ok()
        assert PLAIN_TEXT_WARNING in used.stderr, args
    assert used.stdout == stored["a"] + "\n"  # the warning never pollutes the token

    # the tokens are in that one file and nowhere else
    holders = [f for f in _files(config_dir, data_dir) if stored["r"].encode() in open(f, "rb").read()]
    assert holders == [str(path)]

    # a file opened up by someone is closed again on the next use
    os.chmod(path, 0o644)
    zi("auth", "status", "--offline").ok()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_insecure_file_is_used_only_when_asked(zi, zx, company, sb, login, config_dir):
    """Logging in again without --insecure-storage does not fall back to the file."""
    login(zx, "public", *FILE).ok()
    before = token_file(config_dir).read_bytes()
    run = zx.login("--client-id", sb.apps["public"]["client_id"], "--public").finish()
    assert run.exit_code == ExitCode.STORAGE and "--insecure-storage" in run.stderr
    assert token_file(config_dir).read_bytes() == before
    zi("auth", "status").ok()  # the existing connection is untouched
