"""Encrypted secrets of a shared workspace (SQL only): one envelope per name, never a secret in the clear.

Names: ``token:{key}`` (one connection's Zoom tokens) and ``client-secret:{client id}``.
The envelopes are made and opened by ``store/crypto.py`` on the client."""

from __future__ import annotations

from zoomctl.store.db import Store
from zoomctl.timefmt import now_db


def get(store: Store, name: str) -> str | None:
    row = store.one("SELECT envelope FROM workspace_secrets WHERE name = ?", (name,))
    return row[0] if row else None


def put(store: Store, name: str, envelope: str) -> None:
    store.execute(
        "INSERT INTO workspace_secrets (name, envelope, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET envelope = excluded.envelope, updated_at = excluded.updated_at",
        (name, envelope, now_db()),
    )


def delete(store: Store, name: str) -> bool:
    return store.execute("DELETE FROM workspace_secrets WHERE name = ?", (name,)).rowcount > 0


def every(store: Store) -> list[tuple[str, str]]:
    """Every (name, envelope), for re-encrypting them all (``db key rotate``)."""
    return [(r[0], r[1]) for r in store.all("SELECT name, envelope FROM workspace_secrets ORDER BY name")]
