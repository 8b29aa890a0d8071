"""The throw-away cluster itself: scripts/with-postgres and the fixture's own cluster leave no
server and no directory behind, on success, on failure and on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pgcluster
import pytest
from support import REPO

pytestmark = pytest.mark.postgres

WITH_POSTGRES = REPO / "scripts" / "with-postgres"

# Run by the command under with-postgres: prints what it was given and where the server keeps its data.
PROBE = """
import json, os, sys, psycopg
with psycopg.connect(os.environ["ZOOMCTL_TEST_PG_SUPERUSER_URL"]) as conn:
    data = conn.execute("SHOW data_directory").fetchone()[0]
env = {k: v for k, v in os.environ.items() if k.startswith("ZOOMCTL_TEST_PG_")}
print(json.dumps({"data": data, "env": env}), flush=True)
"""


def server_is_gone(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


def with_postgres_env() -> dict[str, str]:
    """The environment of a run by hand: no cluster variables from an outer with-postgres."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCTL_TEST_PG_")}


def test_a_cluster_started_and_stopped_leaves_nothing_behind():
    cluster = pgcluster.Cluster()
    with cluster as info:
        root = cluster.root
        assert (root / "data" / "PG_VERSION").is_file()
        assert not server_is_gone(info.url)
    assert not root.exists()
    assert server_is_gone(info.url)


def test_with_postgres_passes_the_urls_and_the_exit_status_and_cleans_up():
    command = [sys.executable, "-c", PROBE + "sys.exit(7)"]
    done = subprocess.run(
        [str(WITH_POSTGRES), *command], env=with_postgres_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 7, done.stderr
    seen = json.loads(done.stdout)
    assert set(seen["env"]) == {
        pgcluster.ENV_URL,
        pgcluster.ENV_SUPERUSER_URL,
        pgcluster.ENV_PASSWORD_URL,
        pgcluster.ENV_PASSWORD,
    }
    assert seen["env"][pgcluster.ENV_URL].startswith("postgresql://zoomctl_test@127.0.0.1:")
    assert seen["env"][pgcluster.ENV_PASSWORD] not in seen["env"][pgcluster.ENV_PASSWORD_URL]
    assert not Path(seen["data"]).parent.exists()
    assert server_is_gone(seen["env"][pgcluster.ENV_SUPERUSER_URL])


def test_with_postgres_cleans_up_on_sigterm():
    command = [sys.executable, "-c", PROBE + "import time; time.sleep(120)"]
    proc = subprocess.Popen(
        [str(WITH_POSTGRES), *command], env=with_postgres_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        seen = json.loads(proc.stdout.readline())
        assert Path(seen["data"]).is_dir()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 128 + signal.SIGTERM
    assert time.monotonic() - started < 30
    assert not Path(seen["data"]).parent.exists()
    assert server_is_gone(seen["env"][pgcluster.ENV_SUPERUSER_URL])


def test_with_postgres_without_a_command_says_how_to_use_it():
    done = subprocess.run([str(WITH_POSTGRES)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "usage: scripts/with-postgres COMMAND" in done.stderr


def test_missing_server_binaries_name_the_fix(monkeypatch):
    monkeypatch.setattr(pgcluster.shutil, "which", lambda name: None)
    monkeypatch.setattr(pgcluster.glob, "glob", lambda pattern: [])
    with pytest.raises(pgcluster.ClusterError, match=r"scripts/system-deps .* scripts/with-postgres"):
        pgcluster.Cluster()


def test_the_highest_installed_version_is_preferred(monkeypatch, tmp_path):
    for version in ("9.6", "15", "13"):
        (tmp_path / version / "bin").mkdir(parents=True)
        for program in ("initdb", "pg_ctl"):
            (tmp_path / version / "bin" / program).touch()
    monkeypatch.setattr(pgcluster.shutil, "which", lambda name: None)
    assert pgcluster.find_bindir(f"{tmp_path}/*/bin") == tmp_path / "15" / "bin"
