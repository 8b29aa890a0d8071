"""Edges of the command line: a closed pipe, a mistyped profile, the database file's mode."""

from __future__ import annotations

import os
import stat
import subprocess

from support import default_db, zoomctl_executable

from zoomctl.exit_codes import ExitCode


def test_a_reader_that_stops_early_is_not_an_error(tmp_path, company, isolated):
    import sqlite3

    with sqlite3.connect(default_db(isolated)) as conn:
        conn.executemany(
            "INSERT INTO clients (company_id, email, name, created_at) VALUES (1, ?, NULL, '2026-01-01T00:00:00Z')",
            [(f"c{i}@example.com",) for i in range(20000)],
        )
    env = {**os.environ}
    done = subprocess.run(
        f"'{zoomctl_executable()}' clients list --json | head -1; echo \"rc=${{PIPESTATUS[0]}}\"",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["[", "rc=0"], done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "error" not in done.stderr


def test_a_mistyped_profile_is_refused_instead_of_a_new_empty_workspace(zc, company, isolated):
    result = zc("--profile", "typ0", "company", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert "no profile 'typ0'" in result.stderr and "config set" in result.stderr
    assert not (isolated / "data" / "workspace-typ0.db").exists()
    # `config` may create it, and then it works
    assert zc("--profile", "typ0", "config", "set", "company", "acme-yoga").exit_code == 0
    assert zc("--profile", "typ0", "company", "list").exit_code == 0


def test_the_workspace_database_is_private(company, isolated):
    mode = stat.S_IMODE(os.stat(default_db(isolated)).st_mode)
    assert mode == 0o600
