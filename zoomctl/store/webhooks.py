"""The Zoom webhook events received, what Zoom said about each meeting, and who joined it."""

from __future__ import annotations

from typing import Any

from zoomctl.store.db import Store


# ------------------------------------------------------------------ the events received
def insert_event(
    store: Store, *, body_sha256: str, event: str, event_ts: int | None, received_at: str, body: str
) -> int | None:
    """Store a verified delivery; None when the same body arrived before (Zoom delivers at least once)."""
    cur = store.execute(
        "INSERT INTO webhook_events (body_sha256, event, event_ts, received_at, body) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (body_sha256) DO NOTHING",
        (body_sha256, event, event_ts, received_at, body),
    )
    if cur.rowcount == 0:
        return None
    return int(cur.lastrowid)


def event(store: Store, event_id: int) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM webhook_events WHERE id = ?", (event_id,))
    return dict(row) if row is not None else None


def set_outcome(store: Store, event_id: int, company_id: int | None, status: str, outcome: str) -> None:
    store.execute(
        "UPDATE webhook_events SET company_id = ?, status = ?, outcome = ? WHERE id = ?",
        (company_id, status, outcome, event_id),
    )


def events(store: Store, since: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT w.id, w.event, w.event_ts, w.received_at, w.status, w.outcome, c.slug AS company"
        " FROM webhook_events w LEFT JOIN companies c ON c.id = w.company_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if since is not None:
        sql += " AND w.received_at >= ?"
        params.append(since)
    if name is not None:
        sql += " AND w.event = ?"
        params.append(name)
    return [dict(r) for r in store.all(sql + " ORDER BY w.id", tuple(params))]


# ------------------------------------------------------------------ who the event is about
def company_of_account(store: Store, account_id: str) -> int | None:
    row = store.one("SELECT company_id FROM zoom_connections WHERE account_id = ? ORDER BY company_id", (account_id,))
    return int(row[0]) if row is not None else None


def meetings_with_zoom_id(store: Store, zoom_meeting_id: int) -> list[dict[str, Any]]:
    """The workspace's meetings for a Zoom meeting id (one, unless a company reconnected elsewhere)."""
    return [
        dict(r)
        for r in store.all(
            "SELECT id, company_id, booking_id, class_session_id, host_zoom_user_id, status, ended_at"
            " FROM meetings WHERE zoom_meeting_id = ? ORDER BY id",
            (zoom_meeting_id,),
        )
    ]
