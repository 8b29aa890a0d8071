"""Providers, services, classes, class sessions and clients of one company."""

from __future__ import annotations

from typing import Any

from zoomctl.models import (
    BookingStatus,
    CatalogKind,
    ClassDef,
    ClassSession,
    Client,
    Provider,
    Service,
    SessionStatus,
)
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db

MAX_ID = 2**63 - 1
# each kind's table: the only table names put into SQL text here, never one passed in
_TABLE = {CatalogKind.PROVIDER: "providers", CatalogKind.SERVICE: "services", CatalogKind.CLASS: "classes"}
BOOKED, SCHEDULED = BookingStatus.BOOKED, SessionStatus.SCHEDULED


def is_id(ref: str) -> bool:
    """Whether a reference is a row id (ASCII digits only)."""
    return ref.isascii() and ref.isdigit()


def name_key(name: str) -> str:
    return name.casefold()


def candidates(store: Store, kind: CatalogKind, company_id: int, ref: str) -> list[Any]:
    """Rows a reference may mean: an id, an exact name (any case), else names starting with it."""
    table = _TABLE[kind]
    if is_id(ref):
        if int(ref) > MAX_ID:
            return []
        return store.all(
            f"SELECT id, name FROM {table} WHERE company_id = ? AND id = ? AND removed_at IS NULL",
            (company_id, int(ref)),
        )
    key = name_key(" ".join(ref.split()))
    exact = store.all(
        f"SELECT id, name FROM {table} WHERE company_id = ? AND name_key = ? AND removed_at IS NULL", (company_id, key)
    )
    if exact:
        return exact
    like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return store.all(
        f"SELECT id, name FROM {table} WHERE company_id = ? AND name_key LIKE ? ESCAPE '\\' "
        "AND removed_at IS NULL ORDER BY name",
        (company_id, like),
    )


def name_taken(store: Store, kind: CatalogKind, company_id: int, name: str) -> bool:
    return (
        store.one(f"SELECT 1 FROM {_TABLE[kind]} WHERE company_id = ? AND name_key = ?", (company_id, name_key(name)))
        is not None
    )


def remove_named(store: Store, kind: CatalogKind, row_id: int) -> None:
    """Remove from use but keep for history (bookings and reports refer to it); frees the name."""
    store.execute(f"UPDATE {_TABLE[kind]} SET removed_at = ?, name_key = NULL WHERE id = ?", (now_db(), row_id))


# ---- providers ---------------------------------------------------------------------------
def _provider(row: Any) -> Provider:
    return Provider(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        zoom_user_id=row["zoom_user_id"],
        zoom_user_email=row["zoom_user_email"],
        zoom_user_type=row["zoom_user_type"],
        created_at=row["created_at"],
    )


def add_provider(store: Store, company_id: int, name: str, email: str | None) -> Provider:
    pid = store.insert(
        "INSERT INTO providers (company_id, name, name_key, email, created_at) VALUES (?, ?, ?, ?, ?)",
        (company_id, name, name_key(name), email, now_db()),
    )
    return provider(store, pid)


def provider(store: Store, provider_id: int) -> Provider:
    return _provider(store.one("SELECT * FROM providers WHERE id = ?", (provider_id,)))


def providers(store: Store, company_id: int) -> list[Provider]:
    return [
        _provider(r)
        for r in store.all(
            "SELECT * FROM providers WHERE company_id = ? AND removed_at IS NULL ORDER BY name", (company_id,)
        )
    ]


def set_provider_zoom_user(
    store: Store, provider_id: int, user_id: str | None, email: str | None, user_type: int | None
) -> None:
    store.execute(
        "UPDATE providers SET zoom_user_id = ?, zoom_user_email = ?, zoom_user_type = ? WHERE id = ?",
        (user_id, email, user_type, provider_id),
    )


def update_provider(store: Store, provider_id: int, name: str, email: str | None) -> None:
    store.execute(
        "UPDATE providers SET name = ?, name_key = ?, email = ? WHERE id = ?",
        (name, name_key(name), email, provider_id),
    )


def future_bookings_of_provider(store: Store, provider_id: int, now: str) -> int:
    row = store.one(
        "SELECT COUNT(*) FROM bookings WHERE provider_id = ? AND status = ? AND starts_at >= ?",
        (provider_id, BOOKED, now),
    )
    return int(row[0])


def future_service_bookings_of_provider(store: Store, provider_id: int, now: str) -> list[int]:
    rows = store.all(
        "SELECT id FROM bookings WHERE provider_id = ? AND service_id IS NOT NULL AND status = ? "
        "AND starts_at >= ? ORDER BY id",
        (provider_id, BOOKED, now),
    )
    return [r[0] for r in rows]


def future_bookings_of_service(store: Store, service_id: int, now: str) -> int:
    row = store.one(
        "SELECT COUNT(*) FROM bookings WHERE service_id = ? AND status = ? AND starts_at >= ?",
        (service_id, BOOKED, now),
    )
    return int(row[0])


def future_sessions(
    store: Store, now: str, *, class_id: int | None = None, provider_id: int | None = None
) -> list[int]:
    column, value = ("class_id", class_id) if class_id is not None else ("provider_id", provider_id)
    rows = store.all(
        f"SELECT id FROM class_sessions WHERE {column} = ? AND status = ? AND starts_at >= ? ORDER BY id",
        (value, SCHEDULED, now),
    )
    return [r[0] for r in rows]


# ---- services ----------------------------------------------------------------------------
def _service(store: Store, row: Any, names: list[str] | None = None) -> Service:
    """A service row as a Service; ``names``: its providers' names, if already read."""
    if names is None:
        names = [
            r["name"]
            for r in store.all(
                "SELECT p.name FROM service_providers sp JOIN providers p ON p.id = sp.provider_id "
                "WHERE sp.service_id = ? AND p.removed_at IS NULL ORDER BY p.name",
                (row["id"],),
            )
        ]
    return Service(
        id=row["id"],
        name=row["name"],
        duration_minutes=row["duration_minutes"],
        online=bool(row["online"]),
        providers=names,
        created_at=row["created_at"],
    )


def add_service(store: Store, company_id: int, name: str, duration: int, provider_ids: list[int]) -> Service:
    sid = store.insert(
        "INSERT INTO services (company_id, name, name_key, duration_minutes, created_at) VALUES (?, ?, ?, ?, ?)",
        (company_id, name, name_key(name), duration, now_db()),
    )
    for pid in provider_ids:
        store.execute("INSERT INTO service_providers (service_id, provider_id) VALUES (?, ?)", (sid, pid))
    return service(store, sid)


def service(store: Store, service_id: int) -> Service:
    return _service(store, store.one("SELECT * FROM services WHERE id = ?", (service_id,)))


def services(store: Store, company_id: int) -> list[Service]:
    """The company's services, each with its providers' names (two queries, not one a service)."""
    names: dict[int, list[str]] = {}
    for r in store.all(
        "SELECT sp.service_id, p.name FROM service_providers sp JOIN providers p ON p.id = sp.provider_id"
        " JOIN services s ON s.id = sp.service_id"
        " WHERE s.company_id = ? AND s.removed_at IS NULL AND p.removed_at IS NULL ORDER BY p.name",
        (company_id,),
    ):
        names.setdefault(r["service_id"], []).append(r["name"])
    return [
        _service(store, r, names.get(r["id"], []))
        for r in store.all(
            "SELECT * FROM services WHERE company_id = ? AND removed_at IS NULL ORDER BY name", (company_id,)
        )
    ]


def update_service(
    store: Store, service_id: int, name: str, duration: int, online: bool, provider_ids: list[int]
) -> None:
    store.execute(
        "UPDATE services SET name = ?, name_key = ?, duration_minutes = ?, online = ? WHERE id = ?",
        (name, name_key(name), duration, int(online), service_id),
    )
    store.execute("DELETE FROM service_providers WHERE service_id = ?", (service_id,))
    for pid in provider_ids:
        store.execute("INSERT INTO service_providers (service_id, provider_id) VALUES (?, ?)", (service_id, pid))


def set_online(store: Store, kind: CatalogKind, row_id: int, online: bool) -> None:
    assert kind in (CatalogKind.SERVICE, CatalogKind.CLASS)
    store.execute(f"UPDATE {_TABLE[kind]} SET online = ? WHERE id = ?", (int(online), row_id))


# ---- classes and sessions ----------------------------------------------------------------
def _class(row: Any) -> ClassDef:
    return ClassDef(
        id=row["id"],
        name=row["name"],
        duration_minutes=row["duration_minutes"],
        capacity=row["capacity"],
        online=bool(row["online"]),
        created_at=row["created_at"],
    )


def add_class(store: Store, company_id: int, name: str, duration: int, capacity: int) -> ClassDef:
    cid = store.insert(
        "INSERT INTO classes (company_id, name, name_key, duration_minutes, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (company_id, name, name_key(name), duration, capacity, now_db()),
    )
    return class_def(store, cid)


def update_class(store: Store, class_id: int, name: str, duration: int, capacity: int, online: bool) -> None:
    store.execute(
        "UPDATE classes SET name = ?, name_key = ?, duration_minutes = ?, capacity = ?, online = ? WHERE id = ?",
        (name, name_key(name), duration, capacity, int(online), class_id),
    )


def class_def(store: Store, class_id: int) -> ClassDef:
    return _class(store.one("SELECT * FROM classes WHERE id = ?", (class_id,)))


def classes(store: Store, company_id: int) -> list[ClassDef]:
    return [
        _class(r)
        for r in store.all(
            "SELECT * FROM classes WHERE company_id = ? AND removed_at IS NULL ORDER BY name", (company_id,)
        )
    ]


_SESSION_SQL = (
    "SELECT s.*, c.name AS class_name, c.capacity AS capacity, p.name AS provider_name, "
    "(SELECT COUNT(*) FROM bookings b WHERE b.class_session_id = s.id AND b.status = ?) AS booked "
    "FROM class_sessions s JOIN classes c ON c.id = s.class_id JOIN providers p ON p.id = s.provider_id "
)


def _session(row: Any) -> ClassSession:
    return ClassSession(
        id=row["id"],
        class_id=row["class_id"],
        class_name=row["class_name"],
        provider_id=row["provider_id"],
        provider_name=row["provider_name"],
        starts_at=row["starts_at"],
        status=SessionStatus(row["status"]),
        booked=row["booked"],
        capacity=row["capacity"],
    )


def add_session(store: Store, class_id: int, provider_id: int, starts_at: str) -> ClassSession:
    sid = store.insert(
        "INSERT INTO class_sessions (class_id, provider_id, starts_at, created_at) VALUES (?, ?, ?, ?)",
        (class_id, provider_id, starts_at, now_db()),
    )
    return session(store, sid)  # type: ignore[return-value]


def session(store: Store, session_id: int, company_id: int | None = None) -> ClassSession | None:
    sql = _SESSION_SQL + "WHERE s.id = ?"
    params: tuple = (BOOKED, session_id)
    if company_id is not None:
        sql += " AND c.company_id = ?"
        params = (*params, company_id)
    row = store.one(sql, params)
    return _session(row) if row else None


def sessions(
    store: Store, company_id: int, class_id: int | None = None, include_cancelled: bool = False
) -> list[ClassSession]:
    sql = _SESSION_SQL + "WHERE c.company_id = ?"
    params: list = [BOOKED, company_id]
    if class_id is not None:
        sql += " AND s.class_id = ?"
        params.append(class_id)
    if not include_cancelled:
        sql += " AND s.status = ?"
        params.append(SCHEDULED)
    sql += " ORDER BY s.starts_at, s.id"
    return [_session(r) for r in store.all(sql, tuple(params))]


def set_session_status(store: Store, session_id: int, status: SessionStatus) -> None:
    store.execute("UPDATE class_sessions SET status = ? WHERE id = ?", (status, session_id))


def set_session_provider(store: Store, session_id: int, provider_id: int) -> None:
    store.execute("UPDATE class_sessions SET provider_id = ? WHERE id = ?", (provider_id, session_id))


# ---- clients -----------------------------------------------------------------------------
def _client(row: Any) -> Client:
    return Client(id=row["id"], email=row["email"], name=row["name"], created_at=row["created_at"])


def add_client(store: Store, company_id: int, email: str, name: str | None) -> Client:
    cid = store.insert(
        "INSERT INTO clients (company_id, email, name, created_at) VALUES (?, ?, ?, ?)",
        (company_id, email, name, now_db()),
    )
    return _client(store.one("SELECT * FROM clients WHERE id = ?", (cid,)))


def client_by_email(store: Store, company_id: int, email: str) -> Client | None:
    row = store.one("SELECT * FROM clients WHERE company_id = ? AND email = ?", (company_id, email))
    return _client(row) if row else None


def clients(store: Store, company_id: int) -> list[Client]:
    return [_client(r) for r in store.all("SELECT * FROM clients WHERE company_id = ? ORDER BY email", (company_id,))]
