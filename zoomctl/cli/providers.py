"""`zoomctl providers …`: the company's service providers."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="Service providers, and the Zoom user each one hosts meetings as.", no_args_is_help=True)

ZOOM_TYPES = {1: "Basic", 2: "Licensed", 4: "No meeting license", 99: "None"}
COLUMNS = [
    Column("id", "ID"),
    Column("name", "Name"),
    Column("email", "Email"),
    Column("zoom_user_email", "Zoom user"),
    Column("zoom_user_type", "Zoom type", lambda v: ZOOM_TYPES.get(v, "-") if v is not None else "-"),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The provider's name.")],
    email: Annotated[Optional[str], typer.Option("--email", help="The provider's email.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a provider. Example: zoomctl providers add "Dana Smith" --email dana@example.com"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    provider = catalog.add_provider(a.store, a.company(), name, email)
    if as_json:
        a.ui.json(provider.as_json())
    else:
        a.ui.success(f"added provider {provider.name} (id {provider.id})")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List providers and their Zoom users. Example: zoomctl providers list --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    rows = [p.as_json() for p in catalog.providers(a.store, a.company())]
    a.ui.table(rows, COLUMNS, as_json=as_json, empty="no providers yet: zoomctl providers add NAME")


@app.command("show")
def show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Name or id.")], as_json: JsonOption = False) -> None:
    """Show one provider. Example: zoomctl providers show Dana"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    provider = catalog.provider(a.store, a.company(), ref)
    a.ui.record(provider.as_json(), [*COLUMNS, Column("created_at", "Created (UTC)")], as_json=as_json)


@app.command("remove")
def remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Name or id.")],
    force: Annotated[bool, typer.Option("--force", help="Also cancel the provider's future bookings.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove a provider (refused while they have future bookings, unless --force).

    Example: zoomctl providers remove "Dana Smith"
    """
    from zoomctl.core import catalog

    a = app_of(ctx)
    provider, cancelled = catalog.remove_provider(a.store, a.company(), ref, force)
    if as_json:
        a.ui.json({**provider.as_json(), "removed": True, "bookings_cancelled": cancelled})
        return
    a.ui.success(f"removed provider {provider.name}")
    if cancelled:
        a.ui.warn(f"cancelled {cancelled} future booking(s) of {provider.name}")
