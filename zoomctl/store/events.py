"""The event log: what changed, when, and by whom (OS user, host name, zoomctl version)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from zoomctl.store.db import Store
from zoomctl.timefmt import now_db


def os_user() -> str:
    import getpass  # here, not at the top: only a command that records an event needs it

    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still log something
        return "unknown"


@lru_cache(maxsize=1)
def host_name() -> str:
    import socket  # here, not at the top: only a command that records an event needs it

    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


@lru_cache(maxsize=1)
def zoomctl_version() -> str:
    from zoomctl import version

    return version()


def record(store: Store, company_id: int | None, action: str, subject: str, **details: Any) -> None:
    store.insert(
        "INSERT INTO events (company_id, at, os_user, host, zoomctl_version, action, subject, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            company_id,
            now_db(),
            os_user(),
            host_name(),
            zoomctl_version(),
            action,
            subject,
            json.dumps(details, sort_keys=True) if details else None,
        ),
    )


def _event(row) -> dict[str, Any]:
    item = dict(row)
    item["details"] = json.loads(item["details"]) if item["details"] else {}
    return item


def recent(store: Store, company_id: int, limit: int = 20, action_prefix: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT at, os_user, action, subject, details FROM events WHERE company_id = ?"
    params: list[Any] = [company_id]
    if action_prefix:
        sql += " AND action LIKE ?"
        params.append(action_prefix + "%")
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_event(row) for row in store.all(sql, tuple(params))]


def listing(store: Store, company_id: int | None, since: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` events (of one company, at or after ``since``), oldest first."""
    sql = (
        "SELECT e.id, e.at, c.slug AS company, e.os_user, e.host, e.zoomctl_version, e.action, e.subject, e.details"
        " FROM events e LEFT JOIN companies c ON c.id = e.company_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if company_id is not None:
        sql += " AND e.company_id = ?"
        params.append(company_id)
    if since is not None:
        sql += " AND e.at >= ?"
        params.append(since)
    sql += " ORDER BY e.at DESC, e.id DESC LIMIT ?"
    params.append(limit)
    return [_event(row) for row in reversed(store.all(sql, tuple(params)))]
