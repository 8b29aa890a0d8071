"""`zoomctl db …`: the workspace database itself: its schema, its upgrade, and a copy between engines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoomctl import env
from zoomctl.errors import ConfigError, Conflict
from zoomctl.store import crypto, secrets, transfer
from zoomctl.store.db import Store
from zoomctl.store.dialect import POSTGRESQL, parse_location

if TYPE_CHECKING:
    from zoomctl.core.shared_tokens import KeySource


def check_location(value: str, source: str) -> None:
    """Refuse a workspace location that cannot be used (a PostgreSQL URL with a password)."""
    parse_location(value, source)


def status(store: Store) -> dict[str, Any]:
    """What the workspace is, where, and how far its schema is from this zoomctl's."""
    return transfer.status(store)


def upgrade(store: Store) -> dict[str, Any]:
    return transfer.upgrade_schema(store)


def copy(source: Store, target: Store) -> dict[str, Any]:
    """Copy the whole workspace into an empty one (local -> shared or back), verified by row counts."""
    counts = transfer.copy(source, target)
    return {
        "from": source.location.shown,
        "to": target.location.shown,
        "engine": target.engine,
        "rows": counts,
        "total_rows": sum(counts.values()),
    }


# ---- the workspace key of a shared workspace ------------------------------------------------
def _shared_only(store: Store) -> None:
    if store.engine != POSTGRESQL:
        raise ConfigError(
            f"{store.location.shown} is a local workspace: its Zoom tokens are in the OS keyring, it has no workspace key",
            hint=f"pass the shared workspace with --db postgresql://… (or set {env.DB})",
        )


def _check_opens(store: Store, key: crypto.WorkspaceKey) -> None:
    """The key opens the workspace's secrets (or there are none yet): else WrongWorkspaceKey."""
    from zoomctl.core.shared_tokens import CLIENT_SECRET

    for name, envelope in secrets.every(store)[:1]:
        crypto.decrypt(key, name, envelope, purpose=crypto.TOKENS if name.startswith("token:") else CLIENT_SECRET)


def key_new(store: Store, keys: KeySource) -> dict[str, Any]:
    """Make the workspace's first key and keep it in this administrator's keyring."""
    _shared_only(store)
    if keys.find() is not None:
        raise Conflict(
            f"this workspace already has a key at hand ({keys.get().key_id})",
            hint="share it with `zoomctl db key export`, or replace it with `zoomctl db key rotate`",
        )
    if secrets.every(store):
        raise Conflict(
            "this workspace already holds secrets encrypted under a key that is not at hand",
            hint="import that key with `zoomctl db key import` (an administrator runs `zoomctl db key export`)",
        )
    key = crypto.new_key()
    keys.remember(key)
    return {"key_id": key.key_id, "kept_in": "keyring"}


def key_import(store: Store, keys: KeySource, text: str) -> dict[str, Any]:
    _shared_only(store)
    key = crypto.parse_key(text, source="the key on standard input")
    _check_opens(store, key)
    keys.remember(key)
    return {"key_id": key.key_id, "kept_in": "keyring"}


def key_export(store: Store, keys: KeySource) -> dict[str, Any]:
    _shared_only(store)
    key = keys.get()
    return {"key": key.export(), "key_id": key.key_id, "from": env.WORKSPACE_KEY if keys.from_env else "keyring"}


def key_rotate(store: Store, keys: KeySource) -> dict[str, Any]:
    """A new key; every secret re-encrypted under it in the command's one transaction. The new key
    goes to the keyring (the old one kept beside it) or, when the key came from the environment,
    is handed back for the administrator to put there."""
    from zoomctl.core.shared_tokens import rotate

    _shared_only(store)
    old = keys.get()
    _check_opens(store, old)
    new = crypto.new_key()
    count = rotate(store, old, new)
    result: dict[str, Any] = {"old_key_id": old.key_id, "key_id": new.key_id, "secrets": count}
    if keys.from_env:
        result["key"] = new.export()  # the environment cannot be written: the caller shows it
    else:
        keys.remember(new, previous=old)
    return result
