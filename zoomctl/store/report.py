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

For --json and --csv on SQLite, ``encoded_chunks`` has the database write each row instead
(see "The same rows written by SQLite itself" below).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from zoomctl.models import FEATURE_OFF_REASON, NOT_SYNCED_REASON, host_start_page
from zoomctl.store.bookings import LINK_STATUS_SQL
from zoomctl.store.db import Store
from zoomctl.timefmt import ZonePeriod, from_db, to_db, zone_periods

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


# --- The same rows written by SQLite itself (JSON objects, CSV lines) ----------------------------
#
# On SQLite the report's rows for --json and --csv are written by the query, so that Python only
# copies text out: the rules of ``_report_row`` and ``attendance_fields`` as SQL expressions over
# the columns of ``report_sql``; the company-zone time as a CASE over the zone's changes
# (``timefmt.zone_periods``); the host start page read from the join URL as ``host_start_page``
# reads it; JSON by ``json_object``, CSV cells guarded as ``write_csv`` guards them.
# tests/store/test_report_encoded.py checks that both ways give the same bytes.

_BOOKED = "booking_status = 'booked'"
# the meeting's join URL: its scheme (before the first "://") and the rest after it
_SCHEME = "substr(m_join_url, 1, instr(m_join_url, '://') - 1)"
_REST = "substr(m_join_url, instr(m_join_url, '://') + 3)"
# the rest up to its first "/", "?" or "#" (each made a "/" to find the first): the authority
_NETLOC = f"substr({_REST}, 1, instr(replace(replace({_REST}, '?', '/'), '#', '/') || '/', '/') - 1)"
_NO_START_PAGE = (
    "m_join_url IS NULL OR zoom_meeting_id IS NULL OR zoom_meeting_id = 0 OR instr(m_join_url, '://') < 2"
    f" OR {_SCHEME} GLOB '*[^A-Za-z0-9+]*' OR NOT {_SCHEME} GLOB '*[A-Za-z0-9]*'"
    f" OR substr({_REST}, 1, 1) IN ('', '/', '?', '#')"
)
_START_PAGE = f"lower({_SCHEME}) || '://' || {_NETLOC} || '/s/' || zoom_meeting_id"
_HAS_START_PAGE = f"{_BOOKED} AND m_status = 'created'"
# round(seconds / 60) as Python rounds (half to even), for either sign
_MINUTES = "({s} / 60 + ({s} % 60 > 30) + ({s} % 60 = 30 AND ({s} / 60) % 2 = 1))"
_ROUNDED_MINUTES = (
    f"CASE WHEN attended_seconds >= 0 THEN {_MINUTES.format(s='attended_seconds')}"
    f" ELSE -{_MINUTES.format(s='(-attended_seconds)')} END"
)

# Each field as SQL; "{local}" is the company-zone time and "{start_page}" the host start page.
_ENCODED_FIELDS: dict[str, str] = {
    "booking_id": "booking_id",
    "starts_at": "starts_at",
    "starts_local": "{local}",
    "kind": "CASE WHEN session_id IS NULL THEN 'service' ELSE 'class' END",
    "service": "service",
    "class": "class_name",
    "session_id": "session_id",
    "provider": "provider",
    "client_email": "client_email",
    "client_name": "client_name",
    "zoom_host_email": "zoom_host_email",
    "zoom_meeting_id": "zoom_meeting_id",
    "client_link": f"CASE WHEN {_BOOKED} AND meeting_status = 'created'"
    " THEN CASE WHEN session_id IS NULL THEN m_join_url ELSE r_join_url END END",
    "provider_link": "{start_page}",
    "booking_status": "booking_status",
    "meeting_status": "meeting_status",
    "last_error": "last_error",
    "host_started_at": "host_started_at",
    "client_joined_at": "client_joined_at",
    "attended_minutes": f"CASE WHEN attended_seconds IS NOT NULL THEN {_ROUNDED_MINUTES}"
    " WHEN m_ended_at IS NOT NULL THEN 0 END",
    "no_show": f"CASE WHEN {_BOOKED} THEN (m_ended_at IS NOT NULL AND client_joined_at IS NULL) END",
    "drift": "CASE WHEN zoom_start_time = starts_at OR m_status IS NOT 'created' THEN NULL ELSE zoom_start_time END",
}
# The fields a CSV cell may need a formula guard in: text from people and Zoom. The others are
# numbers, fixed words (kind, the statuses) and times written by ``timefmt.to_db`` (starts_at,
# and from Zoom's events host_started_at, client_joined_at and drift): none starts with = + - @.
_FREE_TEXT = frozenset(
    {"service", "class", "provider", "client_email", "client_name", "zoom_host_email", "client_link", "last_error"}
)
#: the separator of a CSV row's cells as the database writes them (``encoded_sql``)
CELL_SEPARATOR = "\x1f"
# what each writer makes of a boolean: JSON's literals; str() of Python's in a CSV cell
_BOOLEAN = {
    "json": "json(CASE ({0}) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)",
    "csv": "CASE ({0}) WHEN 1 THEN 'True' WHEN 0 THEN 'False' END",
}
# csv_safe's formula guard: a text starting with = + - @ tab or CR gets a ' in front
_GUARDED = "(CASE WHEN unicode({0}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {0} ELSE {0} END)"
ENCODED_FORMATS = ("json", "csv")


def encoded_sql(
    company_id: int, where: ReportFilter, fmt: str, periods: list[ZonePeriod], origin: str | None = None
) -> tuple[str, list[Any]]:
    """SQLite only: the report's query with each row written as ``fmt`` wants it, as
    ``(text, booking_status, meeting_status)`` (the two statuses for the summary).

    ``json``: the object ``write_json`` writes for the row. ``csv``: the row's cells as
    ``write_csv`` hands them to the csv module (None empty, text that could be a formula
    guarded), joined by ``CELL_SEPARATOR``; the writer quotes what must be quoted.
    ``periods``: the company zone's (``timefmt.zone_periods``) over the rows' start times;
    ``origin``: the scheme and host most of its join URLs share, if known (``common_origin``)."""
    local, local_params = _local_sql(periods)
    page, page_params = _start_page_sql(fmt, origin)
    cells = []
    for name, expression in _ENCODED_FIELDS.items():
        if name == "starts_local":
            expression = local  # starts with its year's digits: never guarded
        elif name == "provider_link":
            expression = page
        elif name == "no_show":
            expression = _BOOLEAN[fmt].format(expression)
        elif fmt == "csv" and name in _FREE_TEXT:
            expression = _GUARDED.format(f"({expression})")
        cells.append(f"'{name}', {expression}" if fmt == "json" else expression)
    if fmt == "json":
        text = f"json_object({', '.join(cells)})"
    else:  # printf writes NULL as '' and builds the line in one piece
        text = f"printf('{CELL_SEPARATOR.join(['%s'] * len(cells))}', {', '.join(cells)})"
    inner, params = report_sql(company_id, where)
    sql = f"SELECT {text}, booking_status, meeting_status FROM ({inner}) AS report"
    return sql, [*local_params, *page_params, *params]  # in the order their fields come


def _start_page_sql(fmt: str, origin: str | None) -> tuple[str, list[Any]]:
    """provider_link: the host start page of a booked booking's created meeting (for ``csv``
    guarded as a cell, unless it is on ``origin``, which starts with a letter). A join URL on
    ``origin`` (followed by a "/"), as nearly all of a company's are, takes one comparison."""
    general = f"CASE WHEN {_NO_START_PAGE} THEN NULL ELSE {_START_PAGE} END"
    if fmt == "csv":
        general = _GUARDED.format(f"({general})")
    if origin is None:
        return f"CASE WHEN {_HAS_START_PAGE} THEN {general} END", []
    on_origin = f"zoom_meeting_id <> 0 AND substr(m_join_url, 1, {len(origin) + 1}) = ?"
    page = f"CASE WHEN {on_origin} THEN ? || zoom_meeting_id ELSE {general} END"
    return f"CASE WHEN {_HAS_START_PAGE} THEN {page} END", [f"{origin}/", f"{origin}/s/"]


def common_origin(join_url: str | None) -> str | None:
    """The origin ``host_start_page`` reads from ``join_url`` when the URL goes on with a "/"
    after it and it starts with a letter (no formula guard), else None."""
    page = host_start_page(join_url, 1)
    if page is None:
        return None
    origin = page[: -len("/s/1")]
    return origin if join_url is not None and join_url.startswith(origin + "/") and origin[:1].isalpha() else None


def _local_sql(periods: list[ZonePeriod]) -> tuple[str, list[Any]]:
    """``starts_at`` in the company's zone, as ``local_formatter`` writes it: a balanced CASE
    over the zone's changes, each period shifting the UTC time by its own offset."""
    if len(periods) == 1:
        _, offset, name = periods[0]
        return "(strftime('%Y-%m-%d %H:%M', starts_at, ?) || ?)", [f"{offset:+d} seconds", f" {name}"]
    middle = len(periods) // 2
    pivot = periods[middle][0]
    assert pivot is not None
    before, before_params = _local_sql(periods[:middle])
    after, after_params = _local_sql(periods[middle:])
    return f"(CASE WHEN starts_at < ? THEN {before} ELSE {after} END)", [to_db(pivot), *before_params, *after_params]


def encoded_chunks(
    store: Store, company_id: int, timezone: str, where: ReportFilter | None, fmt: str, *, batch: int = BATCH
) -> Iterator[list[tuple[Any, ...]]] | None:
    """The report's rows written by the database (``encoded_sql``), ``batch`` rows at a time;
    None where the engine does not write them (PostgreSQL, and formats other than json and csv)."""
    if not store.dialect.writes_report_rows or fmt not in ENCODED_FORMATS:
        return None
    first, last = store.execute(
        "SELECT (SELECT MIN(starts_at) FROM bookings WHERE company_id = ?),"
        " (SELECT MAX(starts_at) FROM bookings WHERE company_id = ?)",
        (company_id, company_id),
    ).fetchone()
    now = datetime.now(UTC)
    periods = zone_periods(timezone, from_db(first) if first else now, from_db(last) if last else now)
    newest = store.execute(
        "SELECT join_url FROM meetings WHERE company_id = ? AND join_url IS NOT NULL ORDER BY id DESC LIMIT 1",
        (company_id,),
    ).fetchone()
    origin = common_origin(newest[0]) if newest is not None else None
    sql, params = encoded_sql(company_id, where or ReportFilter(), fmt, periods, origin)

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        cursor = store.execute(sql, tuple(params))
        cursor.row_factory = None  # plain tuples
        try:
            while chunk := cursor.fetchmany(batch):
                yield chunk
        finally:
            cursor.close()

    return chunks()


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
