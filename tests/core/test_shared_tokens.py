"""Zoom tokens in a shared workspace: encrypted in the database under the workspace key."""

from __future__ import annotations

import subprocess

import pytest

from zoomctl.core import shared_tokens, workspace_db
from zoomctl.errors import StorageError
from zoomctl.exit_codes import ExitCode
from zoomctl.store import crypto
from zoomctl.store.db import Store
from zoomctl.store.dialect import parse_location
from zoomctl.zoom.oauth import TokenSet

pytestmark = pytest.mark.postgres

ACCESS = "eyJ-access-token-in-the-clear-0123456789"
REFRESH = "eyJ-refresh-token-in-the-clear-9876543210"


def _tokens(access: str = ACCESS) -> TokenSet:
    return TokenSet(access_token=access, refresh_token=REFRESH, expires_at=2_000_000_000.0, scopes=("a:b",))


class Ring:
    """A keyring stand-in with get_value/set_value (KeyringTokenStore's)."""

    def __init__(self):
        self.values: dict[str, str] = {}

    def get_value(self, name):
        return self.values.get(name)

    def set_value(self, name, value):
        self.values[name] = value


def _store(url: str, key: crypto.WorkspaceKey | None, ring: Ring | None = None):
    location = parse_location(url)
    environ = {crypto.ENV_VAR: key.export()} if key else {}
    keys = shared_tokens.KeySource(location, environ, (lambda: ring) if ring is not None else None)
    return shared_tokens.DatabaseTokenStore(location, keys)


def test_tokens_round_trip_and_a_dump_holds_none_in_the_clear(pg_url, pg_cluster):
    key = crypto.new_key()
    tokens = _store(pg_url, key)
    tokens.save("company/1", _tokens())
    tokens.save_client_secret("client-1", "the-client-secret-xyz")
    tokens.close()
    again = _store(pg_url, key)
    assert again.load("company/1").access_token == ACCESS
    assert again.load_client_secret("client-1") == "the-client-secret-xyz"
    assert again.load("company/2") is None
    again.close()
    import pgcluster

    dump = subprocess.run(
        [str(pgcluster.find_bindir() / "pg_dump"), "--no-owner", pg_url], capture_output=True, text=True, check=True
    ).stdout
    assert "workspace_secrets" in dump and "token:company/1" in dump
    for secret in (ACCESS, REFRESH, "the-client-secret-xyz", key.export()):
        assert secret not in dump


def test_a_missing_key_is_a_storage_error_with_the_fix(pg_url):
    _store(pg_url, crypto.new_key()).save("company/1", _tokens())
    with pytest.raises(StorageError) as caught:
        _store(pg_url, None).load("company/1")
    assert caught.value.exit_code == ExitCode.STORAGE
    assert "no workspace key" in caught.value.message and "zoomctl db key import" in caught.value.hint


def test_a_wrong_key_is_named_as_the_wrong_key(pg_url):
    right = crypto.new_key()
    _store(pg_url, right).save("company/1", _tokens())
    with pytest.raises(crypto.WrongWorkspaceKey) as caught:
        _store(pg_url, crypto.new_key()).load("company/1")
    assert caught.value.exit_code == ExitCode.STORAGE and right.key_id in caught.value.message


def test_an_envelope_moved_to_another_connection_does_not_open(pg_url):
    key = crypto.new_key()
    tokens = _store(pg_url, key)
    tokens.save("company/1", _tokens())
    store = Store(pg_url)
    store.execute(
        "INSERT INTO workspace_secrets (name, envelope, updated_at)"
        " SELECT 'token:company/2', envelope, updated_at FROM workspace_secrets WHERE name = 'token:company/1'"
    )
    store.finish(commit=True)
    with pytest.raises(crypto.DamagedSecret):
        tokens.load("company/2")


def test_rotate_re_encrypts_every_secret_in_one_transaction(pg_url):
    ring = Ring()
    location = parse_location(pg_url)
    keys = shared_tokens.KeySource(location, {}, lambda: ring)
    store = Store(pg_url)
    first = workspace_db.key_new(store, keys)
    store.finish(commit=True)
    tokens = shared_tokens.DatabaseTokenStore(location, keys)
    tokens.save("company/1", _tokens())
    tokens.save("company/2", _tokens("other-access"))
    tokens.save_client_secret("client-1", "s3")
    tokens.close()
    old = crypto.parse_key(ring.values[shared_tokens.keyring_entry(location)])
    assert old.key_id == first["key_id"]

    store = Store(pg_url)
    rotated = workspace_db.key_rotate(store, shared_tokens.KeySource(location, {}, lambda: ring))
    store.finish(commit=True)
    assert rotated["secrets"] == 3 and rotated["old_key_id"] == old.key_id and "key" not in rotated
    new = crypto.parse_key(ring.values[shared_tokens.keyring_entry(location)])
    assert new.key_id == rotated["key_id"] != old.key_id
    assert _store(pg_url, new).load("company/2").access_token == "other-access"
    assert _store(pg_url, new).load_client_secret("client-1") == "s3"
    with pytest.raises(crypto.WrongWorkspaceKey):
        _store(pg_url, old).load("company/1")


def test_a_rotation_that_fails_half_way_changes_nothing(pg_url):
    key = crypto.new_key()
    tokens = _store(pg_url, key)
    tokens.save("company/1", _tokens())
    tokens.close()
    store = Store(pg_url)  # a damaged envelope: the rotation cannot open it
    store.execute("INSERT INTO workspace_secrets (name, envelope, updated_at) VALUES ('token:company/9', 'x', 'now')")
    store.finish(commit=True)
    location = parse_location(pg_url)
    store = Store(pg_url)
    with pytest.raises(crypto.DamagedSecret):
        shared_tokens.rotate(store, key, crypto.new_key())
    store.finish(commit=False)
    assert _store(pg_url, key).load("company/1").access_token == ACCESS
    assert location.engine == "postgresql"


def test_import_refuses_a_key_that_does_not_open_the_secrets(pg_url):
    _store(pg_url, crypto.new_key()).save("company/1", _tokens())
    ring = Ring()
    keys = shared_tokens.KeySource(parse_location(pg_url), {}, lambda: ring)
    store = Store(pg_url)
    try:
        with pytest.raises(crypto.WrongWorkspaceKey):
            workspace_db.key_import(store, keys, crypto.new_key().export())
    finally:
        store.finish(commit=False)
    assert ring.values == {}
