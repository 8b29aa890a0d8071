"""The report's rows as SQLite writes them (--json, --csv) are byte for byte what the Python
rows give through the same writers, whatever the workspace holds."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import default_db, workspace

from zoomctl.core import companies
from zoomctl.core.report import ReportFilter, ReportRows, ReportSummary
from zoomctl.report_output import write_csv, write_json
from zoomctl.store.report import FIELDS

from .report_data import populate
from .test_report_query import world  # noqa: F401  (the fixture)

WRITERS = {"json": write_json, "csv": write_csv}
ZONES = ["Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC", "Pacific/Apia"]


def both_ways(store, company, fmt: str, where: ReportFilter | None = None) -> tuple[str, str, dict, dict]:
    """(what the database writes, what the Python rows give) and the two summaries."""
    fast_summary, slow_summary = ReportSummary(), ReportSummary()
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    rows = ReportRows(store, company, where, fast_summary)
    assert rows.encoded(fmt) is not None  # SQLite writes them
    WRITERS[fmt](ReportRows(store, company, where, fast_summary), FIELDS, fast)
    WRITERS[fmt](list(ReportRows(store, company, where, slow_summary)), FIELDS, slow)
    return fast.getvalue(), slow.getvalue(), fast_summary.as_json(), slow_summary.as_json()


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize(
    "where",
    [
        None,
        ReportFilter(include_test=True),
        ReportFilter(status="cancelled"),
        ReportFilter(meeting_status="failed", include_test=True),
        ReportFilter(starts_from=datetime(2031, 3, 3, tzinfo=UTC), starts_to=datetime(2031, 3, 9, tzinfo=UTC)),
        ReportFilter(starts_from=datetime(2040, 1, 1, tzinfo=UTC)),  # no rows
    ],
    ids=["all", "test-too", "cancelled", "failed", "window", "none"],
)
def test_every_kind_of_booking_is_written_the_same_both_ways(world, isolated, fmt, where):  # noqa: F811
    with workspace(default_db(isolated)) as store:
        fast, slow, fast_summary, slow_summary = both_ways(store, world.company, fmt, where)
    assert fast == slow
    assert fast_summary == slow_summary
    if where is None:
        assert fast_summary["rows"] == 12  # the world's online, non-test bookings


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_big_workspace_is_written_the_same_both_ways(company, isolated, fmt):
    with workspace(default_db(isolated)) as store:
        acme = companies.get(store, company)
        populate(store.conn, acme.id, 1_200)  # more than one chunk; every state mixed in
        fast, slow, fast_summary, slow_summary = both_ways(store, acme, fmt, ReportFilter(include_test=True))
    assert fast == slow and fast_summary == slow_summary
    assert fast_summary["rows"] == 1_200


# --- whatever the workspace holds ---------------------------------------------------------------
# Text as people and Zoom write it: commas, quotes, line breaks of every kind, a formula's first
# character, the writers' own separators, non-ASCII; join URLs of every shape; seconds on both
# sides of a half minute; times on both sides of a zone's change.
SPECIAL = [",", '"', "\r", "\n", "\r\n", "=", "+", "-", "@", "\t", "\x1f", "\x1e", "\x85", "\u2028", "\u2029", "é", "'"]
PIECES = [*SPECIAL, "a", "Z", "0", " ", "/", ":", "?", "#", "%s"]
text = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
join_url = st.one_of(
    st.none(),
    st.just(""),
    st.builds(lambda host, tail: f"https://{host}{tail}", text, text),
    st.builds(
        lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "HTTPS", "+x", "a+b", "é", ""]), text
    ),
    text,
)
moment = st.integers(min_value=0, max_value=3 * 366 * 24 * 60).map(
    lambda minutes: (datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
)


@st.composite
def bookings(draw):
    return {
        "is_class": draw(st.booleans()),
        "booking_status": draw(st.sampled_from(["booked", "cancelled"])),
        "meeting_status": draw(st.sampled_from([None, "created", "pending", "failed", "deleted"])),
        "registrant_status": draw(st.sampled_from([None, "created", "failed", "cancelled"])),
        "service": draw(text),
        "provider": draw(text),
        "client_email": draw(text),
        "client_name": draw(st.one_of(st.none(), text)),
        "join_url": draw(join_url),
        "registrant_url": draw(join_url),
        "zoom_meeting_id": draw(st.sampled_from([None, 0, 7, 85746065123])),
        "last_error": draw(st.one_of(st.none(), text)),
        "starts_at": draw(moment),
        "zoom_start_time": draw(st.one_of(st.none(), moment)),
        "host_started_at": draw(st.one_of(st.none(), moment)),
        "ended_at": draw(st.one_of(st.none(), moment)),
        "client_joined_at": draw(st.one_of(st.none(), moment)),
        "attended_seconds": draw(
            st.one_of(st.none(), st.sampled_from([0, 29, 30, 31, 90, 150, 3570, -30, -90]), st.integers(-9999, 99999))
        ),
        "host_is_provider": draw(st.booleans()),
    }


def insert(conn, company_id: int, n: int, b: dict) -> None:
    """Booking ``n`` of an example, with its own provider, client, service or class (and names keyed by ``n``)."""
    now = "2031-01-01T00:00:00Z"
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO providers (company_id, name, name_key, zoom_user_id, zoom_user_email, zoom_user_type, created_at)"
        " VALUES (?, ?, ?, ?, ?, 2, ?)",
        (company_id, b["provider"], f"{n}p", f"ZP{n}", b["client_email"] + "@zoom", now),
    )
    provider = cur.lastrowid
    cur.execute(
        "INSERT INTO providers (company_id, name, name_key, zoom_user_id, zoom_user_email, zoom_user_type, created_at)"
        " VALUES (?, 'Other host', ?, ?, ?, 2, ?)",
        (company_id, f"{n}o", f"ZO{n}", b["service"] + "@host", now),
    )
    client = cur.execute(
        "INSERT INTO clients (company_id, email, name, created_at) VALUES (?, ?, ?, ?)",
        (company_id, f"{n}{b['client_email']}", b["client_name"], now),
    ).lastrowid
    service = session = None
    if b["is_class"]:
        klass = cur.execute(
            "INSERT INTO classes (company_id, name, name_key, duration_minutes, capacity, online, created_at)"
            " VALUES (?, ?, ?, 45, 9, 1, ?)",
            (company_id, b["service"], f"{n}c", now),
        ).lastrowid
        session = cur.execute(
            "INSERT INTO class_sessions (class_id, provider_id, starts_at, created_at) VALUES (?, ?, ?, ?)",
            (klass, provider, b["starts_at"], now),
        ).lastrowid
    else:
        service = cur.execute(
            "INSERT INTO services (company_id, name, name_key, duration_minutes, online, created_at)"
            " VALUES (?, ?, ?, 60, 1, ?)",
            (company_id, b["service"], f"{n}s", now),
        ).lastrowid
    booking = cur.execute(
        "INSERT INTO bookings (company_id, service_id, class_session_id, provider_id, client_id, starts_at, ends_at,"
        " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (company_id, service, session, provider, client, b["starts_at"], b["starts_at"], b["booking_status"], now),
    ).lastrowid
    if b["meeting_status"] is not None:
        meeting = cur.execute(
            "INSERT INTO meetings (company_id, booking_id, class_session_id, zoom_meeting_id, host_zoom_user_id,"
            " join_url, marker, status, last_error, zoom_start_time, host_started_at, ended_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'm', ?, ?, ?, ?, ?, ?, ?)",
            (
                company_id,
                None if b["is_class"] else booking,
                session,
                b["zoom_meeting_id"],
                f"ZP{n}" if b["host_is_provider"] else f"ZO{n}",
                b["join_url"],
                b["meeting_status"],
                b["last_error"],
                b["zoom_start_time"],
                b["host_started_at"],
                b["ended_at"],
                now,
                now,
            ),
        ).lastrowid
        if b["is_class"] and b["registrant_status"] is not None:
            cur.execute(
                "INSERT INTO registrants (meeting_id, booking_id, join_url, status, last_error, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (meeting, booking, b["registrant_url"], b["registrant_status"], b["last_error"], now, now),
            )
    if b["attended_seconds"] is not None:
        cur.execute(
            "INSERT INTO booking_attendance (booking_id, client_joined_at, attended_seconds) VALUES (?, ?, ?)",
            (booking, b["client_joined_at"], b["attended_seconds"]),
        )


HOSTILE = {
    "is_class": False,
    "booking_status": "booked",
    "meeting_status": "created",
    "registrant_status": None,
    "service": '=HYPERLINK("x"), "y"',
    "provider": "-Dana\x1fSmith",  # the cell separator itself, and a formula start
    "client_email": "\u2028a@b",
    "client_name": "Ann\r\nLee",
    "join_url": "+x://host,1/j/2",
    "registrant_url": None,
    "zoom_meeting_id": 7,
    "last_error": "@said: no",
    "starts_at": "2031-03-30T01:00:00Z",  # the second Berlin's summer time starts
    "zoom_start_time": "2031-03-30T00:59:59Z",
    "host_started_at": None,
    "ended_at": "2031-03-30T02:00:00Z",
    "client_joined_at": None,
    "attended_seconds": -90,
    "host_is_provider": False,
}


# join URLs on one origin that a CSV cell must quote, and others that only look like it
SHARED_ORIGIN = [
    {**HOSTILE, "join_url": url, "zoom_meeting_id": n, "provider": "Dana", "last_error": None}
    for n, url in enumerate(
        ["HTTPS://h,1/j/1", "https://h,1?/j/2", "https://h,1#/j/3", "https://h,12/j/4", "https://h,1/j/5?pwd=x"], 1
    )
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), rows=st.lists(bookings(), min_size=1, max_size=4))
@example(zone="Europe/Berlin", rows=[HOSTILE])
@example(zone="UTC", rows=SHARED_ORIGIN)  # the newest sets the origin read at less cost
def test_whatever_the_workspace_holds_both_ways_write_the_same(zone, rows):
    with tempfile.TemporaryDirectory() as scratch:
        with workspace(Path(scratch) / "w.db") as store:
            company = companies.create(store, "Hostile Studio", zone)
            for n, b in enumerate(rows):
                insert(store.conn, company.id, n, b)
            for fmt in ("json", "csv"):
                fast, slow, fast_summary, slow_summary = both_ways(store, company, fmt, ReportFilter(include_test=True))
                assert fast == slow, fmt
                assert fast_summary == slow_summary


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://us06web.zoom.us/j/85746065?pwd=abc", "https://us06web.zoom.us"),
        ("HTTPS://Zoom.US/j/2", None),  # its page has the scheme in lower case: the URL does not start with it
        ("https://zoom.us?x=1", None),  # no "/" after the origin
        ("+x://host/j/1", None),  # a formula's first character
        ("not a url", None),
        (None, None),
    ],
)
def test_the_common_origin_is_one_the_join_url_starts_with(url, origin):
    from zoomctl.store.report import common_origin

    assert common_origin(url) == origin
