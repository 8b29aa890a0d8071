"""`zoomctl events`: who did what in this workspace (OS user, host, zoomctl version)."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

COLUMNS = [
    Column("at", "At (UTC)"),
    Column("company", "Company"),
    Column("os_user", "User"),
    Column("host", "Host"),
    Column("zoomctl_version", "zoomctl"),
    Column("action", "Action"),
    Column("subject", "Subject"),
]


def events(
    ctx: typer.Context,
    company: Annotated[
        str | None, typer.Option("--company", metavar="COMPANY", help="Only this company (slug or id).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="T", help="Only from this time on (ISO 8601; the company's zone, else UTC)."),
    ] = None,
    limit: Annotated[str, typer.Option("--limit", metavar="N", help="At most the newest N events.")] = "50",
    as_json: JsonOption = False,
) -> None:
    """Show who changed what: time, company, OS user, host, zoomctl version, action.

    Example: zoomctl events --company acme-yoga --since 2026-12-01 --json
    """
    from zoomctl.core import history

    a = app_of(ctx)
    rows = history.listing(a.store, company, since, limit)
    a.ui.table(rows, COLUMNS, as_json=as_json, empty="no events")
