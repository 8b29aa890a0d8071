"""Bookings, the Zoom meetings kept for them, and class registrants (SQL only)."""

from __future__ import annotations

from typing import Any

from zoomctl.models import (
    Booking,
    BookingStatus,
    MeetingLink,
    MeetingStatus,
    RegistrantStatus,
    Registration,
    SessionStatus,
)
from zoomctl.store.db import Store
from zoomctl.timefmt import from_db, now_db, to_db

BOOKED, CANCELLED = BookingStatus.BOOKED, BookingStatus.CANCELLED

# ---- bookings ----------------------------------------------------------------------------
_BOOKING_SQL = """
SELECT b.*, c.email AS client_email, c.name AS client_name,
       p.name AS provider_name, p.zoom_user_id AS provider_zoom_user_id,
       s.name AS service_name, s.online AS service_online,
       cs.class_id AS class_id, cl.name AS class_name, cl.online AS class_online,
       m.id AS m_id, m.company_id AS m_company_id, m.booking_id AS m_booking_id,
       m.class_session_id AS m_session_id, m.zoom_meeting_id AS m_zoom_meeting_id,
       m.host_zoom_user_id AS m_host, m.join_url AS m_join_url, m.password AS m_password,
       m.marker AS m_marker, m.status AS m_status, m.last_error AS m_last_error,
       r.id AS r_id, r.meeting_id AS r_meeting_id, r.zoom_registrant_id AS r_zoom_id,
       r.join_url AS r_join_url, r.status AS r_status, r.last_error AS r_last_error
FROM bookings b
JOIN clients c ON c.id = b.client_id
JOIN providers p ON p.id = b.provider_id
LEFT JOIN services s ON s.id = b.service_id
LEFT JOIN class_sessions cs ON cs.id = b.class_session_id
LEFT JOIN classes cl ON cl.id = cs.class_id
LEFT JOIN meetings m ON m.booking_id = b.id
    OR (b.class_session_id IS NOT NULL AND m.class_session_id = b.class_session_id)
LEFT JOIN registrants r ON r.booking_id = b.id
"""

# The link's state (`Booking.link_status`) as SQL on the query above. It takes no parameter, so that
# any query may embed it: the one value it names is the enum's own, never text from outside.
LINK_STATUS_SQL = (
    "(CASE WHEN m.id IS NULL THEN NULL "
    f"WHEN b.class_session_id IS NOT NULL AND m.status = '{MeetingStatus.CREATED.value}' AND r.id IS NOT NULL "
    "THEN r.status ELSE m.status END)"
)


def _meeting_from(row: Any, prefix: str = "m_") -> MeetingLink | None:
    if row[prefix + "id"] is None:
        return None
    return MeetingLink(
        id=row[prefix + "id"],
        company_id=row[prefix + "company_id"],
        booking_id=row[prefix + "booking_id"],
        class_session_id=row[prefix + "session_id"],
        zoom_meeting_id=row[prefix + "zoom_meeting_id"],
        host_zoom_user_id=row[prefix + "host"],
        join_url=row[prefix + "join_url"],
        password=row[prefix + "password"],
        marker=row[prefix + "marker"],
        status=MeetingStatus(row[prefix + "status"]),
        last_error=row[prefix + "last_error"],
    )


def _booking(row: Any) -> Booking:
    registration = None
    if row["r_id"] is not None:
        registration = Registration(
            id=row["r_id"],
            meeting_id=row["r_meeting_id"],
            booking_id=row["id"],
            zoom_registrant_id=row["r_zoom_id"],
            join_url=row["r_join_url"],
            status=RegistrantStatus(row["r_status"]),
            last_error=row["r_last_error"],
        )
    is_class = row["class_session_id"] is not None
    return Booking(
        id=row["id"],
        company_id=row["company_id"],
        kind="class" if is_class else "service",
        service_id=row["service_id"],
        service=row["service_name"],
        class_id=row["class_id"],
        class_name=row["class_name"],
        session_id=row["class_session_id"],
        provider_id=row["provider_id"],
        provider=row["provider_name"],
        provider_zoom_user_id=row["provider_zoom_user_id"],
        client_id=row["client_id"],
        client_email=row["client_email"],
        client_name=row["client_name"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=BookingStatus(row["status"]),
        is_test=bool(row["is_test"]),
        online=bool(row["class_online"] if is_class else row["service_online"]),
        meeting=_meeting_from(row),
        registration=registration,
    )


def insert_booking(
    store: Store,
    company_id: int,
    *,
    provider_id: int,
    client_id: int,
    starts_at: str,
    ends_at: str,
    service_id: int | None = None,
    class_session_id: int | None = None,
    is_test: bool = False,
) -> int:
    row = {
        "company_id": company_id,
        "service_id": service_id,
        "class_session_id": class_session_id,
        "provider_id": provider_id,
        "client_id": client_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "status": BOOKED,
        "is_test": int(is_test),
        "created_at": now_db(),
    }
    return store.insert(
        "INSERT INTO bookings (company_id, service_id, class_session_id, provider_id, client_id, starts_at, ends_at,"
        " status, is_test, created_at) VALUES (:company_id, :service_id, :class_session_id, :provider_id, :client_id,"
        " :starts_at, :ends_at, :status, :is_test, :created_at)",
        row,
    )


def booking(store: Store, company_id: int, booking_id: int) -> Booking | None:
    row = store.one(_BOOKING_SQL + "WHERE b.company_id = ? AND b.id = ?", (company_id, booking_id))
    return _booking(row) if row else None


def bookings(
    store: Store,
    company_id: int,
    *,
    since: str | None = None,
    ends_after: str | None = None,
    is_test: bool | None = None,
    status: BookingStatus | None = None,
    link_status: MeetingStatus | RegistrantStatus | None = None,
    session_id: int | None = None,
    ids: list[int] | None = None,
) -> list[Booking]:
    """The company's bookings, filtered by whichever arguments are given."""
    if ids is not None and not ids:
        return []
    filters: dict[str, Any] = {
        "b.starts_at >= ?": since,
        "b.ends_at > ?": ends_after,
        "b.is_test = ?": None if is_test is None else int(is_test),
        "b.status = ?": status,
        "b.class_session_id = ?": session_id,
    }
    clauses, params = ["b.company_id = ?"], [company_id]
    for clause, value in filters.items():
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if link_status is not None:
        clauses.append(f"{LINK_STATUS_SQL} = ?")
        params.append(link_status)
    if ids is not None:
        clauses.append(f"b.id IN ({', '.join('?' for _ in ids)})")
        params += ids
    sql = _BOOKING_SQL + "WHERE " + " AND ".join(clauses) + " ORDER BY b.starts_at, b.id"
    return [_booking(r) for r in store.all(sql, tuple(params))]


def set_booking_status(store: Store, booking_id: int, status: BookingStatus) -> None:
    store.execute("UPDATE bookings SET status = ? WHERE id = ?", (status, booking_id))


def move_booking(store: Store, booking_id: int, starts_at: str, ends_at: str) -> None:
    store.execute("UPDATE bookings SET starts_at = ?, ends_at = ? WHERE id = ?", (starts_at, ends_at, booking_id))


def move_session(store: Store, session_id: int, starts_at: str, ends_at: str) -> None:
    store.execute("UPDATE class_sessions SET starts_at = ? WHERE id = ?", (starts_at, session_id))
    store.execute(
        "UPDATE bookings SET starts_at = ?, ends_at = ? WHERE class_session_id = ?", (starts_at, ends_at, session_id)
    )


def cancel_session_bookings(store: Store, session_id: int) -> int:
    """Cancel the booked bookings of a class session; returns how many."""
    return store.execute(
        "UPDATE bookings SET status = ? WHERE class_session_id = ? AND status = ?", (CANCELLED, session_id, BOOKED)
    ).rowcount


def cancel_future_bookings_of_provider(store: Store, provider_id: int, now: str) -> int:
    """Cancel the provider's booked bookings starting at or after ``now``; returns how many."""
    return store.execute(
        "UPDATE bookings SET status = ? WHERE provider_id = ? AND status = ? AND starts_at >= ?",
        (CANCELLED, provider_id, BOOKED, now),
    ).rowcount


def delete_bookings(store: Store, booking_ids: list[int]) -> None:
    """Delete bookings for good (their meeting and registrant rows go with them)."""
    for start in range(0, len(booking_ids), 500):
        chunk = booking_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        store.execute(f"DELETE FROM registrants WHERE booking_id IN ({marks})", tuple(chunk))
        store.execute(f"DELETE FROM meetings WHERE booking_id IN ({marks})", tuple(chunk))
        store.execute(f"DELETE FROM bookings WHERE id IN ({marks})", tuple(chunk))


def provider_busy(
    store: Store,
    provider_id: int,
    starts_at: str,
    ends_at: str,
    *,
    exclude_booking_id: int | None = None,
    exclude_session_id: int | None = None,
) -> str | None:
    """What already holds the provider between ``starts_at`` and ``ends_at`` (None if free)."""
    row = store.one(
        "SELECT b.id FROM bookings b WHERE b.provider_id = ? AND b.status = ?"
        " AND b.starts_at < ? AND b.ends_at > ? AND b.id <> ?"
        " AND (b.class_session_id IS NULL OR b.class_session_id <> ?) ORDER BY b.starts_at LIMIT 1",
        (provider_id, BOOKED, ends_at, starts_at, exclude_booking_id or -1, exclude_session_id or -1),
    )
    if row is not None:
        return f"booking {row['id']}"
    for session_id, start, end in _sessions_of(store, provider_id, before=ends_at):
        if session_id != exclude_session_id and start < ends_at and end > starts_at:
            return f"class session {session_id}"
    return None


def _sessions_of(store: Store, provider_id: int, before: str | None = None) -> list[tuple[int, str, str]]:
    """The provider's scheduled class sessions as (id, starts_at, ends_at)."""
    from datetime import timedelta

    sql = (
        "SELECT s.id, s.starts_at, c.duration_minutes FROM class_sessions s JOIN classes c ON c.id = s.class_id"
        " WHERE s.provider_id = ? AND s.status = ?"
    )
    params: list[Any] = [provider_id, SessionStatus.SCHEDULED]
    if before is not None:
        sql += " AND s.starts_at < ?"
        params.append(before)
    return [
        (r["id"], r["starts_at"], to_db(from_db(r["starts_at"]) + timedelta(minutes=r["duration_minutes"])))
        for r in store.all(sql, tuple(params))
    ]


def busy_intervals(store: Store, provider_id: int, since: str) -> list[tuple[str, str]]:
    """The provider's booked intervals (bookings and class sessions) ending after ``since``, sorted."""
    rows = store.all(
        "SELECT starts_at, ends_at FROM bookings WHERE provider_id = ? AND status = ? AND ends_at > ?",
        (provider_id, BOOKED, since),
    )
    out = [(r["starts_at"], r["ends_at"]) for r in rows]
    out.extend((start, end) for _id, start, end in _sessions_of(store, provider_id) if end > since)
    return sorted(out)


def session_client_ids(store: Store, session_id: int) -> set[int]:
    rows = store.all("SELECT client_id FROM bookings WHERE class_session_id = ? AND status = ?", (session_id, BOOKED))
    return {r[0] for r in rows}


def session_at(store: Store, class_id: int, starts_at: str) -> int | None:
    row = store.one(
        "SELECT id FROM class_sessions WHERE class_id = ? AND starts_at = ? AND status = ? ORDER BY id LIMIT 1",
        (class_id, starts_at, SessionStatus.SCHEDULED),
    )
    return int(row[0]) if row else None


# ---- meetings ----------------------------------------------------------------------------
_MEETING_SQL = (
    "SELECT m.id AS m_id, m.company_id AS m_company_id, m.booking_id AS m_booking_id,"
    " m.class_session_id AS m_session_id, m.zoom_meeting_id AS m_zoom_meeting_id, m.host_zoom_user_id AS m_host,"
    " m.join_url AS m_join_url, m.password AS m_password, m.marker AS m_marker, m.status AS m_status,"
    " m.last_error AS m_last_error FROM meetings m "
)


def insert_meeting(
    store: Store,
    company_id: int,
    marker: str,
    *,
    booking_id: int | None = None,
    session_id: int | None = None,
    host: str | None = None,
) -> MeetingLink:
    now = now_db()
    mid = store.insert(
        "INSERT INTO meetings (company_id, booking_id, class_session_id, host_zoom_user_id, marker, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (company_id, booking_id, session_id, host, marker, MeetingStatus.PENDING, now, now),
    )
    return meeting(store, mid)  # type: ignore[return-value]


def meeting(store: Store, meeting_id: int) -> MeetingLink | None:
    row = store.one(_MEETING_SQL + "WHERE m.id = ?", (meeting_id,))
    return _meeting_from(row) if row else None


def meeting_of_session(store: Store, session_id: int) -> MeetingLink | None:
    row = store.one(_MEETING_SQL + "WHERE m.class_session_id = ?", (session_id,))
    return _meeting_from(row) if row else None


def meetings_from(store: Store, company_id: int, since: str) -> list[MeetingLink]:
    """Meetings of bookings or class sessions starting at or after ``since``."""
    rows = store.all(
        _MEETING_SQL + "WHERE m.company_id = ? AND ("
        " EXISTS (SELECT 1 FROM bookings b WHERE b.id = m.booking_id AND b.starts_at >= ?)"
        " OR EXISTS (SELECT 1 FROM class_sessions s WHERE s.id = m.class_session_id AND s.starts_at >= ?))"
        " ORDER BY m.id",
        (company_id, since, since),
    )
    return [_meeting_from(r) for r in rows]  # type: ignore[misc]


def set_meeting_created(
    store: Store,
    meeting_id: int,
    zoom_meeting_id: int,
    host: str | None,
    join_url: str | None,
    password: str | None,
) -> None:
    store.execute(
        "UPDATE meetings SET zoom_meeting_id = ?, host_zoom_user_id = COALESCE(?, host_zoom_user_id), join_url = ?,"
        " password = ?, status = ?, last_error = NULL, updated_at = ? WHERE id = ?",
        (zoom_meeting_id, host, join_url, password, MeetingStatus.CREATED, now_db(), meeting_id),
    )


def set_meeting_status(
    store: Store,
    meeting_id: int,
    status: MeetingStatus,
    last_error: str | None = None,
    *,
    host: str | None = None,
) -> None:
    store.execute(
        "UPDATE meetings SET status = ?, last_error = ?, host_zoom_user_id = COALESCE(?, host_zoom_user_id),"
        " updated_at = ? WHERE id = ?",
        (status, last_error, host, now_db(), meeting_id),
    )


# ---- registrants -------------------------------------------------------------------------
def insert_registrant(store: Store, meeting_id: int, booking_id: int) -> int:
    now = now_db()
    return store.insert(
        "INSERT INTO registrants (meeting_id, booking_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (meeting_id, booking_id, RegistrantStatus.PENDING, now, now),
    )


def registrants_to_add(store: Store, meeting_id: int) -> list[tuple[Registration, str, str | None]]:
    """Registrations of booked attendees that have no working link yet, with email and name."""
    rows = store.all(
        "SELECT r.*, c.email AS email, c.name AS name FROM registrants r JOIN bookings b ON b.id = r.booking_id"
        " JOIN clients c ON c.id = b.client_id WHERE r.meeting_id = ? AND b.status = ?"
        " AND r.status IN (?, ?) ORDER BY r.id",
        (meeting_id, BOOKED, RegistrantStatus.PENDING, RegistrantStatus.FAILED),
    )
    return [(_registration(r), r["email"], r["name"]) for r in rows]


def _registration(row: Any) -> Registration:
    return Registration(
        id=row["id"],
        meeting_id=row["meeting_id"],
        booking_id=row["booking_id"],
        zoom_registrant_id=row["zoom_registrant_id"],
        join_url=row["join_url"],
        status=RegistrantStatus(row["status"]),
        last_error=row["last_error"],
    )


def set_registrant_created(store: Store, registrant_id: int, zoom_registrant_id: str | None, join_url: str) -> None:
    store.execute(
        "UPDATE registrants SET zoom_registrant_id = ?, join_url = ?, status = ?, last_error = NULL,"
        " updated_at = ? WHERE id = ?",
        (zoom_registrant_id, join_url, RegistrantStatus.CREATED, now_db(), registrant_id),
    )


def set_registrant_status(
    store: Store, registrant_id: int, status: RegistrantStatus, last_error: str | None = None
) -> None:
    store.execute(
        "UPDATE registrants SET status = ?, last_error = ?, updated_at = ? WHERE id = ?",
        (status, last_error, now_db(), registrant_id),
    )


def reset_registrants(store: Store, meeting_id: int) -> None:
    """The meeting was recreated: every booked attendee needs a new link."""
    store.execute(
        "UPDATE registrants SET status = ?, zoom_registrant_id = NULL, join_url = NULL, last_error = NULL,"
        " updated_at = ? WHERE meeting_id = ? AND status <> ?"
        " AND booking_id IN (SELECT id FROM bookings WHERE status = ?)",
        (RegistrantStatus.PENDING, now_db(), meeting_id, RegistrantStatus.CANCELLED, BOOKED),
    )


def cancel_registrants_of_meeting(store: Store, meeting_id: int) -> None:
    store.execute(
        "UPDATE registrants SET status = ?, updated_at = ? WHERE meeting_id = ? AND status <> ?",
        (RegistrantStatus.CANCELLED, now_db(), meeting_id, RegistrantStatus.CANCELLED),
    )


def future_meetings_on_host(store: Store, provider_id: int, host: str, now: str) -> int:
    """How many created meetings of the provider's future bookings ``host`` holds."""
    row = store.one(
        "SELECT COUNT(*) FROM meetings m JOIN bookings b ON b.id = m.booking_id WHERE b.provider_id = ?"
        " AND b.status = ? AND b.starts_at >= ? AND m.status = ? AND m.host_zoom_user_id = ?",
        (provider_id, BOOKED, now, MeetingStatus.CREATED, host),
    )
    return int(row[0]) if row else 0


# ---- clients made for test bookings -------------------------------------------------------
def max_test_client_number(store: Store, company_id: int, domain: str) -> int:
    """The highest N of the company's generated ``test+N@domain`` clients (0 if none)."""
    rows = store.all(
        "SELECT email FROM clients WHERE company_id = ? AND email LIKE ?", (company_id, f"test+%@{domain}")
    )
    best = 0
    for row in rows:
        middle = row[0][len("test+") : -len(domain) - 1]
        if middle.isdigit():
            best = max(best, int(middle))
    return best


def delete_unused_test_clients(store: Store, company_id: int, domain: str) -> int:
    return store.execute(
        "DELETE FROM clients WHERE company_id = ? AND email LIKE ?"
        " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.client_id = clients.id)",
        (company_id, f"test+%@{domain}"),
    ).rowcount
