"""`zoomctl zoom …`: what the connected Zoom account holds."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="The connected Zoom account (read-only).", no_args_is_help=True)

COLUMNS = [
    Column("email", "Email"),
    Column("display_name", "Name"),
    Column("type_name", "Type"),
    Column("status", "Status"),
    Column("id", "Zoom user id"),
]


@app.command("users")
def users(
    ctx: typer.Context,
    status: Annotated[str, typer.Option("--status", help="active, inactive or pending.")] = "active",
    as_json: JsonOption = False,
) -> None:
    """List every user of the connected Zoom account (all pages), with type and status.

    Example: zoomctl zoom users --status active --json
    """
    from zoomctl.core import providers_zoom

    a = app_of(ctx)
    company = a.company()
    found = providers_zoom.list_users(a.zoom_factory(company), status)
    a.ui.table([u.as_json() for u in found], COLUMNS, as_json=as_json, empty=f"no {status} Zoom users")
