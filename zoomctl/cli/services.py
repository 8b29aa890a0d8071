"""`zoomctl services …`: one-to-one services, and whether each is an online-meeting service."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, OnOffOption, app_of, switch_online
from zoomctl.models import CatalogKind
from zoomctl.ui import Column

app = typer.Typer(help="One-to-one services (new ones are not online until switched on).", no_args_is_help=True)

COLUMNS = [
    Column("id", "ID"),
    Column("name", "Name"),
    Column("duration_minutes", "Minutes"),
    Column("online", "Online"),
    Column("providers", "Providers"),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The service's name.")],
    duration: Annotated[int, typer.Option("--duration", metavar="MIN", help="Length in minutes (1–1440).")],
    provider: Annotated[
        list[str] | None,
        typer.Option("--provider", metavar="PROVIDER", help="A provider who offers it (repeat for more)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a service (not online until `services online NAME --on`).

    Example: zoomctl services add "Private lesson" --duration 60 --provider "Dana Smith"
    """
    from zoomctl.core import catalog

    a = app_of(ctx)
    service = catalog.add_service(a.store, a.company(), name, duration, provider or [])
    a.ui.result(
        service.as_json(),
        as_json=as_json,
        success=f"added service {service.name} (id {service.id}, {service.duration_minutes} min, not online)",
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List services. Example: zoomctl services list --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    rows = [s.as_json() for s in catalog.services(a.store, a.company())]
    a.ui.table(rows, COLUMNS, as_json=as_json, empty="no services yet: zoomctl services add NAME --duration MIN")


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="SERVICE", help="Name or id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one service. Example: zoomctl services show "Private lesson" """
    from zoomctl.core import catalog

    a = app_of(ctx)
    service = catalog.service(a.store, a.company(), ref)
    a.ui.record(service.as_json(), [*COLUMNS, Column("created_at", "Created (UTC)")], as_json=as_json)


@app.command("remove")
def remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="SERVICE", help="Name or id.")],
    as_json: JsonOption = False,
) -> None:
    """Remove a service (refused while it has future bookings). Example: zoomctl services remove 3"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    service = catalog.remove_service(a.store, a.company(), ref)
    a.ui.result({**service.as_json(), "removed": True}, as_json=as_json, success=f"removed service {service.name}")


@app.command("online")
def online(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="SERVICE", help="Name or id.")],
    on: OnOffOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a service an online-meeting service, or not. Example: zoomctl services online "Private lesson" --on"""
    switch_online(ctx, CatalogKind.SERVICE, ref, on, as_json)
