"""`zoomctl feature …`: the "Online video meetings" custom feature of the current company."""

from __future__ import annotations

import typer

from zoomctl.cli.options import JsonOption, app_of

app = typer.Typer(help='Switch the "Online video meetings" feature on or off (off by default).', no_args_is_help=True)


def _switch(ctx: typer.Context, enabled: bool, as_json: bool) -> None:
    from zoomctl.core import companies

    a = app_of(ctx)
    company = a.company()
    changed = companies.set_feature(a.store, company, enabled)
    state = "on" if enabled else "off"
    a.ui.result(
        {"company": company.slug, "online_meetings_enabled": enabled, "changed": changed},
        as_json=as_json,
        success=f'"Online video meetings" is now {state} for {company.slug}' if changed else None,
        text=None if changed else lambda: a.ui.info(f'"Online video meetings" was already {state} for {company.slug}'),
    )


@app.command("enable")
def enable(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Switch the feature on. Example: zoomctl feature enable"""
    _switch(ctx, True, as_json)


@app.command("disable")
def disable(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Switch the feature off (existing meetings stay in Zoom). Example: zoomctl feature disable"""
    _switch(ctx, False, as_json)


@app.command("status")
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show whether the feature is on. Example: zoomctl feature status --json"""
    a = app_of(ctx)
    company = a.company()
    state = "on" if company.online_meetings_enabled else "off"
    a.ui.result(
        {"company": company.slug, "online_meetings_enabled": company.online_meetings_enabled},
        as_json=as_json,
        text=lambda: a.ui.line(f"Online video meetings: {state} ({company.slug})"),
    )
