"""The fault matrix for Zoom's OAuth server: the faults of tests/faults.py on the code exchange
of `auth login`, the refresh of a user's token and the revoke of `auth logout`, through the
installed zoomctl. For each cell:
no traceback, the documented exit code, the stored tokens never lost by zoomctl itself, and a
rerun (or, where Zoom rotated the refresh token and its answer was lost, a new `auth login`)
finishes the job.

Refresh tokens rotate (ZOOM-FACTS), so a refresh is never sent twice; a token that still has
time left is used while a new one cannot be had (a 5xx, a 429, no answer). A revoke is
harmless twice: one that may have reached Zoom is sent again."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest
from faults import CLIENT_TIMEOUT, DONE_AT_ZOOM, FAULTS, NO_ANSWER, under_fault

from zoomctl.exit_codes import ExitCode

from .authkit import FILE, api_status, file_tokens, member, refresh_token_works, token_file

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

KEY = "default/acme-yoga"


@dataclass(frozen=True)
class Case:
    operation: str  # the sandbox's name for the OAuth call the fault hits
    argv: tuple[str, ...]  # the command that makes it
    expired: bool = False  # the access token has expired (else: it is inside the refresh window)

    def exit_code(self, fault: str) -> ExitCode:
        # the OAuth server has no daily limit: any 429 is waited for
        if self.operation == "revoke" or not self.expired or fault.startswith("429"):
            return ExitCode.OK  # sent again, waited for, or the current token still does
        return ExitCode.NETWORK if fault in NO_ANSWER else ExitCode.ZOOM_ERROR


CASES = {
    # `auth token`: what a script calling Zoom itself runs; it needs a token that works
    "refresh-ahead/auth-token": Case("token.refresh_token", ("auth", "token")),
    "refresh-expired/auth-token": Case("token.refresh_token", ("auth", "token"), expired=True),
    "revoke/auth-logout": Case("revoke", ("auth", "logout", "--json")),
}
#: `auth login`'s calls: the code exchange (a code works once: never sent twice; a new login gets a
#: new one), then who signed in (GET /users/me: sent again like any read)
LOGIN_OPERATIONS = ("token.authorization_code", "user")
CELLS = [(case, fault) for case in CASES for fault in FAULTS]


@pytest.fixture
def connected(company, sb, quick_login, config_dir):
    """acme-yoga connected through the public app, its access token born inside the 5-minute
    refresh window (so every command refreshes it first)."""
    sb.configure(access_token_ttl=299)
    assert quick_login("public", user=member(sb, index=1))["token_location"].startswith("file:")
    sb.configure(access_token_ttl=3599)
    return file_tokens(config_dir, KEY)


@pytest.mark.parametrize(("case", "fault"), CELLS, ids=[f"{c}-{f}" for c, f in CELLS])
def test_token_fault_matrix(zx, quick_login, sb, connected, config_dir, case, fault):
    case = CASES[case]
    if case.expired:  # for Zoom, and in the stored expiry zoomctl goes by
        sb.clock.advance(3600)
        data = json.loads(token_file(config_dir).read_text())
        data["tokens"][KEY]["e"] = time.time() - 10
        token_file(config_dir).write_text(json.dumps(data))
        connected = file_tokens(config_dir, KEY)
    run = zx.with_env(ZOOMCTL_HTTP_TIMEOUT=str(CLIENT_TIMEOUT)) if fault.startswith("timeout") else zx
    res = under_fault(sb, case.operation, fault, lambda: run(*case.argv))
    assert "Traceback" not in res.stderr, res.stderr
    assert res.exit_code == case.exit_code(fault), (res.exit_code, res.stderr)
    if res.exit_code != 0:
        assert any(line.startswith("error: ") for line in res.stderr.splitlines()), res.stderr

    if case.operation == "revoke":
        # forgotten here, and the grant is gone at Zoom (sent again when the first may have failed)
        assert res.json()["revoked"] is True, res.stdout
        assert KEY not in (file_tokens(config_dir, KEY) or {})
        assert not refresh_token_works(sb, connected["r"])
        assert zx("auth", "status", "--offline").exit_code == ExitCode.AUTH_REQUIRED
        return

    stored = file_tokens(config_dir, KEY)
    if not fault.startswith("429"):  # not refreshed (a 429 is waited for): zoomctl kept what it had
        assert stored == connected
    again = zx(*case.argv)
    if fault in DONE_AT_ZOOM:
        # Zoom rotated the refresh token and its answer was lost: a new login is the only way
        assert again.exit_code == ExitCode.AUTH_REQUIRED and "auth login" in again.stderr, again.stderr
        quick_login("public", user=member(sb, index=1))
        again = zx(*case.argv)
    assert again.exit_code == 0, again.stderr
    assert api_status(sb, again.stdout.strip()) == (200, None)  # the token printed works at Zoom


@pytest.mark.parametrize(("operation", "fault"), [(op, f) for op in LOGIN_OPERATIONS for f in FAULTS])
def test_token_fault_matrix_login(zx, sb, company, login, config_dir, operation, fault):
    run = zx.with_env(ZOOMCTL_HTTP_TIMEOUT=str(CLIENT_TIMEOUT)) if fault.startswith("timeout") else zx
    res = under_fault(sb, operation, fault, lambda: login(run, "public", *FILE, user=member(sb, index=1)))
    assert "Traceback" not in res.stderr, res.stderr
    if operation == "user":  # a read: sent again, or waited for; a daily limit is final
        expected = ExitCode.RATE_LIMITED if fault == "429-daily" else ExitCode.OK
    else:
        expected = (
            ExitCode.OK if fault.startswith("429") else ExitCode.NETWORK if fault in NO_ANSWER else ExitCode.ZOOM_ERROR
        )
    assert res.exit_code == expected, (res.exit_code, res.stderr)
    if res.exit_code != 0:
        assert any(line.startswith("error: ") for line in res.stderr.splitlines()), res.stderr
        assert file_tokens(config_dir, KEY) is None  # nothing half-stored
        assert zx("auth", "status", "--offline").exit_code == ExitCode.AUTH_REQUIRED
        res = login(zx, "public", *FILE, user=member(sb, index=1))  # a new login, a new code
        assert res.exit_code == 0, res.stderr
    token = zx("auth", "token")
    assert token.exit_code == 0 and api_status(sb, token.stdout.strip()) == (200, None)
