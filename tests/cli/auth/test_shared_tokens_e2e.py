"""A shared workspace on PostgreSQL, end to end (installed zoomctl, sandbox, real server): the
tokens in the database under the workspace key; eight processes refresh once under the advisory
lock; without the key (or with another) commands that need Zoom fail with the storage exit code
and the rest work."""

from __future__ import annotations

import time

import pytest

from zoomctl.exit_codes import ExitCode
from zoomctl.store import crypto

from .authkit import WAIT, refresh_token_works

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def shared(monkeypatch, pg_url):
    """ZOOMCTL_DB is the shared workspace, ZOOMCTL_WORKSPACE_KEY its key (set before the other fixtures read the environment)."""
    key = crypto.new_key()
    monkeypatch.setenv("ZOOMCTL_DB", pg_url)
    monkeypatch.setenv("ZOOMCTL_WORKSPACE_KEY", key.export())
    return pg_url, key


def stored(pg_url: str, key, company_id: int = 1):
    from zoomctl.core.shared_tokens import DatabaseTokenStore, KeySource
    from zoomctl.store.dialect import parse_location

    location = parse_location(pg_url)
    tokens = DatabaseTokenStore(location, KeySource(location, {crypto.ENV_VAR: key.export()}, None))
    try:
        return tokens.load(f"company/{company_id}")
    finally:
        tokens.close()


def refreshes(sb) -> int:
    return sb.stats().get("token.refresh_token", 0)


def test_eight_processes_on_a_shared_workspace_refresh_once(shared, zi, zx, company, sb, login):
    pg_url, key = shared
    sb.configure(access_token_ttl=299)
    done = login(zx, "public").ok().json()
    assert done["token_location"] == "database"
    sb.configure(access_token_ttl=3599)
    old = stored(pg_url, key)
    assert old.expires_at - time.time() < 300
    sb.reset_stats()
    sb.faults.add_spec("token.refresh_token:1:delay=2")  # the others arrive while the first refreshes

    procs = [zx.popen("auth", "token") for _ in range(8)]
    outputs = [p.communicate(timeout=WAIT) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert refreshes(sb) == 1
    new = stored(pg_url, key)
    assert {out.strip() for out, _ in outputs} == {new.access_token}
    assert refresh_token_works(sb, new.refresh_token) and not refresh_token_works(sb, old.refresh_token)
    sb.clock.advance(3600)
    zi("auth", "status").ok()
    assert refreshes(sb) == 2


def test_without_the_key_zoom_commands_fail_and_the_rest_work(shared, zi, zx, company, sb, login):
    pg_url, key = shared
    login(zx, "public").ok()
    for environ in ({"ZOOMCTL_WORKSPACE_KEY": None}, {"ZOOMCTL_WORKSPACE_KEY": crypto.new_key().export()}):
        other = zx.with_env(**environ)
        refused = other("auth", "token")
        assert refused.exit_code == ExitCode.STORAGE, refused.stderr
        lines = [line for line in refused.stderr.splitlines() if line.strip()]
        assert lines[0].startswith("error: ") and lines[1].strip().startswith("fix: ")
        assert "zoomctl db key import" in refused.stderr
        assert other("company", "list", "--json").ok().json()[0]["slug"] == "acme-yoga"
        assert other("providers", "add", f"Dana {len(environ)}{time.time_ns() % 1000}").exit_code == 0
    zx("auth", "token").ok()  # the right key still opens them


def test_a_rotated_key_opens_the_tokens_and_the_old_one_does_not(shared, zi, zx, company, sb, login):
    pg_url, key = shared
    login(zx, "public").ok()
    rotated = zx("db", "key", "rotate", "--json").ok().json()
    assert rotated["old_key_id"] == key.key_id and rotated["secrets"] >= 1
    assert zx("auth", "token").exit_code == ExitCode.STORAGE  # the environment still holds the old key
    zx.with_env(ZOOMCTL_WORKSPACE_KEY=rotated["key"])("auth", "token").ok()
