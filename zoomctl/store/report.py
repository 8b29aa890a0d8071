"""The "Online video meetings" report: one SQL query, its rows streamed one booking at a time.

An *online booking* is a booking whose service or class is online now, or one that has a
meeting row (its service or class was online when it was booked, or when `bookings sync`
last ran, and was switched off since: its Zoom meeting and links are still there). A
booking of an offline service or class that never had a meeting is not in the report.

One row per booking: a class session's attendees each get a row of their own, with their
personal join link and the session's Zoom meeting id. ``meeting_status`` is the state of
the booking's link, as `bookings list --status` uses it: the meeting's status, or for a
class attendee of a created meeting the attendee's registration status (so a failed
registration shows as ``failed``); ``None`` when the booking has no meeting row yet.

The SQL keeps to what PostgreSQL runs too (CASE, COALESCE, parameters; times are
ISO-8601 UTC text, so comparing them as text orders them). Filters only add fixed SQL
fragments; every value is a parameter. Rows are read with ``fetchmany`` and nothing is
queried per row; the company-zone time is computed in Python with one ZoneInfo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from zoomctl.models import FEATURE_OFF_REASON, NOT_SYNCED_REASON, host_start_page
from zoomctl.store.bookings import LINK_STATUS_SQL
from zoomctl.store.db import Store
from zoomctl.timefmt import to_db

# The documented JSON/CSV field names, in their output order.
FIELDS: tuple[str, ...] = (
    "booking_id",
    "starts_at",
    "starts_local",
    "kind",
    "service",
    "class",
    "session_id",
    "provider",
    "client_email",
    "client_name",
    "zoom_host_email",
    "zoom_meeting_id",
    "client_link",
    "provider_link",
    "booking_status",
    "meeting_status",
    "last_error",
    # attendance and drift, from Zoom's webhook events (`zoomctl webhooks listen`)
    "host_started_at",
    "client_joined_at",
    "attended_minutes",
    "no_show",
    "drift",
)

BOOKING_STATUSES = ("booked", "cancelled", "all")
MEETING_STATUSES = ("created", "pending", "failed", "deleted", "cancelled")
BATCH = 500  # rows per fetchmany()

_SELECT = f"""
SELECT b.id AS booking_id, b.starts_at, b.class_session_id AS session_id, b.status AS booking_status,
       s.name AS service, cl.name AS class_name, p.name AS provider,
       c.email AS client_email, c.name AS client_name,
       m.zoom_meeting_id, m.status AS m_status, m.join_url AS m_join_url, r.join_url AS r_join_url,
       {LINK_STATUS_SQL} AS meeting_status,
       COALESCE(r.last_error, m.last_error, CASE WHEN m.id IS NULL AND b.status = 'booked' THEN
           CASE WHEN co.online_meetings_enabled = 1 THEN '{NOT_SYNCED_REASON}' ELSE '{FEATURE_OFF_REASON}' END
       END) AS last_error,
       CASE WHEN m.host_zoom_user_id IS NULL THEN NULL
            WHEN m.host_zoom_user_id = p.zoom_user_id THEN p.zoom_user_email
            ELSE (SELECT MIN(hp.zoom_user_email) FROM providers hp
                  WHERE hp.company_id = b.company_id AND hp.zoom_user_id = m.host_zoom_user_id)
       END AS zoom_host_email,
       m.host_started_at, m.ended_at AS m_ended_at, m.zoom_start_time,
       ba.client_joined_at, ba.attended_seconds
FROM bookings b
JOIN companies co ON co.id = b.company_id
JOIN clients c ON c.id = b.client_id
JOIN providers p ON p.id = b.provider_id
LEFT JOIN services s ON s.id = b.service_id
LEFT JOIN class_sessions cs ON cs.id = b.class_session_id
LEFT JOIN classes cl ON cl.id = cs.class_id
LEFT JOIN meetings m ON m.booking_id = b.id OR m.class_session_id = b.class_session_id
LEFT JOIN registrants r ON r.booking_id = b.id
LEFT JOIN booking_attendance ba ON ba.booking_id = b.id
WHERE 1 = 1"""
# An online booking; one booking asked for by its id (`bookings show`) is shown whatever it is.
_ONLINE = " AND (m.id IS NOT NULL OR s.online = 1 OR cl.online = 1)"
_ORDER = " ORDER BY b.starts_at, b.id"
#: the meeting ended and the client never joined (the same rule as ``_report_row``'s no_show)
NO_SHOW_SQL = "(m.ended_at IS NOT NULL AND ba.client_joined_at IS NULL)"


@dataclass(frozen=True)
class ReportFilter:
    """What the report shows. Times are aware datetimes (UTC or not), both ends inclusive;
    ids are resolved by the caller; ``None`` means no filter."""

    starts_from: datetime | None = None
    starts_to: datetime | None = None
    service_id: int | None = None
    class_id: int | None = None
    provider_id: int | None = None
    client_email: str | None = None
    status: str = "all"  # booked | cancelled | all
    meeting_status: str | None = None  # created | pending | failed | deleted | cancelled
    include_test: bool = False
    booking_id: int | None = None  # one booking (`bookings show`)
    no_shows: bool = False  # only booked bookings whose meeting ended without their client

    def __post_init__(self) -> None:
        for moment in (self.starts_from, self.starts_to):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("report times must be timezone-aware")
        if self.status not in BOOKING_STATUSES:
            raise ValueError(f"unknown booking status {self.status!r}")
        if self.meeting_status is not None and self.meeting_status not in MEETING_STATUSES:
            raise ValueError(f"unknown meeting status {self.meeting_status!r}")


def report_sql(company_id: int, where: ReportFilter) -> tuple[str, list[Any]]:
    """The query and its parameters (fixed SQL fragments only; every value is a parameter)."""
    narrowed = any(
        v is not None
        for v in (where.service_id, where.class_id, where.provider_id, where.client_email, where.booking_id)
    )
    # With a service, class, provider or client to go by, their index finds the rows; the unary
    # plus keeps the planner (which without ANALYZE takes `company_id = ?` for a few rows) off
    # the company's whole range. Valid PostgreSQL too.
    clauses: list[tuple[str, tuple[Any, ...]]] = [
        (" AND +b.company_id = ?" if narrowed else " AND b.company_id = ?", (company_id,))
    ]
    if where.booking_id is None:
        clauses.append((_ONLINE, ()))
    window = ""
    bounds: tuple[str, ...] = ()
    if where.starts_from is not None:
        window += " AND {0}starts_at >= ?"
        bounds += (to_db(where.starts_from),)
    if where.starts_to is not None:
        window += " AND {0}starts_at <= ?"
        bounds += (to_db(where.starts_to),)
    if window:
        clauses.append((window.format("b."), bounds))
    if where.booking_id is not None:
        clauses.append((" AND b.id = ?", (where.booking_id,)))
    if where.service_id is not None:
        clauses.append((" AND b.service_id = ?", (where.service_id,)))
    if where.class_id is not None:
        # a session starts when its bookings do: the window narrows the sessions too
        sessions = "SELECT id FROM class_sessions WHERE class_id = ?" + window.format("")
        clauses.append((f" AND b.class_session_id IN ({sessions})", (where.class_id, *bounds)))
    if where.provider_id is not None:
        clauses.append((" AND b.provider_id = ?", (where.provider_id,)))
    if where.client_email is not None:
        clauses.append(
            (
                " AND b.client_id IN (SELECT id FROM clients WHERE company_id = ? AND email = ?)",
                (company_id, where.client_email.strip().lower()),
            )
        )
    if where.status != "all":
        clauses.append((" AND b.status = ?", (where.status,)))
    if where.meeting_status is not None:
        clauses.append((f" AND {LINK_STATUS_SQL} = ?", (where.meeting_status,)))
    if where.no_shows:
        clauses.append((f" AND {NO_SHOW_SQL} AND b.status = ?", ("booked",)))
    if not where.include_test:
        clauses.append((" AND b.is_test = ?", (0,)))
    sql = _SELECT + "".join(fragment for fragment, _ in clauses) + _ORDER
    return sql, [value for _, values in clauses for value in values]


def report_rows(
    store: Store, company_id: int, timezone: str, where: ReportFilter | None = None, *, batch: int = BATCH
) -> Iterator[dict[str, Any]]:
    """The report's rows, oldest start first, each a dict with exactly ``FIELDS``.

    A generator: rows are fetched ``batch`` at a time while the caller consumes them."""
    sql, params = report_sql(company_id, where or ReportFilter())
    cursor = store.stream(sql, tuple(params))
    starts_local = local_formatter(timezone)
    try:
        while chunk := cursor.fetchmany(batch):
            for row in chunk:
                yield _report_row(row, starts_local)
    finally:
        cursor.close()


def _report_row(row: Any, starts_local: Callable[[str], str]) -> dict[str, Any]:
    is_class = row["session_id"] is not None
    booked = row["booking_status"] == "booked"
    # the same rules as Booking.client_link / Booking.provider_link (`bookings show`)
    client_link = None
    if booked and row["meeting_status"] == "created":
        client_link = row["r_join_url"] if is_class else row["m_join_url"]
    provider_link = None
    if booked and row["m_status"] == "created":
        provider_link = host_start_page(row["m_join_url"], row["zoom_meeting_id"])
    return {
        "booking_id": row["booking_id"],
        "starts_at": row["starts_at"],
        "starts_local": starts_local(row["starts_at"]),
        "kind": "class" if is_class else "service",
        "service": row["service"],
        "class": row["class_name"],
        "session_id": row["session_id"],
        "provider": row["provider"],
        "client_email": row["client_email"],
        "client_name": row["client_name"],
        "zoom_host_email": row["zoom_host_email"],
        "zoom_meeting_id": row["zoom_meeting_id"],
        "client_link": client_link,
        "provider_link": provider_link,
        "booking_status": row["booking_status"],
        "meeting_status": row["meeting_status"],
        "last_error": row["last_error"],
        **attendance_fields(row),
    }


def attendance_fields(row: Any) -> dict[str, Any]:
    """host_started_at, client_joined_at, attended_minutes, no_show, drift of a row carrying
    ``host_started_at, m_ended_at, zoom_start_time, client_joined_at, attended_seconds, starts_at,
    m_status, booking_status`` (None where Zoom has said nothing yet)."""
    seconds = row["attended_seconds"]
    ended = row["m_ended_at"] is not None
    drift = row["zoom_start_time"]
    if drift == row["starts_at"] or row["m_status"] != "created":
        drift = None
    return {
        "host_started_at": row["host_started_at"],
        "client_joined_at": row["client_joined_at"],
        "attended_minutes": round(seconds / 60) if seconds is not None else (0 if ended else None),
        "no_show": (ended and row["client_joined_at"] is None) if row["booking_status"] == "booked" else None,
        "drift": drift,
    }


def local_formatter(timezone: str) -> Callable[[str], str]:
    """Stored UTC text -> the company-zone text `bookings show` prints (2026-12-01 09:30 CET),
    with one ZoneInfo and a small cache: rows come in start order, so a shared start comes in a run."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)

    def exact(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    @lru_cache(maxsize=4096)
    def hour(prefix: str) -> tuple[timedelta, str] | None:
        """The zone's offset and name through one UTC hour, or None when they change within it."""
        first = datetime.fromisoformat(prefix + ":00:00+00:00").astimezone(zone)
        last = (datetime.fromisoformat(prefix + ":59:59+00:00")).astimezone(zone)
        if first.utcoffset() != last.utcoffset() or first.tzname() != last.tzname():
            return None
        return first.utcoffset() or timedelta(0), first.tzname() or ""

    def starts_local(text: str) -> str:
        known = hour(text[:13])
        if known is None:
            return exact(text)
        offset, name = known
        d = datetime.fromisoformat(text) + offset
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d} {name}"

    return starts_local
