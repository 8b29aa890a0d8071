"""`zoomctl sandbox serve` refuses bad flags before it serves: a data-driven corpus.

Each case runs the installed zoomctl (a wrongly accepted case would serve forever, so the
process has a deadline) and checks the exit code, the one-line cause, the one-line fix, no
traceback, and that nothing was written (no state file, no config, no workspace).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from support import zoomctl_executable

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox.world import MAX_ACCOUNTS, MAX_USERS

INVALID = ExitCode.INVALID_INPUT
LONG = "h" * 10_000

#: argv after `sandbox serve` -> exit code, a piece of the error line, a piece of the fix line.
#: Placeholders: {dir} an existing directory, {file} an existing plain file, {broken} a file
#: that is not a sandbox state, {busy} a port something else listens on.
CASES = [
    (["--users", "100000000"], INVALID, "--users 100000000 is out of range", f"give 0 to {MAX_USERS} users"),
    (["--users", str(MAX_USERS + 1)], INVALID, f"--users {MAX_USERS + 1} is out of range", f"0 to {MAX_USERS}"),
    (["--users", "-1"], INVALID, "--users -1 is out of range", f"0 to {MAX_USERS}"),
    (["--accounts", "0"], INVALID, "--accounts 0 is out of range", f"give 1 to {MAX_ACCOUNTS} accounts"),
    (["--accounts", str(MAX_ACCOUNTS + 1)], INVALID, "is out of range", f"1 to {MAX_ACCOUNTS}"),
    (["--token-ttl", "-5"], INVALID, "--token-ttl -5 is out of range", "give 1 to 86400 seconds"),
    (["--token-ttl", "0"], INVALID, "--token-ttl 0 is out of range", "give 1 to 86400 seconds"),
    (["--token-ttl", "86401"], INVALID, "--token-ttl 86401 is out of range", "give 1 to 86400 seconds"),
    (["--state", "{dir}"], INVALID, "is a directory", "give a file for the world"),
    (["--state", "{file}/world.json"], INVALID, "a part of the path is a file", "a directory you can write"),
    (["--state", "{broken}"], INVALID, "cannot use the state file", "fix or delete the file"),
    (["--host", "not a host"], INVALID, "--host 'not a host' is not an IP address", "IP address of this machine"),
    (["--host", "999.1.1.1"], INVALID, "--host '999.1.1.1' is not an IP address", "such as 127.0.0.1"),
    (["--host", ""], INVALID, "--host '' is not an IP address", "such as 127.0.0.1"),
    (["--host", LONG], INVALID, "is not an IP address", "such as 127.0.0.1"),
    (["--host", "192.0.2.1"], INVALID, "cannot listen on '192.0.2.1':0", "give an IP address of this machine"),
    (["--port", "70000"], INVALID, "--port 70000 is out of range", "give 0 (any free port) to 65535"),
    (["--port", "-1"], INVALID, "--port -1 is out of range", "give 0 (any free port) to 65535"),
    (["--port", "{busy}"], INVALID, "cannot listen on '127.0.0.1'", "choose another --port"),
    (["--fault", "meetingCreate:x:status=abc"], INVALID, "bad --fault 'meetingCreate:x:status=abc'", "README"),
    (
        ["--auto-approve", "owner@sandbox.zoomctl.test"],
        INVALID,
        "no active user with that email",
        "ava.fischer@sandbox.zoomctl.test",  # the fix names real users
    ),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def places(tmp_path):
    directory = tmp_path / "a-directory"
    directory.mkdir()
    plain = tmp_path / "plain.txt"
    plain.write_text("not a directory\n")
    broken = tmp_path / "broken.json"
    broken.write_text("{broken")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield {"dir": str(directory), "file": str(plain), "broken": str(broken), "busy": str(listener.getsockname()[1])}
    listener.close()


def _serve(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [zoomctl_executable(), "sandbox", "serve", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,  # a refused command ends at once; an accepted one would serve until killed
        env=dict(os.environ, NO_COLOR="1", COLUMNS="200"),
    )


@pytest.mark.parametrize("argv, code, cause, fix", CASES, ids=[" ".join(c[0])[:40] or "empty" for c in CASES])
def test_a_bad_flag_is_refused_with_its_cause_and_fix(tmp_path, places, argv, code, cause, fix):
    args = [a.format(**places) if "{" in a else a for a in argv]
    before = _snapshot(tmp_path)
    result = _serve(args, tmp_path)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and cause in lines[0], lines[0]
    assert lines[1].strip().startswith("fix: ") and fix in lines[1], lines[1]
    assert not lines[0].rstrip().endswith(".") and not lines[1].rstrip().endswith(".")
    assert len(lines[0]) < 200  # a long value is quoted shortened
    assert _snapshot(tmp_path) == before  # nothing written: no state file, config or workspace


def test_accounts_seeds_that_many_accounts(tmp_path):
    proc = subprocess.Popen(
        [zoomctl_executable(), "sandbox", "serve", "--accounts", "2", "--users", "1", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, NO_COLOR="1"),
    )
    try:
        info = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert [a["s2s_app"] for a in info["accounts"]] == ["s2s", "s2s-2"]
    assert len(info["users"]) == 4  # two owners, one more user each
    assert info["apps"]["s2s-2"]["account_id"] == info["accounts"][1]["id"]
