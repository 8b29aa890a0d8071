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


# ------------------------------------------------------------------ what the events change
def mark_deleted_in_zoom(store: Store, meeting_id: int, at: str) -> None:
    """Zoom deleted it: `bookings sync` makes a new one (the class's registrations went with it)."""
    store.execute(
        "UPDATE meetings SET status = 'deleted', deleted_in_zoom_at = ?, updated_at = ? WHERE id = ?",
        (at, at, meeting_id),
    )
    store.execute(
        "UPDATE registrants SET status = 'pending', zoom_registrant_id = NULL, join_url = NULL, updated_at = ?"
        " WHERE meeting_id = ? AND status <> 'cancelled'",
        (at, meeting_id),
    )


def set_zoom_start(store: Store, meeting_id: int, start: str | None) -> None:
    store.execute("UPDATE meetings SET zoom_start_time = ? WHERE id = ?", (start, meeting_id))


def booking_starts(store: Store, meeting: dict[str, Any]) -> str | None:
    if meeting["booking_id"] is not None:
        row = store.one("SELECT starts_at FROM bookings WHERE id = ?", (meeting["booking_id"],))
    else:
        row = store.one("SELECT starts_at FROM class_sessions WHERE id = ?", (meeting["class_session_id"],))
    return row[0] if row is not None else None


def set_host_started(store: Store, meeting_id: int, at: str) -> None:
    store.execute("UPDATE meetings SET host_started_at = COALESCE(host_started_at, ?) WHERE id = ?", (at, meeting_id))


def set_ended(store: Store, meeting_id: int, at: str) -> None:
    store.execute("UPDATE meetings SET ended_at = ? WHERE id = ?", (at, meeting_id))
    store.execute("UPDATE meeting_joins SET left_at = ? WHERE meeting_id = ? AND left_at IS NULL", (at, meeting_id))


def booking_of_registrant(store: Store, meeting_id: int, zoom_registrant_id: str) -> int | None:
    row = store.one(
        "SELECT booking_id FROM registrants WHERE meeting_id = ? AND zoom_registrant_id = ?",
        (meeting_id, zoom_registrant_id),
    )
    return int(row[0]) if row is not None else None


def booking_of_email(store: Store, meeting: dict[str, Any], email: str) -> int | None:
    """The booking on this meeting whose client has ``email``."""
    if meeting["booking_id"] is not None:
        sql = "SELECT b.id FROM bookings b JOIN clients c ON c.id = b.client_id WHERE b.id = ? AND c.email = ?"
        row = store.one(sql, (meeting["booking_id"], email))
    else:
        sql = (
            "SELECT b.id FROM bookings b JOIN clients c ON c.id = b.client_id"
            " WHERE b.class_session_id = ? AND c.email = ? AND b.status = 'booked'"
        )
        row = store.one(sql, (meeting["class_session_id"], email))
    return int(row[0]) if row is not None else None


def add_join(store: Store, meeting_id: int, booking_id: int | None, key: str, joined_at: str) -> None:
    store.execute(
        "INSERT INTO meeting_joins (meeting_id, booking_id, participant_key, joined_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, participant_key, joined_at) DO NOTHING",
        (meeting_id, booking_id, key, joined_at),
    )


def end_join(store: Store, meeting_id: int, key: str, left_at: str) -> int | None:
    """Close the participant's open join; returns its booking (None: not a client's, or no open join)."""
    row = store.one(
        "SELECT id, booking_id FROM meeting_joins WHERE meeting_id = ? AND participant_key = ? AND left_at IS NULL"
        " AND joined_at <= ? ORDER BY joined_at DESC",
        (meeting_id, key, left_at),
    )
    if row is None:
        return None
    store.execute("UPDATE meeting_joins SET left_at = ? WHERE id = ?", (left_at, row["id"]))
    return row["booking_id"]


def joins_of_meeting(store: Store, meeting_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in store.all(
            "SELECT booking_id, joined_at, left_at FROM meeting_joins WHERE meeting_id = ? AND booking_id IS NOT NULL",
            (meeting_id,),
        )
    ]


def save_attendance(store: Store, booking_id: int, client_joined_at: str | None, attended_seconds: int) -> None:
    store.execute(
        "INSERT INTO booking_attendance (booking_id, client_joined_at, attended_seconds) VALUES (?, ?, ?)"
        " ON CONFLICT (booking_id) DO UPDATE SET client_joined_at = excluded.client_joined_at,"
        " attended_seconds = excluded.attended_seconds",
        (booking_id, client_joined_at, attended_seconds),
    )


# ------------------------------------------------------------------ deauthorization
def forget_zoom_user(store: Store, company_id: int, zoom_user_id: str | None) -> int:
    """Zoom's data policy: the Zoom user data held for the user who removed the app.

    Clears the connection's Zoom user id and email, and the Zoom user (id, email, type) mapped
    to any of the company's providers that is that user; returns how many providers changed."""
    store.execute("UPDATE zoom_connections SET user_id = NULL, user_email = NULL WHERE company_id = ?", (company_id,))
    if not zoom_user_id:
        return 0
    cur = store.execute(
        "UPDATE providers SET zoom_user_id = NULL, zoom_user_email = NULL, zoom_user_type = NULL"
        " WHERE company_id = ? AND zoom_user_id = ?",
        (company_id, zoom_user_id),
    )
    return cur.rowcount


def bookings_of_deleted_meeting(store: Store, company_id: int, zoom_meeting_id: int) -> list[int]:
    rows = store.all(
        "SELECT b.id FROM meetings m JOIN bookings b"
        " ON b.id = m.booking_id OR (m.class_session_id IS NOT NULL AND b.class_session_id = m.class_session_id)"
        " WHERE m.company_id = ? AND m.zoom_meeting_id = ? AND m.status = 'deleted' AND b.status = 'booked'"
        " ORDER BY b.id",
        (company_id, zoom_meeting_id),
    )
    return [int(r[0]) for r in rows]


def meetings_needing_attention(store: Store, company_id: int, now: str) -> list[dict[str, Any]]:
    """Meetings of booked, future bookings that Zoom deleted, or whose start Zoom moved (drift)."""
    return [
        dict(r)
        for r in store.all(
            "SELECT m.zoom_meeting_id, m.status, m.deleted_in_zoom_at, m.zoom_start_time,"
            " COALESCE(b.starts_at, cs.starts_at) AS starts_at, b.id AS booking_id"
            " FROM meetings m LEFT JOIN bookings b ON b.id = m.booking_id"
            " LEFT JOIN class_sessions cs ON cs.id = m.class_session_id"
            " WHERE m.company_id = ? AND COALESCE(b.starts_at, cs.starts_at) >= ?"
            " AND COALESCE(b.status, cs.status) IN ('booked', 'scheduled')"
            " AND ((m.status = 'deleted' AND m.deleted_in_zoom_at IS NOT NULL)"
            "      OR (m.status = 'created' AND m.zoom_start_time IS NOT NULL))"
            " ORDER BY starts_at",
            (company_id, now),
        )
    ]


def attendance(store: Store, booking_id: int) -> dict[str, Any]:
    """The report's attendance and drift fields for one booking (`bookings show`)."""
    from zoomctl.store.report import attendance_fields

    row = store.one(
        "SELECT b.starts_at, b.status AS booking_status, m.status AS m_status, m.host_started_at,"
        " m.ended_at AS m_ended_at, m.zoom_start_time, ba.client_joined_at, ba.attended_seconds"
        " FROM bookings b LEFT JOIN meetings m ON m.booking_id = b.id"
        " OR (b.class_session_id IS NOT NULL AND m.class_session_id = b.class_session_id)"
        " LEFT JOIN booking_attendance ba ON ba.booking_id = b.id WHERE b.id = ?",
        (booking_id,),
    )
    return attendance_fields(row)
