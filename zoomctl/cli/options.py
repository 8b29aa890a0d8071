"""Options and helpers shared by the command modules."""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer

from zoomctl.app import App
from zoomctl.models import CatalogKind

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable field names, see the README).")]


def app_of(ctx: typer.Context) -> App:
    obj = ctx.find_root().obj
    assert isinstance(obj, App), "the root callback builds the App"
    return obj


def given(ctx: typer.Context, param: str, value: T) -> T | None:
    """An option's value only when it was given on the command line (not from its envvar:
    the settings resolve the environment themselves, and say so)."""
    source = ctx.get_parameter_source(param)  # a ParameterSource (of the click Typer carries)
    return value if source is not None and source.name == "COMMANDLINE" else None


def switch_online(ctx: typer.Context, kind: CatalogKind, ref: str, on: bool | None, as_json: bool) -> None:
    """The body of `services online` and `classes online`."""
    from zoomctl.core import catalog

    a = app_of(ctx)
    if on is None:
        from zoomctl.errors import InvalidInput

        raise InvalidInput("say --on or --off", hint=f"e.g. zoomctl {kind.plural} online '{ref}' --on")
    company = a.company()
    target, changed = catalog.set_online(a.store, company, kind, ref, on)
    state = "an online-meeting" if on else "not an online-meeting"

    def text() -> None:
        if changed:
            a.ui.success(f"{kind} '{target.name}' is now {state} {kind}")
        else:
            a.ui.info(f"{kind} '{target.name}' was already {state} {kind}")
        if on and not company.online_meetings_enabled:
            a.ui.warn('the "Online video meetings" feature is off for this company: `zoomctl feature enable`')

    a.ui.result({**target.as_json(), "changed": changed}, as_json=as_json, text=text)


OnOffOption = Annotated[
    bool | None, typer.Option("--on/--off", help="Switch online meetings on or off.", show_default=False)
]
