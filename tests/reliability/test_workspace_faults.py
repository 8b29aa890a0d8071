"""The installed zoomctl when its files misbehave: the workspace locked by another process's
write transaction (it waits for the busy timeout, then fails clearly with the configuration
exit code, nothing half-written), and a full disk while it writes the workspace or
config.toml (RLIMIT_FSIZE on the child process: a clear error, the previous file intact)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pytest
from support import default_db, rows, zoomctl_executable

from zoomctl.exit_codes import ExitCode

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

HOLDER = """\
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE companies SET name = name")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute(sys.argv[3])
"""


def zoomctl(*args: str, limit_bytes: int | None = None, timeout: float = 40) -> subprocess.CompletedProcess:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = dict(os.environ, NO_COLOR="1", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.run(
        [zoomctl_executable(), *args], capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=limit
    )


def hold_lock(db, seconds: float, end: str) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds), end], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def one_error(done: subprocess.CompletedProcess) -> list[str]:
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("  fix: "), done.stderr
    return lines


def test_a_writer_waits_for_another_process_s_write_lock(company, isolated):
    db = default_db(isolated)
    holder = hold_lock(db, 1.5, "ROLLBACK")
    try:
        done = zoomctl("providers", "add", "Dana Smith", "--email", "dana@example.com")
    finally:
        holder.wait(10)
    assert done.returncode == 0, done.stderr  # it waited for the lock instead of failing
    assert [r["name"] for r in rows(db, "SELECT name FROM providers")] == ["Dana Smith"]


@pytest.mark.timeout(90)
def test_a_lock_held_past_the_busy_timeout_fails_clearly_and_writes_nothing(company, isolated):
    db = default_db(isolated)
    holder = hold_lock(db, 30, "ROLLBACK")
    try:
        started = time.monotonic()
        done = zoomctl("providers", "add", "Dana Smith", "--email", "dana@example.com")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(10)
    assert done.returncode == ExitCode.CONFIG, done.stderr
    error, _fix = one_error(done)
    assert "busy" in error and "another process" in error
    assert waited >= 5, "it gave up before the busy timeout"  # behaviour: it did wait (the timeout is 10 s)
    assert rows(db, "SELECT name FROM providers") == []


def test_a_lock_whose_holder_commits_meanwhile_fails_clearly(company, isolated):
    """The other writer changed the workspace under this command's reads: it cannot go on safely."""
    db = default_db(isolated)
    holder = hold_lock(db, 1.0, "COMMIT")
    try:
        done = zoomctl("providers", "add", "Dana Smith", "--email", "dana@example.com")
    finally:
        holder.wait(10)
    if done.returncode == 0:  # it may also have read only after the commit: then it simply worked
        assert [r["name"] for r in rows(db, "SELECT name FROM providers")] == ["Dana Smith"]
    else:
        assert done.returncode == ExitCode.CONFIG
        one_error(done)
        assert rows(db, "SELECT name FROM providers") == []


def test_a_full_disk_while_writing_config_keeps_the_previous_config(company, isolated):
    config = isolated / "config" / "config.toml"
    before = config.read_bytes()
    size = len(before)
    done = zoomctl("config", "set", "company", "x" * 60, limit_bytes=size + 8)
    assert done.returncode == ExitCode.CONFIG, done.stderr
    error, _fix = one_error(done)
    assert f"cannot write {config}" in error
    assert config.read_bytes() == before
    assert not [p.name for p in config.parent.iterdir() if p.name.startswith(".config-")]  # no temporary left
    assert zoomctl("config", "get", "company").returncode == 0


def test_a_full_disk_while_writing_the_workspace_writes_nothing(company, isolated):
    db = default_db(isolated)
    # one WAL frame is a 4096-byte page plus its header: no write to the workspace fits
    done = zoomctl("providers", "add", "Dana Smith", "--email", "dana@example.com", "--json", limit_bytes=4096)
    assert done.returncode == ExitCode.CONFIG, done.stderr
    error, _fix = one_error(done)
    assert "cannot write the workspace database" in error and "nothing was changed" in error
    assert rows(db, "SELECT name FROM providers") == []
    assert zoomctl("providers", "list", "--json").returncode == 0  # the workspace is still whole
