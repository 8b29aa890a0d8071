"""Companies and their Zoom connection metadata (never tokens)."""

from __future__ import annotations

from typing import Any

from zoomctl.models import Company
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db


def _company(row) -> Company:
    return Company(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        timezone=row["timezone"],
        online_meetings_enabled=bool(row["online_meetings_enabled"]),
        created_at=row["created_at"],
    )


def insert(store: Store, slug: str, name: str, timezone: str) -> Company:
    cid = store.insert(
        "INSERT INTO companies (slug, name, timezone, created_at) VALUES (?, ?, ?, ?)",
        (slug, name, timezone, now_db()),
    )
    return by_id(store, cid)  # type: ignore[return-value]


def by_id(store: Store, company_id: int) -> Company | None:
    row = store.one("SELECT * FROM companies WHERE id = ?", (company_id,))
    return _company(row) if row else None


def by_slug(store: Store, slug: str) -> Company | None:
    row = store.one("SELECT * FROM companies WHERE slug = ?", (slug,))
    return _company(row) if row else None


def all_companies(store: Store) -> list[Company]:
    return [_company(r) for r in store.all("SELECT * FROM companies ORDER BY slug")]


def set_feature(store: Store, company_id: int, enabled: bool) -> None:
    store.execute("UPDATE companies SET online_meetings_enabled = ? WHERE id = ?", (int(enabled), company_id))


def update(store: Store, company_id: int, name: str, timezone: str, enabled: bool) -> None:
    store.execute(
        "UPDATE companies SET name = ?, timezone = ?, online_meetings_enabled = ? WHERE id = ?",
        (name, timezone, int(enabled), company_id),
    )


def connection(store: Store, company_id: int) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM zoom_connections WHERE company_id = ?", (company_id,))
    if row is None:
        return None
    data = dict(row)
    data["scopes"] = data["scopes"].split() if data["scopes"] else []
    data["can_act_for_others"] = bool(data["can_act_for_others"])
    return data


def save_connection(store: Store, company_id: int, **fields: Any) -> None:
    fields = dict(fields)
    if isinstance(fields.get("scopes"), (list, tuple)):
        fields["scopes"] = " ".join(fields["scopes"])
    if "can_act_for_others" in fields:
        fields["can_act_for_others"] = int(bool(fields["can_act_for_others"]))
    store.execute("DELETE FROM zoom_connections WHERE company_id = ?", (company_id,))
    keys = ["company_id", *fields]
    store.execute(
        f"INSERT INTO zoom_connections ({', '.join(keys)}) VALUES ({', '.join('?' for _ in keys)})",
        (company_id, *fields.values()),
    )


def set_connection_status(store: Store, company_id: int, status: str, reason: str | None) -> None:
    store.execute(
        "UPDATE zoom_connections SET status = ?, status_reason = ? WHERE company_id = ?",
        (status, reason, company_id),
    )


def delete_connection(store: Store, company_id: int) -> None:
    store.execute("DELETE FROM zoom_connections WHERE company_id = ?", (company_id,))


def client_id_used_elsewhere(store: Store, company_id: int, client_id: str) -> bool:
    """Whether another company's connection uses the same Zoom app (then its secret stays)."""
    row = store.one(
        "SELECT COUNT(*) FROM zoom_connections WHERE client_id = ? AND company_id <> ?", (client_id, company_id)
    )
    return bool(row[0])
