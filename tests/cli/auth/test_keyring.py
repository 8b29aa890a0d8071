"""Tokens in the real Secret Service (gnome-keyring under ``dbus-run-session --
scripts/with-keyring``, as scripts/test runs the suite). These tests FAIL, never skip,
when it is missing.

Entries are checked with secretstorage directly, not through zoomctl: what login stores,
what `auth token` reads, that logout deletes, and that every entry fits 2,560 bytes.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from zoomctl.exit_codes import ExitCode

from .authkit import (
    MAX_ENTRY_BYTES,
    WAIT,
    SecretServiceItems,
    assemble,
    member,
    refresh_token_works,
    require_secret_service,
    token_file,
    utf16_size,
)

pytestmark = [pytest.mark.keyring, pytest.mark.e2e]


def _entries_of(prefixes: tuple[str, ...]) -> dict[str, str]:
    with SecretServiceItems() as items:
        return {k: v for k, v in items.entries().items() if k.startswith(prefixes)}


def _assert_fit(entries: dict[str, str]) -> None:
    assert entries
    for name, value in entries.items():
        assert utf16_size(value) <= MAX_ENTRY_BYTES, f"{name}: {utf16_size(value)} bytes"


@pytest.fixture
def secret_service_backend():
    """keyring.backends.SecretService.Keyring() set explicitly in this process."""
    require_secret_service()
    import keyring
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    keyring.set_keyring(SecretService.Keyring())
    yield
    keyring.set_keyring(previous)


def test_the_keyring_token_store_on_the_secret_service(secret_service_backend):
    from zoomctl.zoom.oauth import TokenSet
    from zoomctl.zoom.tokens import KeyringTokenStore, keyring_backend_name, keyring_is_secure

    assert keyring_is_secure() and "SecretService" in keyring_backend_name()
    store = KeyringTokenStore("zoomctl", 10)
    key = f"test/{uuid.uuid4().hex}"
    client_id = f"client-{uuid.uuid4().hex}"
    # Zoom-sized tokens (JWTs of ~900 characters): together they do not fit one entry
    tokens = TokenSet(
        access_token="eyJ" + "a" * 900,
        refresh_token="eyJ" + "r" * 900,
        expires_at=time.time() + 3599,
        scopes=("meeting:read", "user:read"),
        api_url="https://x/v2",
    )
    try:
        store.save(key, tokens)
        store.save_client_secret(client_id, "s3cr3t-" + "x" * 25)
        stored = _entries_of((f"token:{key}", f"client-secret:{client_id}"))
        assert len(stored) > 2  # the token entry was split
        _assert_fit(stored)
        assert json.loads(assemble(stored, f"token:{key}"))["r"] == tokens.refresh_token

        loaded = store.load(key)
        assert (loaded.access_token, loaded.refresh_token, loaded.scopes) == (
            tokens.access_token,
            tokens.refresh_token,
            tokens.scopes,
        )
        assert store.load_client_secret(client_id) == "s3cr3t-" + "x" * 25

        # a smaller value replaces a chunked one without leaving parts behind
        small = TokenSet(access_token="short", expires_at=1.0, kind="s2s")
        store.save(key, small)
        assert list(_entries_of((f"token:{key}",))) == [f"token:{key}"]
        assert store.load(key).access_token == "short"

        assert store.delete(key) and store.delete_client_secret(client_id)
        assert _entries_of((f"token:{key}", f"client-secret:{client_id}")) == {}
        assert store.load(key) is None
    finally:
        with SecretServiceItems() as items:
            items.delete(set(items.entries(f"token:{key}")) | set(items.entries(f"client-secret:{client_id}")))


def test_login_stores_token_reads_logout_deletes(kr, zi, sb, login, config_dir):
    slug = kr.slug
    app = sb.apps["confidential"]
    token_name = f"token:default/{slug}"
    secret_name = f"client-secret:{app['client_id']}"

    result = login(kr, "confidential", user=member(sb, index=1)).ok().json()
    assert result["token_location"] == "keyring"
    assert not token_file(config_dir).exists()

    entries = _entries_of((token_name, secret_name))
    _assert_fit(entries)
    assert entries[secret_name] == app["client_secret"]
    stored = json.loads(assemble(entries, token_name))
    assert stored["k"] == "o" and refresh_token_works(sb, stored["r"])

    status = kr("auth", "status", "--json").ok().json()
    assert "SecretService" in status["token_location"]
    printed = kr("auth", "token").ok()
    assert printed.stdout == stored["a"] + "\n" and printed.stderr == ""

    kr("auth", "logout").ok()
    assert _entries_of((token_name, secret_name)) == {}
    assert zi("auth", "token").exit_code == ExitCode.AUTH_REQUIRED


def test_eight_processes_share_the_keyring_and_refresh_once(kr, sb, login):
    token_name = f"token:default/{kr.slug}"
    sb.configure(access_token_ttl=299)  # inside the 5-minute window from birth
    login(kr, "public").ok()
    sb.configure(access_token_ttl=3599)
    old = json.loads(assemble(_entries_of((token_name,)), token_name))
    assert old["e"] - time.time() < 300
    sb.reset_stats()
    sb.faults.add_spec("token.refresh_token:1:delay=2")  # the others arrive while it runs

    procs = [kr.popen("auth", "status", "--json") for _ in range(8)]
    outputs = [p.communicate(timeout=WAIT) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert all(json.loads(out)["live_check"]["ok"] for out, _ in outputs)
    assert sb.stats()["token.refresh_token"] == 1

    entries = _entries_of((token_name,))
    _assert_fit(entries)
    new = json.loads(assemble(entries, token_name))
    assert new["r"] != old["r"] and refresh_token_works(sb, new["r"])
    assert kr("auth", "token").ok().stdout.strip() == new["a"]

    sb.clock.advance(3600)  # and the newest refresh token still works later
    kr("auth", "status").ok()
    assert sb.stats()["token.refresh_token"] == 2


def test_s2s_from_the_environment_is_cached_in_the_keyring(kr, sb):
    app = sb.apps["s2s"]
    ci = kr.with_env(
        ZOOMCTL_ZOOM_ACCOUNT_ID=app["account_id"],
        ZOOMCTL_ZOOM_CLIENT_ID=app["client_id"],
        ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"],
    )
    first = ci("auth", "token").ok().stdout
    second = ci("auth", "token").ok().stdout
    assert first == second
    assert sb.stats()["token.account_credentials"] == 1  # the second process used the cache
    name = f"token:s2s/{app['account_id']}/{app['client_id']}"
    entries = _entries_of((name,))
    _assert_fit(entries)
    assert json.loads(assemble(entries, name))["a"] == first.strip()


def test_a_login_that_moves_the_tokens_to_the_keyring_deletes_the_file_copy(kr, zx, sb, login, config_dir):
    """The plain-text copy of a connection kept with --insecure-storage (no keyring then) does not
    linger once a new login, with a keyring now, keeps the tokens there."""
    slug = kr.slug
    app = sb.apps["confidential"]
    user = member(sb, index=1)
    first = login(zx, "confidential", "--insecure-storage", user=user).ok().json()
    assert first["token_location"].startswith("file:")
    stored = json.loads(token_file(config_dir).read_text())
    assert f"default/{slug}" in stored["tokens"] and app["client_id"] in stored["client_secrets"]

    again = login(kr, "confidential", user=user).ok().json()
    assert again["token_location"] == "keyring"
    left = json.loads(token_file(config_dir).read_text())
    assert f"default/{slug}" not in left.get("tokens", {}) and app["client_id"] not in left.get("client_secrets", {})
    printed = kr("auth", "token").ok()  # the keyring's copy works
    assert (
        printed.stdout.strip()
        == json.loads(assemble(_entries_of((f"token:default/{slug}",)), f"token:default/{slug}"))["a"]
    )
    kr("auth", "logout").ok()
