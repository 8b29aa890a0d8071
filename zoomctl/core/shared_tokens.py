"""Zoom tokens and client secrets of a shared (PostgreSQL) workspace: in the database, encrypted
on the client under the workspace key (``store/crypto.py``), never in one administrator's keyring.

``DatabaseTokenStore`` is a ``TokenStore`` on a connection of its own, so a refreshed token is
committed at once, whatever becomes of the command's own transaction; ``refresh_lock(key)``
takes the connection's advisory lock in a transaction that re-reads the token row, so
processes on different machines refresh once and all use the newest token.

The workspace key: ``ZOOMCTL_WORKSPACE_KEY`` (CI), else the OS keyring entry
``workspace-key:{location}`` that `zoomctl db key import` / `db key new` wrote.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from zoomctl import env
from zoomctl.errors import StorageError
from zoomctl.store import crypto, secrets
from zoomctl.store.db import Store
from zoomctl.store.dialect import Location

if TYPE_CHECKING:
    from zoomctl.zoom.oauth import TokenSet

CLIENT_SECRET = "client-secret"  # the purpose label of an OAuth app's client secret
NO_KEY_HINT = (
    f"import the workspace key with `zoomctl db key import` (from an administrator's `zoomctl db key export`), "
    f"or set {env.WORKSPACE_KEY}"
)


def keyring_entry(location: Location) -> str:
    return f"workspace-key:{location.shown}"


class KeySource:
    """Where this process finds the workspace key: the environment first, then the keyring."""

    def __init__(self, location: Location, environ: dict[str, str], keyring: Callable[[], object] | None):
        self.location = location
        self.environ = environ
        self.keyring = keyring  # () -> a KeyringTokenStore (its get_value/set_value), or None
        self._key: crypto.WorkspaceKey | None = None

    @property
    def from_env(self) -> bool:
        return bool(self.environ.get(env.WORKSPACE_KEY, "").strip())

    def find(self) -> crypto.WorkspaceKey | None:
        if self._key is None:
            self._key = crypto.key_from_env(self.environ)
        if self._key is None and self.keyring is not None:
            try:
                text = self.keyring().get_value(keyring_entry(self.location))  # type: ignore[attr-defined]
            except StorageError:  # no usable keyring (CI): then the key must come from the environment
                text = None
            if text:
                self._key = crypto.parse_key(text, source="the workspace key in the keyring")
        return self._key

    def get(self) -> crypto.WorkspaceKey:
        key = self.find()
        if key is None:
            raise StorageError(f"no workspace key for the shared workspace {self.location.shown}", NO_KEY_HINT)
        return key

    def remember(self, key: crypto.WorkspaceKey, previous: crypto.WorkspaceKey | None = None) -> None:
        """Keep ``key`` in the OS keyring for this workspace (and use it from now on); a rotated-out
        key is kept beside it (``previous``) until the next rotation."""
        if self.keyring is None:
            raise StorageError("no keyring to keep the workspace key in", f"set {env.WORKSPACE_KEY} instead")
        ring = self.keyring()
        if previous is not None:
            ring.set_value("previous-" + keyring_entry(self.location), previous.export())  # type: ignore[attr-defined]
        ring.set_value(keyring_entry(self.location), key.export())  # type: ignore[attr-defined]
        self._key = key


class DatabaseTokenStore:
    """A ``TokenStore`` in the shared workspace's ``workspace_secrets`` table."""

    insecure = False

    def __init__(self, location: Location, keys: KeySource):
        self.keys = keys
        self._location = location
        self._store: Store | None = None
        self._held: set[str] = set()

    @property
    def location(self) -> str:
        return "shared workspace (encrypted)"

    @property
    def db(self) -> Store:
        if self._store is None:
            self._store = Store(self._location)
        return self._store

    def ready(self) -> None:
        """Fail now (before a browser opens) when there is no workspace key."""
        self.keys.get()

    def close(self) -> None:
        if self._store is not None:
            store, self._store = self._store, None
            store.finish(commit=True)

    def _commit(self, name: str) -> None:
        if name not in self._held:  # inside refresh_lock the lock's transaction commits
            self.db.checkpoint()

    # -- envelopes
    def _open(self, name: str, purpose: str) -> str | None:
        envelope = secrets.get(self.db, name)
        self._commit(name)
        if envelope is None:
            return None
        return crypto.decrypt(self.keys.get(), name, envelope, purpose=purpose).decode("utf-8")

    def _seal(self, name: str, value: str, purpose: str) -> None:
        secrets.put(self.db, name, crypto.encrypt(self.keys.get(), name, value.encode("utf-8"), purpose=purpose))
        self._commit(name)

    def _drop(self, name: str) -> bool:
        gone = secrets.delete(self.db, name)
        self._commit(name)
        return gone

    # -- TokenStore
    def load(self, key: str) -> TokenSet | None:
        from zoomctl.zoom.tokens import decode_tokens

        return decode_tokens(self._open(f"token:{key}", crypto.TOKENS), self.location)

    def save(self, key: str, tokens: TokenSet) -> None:
        self._seal(f"token:{key}", tokens.to_json(), crypto.TOKENS)

    def delete(self, key: str) -> bool:
        return self._drop(f"token:{key}")

    def load_client_secret(self, client_id: str) -> str | None:
        return self._open(f"client-secret:{client_id}", CLIENT_SECRET)

    def save_client_secret(self, client_id: str, secret: str) -> None:
        self._seal(f"client-secret:{client_id}", secret, CLIENT_SECRET)

    def delete_client_secret(self, client_id: str) -> bool:
        return self._drop(f"client-secret:{client_id}")

    # -- the refresh lock
    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        """The advisory lock of ``key``'s tokens, in the transaction that re-reads and saves them."""
        name = f"token:{key}"
        self.keys.get()  # no key: fail before taking a lock or asking Zoom
        with self.db.locked(name):
            self._held.add(name)
            try:
                yield
            finally:
                self._held.discard(name)


def rotate(store: Store, old: crypto.WorkspaceKey, new: crypto.WorkspaceKey) -> int:
    """Re-encrypt every secret of the workspace under ``new`` in the store's transaction; returns how many."""
    pairs = secrets.every(store)
    tokens = [(n, e) for n, e in pairs if n.startswith("token:")]
    others = [(n, e) for n, e in pairs if not n.startswith("token:")]
    sealed = crypto.rotate(old, new, tokens) if tokens else []
    sealed_secrets = crypto.rotate(old, new, others, purpose=CLIENT_SECRET) if others else []
    for (name, _), envelope in zip([*tokens, *others], [*sealed, *sealed_secrets], strict=True):
        secrets.put(store, name, envelope)
    return len(pairs)
