"""Make a realistic workspace for the report benchmark.

    python bench/gen_workspace.py FILE --bookings 100000

One company (Europe/Berlin) with the feature on; 50 providers mapped to Zoom users; 20 online
services (three providers each); 10 online classes of 12 places with dated sessions; clients
reused across bookings (one per 20 bookings); 70 % one-to-one bookings (each with its Zoom
meeting), 30 % class attendees (each session with one meeting, each attendee a registrant);
5 % of bookings cancelled (their meeting deleted or registration cancelled). The schema comes
from zoomctl itself (`zoomctl --db FILE company create`), the rows from bulk inserts.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROVIDERS, SERVICES, CLASSES, CAPACITY = 50, 20, 10, 12
CLIENT_EVERY = 20  # bookings per client
CLASS_SHARE, CANCELLED_SHARE = 0.30, 0.05
FMT = "%Y-%m-%dT%H:%M:%SZ"
START = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)


def zoomctl_exe() -> str:
    found = Path(sys.executable).with_name("zoomctl")
    return str(found) if found.exists() else "zoomctl"


def make_schema(path: Path, env: dict[str, str]) -> None:
    run = [zoomctl_exe(), "--db", str(path)]
    subprocess.run(
        [*run, "company", "create", "Bench Studio", "--timezone", "Europe/Berlin"],
        env=env,
        check=True,
        capture_output=True,
    )


def generate(path: Path, bookings: int, seed: int = 12) -> dict[str, int]:
    rnd = random.Random(seed)
    path.unlink(missing_ok=True)
    env = {**os.environ, "ZOOMCTL_CONFIG_DIR": str(path.parent / ".bench-config")}
    make_schema(path, env)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    (company,) = db.execute("SELECT id FROM companies").fetchone()
    now = datetime(2030, 12, 1, tzinfo=UTC).strftime(FMT)
    db.execute("UPDATE companies SET online_meetings_enabled = 1")
    db.executemany(
        "INSERT INTO providers (id, company_id, name, name_key, email, zoom_user_id, zoom_user_email, zoom_user_type,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?)",
        [
            (
                p,
                company,
                f"Provider {p}",
                f"provider {p}",
                f"p{p}@studio.example",
                f"zu{p:04d}",
                f"p{p}@studio.example",
                now,
            )
            for p in range(1, PROVIDERS + 1)
        ],
    )
    db.executemany(
        "INSERT INTO services (id, company_id, name, name_key, duration_minutes, online, created_at)"
        " VALUES (?, ?, ?, ?, ?, 1, ?)",
        [
            (s, company, f"Service {s}", f"service {s}", rnd.choice((30, 45, 60, 90)), now)
            for s in range(1, SERVICES + 1)
        ],
    )
    db.executemany(
        "INSERT INTO service_providers VALUES (?, ?)",
        [(s, (s * 3 + k) % PROVIDERS + 1) for s in range(1, SERVICES + 1) for k in range(3)],
    )
    db.executemany(
        "INSERT INTO classes (id, company_id, name, name_key, duration_minutes, capacity, online, created_at)"
        " VALUES (?, ?, ?, ?, 60, ?, 1, ?)",
        [(c, company, f"Class {c}", f"class {c}", CAPACITY, now) for c in range(1, CLASSES + 1)],
    )
    class_bookings = int(bookings * CLASS_SHARE)
    sessions = max(1, -(-class_bookings // CAPACITY))
    session_rows, session_meetings = [], []
    for s in range(1, sessions + 1):
        starts = (START + timedelta(hours=s * 3 % 24, days=s // 8)).strftime(FMT)
        session_rows.append((s, s % CLASSES + 1, s % PROVIDERS + 1, starts, now))
        session_meetings.append(
            (
                company,
                s,
                90_000_000_000 + s,
                f"zu{s % PROVIDERS + 1:04d}",
                f"https://zoom.example/j/{90_000_000_000 + s}",
                f"zoomctl:s{s}",
                now,
                now,
            )
        )
    db.executemany(
        "INSERT INTO class_sessions (id, class_id, provider_id, starts_at, created_at) VALUES (?, ?, ?, ?, ?)",
        session_rows,
    )
    db.executemany(
        "INSERT INTO meetings (company_id, class_session_id, zoom_meeting_id, host_zoom_user_id, join_url, marker,"
        " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'created', ?, ?)",
        session_meetings,
    )
    session_meeting_id = dict(db.execute("SELECT class_session_id, id FROM meetings"))
    clients = max(1, bookings // CLIENT_EVERY)
    db.executemany(
        "INSERT INTO clients (id, company_id, email, name, created_at) VALUES (?, ?, ?, ?, ?)",
        [(c, company, f"client{c}@mail.example", f"Client {c}", now) for c in range(1, clients + 1)],
    )
    book, meet, reg = [], [], []
    for b in range(1, bookings + 1):
        cancelled = rnd.random() < CANCELLED_SHARE
        status = "cancelled" if cancelled else "booked"
        client = rnd.randint(1, clients)
        if b <= class_bookings:
            session = (b - 1) // CAPACITY + 1
            _sid, _cls, provider, starts, _ = session_rows[session - 1]
            ends = (datetime.strptime(starts, FMT) + timedelta(minutes=60)).strftime(FMT)
            book.append((b, company, None, session, provider, client, starts, ends, status, now))
            reg.append(
                (
                    session_meeting_id[session],
                    b,
                    f"r{b}",
                    f"https://zoom.example/w/{b}",
                    "cancelled" if cancelled else "created",
                    now,
                    now,
                )
            )
        else:
            service = rnd.randint(1, SERVICES)
            provider = (service * 3 + rnd.randint(0, 2)) % PROVIDERS + 1
            moment = START + timedelta(minutes=30 * b)
            book.append(
                (
                    b,
                    company,
                    service,
                    None,
                    provider,
                    client,
                    moment.strftime(FMT),
                    (moment + timedelta(minutes=60)).strftime(FMT),
                    status,
                    now,
                )
            )
            meet.append(
                (
                    company,
                    b,
                    80_000_000_000 + b,
                    f"zu{provider:04d}",
                    f"https://zoom.example/j/{80_000_000_000 + b}",
                    f"zoomctl:b{b}",
                    "deleted" if cancelled else "created",
                    now,
                    now,
                )
            )
        if len(book) >= 50_000:
            _flush(db, book, meet, reg)
    _flush(db, book, meet, reg)
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"bookings": bookings, "sessions": sessions, "clients": clients}


def _flush(db, book, meet, reg) -> None:
    db.executemany(
        "INSERT INTO bookings (id, company_id, service_id, class_session_id, provider_id, client_id, starts_at, ends_at,"
        " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        book,
    )
    db.executemany(
        "INSERT INTO meetings (company_id, booking_id, zoom_meeting_id, host_zoom_user_id, join_url, marker, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        meet,
    )
    db.executemany(
        "INSERT INTO registrants (meeting_id, booking_id, zoom_registrant_id, join_url, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        reg,
    )
    book.clear(), meet.clear(), reg.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()
    print(generate(args.file, args.bookings))


if __name__ == "__main__":
    main()
