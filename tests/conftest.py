"""Shared fixtures. The autouse fixture keeps every test off the real home directory,
config, data and keyring."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass

import pytest
from support import default_db, workspace


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
    from zoomctl.core import companies

    with workspace(default_db(isolated)) as store:
        created = companies.create(store, "Acme Yoga", "Europe/Berlin")
        companies.set_feature(store, created, True)
    cfg = ConfigFile.load()
    cfg.set_value("default", "company", created.slug)
    cfg.save()
    return created.slug
