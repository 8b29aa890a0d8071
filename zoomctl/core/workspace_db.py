"""`zoomctl db …`: the workspace database itself: its schema, its upgrade, and a copy between engines."""

from __future__ import annotations

from typing import Any

from zoomctl.store import transfer
from zoomctl.store.db import Store


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
