"""Who did what: the workspace's event log, for support staff (`zoomctl events`)."""

from __future__ import annotations

from typing import Any

from zoomctl import textcheck
from zoomctl.core import companies, validate
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import to_db

MAX_LIMIT = 10_000


def listing(store: Store, company_ref: str | None, since: str | None, limit: str | int = 50) -> list[dict[str, Any]]:
    """The newest events (of one company, since a time in its zone; UTC without a company), oldest first."""
    company = companies.get(store, company_ref) if company_ref is not None else None
    count = int(
        textcheck.number(str(limit), "--limit", low=1, high=MAX_LIMIT, integer=True, fix=f"give 1 to {MAX_LIMIT}")
    )
    start = None
    if since is not None:
        start = to_db(validate.start_time(since, company.timezone if company else "UTC", past_ok=True))
    return events.listing(store, company.id if company else None, start, count)
