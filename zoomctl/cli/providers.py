"""`zoomctl providers …`: the company's service providers."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="Service providers, and the Zoom user each one hosts meetings as.", no_args_is_help=True)


def _zoom_type(value: int | None, unknown: str = "-") -> str:
    """A Zoom user type's name (core.providers_zoom.USER_TYPES), imported only when shown."""
    from zoomctl.core.providers_zoom import USER_TYPES

    return USER_TYPES.get(value, unknown) if value is not None else unknown


COLUMNS = [
    Column("id", "ID"),
    Column("name", "Name"),
    Column("email", "Email"),
    Column("zoom_user_email", "Zoom user"),
    Column("zoom_user_type", "Zoom type", _zoom_type),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The provider's name.")],
    email: Annotated[str | None, typer.Option("--email", help="The provider's email.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a provider. Example: zoomctl providers add "Dana Smith" --email dana@example.com"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    provider = catalog.add_provider(a.store, a.company(), name, email)
    a.ui.result(provider.as_json(), as_json=as_json, success=f"added provider {provider.name} (id {provider.id})")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List providers and their Zoom users. Example: zoomctl providers list --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    rows = [p.as_json() for p in catalog.providers(a.store, a.company())]
    a.ui.table(rows, COLUMNS, as_json=as_json, empty="no providers yet: zoomctl providers add NAME")


@app.command("show")
def show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Name or id.")], as_json: JsonOption = False
) -> None:
    """Show one provider. Example: zoomctl providers show Dana"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    provider = catalog.provider(a.store, a.company(), ref)
    a.ui.record(provider.as_json(), [*COLUMNS, Column("created_at", "Created (UTC)")], as_json=as_json)


@app.command("remove")
def remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Name or id.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Also cancel the provider's future bookings (and delete their Zoom meetings)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove a provider (refused while they have future bookings, unless --force).

    Example: zoomctl providers remove "Dana Smith"
    """
    from zoomctl.core import removal

    a = app_of(ctx)
    company = a.company()
    provider, cancelled = removal.remove_provider(a.store, company, ref, force, zoom=a.zoom_factory(company))
    a.ui.result(
        {**provider.as_json(), "removed": True, "bookings_cancelled": cancelled},
        as_json=as_json,
        success=f"removed provider {provider.name}",
        text=(lambda: a.ui.warn(f"cancelled {cancelled} future booking(s) of {provider.name}")) if cancelled else None,
    )


ASSIGN_COLUMNS = [
    Column("provider", "Provider"),
    Column("provider_email", "Email"),
    Column("zoom_user_email", "Zoom user"),
    Column("zoom_user_type", "Zoom type", _zoom_type),
    Column("result", "Result"),
    Column("reason", "Why"),
]


@app.command("assign")
def assign(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="PROVIDER", help="Name or id.")] = None,
    zoom_user: Annotated[
        str | None,
        typer.Option("--zoom-user", metavar="EMAIL|ID|me", help="The Zoom user who hosts their meetings."),
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="Unassign: the provider gets no Zoom user.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every provider (with --by-email).")] = False,
    by_email: Annotated[
        bool, typer.Option("--by-email", help="Map to the active Zoom user with the same email.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Map a provider to a Zoom user, checked with Zoom (it must exist and be active).

    \b
    Examples:
      zoomctl providers assign "Dana Smith" --zoom-user dana@example.com
      zoomctl providers assign Dana --none
      zoomctl providers assign --all --by-email
    """
    from zoomctl.core import providers_zoom
    from zoomctl.errors import InvalidInput

    a = app_of(ctx)
    company = a.company()
    if all_ or by_email:
        if not (all_ and by_email) or ref or zoom_user or none:
            raise InvalidInput(
                "--all goes with --by-email, and with no provider or --zoom-user",
                hint="run `zoomctl providers assign --all --by-email`",
            )
        results = providers_zoom.assign_all_by_email(a.store, company, a.access, a.zoom_factory(company))
        rows = [r.as_json() for r in results]
        a.ui.table(rows, ASSIGN_COLUMNS, as_json=as_json, empty="no providers yet: zoomctl providers add NAME")
        if not as_json:
            for result in results:
                for warning in result.warnings:
                    a.ui.warn(warning)
        return
    if not ref or (zoom_user is None) == (not none):
        raise InvalidInput(
            "give a provider and either --zoom-user EMAIL|ID|me or --none",
            hint='e.g. zoomctl providers assign "Dana Smith" --zoom-user dana@example.com',
        )
    if none:
        result = providers_zoom.unassign(a.store, company, ref)
    else:
        result = providers_zoom.assign(a.store, company, a.access, ref, zoom_user, a.zoom_factory(company))  # type: ignore[arg-type]
    for warning in result.warnings:
        a.ui.warn(warning)
    if result.user is None:
        now = "has no Zoom user now" if result.result == "unassigned" else "had no Zoom user"
        done = f"{result.provider.name} {now}"
    else:
        verb = "now hosts" if result.result == "assigned" else "already hosted"
        done = f"{result.user.email} ({_zoom_type(result.user.type, 'unknown type')}) {verb} {result.provider.name}'s meetings"
    a.ui.result(result.as_json(), as_json=as_json, success=done)
