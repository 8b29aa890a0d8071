"""Options and helpers shared by the command modules."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.app import App

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable field names, see the README).")]


def app_of(ctx: typer.Context) -> App:
    obj = ctx.find_root().obj
    assert isinstance(obj, App), "the root callback builds the App"
    return obj


def switch_online(ctx: typer.Context, table: str, ref: str, on: bool | None, as_json: bool) -> None:
    """The body of `services online` and `classes online`."""
    from zoomctl.core import catalog

    a = app_of(ctx)
    if on is None:
        from zoomctl.errors import InvalidInput

        raise InvalidInput("say --on or --off", hint=f"e.g. zoomctl {table} online '{ref}' --on")
    company = a.company()
    target, changed = catalog.set_online(a.store, company, table, ref, on)
    if as_json:
        a.ui.json({**target.as_json(), "changed": changed})
        return
    state = "an online-meeting" if on else "not an online-meeting"
    kind = "service" if table == "services" else "class"
    if changed:
        a.ui.success(f"{kind} '{target.name}' is now {state} {kind}")
    else:
        a.ui.info(f"{kind} '{target.name}' was already {state} {kind}")
    if on and not company.online_meetings_enabled:
        a.ui.warn('the "Online video meetings" feature is off for this company: `zoomctl feature enable`')


OnOffOption = Annotated[
    bool | None, typer.Option("--on/--off", help="Switch online meetings on or off.", show_default=False)
]
