"""The event log: what changed, when, and by which OS user."""

from __future__ import annotations

import getpass
import json
from typing import Any

from zoomctl.store.db import Store
from zoomctl.timefmt import now_db


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still log something
        return "unknown"


def record(store: Store, company_id: int | None, action: str, subject: str, **details: Any) -> None:
    store.insert(
        "INSERT INTO events (company_id, at, os_user, action, subject, details) VALUES (?, ?, ?, ?, ?, ?)",
        (company_id, now_db(), os_user(), action, subject, json.dumps(details, sort_keys=True) if details else None),
    )


def recent(store: Store, company_id: int, limit: int = 20, action_prefix: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT at, os_user, action, subject, details FROM events WHERE company_id = ?"
    params: list[Any] = [company_id]
    if action_prefix:
        sql += " AND action LIKE ?"
        params.append(action_prefix + "%")
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = []
    for row in store.all(sql, tuple(params)):
        item = dict(row)
        item["details"] = json.loads(item["details"]) if item["details"] else {}
        rows.append(item)
    return rows
