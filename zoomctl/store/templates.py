"""Notification template overrides (table ``template_overrides``): one per company, kind,
channel, service and provider (either may be NULL); the unique index is on
``COALESCE(service_id, 0), COALESCE(provider_id, 0)``, so NULL counts as one value (valid
PostgreSQL as well)."""

from __future__ import annotations

from sqlite3 import Row

from zoomctl.models import TemplateOverride
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db

_SELECT = """
SELECT t.kind, t.channel, t.service_id, s.name AS service, t.provider_id, p.name AS provider,
       t.subject, t.body, t.updated_at
FROM template_overrides t
LEFT JOIN services s ON s.id = t.service_id
LEFT JOIN providers p ON p.id = t.provider_id
WHERE t.company_id = ?"""
# NULL = NULL is not true in SQL: a level's key is matched with COALESCE, as the unique index has it
_LEVEL = (
    " AND t.kind = ? AND t.channel = ? AND COALESCE(t.service_id, 0) = COALESCE(?, 0)"
    " AND COALESCE(t.provider_id, 0) = COALESCE(?, 0)"
)


def _override(row: Row) -> TemplateOverride:
    return TemplateOverride(
        kind=row["kind"],
        channel=row["channel"],
        service_id=row["service_id"],
        service=row["service"],
        provider_id=row["provider_id"],
        provider=row["provider"],
        subject=row["subject"],
        body=row["body"],
        updated_at=row["updated_at"],
    )


def overrides(
    store: Store, company_id: int, kind: str | None = None, channel: str | None = None
) -> list[TemplateOverride]:
    """The company's overrides (of one kind and channel when given), in a stable order."""
    sql, params = _SELECT, [company_id]
    if kind is not None:
        sql += " AND t.kind = ?"
        params.append(kind)
    if channel is not None:
        sql += " AND t.channel = ?"
        params.append(channel)
    sql += " ORDER BY t.kind, t.channel, COALESCE(t.service_id, 0), COALESCE(t.provider_id, 0)"
    return [_override(r) for r in store.all(sql, tuple(params))]


def save(
    store: Store,
    company_id: int,
    kind: str,
    channel: str,
    service_id: int | None,
    provider_id: int | None,
    subject: str | None,
    body: str,
) -> None:
    """Put (or replace) the override of one level."""
    delete(store, company_id, kind, channel, service_id, provider_id)
    store.insert(
        "INSERT INTO template_overrides (company_id, kind, channel, service_id, provider_id, subject, body, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (company_id, kind, channel, service_id, provider_id, subject, body, now_db()),
    )


def delete(
    store: Store, company_id: int, kind: str, channel: str, service_id: int | None, provider_id: int | None
) -> bool:
    """Remove the override of one level; whether there was one."""
    found = store.one(
        "SELECT t.id FROM template_overrides t WHERE t.company_id = ?" + _LEVEL,
        (company_id, kind, channel, service_id, provider_id),
    )
    if found is None:
        return False
    store.execute("DELETE FROM template_overrides WHERE id = ?", (found["id"],))
    return True
