"""`zoomctl config …`: settings in config.toml, and where each value comes from."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(help="Read and write settings (config.toml; never secrets).", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every setting, its value, and where it came from (flag, env, profile, default).

    Example: zoomctl config list --json
    """
    a = app_of(ctx)
    rows = [{"key": k, "value": s.value, "source": s.source} for k, s in a.settings.as_dict().items()]

    def text() -> None:
        a.ui.table(rows, [Column("key", "Key"), Column("value", "Value"), Column("source", "Source")])
        a.ui.info(f"config file: {a.config.path}")

    a.ui.result(
        {"config_file": str(a.config.path), "profiles": a.config.profile_names(), "settings": rows},
        as_json=as_json,
        text=text,
    )


@app.command("get")
def get(
    ctx: typer.Context, key: Annotated[str, typer.Argument(metavar="KEY", help="A setting, e.g. company.")]
) -> None:
    """Print one setting's value. Example: zoomctl config get company"""
    from zoomctl.errors import InvalidInput, NotFound

    a = app_of(ctx)
    settings = a.settings.as_dict()
    if key not in settings:
        raise InvalidInput(f"unknown setting `{key}`", hint=f"known settings: {', '.join(settings)}")
    value = settings[key].value
    if value is None:
        raise NotFound(f"`{key}` is not set", hint=f"zoomctl config set {key} VALUE")
    a.ui.line(value)


@app.command("set")
def set_(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            metavar="KEY", help="A setting: profile, company, database, zoom_client_id, zoom_oauth_url, zoom_api_url."
        ),
    ],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="Its value (an empty string removes it).")],
) -> None:
    """Set a setting in the current profile (or, for `profile`, the default profile).

    Example: zoomctl --profile staging config set zoom_api_url http://127.0.0.1:8080/v2
    """
    a = app_of(ctx)
    if key == "database" and value:
        from zoomctl.core import workspace_db

        workspace_db.check_location(value, "config.toml")  # a password in a URL never lands in the file
    a.config.set_value(a.settings.profile.value, key, value or None)
    a.config.save()
    where = "top level" if key == "profile" else f"profile {a.settings.profile.value}"
    a.ui.success(f"{key} {'removed' if not value else 'set'} ({where}, {a.config.path})")
