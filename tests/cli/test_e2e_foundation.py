"""The issue's "done when", with the real installed console script in separate processes: a new user creates a
company, adds a provider, a service and a class, switches the service online, and a LATER invocation sees it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import closing

import pytest

from zoomctl.exit_codes import ExitCode


@pytest.fixture
def run_zoomctl(zoomctl_exe, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCTL_")}
    env.update(
        HOME=str(tmp_path / "home"),
        ZOOMCTL_CONFIG_DIR=str(tmp_path / "e2e-config"),
        ZOOMCTL_DATA_DIR=str(tmp_path / "e2e-data"),
        NO_COLOR="1",
    )

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([zoomctl_exe, *args], capture_output=True, text=True, env=env, timeout=60)
        if ok:
            assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
        return done

    return run


def test_a_new_user_sets_up_an_online_service(run_zoomctl, tmp_path):
    run_zoomctl("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use")
    run_zoomctl("feature", "enable")
    run_zoomctl("providers", "add", "Dana Smith", "--email", "dana@example.com")
    run_zoomctl("services", "add", "Private lesson", "--duration", "60", "--provider", "Dana Smith")
    run_zoomctl("classes", "add", "Morning yoga", "--duration", "45", "--capacity", "12")
    switched = run_zoomctl("services", "online", "Private lesson", "--on")
    assert "online-meeting service" in switched.stderr

    later = run_zoomctl("services", "list", "--json")
    services = json.loads(later.stdout)
    assert [(s["name"], s["online"], s["providers"]) for s in services] == [("Private lesson", True, ["Dana Smith"])]
    assert later.stderr == ""

    # it all lives where the environment said, nowhere else
    db = tmp_path / "e2e-data" / "workspace.db"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT online FROM services").fetchone()[0] == 1
    assert (tmp_path / "e2e-config" / "config.toml").is_file()
    assert not (tmp_path / "home" / ".local").exists() and not (tmp_path / "home" / ".config").exists()


def test_a_bad_value_in_a_real_process(run_zoomctl, tmp_path):
    run_zoomctl("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use")
    db = tmp_path / "e2e-data" / "workspace.db"
    with closing(sqlite3.connect(db)) as conn:
        before = list(conn.iterdump())
    done = run_zoomctl("services", "add", "Private lesson", "--duration", "1441", ok=False)
    assert done.returncode == ExitCode.INVALID_INPUT
    assert done.stdout == ""
    assert done.stderr.splitlines()[0].startswith("error: ")
    assert done.stderr.splitlines()[1].startswith("  fix: ")
    with closing(sqlite3.connect(db)) as conn:
        assert list(conn.iterdump()) == before
