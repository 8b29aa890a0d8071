"""The fixtures every test directory shares, in one place. The autouse fixture keeps every
test off the real home directory, config, data and keyring."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import assert_clean_error, default_db, dump, workspace, zoomctl_executable

from zoomctl.core import catalog as core_catalog
from zoomctl.core import companies


class MemoryKeyring:
    """An in-memory keyring backend for tests (keyring.set_keyring)."""

    priority = 1

    def __init__(self):
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        import keyring.errors

        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.entries[(service, username)]

    def get_credential(self, service, username):
        return None


def _memory_keyring():
    from keyring.backend import KeyringBackend

    class _Backend(MemoryKeyring, KeyringBackend):
        pass

    return _Backend()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Config dir, data dir, HOME and keyring of each test are its own."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("ZOOMCTL_") and name != "ZOOMCTL_SHARED_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("ZOOMCTL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ZOOMCTL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    import keyring

    previous = keyring.get_keyring()
    backend = _memory_keyring()
    keyring.set_keyring(backend)
    yield tmp_path
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(isolated):
    import keyring

    return keyring.get_keyring()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def zc():
    """Run zoomctl in-process: ``zc("services", "list", "--json")`` → Result."""
    from zoomctl.cli import run

    def invoke(*args: str, input: str | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(input or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run([str(a) for a in args])
        finally:
            sys.stdin = old_stdin
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def company(isolated):
    """A current company acme-yoga in Europe/Berlin with the feature on, made through the core
    API in one transaction (the commands themselves have tests of their own)."""
    from zoomctl.config import ConfigFile

    with workspace(default_db(isolated)) as store:
        created = companies.create(store, "Acme Yoga", "Europe/Berlin")
        companies.set_feature(store, created, True)
    cfg = ConfigFile.load()
    cfg.set_value("default", "company", created.slug)
    cfg.save()
    return created.slug


@pytest.fixture
def db(isolated) -> Path:
    """The default workspace file of the default profile (ZOOMCTL_DATA_DIR is tmp_path/data)."""
    return default_db(isolated)


@pytest.fixture
def fails_cleanly(zc, db):
    """Run a command that must fail with ``code`` and leave every table exactly as it was."""

    def run(code, *args):
        before = dump(db)
        result = zc(*args)
        assert_clean_error(result, code)
        assert dump(db) == before, "a failed command changed the database"
        return result

    return run


@pytest.fixture
def catalog(company, db):
    """acme-yoga with provider 'Dana Smith' (id 1), service 'Private lesson' (id 1), class 'Morning yoga' (id 1)."""
    with workspace(db) as store:
        acme = companies.get(store, company)
        core_catalog.add_provider(store, acme, "Dana Smith", "dana@example.com")
        core_catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith"])
        core_catalog.add_class(store, acme, "Morning yoga", 45, 12)
    return company


@pytest.fixture
def client_id(company, db) -> int:
    with workspace(db) as store:
        return core_catalog.add_client(store, companies.get(store, company), "pat@example.com", "Pat Lee").id


@pytest.fixture
def zoomctl_exe() -> str:
    """The installed console script."""
    return zoomctl_executable()


#: read at import time: the autouse ``isolated`` fixture removes every ZOOMCTL_* variable
PG_ENVIRON = {name: value for name, value in os.environ.items() if name.startswith("ZOOMCTL_TEST_PG_")}


@pytest.fixture(scope="session")
def pg_cluster():
    """The real PostgreSQL server of this run (a ``pgcluster.ClusterInfo``): the one
    scripts/with-postgres started, else a throw-away cluster of this session's own."""
    import pgcluster

    with contextlib.ExitStack() as stack:
        try:
            info = pgcluster.ClusterInfo.from_environ(PG_ENVIRON) or stack.enter_context(pgcluster.Cluster())
        except pgcluster.ClusterError as exc:
            pytest.fail(f"no PostgreSQL server for the tests: {exc}")
        yield info


_pg_databases = itertools.count(1)


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a fresh, empty database owned by the test role, dropped after the test."""
    import psycopg
    from pgcluster import ROLE

    name = f"zoomctl_t{os.getpid()}_{next(_pg_databases)}"
    with psycopg.connect(pg_cluster.superuser_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
    yield pg_cluster.url_for(name)
    with psycopg.connect(pg_cluster.superuser_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path) -> str:
    """A fresh, empty workspace location on each engine: a SQLite file, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "engine" / "workspace.db")
    return request.getfixturevalue("pg_url")
