"""`zoomctl clients …`: the people who book."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="Clients (added by hand, or on their first booking).", no_args_is_help=True)

COLUMNS = [Column("id", "ID"), Column("email", "Email"), Column("name", "Name")]


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The client's email.")],
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="The client's name.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a client. Example: zoomctl clients add pat@example.com --name "Pat Lee" """
    from zoomctl.core import catalog

    a = app_of(ctx)
    client = catalog.add_client(a.store, a.company(), email, name)
    a.ui.result(client.as_json(), as_json=as_json, success=f"added client {client.email} (id {client.id})")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List clients. Example: zoomctl clients list --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    rows = [c.as_json() for c in catalog.clients(a.store, a.company())]
    a.ui.table(rows, COLUMNS, as_json=as_json, empty="no clients yet: zoomctl clients add EMAIL")
