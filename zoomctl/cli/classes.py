"""`zoomctl classes …`: group classes, their sessions, and whether each class is online."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, OnOffOption, app_of, switch_online
from zoomctl.models import CatalogKind
from zoomctl.ui import Column

app = typer.Typer(
    help="Group classes and their sessions (new classes are not online until switched on).", no_args_is_help=True
)
sessions_app = typer.Typer(help="Dated sessions of a class.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")

COLUMNS = [
    Column("id", "ID"),
    Column("name", "Name"),
    Column("duration_minutes", "Minutes"),
    Column("capacity", "Capacity"),
    Column("online", "Online"),
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The class's name.")],
    duration: Annotated[int, typer.Option("--duration", help="Length in minutes (1–1440).")],
    capacity: Annotated[int, typer.Option("--capacity", help="Most attendees per session (1–4999).")],
    as_json: JsonOption = False,
) -> None:
    """Add a group class (not online until `classes online NAME --on`).

    Example: zoomctl classes add "Morning yoga" --duration 45 --capacity 12
    """
    from zoomctl.core import catalog

    a = app_of(ctx)
    cls = catalog.add_class(a.store, a.company(), name, duration, capacity)
    a.ui.result(
        cls.as_json(),
        as_json=as_json,
        success=f"added class {cls.name} (id {cls.id}, {cls.duration_minutes} min, up to {cls.capacity}, not online)",
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List classes. Example: zoomctl classes list --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    rows = [c.as_json() for c in catalog.classes(a.store, a.company())]
    a.ui.table(
        rows, COLUMNS, as_json=as_json, empty="no classes yet: zoomctl classes add NAME --duration MIN --capacity N"
    )


@app.command("show")
def show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Name or id.")], as_json: JsonOption = False
) -> None:
    """Show one class. Example: zoomctl classes show "Morning yoga" """
    from zoomctl.core import catalog

    a = app_of(ctx)
    cls = catalog.class_def(a.store, a.company(), ref)
    a.ui.record(cls.as_json(), [*COLUMNS, Column("created_at", "Created (UTC)")], as_json=as_json)


@app.command("remove")
def remove(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Name or id.")], as_json: JsonOption = False
) -> None:
    """Remove a class (refused while it has future sessions). Example: zoomctl classes remove "Morning yoga" """
    from zoomctl.core import catalog

    a = app_of(ctx)
    cls = catalog.remove_class(a.store, a.company(), ref)
    a.ui.result({**cls.as_json(), "removed": True}, as_json=as_json, success=f"removed class {cls.name}")


@app.command("online")
def online(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Name or id.")],
    on: OnOffOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a class an online-meeting class, or not. Example: zoomctl classes online "Morning yoga" --on"""
    switch_online(ctx, CatalogKind.CLASS, ref, on, as_json)


SESSION_COLUMNS = [
    Column("id", "ID"),
    Column("class_name", "Class"),
    Column("starts_local", "Starts"),
    Column("provider_name", "Provider"),
    Column("booked", "Booked"),
    Column("capacity", "Capacity"),
    Column("status", "Status"),
]


def _session_row(session, tz: str) -> dict:
    from zoomctl.timefmt import local

    return {**session.as_json(), "starts_local": local(session.starts_at, tz)}


@sessions_app.command("add")
def session_add(
    ctx: typer.Context,
    class_ref: Annotated[str, typer.Argument(metavar="CLASS", help="Class name or id.")],
    start: Annotated[str, typer.Option("--start", help="Start, in the company's time zone: 2031-12-01T09:30.")],
    provider: Annotated[str, typer.Option("--provider", help="The provider who teaches it.")],
    as_json: JsonOption = False,
) -> None:
    """Add a dated session of a class.

    Example: zoomctl classes sessions add "Morning yoga" --start 2031-12-01T09:30 --provider Dana
    """
    from zoomctl.core import catalog

    a = app_of(ctx)
    company = a.company()
    session = catalog.add_session(a.store, company, class_ref, start, provider)
    row = _session_row(session, company.timezone)
    a.ui.result(
        row, as_json=as_json, success=f"added session {session.id} of {session.class_name} at {row['starts_local']}"
    )


@sessions_app.command("list")
def session_list(
    ctx: typer.Context,
    class_ref: Annotated[str | None, typer.Argument(metavar="CLASS", help="Only this class.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include cancelled sessions.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List class sessions. Example: zoomctl classes sessions list "Morning yoga" --json"""
    from zoomctl.core import catalog

    a = app_of(ctx)
    company = a.company()
    rows = [_session_row(s, company.timezone) for s in catalog.sessions(a.store, company, class_ref, all_)]
    a.ui.table(
        rows,
        SESSION_COLUMNS,
        as_json=as_json,
        empty="no sessions: zoomctl classes sessions add CLASS --start T --provider P",
    )


@sessions_app.command("cancel")
def session_cancel(
    ctx: typer.Context,
    session_id: Annotated[int, typer.Argument(metavar="ID", help="Session id.")],
    as_json: JsonOption = False,
) -> None:
    """Cancel a class session and its bookings, and delete its Zoom meeting if it has one.

    Example: zoomctl classes sessions cancel 12
    """
    from zoomctl.core import catalog

    a = app_of(ctx)
    company = a.company()
    session = catalog.cancel_session(a.store, company, session_id, zoom=a.zoom_factory(company))
    a.ui.result(
        _session_row(session, company.timezone),
        as_json=as_json,
        success=f"cancelled session {session.id} of {session.class_name}",
    )
