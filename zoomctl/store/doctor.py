"""The workspace's side of `zoomctl doctor`: read-only queries over one company's setup."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from zoomctl.models import BookingStatus, MeetingStatus, SessionStatus
from zoomctl.store.db import Store

BOOKED, SCHEDULED = BookingStatus.BOOKED, SessionStatus.SCHEDULED
#: what the event log calls a meeting create or update (each counts against Zoom's daily limit)
MEETING_WRITES = ("meeting.create", "meeting.update")


def mapped_providers(store: Store, company_id: int, now: str) -> list[dict[str, Any]]:
    """Providers with a Zoom user, and whether they teach an upcoming session of an online class."""
    rows = store.all(
        "SELECT p.id, p.name, p.zoom_user_id, p.zoom_user_email, p.zoom_user_type,"
        " EXISTS (SELECT 1 FROM class_sessions s JOIN classes c ON c.id = s.class_id"
        "   WHERE s.provider_id = p.id AND c.online = 1 AND c.removed_at IS NULL AND s.status = ?"
        "   AND s.starts_at >= ?) AS teaches_online_class"
        " FROM providers p WHERE p.company_id = ? AND p.removed_at IS NULL AND p.zoom_user_id IS NOT NULL"
        " ORDER BY p.name_key",
        (SCHEDULED, now, company_id),
    )
    return [dict(r) for r in rows]


def unmapped_online_providers(store: Store, company_id: int, now: str) -> list[dict[str, Any]]:
    """Providers without a Zoom user who serve an online service or teach an upcoming online class session,
    with what they serve (names)."""
    rows = store.all(
        "SELECT p.name AS provider, s.name AS offering FROM providers p"
        " JOIN service_providers sp ON sp.provider_id = p.id JOIN services s ON s.id = sp.service_id"
        " WHERE p.company_id = ? AND p.removed_at IS NULL AND p.zoom_user_id IS NULL"
        " AND s.online = 1 AND s.removed_at IS NULL"
        " UNION"
        " SELECT p.name, c.name FROM providers p"
        " JOIN class_sessions cs ON cs.provider_id = p.id JOIN classes c ON c.id = cs.class_id"
        " WHERE p.company_id = ? AND p.removed_at IS NULL AND p.zoom_user_id IS NULL"
        " AND c.online = 1 AND c.removed_at IS NULL AND cs.status = ? AND cs.starts_at >= ?"
        " ORDER BY 1, 2",
        (company_id, company_id, SCHEDULED, now),
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1])
    return [{"provider": name, "offerings": offerings} for name, offerings in found.items()]


def online_counts(store: Store, company_id: int) -> tuple[int, int]:
    """How many services and classes are online."""
    services = store.one(
        "SELECT COUNT(*) FROM services WHERE company_id = ? AND online = 1 AND removed_at IS NULL", (company_id,)
    )
    classes = store.one(
        "SELECT COUNT(*) FROM classes WHERE company_id = ? AND online = 1 AND removed_at IS NULL", (company_id,)
    )
    return int(services[0]), int(classes[0])  # type: ignore[index]


def has_online_class(store: Store, company_id: int) -> bool:
    return online_counts(store, company_id)[1] > 0


_UPCOMING = (
    " FROM bookings b JOIN meetings m ON m.booking_id = b.id OR"
    " (b.class_session_id IS NOT NULL AND m.class_session_id = b.class_session_id)"
    " WHERE b.company_id = ? AND b.status = ? AND b.ends_at >= ?"
)


def unlinked_bookings(store: Store, company_id: int, now: str) -> dict[str, list[int]]:
    """Booked bookings that have not ended whose meeting is pending or failed: ``{status: [booking id]}``."""
    rows = store.all(
        f"SELECT m.status, b.id{_UPCOMING} AND m.status IN (?, ?) ORDER BY b.starts_at, b.id",
        (company_id, BOOKED, now, MeetingStatus.PENDING, MeetingStatus.FAILED),
    )
    found: dict[str, list[int]] = {MeetingStatus.PENDING: [], MeetingStatus.FAILED: []}
    for row in rows:
        found[row[0]].append(int(row[1]))
    return found


def upcoming_meetings(store: Store, company_id: int, now: str, limit: int | None) -> list[dict[str, Any]]:
    """Created meetings of booked bookings that have not ended, soonest first: ``zoom_meeting_id`` and the
    ``booking_ids`` on it (``limit`` meetings, or all)."""
    rows = store.all(
        f"SELECT m.zoom_meeting_id, MIN(b.starts_at) AS starts_at, GROUP_CONCAT(b.id) AS booking_ids{_UPCOMING}"
        " AND m.status = ? AND m.zoom_meeting_id IS NOT NULL GROUP BY m.id ORDER BY 2, m.id"
        + (" LIMIT ?" if limit is not None else ""),
        (company_id, BOOKED, now, MeetingStatus.CREATED, *((limit,) if limit is not None else ())),
    )
    return [{"zoom_meeting_id": int(r[0]), "booking_ids": sorted(int(i) for i in str(r[2]).split(","))} for r in rows]


def meeting_writes_since(store: Store, company_id: int, since: str) -> Counter[str]:
    """Meeting creates and updates per host (as the event log names it) since ``since``."""
    rows = store.all(
        "SELECT details FROM events WHERE company_id = ? AND action IN (?, ?) AND at >= ?",
        (company_id, *MEETING_WRITES, since),
    )
    counts: Counter[str] = Counter()
    for row in rows:
        try:
            details = json.loads(row[0]) if row[0] else {}
        except ValueError:
            details = {}
        counts[str(details.get("host") or "unknown host")] += 1
    return counts
