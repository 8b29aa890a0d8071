"""`zoomctl db …`: the workspace database: schema status, upgrade, and copying it between engines."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl import env
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


key_app = typer.Typer(
    help="The workspace key that encrypts a shared workspace's Zoom tokens: new, import, export, rotate.",
    no_args_is_help=True,
)
app.add_typer(key_app, name="key")


@key_app.command("new")
def key_new(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Make the first key of a shared workspace and keep it in your OS keyring.

    Example: zoomctl --db postgresql://zoomctl@db.example.com/zoomctl db key new
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    data = workspace_db.key_new(a.store, a.workspace_keys())
    a.ui.result(
        data,
        as_json=as_json,
        success=f"made workspace key {data['key_id']} and kept it in the keyring",
        text=lambda: a.ui.info("next: give it to the other administrators and CI with `zoomctl db key export`"),
    )


@key_app.command("import")
def key_import(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Keep the workspace key read from standard input in your OS keyring (never pass it as an argument).

    Example: printf %s "$KEY" | zoomctl db key import
    """
    import sys

    from zoomctl.core import workspace_db
    from zoomctl.errors import InvalidInput

    a = app_of(ctx)
    text = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    if not text.strip():
        raise InvalidInput(
            "no workspace key on standard input", hint='pipe it in: printf %s "$KEY" | zoomctl db key import'
        )
    data = workspace_db.key_import(a.store, a.workspace_keys(), text)
    a.ui.result(data, as_json=as_json, success=f"imported workspace key {data['key_id']} into the keyring")


@key_app.command("export")
def key_export(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print the workspace key (for another administrator's `db key import`, or CI's ZOOMCTL_WORKSPACE_KEY).

    Example: zoomctl db key export > workspace.key
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    data = workspace_db.key_export(a.store, a.workspace_keys())
    if as_json:
        a.ui.json(data)
    else:
        a.ui.line(data["key"])


@key_app.command("rotate")
def key_rotate(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Make a new workspace key and re-encrypt every token under it, in one transaction.

    Afterwards every administrator imports the new key, and CI's ZOOMCTL_WORKSPACE_KEY is replaced.
    Example: zoomctl db key rotate
    """
    from zoomctl.core import workspace_db

    a = app_of(ctx)
    data = workspace_db.key_rotate(a.store, a.workspace_keys())

    def text() -> None:
        if "key" in data:
            a.ui.line(data["key"])
            a.ui.warn(f"the key came from {env.WORKSPACE_KEY}: replace it there with the new key above")
        a.ui.info("next: the other administrators run `zoomctl db key import` with the new key")

    a.ui.result(
        data,
        as_json=as_json,
        success=f"re-encrypted {data['secrets']} secrets under the new workspace key {data['key_id']}",
        text=text,
    )
