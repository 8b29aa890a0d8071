"""`zoomctl company …`: the companies in this workspace, and which one commands act on."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="Create companies and choose the one commands act on.", no_args_is_help=True)

COLUMNS = [
    Column("slug", "Slug"),
    Column("name", "Name"),
    Column("timezone", "Time zone"),
    Column("online_meetings_enabled", "Online video meetings"),
]


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The company's name.")],
    timezone: Annotated[
        str, typer.Option("--timezone", "--tz", metavar="TZ", help="IANA time zone, e.g. Europe/Berlin.")
    ],
    slug: Annotated[
        str | None, typer.Option("--slug", metavar="SLUG", help="Short id (default: from the name).")
    ] = None,
    use: Annotated[bool, typer.Option("--use", help="Also make it the current company of this profile.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a company.

    Example: zoomctl company create "Acme Yoga" --timezone Europe/Berlin --use
    """
    from zoomctl.core import companies

    a = app_of(ctx)
    company = companies.create(a.store, name, timezone, slug)
    if use:
        _use(a, company.slug)
    next_step = (
        f"commands now act on {company.slug} (profile {a.settings.profile.value})"
        if use
        else f"next: zoomctl company use {company.slug}"
    )
    a.ui.result(
        company.as_json(),
        as_json=as_json,
        success=f"created company {company.slug} ({company.name}, {company.timezone})",
        text=lambda: a.ui.info(next_step),
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the companies in this workspace. Example: zoomctl company list --json"""
    from zoomctl.core import companies

    a = app_of(ctx)
    rows = [c.as_json() for c in companies.list_all(a.store)]
    current = a.settings.company.value
    for row in rows:
        row["current"] = row["slug"] == current or str(row["id"]) == current
    a.ui.table(
        rows,
        [Column("current", "", lambda v: "*" if v else ""), *COLUMNS],
        as_json=as_json,
        empty="no companies yet: zoomctl company create NAME --timezone ZONE",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(metavar="COMPANY", help="Slug or id (default: the current company).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a company. Example: zoomctl company show acme-yoga"""
    from zoomctl.core import companies

    a = app_of(ctx)
    company = companies.get(a.store, ref) if ref is not None else a.company()
    a.ui.record(
        company.as_json(), [Column("id", "id"), *COLUMNS, Column("created_at", "Created (UTC)")], as_json=as_json
    )


@app.command("use")
def use(ctx: typer.Context, ref: Annotated[str, typer.Argument(metavar="COMPANY", help="Slug or id.")]) -> None:
    """Make a company the current one for this profile. Example: zoomctl company use acme-yoga"""
    from zoomctl.core import companies

    a = app_of(ctx)
    company = companies.get(a.store, ref)
    _use(a, company.slug)
    a.ui.success(f"{company.slug} is now the current company of profile {a.settings.profile.value}")
    if a.settings.company.source != "default" and not a.settings.company.source.startswith("profile"):
        a.ui.warn(f"{a.settings.company.source} still overrides it for commands run this way")


def _use(a, slug: str) -> None:
    a.config.set_value(a.settings.profile.value, "company", slug)
    a.config.save()
