"""A generated workspace for the report's big tests, written with plain INSERTs (fast)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

JOIN = "https://us06web.zoom.example"
START = datetime(2031, 1, 1, 8, 0, tzinfo=UTC)
SESSION_SIZE = 5
STATUSES = ("created", "created", "created", "created", "pending", "failed", "deleted")


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def populate(conn: sqlite3.Connection, company_id: int, bookings: int, *, providers: int = 20) -> None:
    """``bookings`` bookings an hour apart: three in five of an online service with its own
    meeting, the rest attendees of online class sessions (five a session, one meeting and a
    registrant each); every 20th a test booking, every 10th cancelled; meeting states mixed."""
    now = stamp(START)
    cur = conn.cursor()
    cur.executemany(
        "INSERT INTO providers (company_id, name, name_key, email, zoom_user_id, zoom_user_email, zoom_user_type,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, 2, ?)",
        [
            (company_id, f"P{i}", f"p{i}", f"p{i}@example.com", f"Z{i}", f"z{i}@example.com", now)
            for i in range(providers)
        ],
    )
    provider_ids = [
        r[0] for r in cur.execute("SELECT id FROM providers WHERE company_id = ? ORDER BY id", (company_id,))
    ]
    cur.execute(
        "INSERT INTO services (company_id, name, name_key, duration_minutes, online, created_at)"
        " VALUES (?, 'Lesson', 'lesson', 60, 1, ?)",
        (company_id, now),
    )
    service_id = cur.lastrowid
    cur.execute(
        "INSERT INTO classes (company_id, name, name_key, duration_minutes, capacity, online, created_at)"
        " VALUES (?, 'Yoga', 'yoga', 45, 20, 1, ?)",
        (company_id, now),
    )
    class_id = cur.lastrowid
    clients = max(1, bookings // 4)
    cur.executemany(
        "INSERT INTO clients (company_id, email, name, created_at) VALUES (?, ?, ?, ?)",
        [(company_id, f"c{i}@example.com", f"Client {i}", now) for i in range(clients)],
    )
    first_client = cur.execute("SELECT MIN(id) FROM clients WHERE company_id = ?", (company_id,)).fetchone()[0]
    session_id = None
    for n in range(bookings):
        starts = stamp(START + timedelta(hours=n))
        ends = stamp(START + timedelta(hours=n, minutes=45))
        provider = provider_ids[n % len(provider_ids)]
        status = "cancelled" if n % 10 == 9 else "booked"
        meeting_status = STATUSES[n % len(STATUSES)]
        is_class = n % 5 >= 3
        if is_class and (session_id is None or n % SESSION_SIZE == 3):
            cur.execute(
                "INSERT INTO class_sessions (class_id, provider_id, starts_at, created_at) VALUES (?, ?, ?, ?)",
                (class_id, provider, starts, now),
            )
            session_id = cur.lastrowid
            cur.execute(
                "INSERT INTO meetings (company_id, class_session_id, zoom_meeting_id, host_zoom_user_id, join_url,"
                " marker, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    company_id,
                    session_id,
                    9_000_000 + n,
                    f"Z{provider_ids.index(provider)}",
                    f"{JOIN}/j/{9_000_000 + n}",
                    f"zc-{n}",
                    "created",
                    now,
                    now,
                ),
            )
            meeting_id = cur.lastrowid
        cur.execute(
            "INSERT INTO bookings (company_id, service_id, class_session_id, provider_id, client_id, starts_at, ends_at,"
            " status, is_test, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                company_id,
                None if is_class else service_id,
                session_id if is_class else None,
                provider,
                first_client + n % clients,
                starts,
                ends,
                status,
                int(n % 20 == 19),
                now,
            ),
        )
        booking_id = cur.lastrowid
        if is_class:
            cur.execute(
                "INSERT INTO registrants (meeting_id, booking_id, join_url, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (meeting_id, booking_id, f"{JOIN}/w/{9_000_000 + n}?tk=personal{n}", meeting_status, now, now),
            )
        else:
            cur.execute(
                "INSERT INTO meetings (company_id, booking_id, zoom_meeting_id, host_zoom_user_id, join_url, password,"
                " marker, status, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    company_id,
                    booking_id,
                    8_000_000 + n,
                    f"Z{provider_ids.index(provider)}",
                    f"{JOIN}/j/{8_000_000 + n}?pwd=p{n}",
                    f"p{n}",
                    f"zs-{n}",
                    meeting_status,
                    "Zoom said no" if meeting_status == "failed" else None,
                    now,
                    now,
                ),
            )
