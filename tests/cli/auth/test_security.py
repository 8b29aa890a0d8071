"""Security of `zoomctl auth …`: the loopback listener is on 127.0.0.1 only and answers
404 elsewhere; the authorization code, the tokens and the client secret never appear in
any output (also with --debug), in config.toml or the workspace, or in a process's argv."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import FILE, file_tokens, listening_addresses, member

pytestmark = pytest.mark.e2e

KEY = "default/acme-yoga"


def _fragments(secret: str) -> list[str]:
    """The secret and pieces of it: a token cut short in a log line is still a leak."""
    pieces = [secret]
    if len(secret) > 80:
        middle = len(secret) // 2
        pieces += [secret[-40:], secret[middle : middle + 40]]
    return pieces


def _assert_nowhere(secrets: dict[str, str], places: dict[str, str | bytes]) -> None:
    for what, secret in secrets.items():
        for piece in _fragments(secret):
            for where, text in places.items():
                haystack = text if isinstance(text, bytes) else text.encode()
                assert piece.encode() not in haystack, f"{what} found in {where}"


def _local_addresses() -> set[str]:
    """This host's own IPv4 addresses (the LOCAL /32 entries of the kernel's routing trie)."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    return {lines[i - 1].split()[-1] for i, line in enumerate(lines) if "/32 host LOCAL" in line}


def _proc_args(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def test_the_listener_is_on_127_0_0_1_only_and_answers_404_elsewhere(zx, company, sb, browser):
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
    try:
        port = proc.port
        assert proc.redirect_uri == f"http://127.0.0.1:{port}/callback"
        assert listening_addresses(port) == ["0100007F"]  # 127.0.0.1, no 0.0.0.0, no IPv6
        others = {"127.0.0.2"} | (_local_addresses() - {"127.0.0.1"})  # e.g. the LAN address
        for other in sorted(others):
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((other, port)) != 0, other

        with httpx.Client(timeout=5, trust_env=False) as http:
            for path in (
                "/",
                "/favicon.ico",
                "/callbackx",
                "/callback/",
                "/oauth/callback",
                f"/other?code=abc&state={proc.state}",
            ):
                answer = http.get(f"http://127.0.0.1:{port}{path}")
                assert answer.status_code == 404, path
                assert "not part of the zoomctl login" in answer.text
        # the stray requests changed nothing: the real redirect still completes the login
        assert browser.login(proc.url()).status_code == 200
        proc.finish().ok()
    finally:
        proc.kill()


def test_no_code_token_or_secret_in_output_logs_files_or_argv(zx, company, sb, browser, config_dir, data_dir):
    app = sb.apps["confidential"]
    proc = zx.login(
        "--client-id",
        app["client_id"],
        "--client-secret-stdin",
        *FILE,
        "--timeout",
        "30",
        stdin=app["client_secret"],
        root=("--debug",),
    )
    try:
        url = proc.url()
        argv = _proc_args(proc.pid)  # the running login's command line
        assert b"auth" in argv and b"login" in argv
        assert not any(app["client_secret"].encode() in arg for arg in argv)
        # given on stdin, the secret is not in the process's environment either
        assert app["client_secret"].encode() not in Path(f"/proc/{proc.pid}/environ").read_bytes()
        assert app["client_secret"] not in url
        assert browser.login(url, user=member(sb, index=1)).status_code == 200
        logged_in = proc.finish().ok()
    finally:
        proc.kill()
    first = file_tokens(config_dir, KEY)

    sb.clock.advance(3600)  # the next call refreshes: the new pair must not leak either
    refreshed = zx("--debug", "auth", "status", "--json").ok()
    assert "debug: zoomctl.http: POST" in refreshed.stderr and "/oauth/token -> 200" in refreshed.stderr
    second = file_tokens(config_dir, KEY)
    assert second["r"] != first["r"]
    status = zx("--debug", "auth", "status").ok()
    token = zx("--debug", "auth", "token").ok()
    assert token.stdout.strip() == second["a"]  # the one place a token belongs
    logout = zx("--debug", "auth", "logout").ok()

    secrets = {
        "client secret": app["client_secret"],
        "authorization code": browser.last_code,
        "access token": first["a"],
        "refresh token": first["r"],
        "refreshed access token": second["a"],
        "refreshed refresh token": second["r"],
    }
    places: dict[str, str | bytes] = {
        "login stdout": logged_in.stdout,
        "login stderr (--debug)": logged_in.stderr,
        "status --json stdout": refreshed.stdout,
        "status --json stderr (--debug)": refreshed.stderr,
        "status stdout": status.stdout,
        "status stderr (--debug)": status.stderr,
        "token stderr (--debug)": token.stderr,
        "logout stdout": logout.stdout,
        "logout stderr (--debug)": logout.stderr,
    }
    files = [
        p
        for d in (config_dir, data_dir)
        for p in d.rglob("*")
        if p.is_file() and not p.name.startswith(("tokens-insecure.json", ".tokens-insecure.json"))
    ]
    assert config_dir / "config.toml" in files
    places.update({str(p): p.read_bytes() for p in files})
    _assert_nowhere(secrets, places)
    assert "debug:" in logged_in.stderr  # --debug really was on


def test_s2s_secret_and_token_stay_out_of_debug_output(zx, company, sb, config_dir, data_dir):
    app = sb.apps["s2s"]
    run = zx.with_env(ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"])(
        "--debug",
        "auth",
        "login",
        "--server-to-server",
        "--account-id",
        app["account_id"],
        "--client-id",
        app["client_id"],
        *FILE,
    ).ok()
    stored = file_tokens(config_dir, KEY)
    status = zx("--debug", "auth", "status", "--json").ok()
    assert "debug:" in run.stderr
    _assert_nowhere(
        {"client secret": app["client_secret"], "access token": stored["a"]},
        {
            "login stdout": run.stdout,
            "login stderr": run.stderr,
            "status stdout": status.stdout,
            "status stderr": status.stderr,
            "config.toml": (config_dir / "config.toml").read_bytes(),
        },
    )


def test_a_client_secret_is_never_a_command_line_value(zi, zx, company, sb):
    run = zi(
        "auth",
        "login",
        "--client-id",
        sb.apps["confidential"]["client_id"],
        "--client-secret",
        sb.apps["confidential"]["client_secret"],
        "--no-browser",
        *FILE,
    )
    assert run.exit_code == ExitCode.USAGE
    assert sb.stats() == {}
    help_text = zi("auth", "login", "--help").ok().stdout
    assert "--client-secret-stdin" in help_text
    assert "--client-secret " not in help_text and "--client-secret=" not in help_text
