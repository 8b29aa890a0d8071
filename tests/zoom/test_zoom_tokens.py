from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from keyring.backends import chainer, fail, null
from zoom_helpers import REPO, MemoryKeyring, make_jwt

from zoomctl.errors import StorageError
from zoomctl.zoom.oauth import TokenSet
from zoomctl.zoom.tokens import (
    CHUNK_PREFIX,
    MAX_ENTRY_BYTES,
    FileTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    TokenStore,
    backend_is_secure,
    entry_size,
    keyring_backend_name,
    keyring_is_secure,
    refresh_lock,
)

SCOPES = tuple(
    f"{area}:{verb}:{thing}"
    for area in ("meeting", "user")
    for verb in ("read", "write", "update", "delete")
    for thing in (
        "meeting",
        "registrant",
        "list_meetings",
        "list_registrants",
        "registrant_status",
        "batch_registrants",
    )
)  # 48 granular scopes, about 1.2 kB when joined


def realistic(access_len=900, refresh_len=900, scopes=SCOPES) -> TokenSet:
    return TokenSet(
        make_jwt(access_len), make_jwt(refresh_len), 1_700_003_599.0, scopes, "oauth", "https://api.zoom.us"
    )


# --------------------------------------------------------------------------- keyring backends


class HangingKeyring(MemoryKeyring):
    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(30)
        return None

    set_password = delete_password = get_password


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        from keyring.errors import KeyringLocked

        raise KeyringLocked("locked")


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise RuntimeError(f"D-Bus exploded while storing {password}")


class FlakyKeyring(MemoryKeyring):
    """Fails its first call the way a busy Secret Service can (secretstorage's own error)."""

    def __init__(self):
        super().__init__()
        self.gets = 0

    def get_password(self, service, username):
        self.gets += 1
        if self.gets == 1:
            raise RuntimeError("Failed to create the collection: Prompt dismissed.")
        return super().get_password(service, username)


class SizeCheckingKeyring(MemoryKeyring):
    """Refuses what Windows Credential Manager would refuse (UTF-16 over 2,560 bytes)."""

    def set_password(self, service, username, password):
        if len(password.encode("utf-16-le")) > MAX_ENTRY_BYTES:
            raise OSError(1783, "CredWrite", "The stub received bad data.")
        super().set_password(service, username, password)


class EmptyChainer(chainer.ChainerBackend):
    backends = []  # type: ignore[assignment]


class SecureChainer(chainer.ChainerBackend):
    backends = [null.Keyring(), MemoryKeyring()]  # type: ignore[assignment]


def test_security_classification():
    assert backend_is_secure(MemoryKeyring())
    assert not backend_is_secure(fail.Keyring())
    assert not backend_is_secure(null.Keyring())
    assert not backend_is_secure(EmptyChainer())
    assert not backend_is_secure(type("C", (chainer.ChainerBackend,), {"backends": [null.Keyring()]})())
    assert backend_is_secure(SecureChainer())


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_fail_and_null_backends_are_not_secure(use_keyring, backend):
    use_keyring(backend)
    assert keyring_is_secure() is False
    store = KeyringTokenStore()
    with pytest.raises(StorageError) as info:
        store.save("acme", realistic())
    assert "--insecure-storage" in info.value.hint
    assert "unavailable" in store.location


def test_memory_backend_is_secure(memory_keyring):
    assert keyring_is_secure() is True
    assert "MemoryKeyring" in keyring_backend_name()
    assert KeyringTokenStore().location.startswith("keyring (")


def test_hanging_backend_times_out(use_keyring):
    backend = use_keyring(HangingKeyring())
    store = KeyringTokenStore(timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(StorageError) as info:
            store.load("acme")
        assert time.monotonic() - started < 2
        assert "did not answer within 0.3 s" in info.value.message
        assert "--insecure-storage" in info.value.hint
        started = time.monotonic()
        with pytest.raises(StorageError):  # later calls fail fast instead of waiting again
            store.save("acme", realistic())
        assert time.monotonic() - started < 0.2
    finally:
        backend.release.set()


def test_locked_keyring(use_keyring):
    use_keyring(LockedKeyring())
    with pytest.raises(StorageError) as info:
        KeyringTokenStore().load("acme")
    assert "locked" in info.value.message and info.value.hint


def test_backend_error_is_storage_error_without_the_secret(use_keyring):
    use_keyring(BrokenKeyring())
    tokens = realistic()
    with pytest.raises(StorageError) as info:
        KeyringTokenStore().save("acme", tokens)
    assert "D-Bus exploded" in info.value.message
    assert tokens.access_token not in info.value.message
    assert tokens.access_token[:40] not in info.value.message


def test_a_backend_failing_once_is_asked_again(use_keyring):
    flaky = FlakyKeyring()
    use_keyring(flaky)
    flaky.set_password("zoomctl", "token:acme", "value")
    assert KeyringTokenStore().get_value("token:acme") == "value"
    assert flaky.gets == 2


def test_a_backend_failing_twice_is_a_storage_error_and_a_lock_is_not_retried(use_keyring):
    broken = BrokenKeyring()
    use_keyring(broken)
    with pytest.raises(StorageError):
        KeyringTokenStore().save("acme", realistic())
    locked = LockedKeyring()
    use_keyring(locked)
    started = time.monotonic()
    with pytest.raises(StorageError):
        KeyringTokenStore().load("acme")
    assert time.monotonic() - started < 0.1  # refused at once: not slept on


# --------------------------------------------------------------------------- keyring values


def test_round_trip_and_delete(memory_keyring):
    store = KeyringTokenStore()
    assert store.load("acme") is None
    tokens = realistic(300, 300, ())
    store.save("acme", tokens)
    assert store.load("acme") == tokens
    assert store.delete("acme") is True
    assert store.load("acme") is None
    assert store.delete("acme") is False
    assert memory_keyring.entries == {}


@pytest.mark.parametrize(
    ("access_len", "refresh_len", "scopes"),
    [(600, 600, ()), (900, 900, ()), (900, 900, SCOPES), (1400, 1400, SCOPES), (900, 0, SCOPES[:3])],
)
def test_every_entry_fits_windows_credential_manager(use_keyring, access_len, refresh_len, scopes):
    backend = use_keyring(SizeCheckingKeyring())
    store = KeyringTokenStore()
    tokens = TokenSet(make_jwt(access_len), make_jwt(refresh_len) if refresh_len else None, 1.7e9, scopes, "oauth")
    store.save("acme", tokens)
    assert backend.entries
    for value in backend.entries.values():
        assert len(value.encode("utf-8")) <= MAX_ENTRY_BYTES
        assert len(value.encode("utf-16-le")) <= MAX_ENTRY_BYTES
        assert entry_size(value) <= MAX_ENTRY_BYTES
    assert store.load("acme") == tokens
    assert sum(len(v) for v in backend.entries.values()) < len(tokens.to_json()) + 200  # no duplication


def test_compact_value_has_no_duplication():
    tokens = realistic(900, 900, ())
    value = tokens.to_json()
    assert value.count(tokens.access_token) == 1 and value.count(tokens.refresh_token) == 1
    assert len(value) < 900 + 900 + 80


def test_two_jwts_are_split_into_numbered_entries(memory_keyring):
    store = KeyringTokenStore()
    tokens = realistic(900, 900, ())
    store.save("acme", tokens)
    keys = sorted(user for _, user in memory_keyring.entries)
    assert keys == ["token:acme", "token:acme#1", "token:acme#2"]
    assert memory_keyring.entries[("zoomctl", "token:acme")].startswith(CHUNK_PREFIX)
    assert store.load("acme") == tokens


def test_shrinking_value_removes_stale_parts(memory_keyring):
    store = KeyringTokenStore()
    store.save("acme", realistic(1400, 1400, SCOPES))
    assert len(memory_keyring.entries) >= 4
    small = TokenSet("short", "tiny", 5.0)
    store.save("acme", small)
    assert list(memory_keyring.entries) == [("zoomctl", "token:acme")]
    assert store.load("acme") == small


def test_delete_removes_all_parts_and_keeps_other_keys(memory_keyring):
    store = KeyringTokenStore()
    store.save("acme", realistic())
    store.save("other", realistic())
    assert store.delete("acme") is True
    assert all(user.startswith("token:other") for _, user in memory_keyring.entries)
    assert store.load("other") is not None


def test_torn_chunks_are_detected(memory_keyring):
    store = KeyringTokenStore()
    store.save("acme", realistic())
    memory_keyring.entries[("zoomctl", "token:acme#1")] = "X" * 100
    with pytest.raises(StorageError) as info:
        store.load("acme")
    assert "auth login" in info.value.hint


def test_unreadable_value(memory_keyring):
    memory_keyring.entries[("zoomctl", "token:acme")] = "{not json"
    with pytest.raises(StorageError) as info:
        KeyringTokenStore().load("acme")
    assert "unreadable" in info.value.message and "auth login" in info.value.hint


def test_client_secret_is_a_separate_entry(memory_keyring):
    store = KeyringTokenStore(service="zoomctl-test")
    store.save("acme", realistic(300, 300, ()))
    store.save_client_secret("client-1", "s3cret")
    assert memory_keyring.entries[("zoomctl-test", "client-secret:client-1")] == "s3cret"
    assert store.load_client_secret("client-1") == "s3cret"
    assert store.load_client_secret("client-2") is None
    assert store.delete_client_secret("client-1") is True
    assert store.load("acme") is not None


# --------------------------------------------------------------------------- other stores


@pytest.mark.parametrize("make", [MemoryTokenStore, lambda: FileTokenStore(Path(os.environ["ZT_TMP"]) / "t.json")])
def test_stores_share_the_protocol(make, tmp_path, monkeypatch):
    monkeypatch.setenv("ZT_TMP", str(tmp_path))
    store = make()
    assert isinstance(store, TokenStore)
    tokens = realistic()
    assert store.load("a") is None
    store.save("a", tokens)
    store.save("b", TokenSet("x", None, 1.0, (), "s2s"))
    assert store.load("a") == tokens and store.load("b").kind == "s2s"
    assert store.delete("a") and not store.delete("a")
    store.save_client_secret("cid", "sec")
    assert store.load_client_secret("cid") == "sec"
    assert store.delete_client_secret("cid") and store.load_client_secret("cid") is None
    assert store.load("b") is not None


def test_file_store_is_private_and_atomic(tmp_path):
    path = tmp_path / "deep" / "tokens.json"
    store = FileTokenStore(path)
    assert store.insecure is True and str(path) in store.location and "insecure" in store.location
    store.save("acme", realistic())
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["tokens"]["acme"]["k"] == "o"
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".tokens.json.")]
    assert leftovers == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_file_store_fixes_loose_permissions(tmp_path):
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save("acme", realistic())
    os.chmod(path, 0o644)
    assert FileTokenStore(path).load("acme") is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_store_corrupt(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("][")
    with pytest.raises(StorageError) as info:
        FileTokenStore(path).load("acme")
    assert str(path) in info.value.message and info.value.hint


def test_file_store_write_failure_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    store.save("acme", TokenSet("old", "r", 1.0))

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(StorageError) as info:
        store.save("acme", TokenSet("new", "r", 1.0))
    assert "No space left" in info.value.message
    monkeypatch.undo()
    assert store.load("acme").access_token == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tokens")] == []


# --------------------------------------------------------------------------- lock


def test_lock_is_exclusive_between_threads(tmp_path):
    lock = tmp_path / "refresh.lock"
    inside = threading.Event()
    release = threading.Event()

    def holder():
        with refresh_lock(lock, 5):
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    assert inside.wait(5)
    started = time.monotonic()
    with pytest.raises(StorageError) as info:
        with refresh_lock(lock, 0.3):
            pass
    assert 0.25 < time.monotonic() - started < 2
    assert "did not finish within 0.3 s" in info.value.message and info.value.hint
    assert f"process {os.getpid()}" in info.value.message
    release.set()
    thread.join()
    with refresh_lock(lock, 1):  # free again
        pass


def test_lock_file_is_private(tmp_path):
    lock = tmp_path / "sub" / "refresh.lock"
    with refresh_lock(lock, 1):
        assert lock.exists()
    if os.name == "posix":
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600


HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from zoomctl.zoom.tokens import refresh_lock
    lock, log, name = sys.argv[1], sys.argv[2], sys.argv[3]
    with refresh_lock(lock, 20):
        with open(log, "a") as fh:
            fh.write(f"{{name}} in {{time.monotonic()}}\\n")
        time.sleep(0.3)
        with open(log, "a") as fh:
            fh.write(f"{{name}} out {{time.monotonic()}}\\n")
    """
)


@pytest.mark.timeout(60)
def test_processes_cannot_hold_the_lock_at_once(tmp_path):
    script = tmp_path / "holder.py"
    script.write_text(HOLDER.format(repo=str(REPO)))
    log = tmp_path / "log.txt"
    procs = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path / "r.lock"), str(log), f"p{i}"]) for i in range(4)
    ]
    assert [p.wait(timeout=50) for p in procs] == [0, 0, 0, 0]
    events = [line.split() for line in log.read_text().splitlines()]
    assert len(events) == 8
    # in/out pairs must alternate strictly, each pair from the same process
    for i in range(0, 8, 2):
        assert events[i][1] == "in" and events[i + 1][1] == "out"
        assert events[i][0] == events[i + 1][0]
    assert len({e[0] for e in events}) == 4


def test_hanging_backend_discovery_times_out(monkeypatch):
    import keyring

    release = threading.Event()
    monkeypatch.setattr(keyring, "get_keyring", lambda: release.wait(30))
    try:
        started = time.monotonic()
        assert keyring_is_secure(timeout=0.2) is False
        assert keyring_backend_name(timeout=0.2) == "unresponsive"
        with pytest.raises(StorageError) as info:
            KeyringTokenStore(timeout=0.2).load("acme")
        assert "did not answer" in info.value.message
        assert time.monotonic() - started < 2
    finally:
        release.set()
