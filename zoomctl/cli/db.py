"""`zoomctl db …`: the workspace database: schema status, upgrade, and copying it between engines."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(
    help="The workspace database: status, schema upgrade, copy to or from a shared one.", no_args_is_help=True
)

STATUS = [
    Column("engine", "Engine"),
    Column("location", "Location"),
    Column("schema_version", "Schema version"),
    Column("known_version", "Known to zoomctl"),
    Column("pending_migrations", "Pending migrations"),
]


@app.command("status")
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the engine, location (no password), schema version and pending migrations.

    Example: zoomctl --db postgresql://zoomctl@db.example.com/zoomctl db status --json
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    store = a.open_store(migrate=False)
    try:
        data = workspace_db.status(store)
    finally:
        store.finish(commit=False)
    a.ui.record(data, STATUS, as_json=as_json)
    if not as_json and data["newer_than_known"]:
        a.ui.warn("the schema is newer than this zoomctl knows: upgrade zoomctl (pip install -U zoomctl)")
    elif not as_json and data["pending_migrations"]:
        a.ui.info("next: zoomctl db upgrade")


@app.command("upgrade")
def upgrade(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Apply pending schema migrations (on PostgreSQL under an advisory lock, in one transaction).

    Every administrator of a shared workspace needs this zoomctl version or newer afterwards.
    Example: zoomctl db upgrade
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    store = a.open_store(migrate=False)
    try:
        data = workspace_db.upgrade(store)
    finally:
        store.finish(commit=False)
    done = data["from_version"] == data["to_version"]
    a.ui.result(
        data,
        as_json=as_json,
        success=f"schema already at version {data['to_version']}"
        if done
        else f"upgraded the schema from version {data['from_version']} to {data['to_version']}",
    )


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option("--to", metavar="FILE|URL", help="An empty workspace: a postgresql:// URL or a SQLite file."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Copy this workspace into an empty one (local -> shared, or back), verified by row counts.

    Zoom tokens are not copied: reconnect each company in the new workspace (`zoomctl auth login`).
    Example: zoomctl db copy --to postgresql://zoomctl@db.example.com/zoomctl
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    target = a.open_store(to, "--to")
    ok = False
    try:
        data = workspace_db.copy(a.store, target)
        ok = True
    finally:
        target.finish(commit=ok)
    a.ui.result(
        data,
        as_json=as_json,
        success=f"copied {data['total_rows']} rows to {data['to']}",
        text=lambda: a.ui.table(
            [{"table": t, "rows": n} for t, n in data["rows"].items()],
            [Column("table", "Table"), Column("rows", "Rows")],
        ),
    )
