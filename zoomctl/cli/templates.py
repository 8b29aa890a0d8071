"""`zoomctl templates …`: the notification texts (e-mail and SMS) and the company's overrides."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(
    help="Notification templates (e-mail and SMS) with the meeting-link variables; overrides per service/provider.",
    no_args_is_help=True,
)

KINDS = "client-confirmation, provider-confirmation, client-cancellation, provider-cancellation, client-reminder, "
KINDS += "provider-reminder"

KindArgument = Annotated[str, typer.Argument(metavar="KIND", help=f"One of {KINDS}.")]
ChannelOption = Annotated[str, typer.Option("--channel", metavar="CHANNEL", help="email or sms.")]
ServiceOption = Annotated[
    str | None, typer.Option("--service", metavar="SERVICE", help="The service's own template (name or id).")
]
ProviderOption = Annotated[
    str | None, typer.Option("--provider", metavar="PROVIDER", help="The provider's own template (name or id).")
]

LIST_COLUMNS = [Column("kind", "Kind"), Column("channel", "Channel"), Column("shown", "Overrides")]
VARIABLE_COLUMNS = [Column("variable", "Variable"), Column("description", "Value")]


def _parsed(kind: str, channel: str):
    from zoomctl.core import templates

    return templates.parse_kind(kind), templates.parse_channel(channel)


def _overrides_text(overrides: list[dict]) -> str:
    if not overrides:
        return "built-in"
    parts = []
    for o in overrides:
        names = [n for n in (o["service"], o["provider"]) if n is not None]
        parts.append(o["source"] + (f" ({' + '.join(names)})" if names else ""))
    return ", ".join(parts)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every template kind on each channel, and which overrides the company has.

    Example: zoomctl templates list --json
    """
    from zoomctl.core import notifications

    a = app_of(ctx)
    rows = notifications.listing(a.store, a.company())
    shown = [{**row, "shown": _overrides_text(row["overrides"])} for row in rows]
    a.ui.result(rows, as_json=as_json, text=lambda: a.ui.table(shown, LIST_COLUMNS))


@app.command("variables")
def variables(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The variables a template may use, such as [online_meeting_link].

    Example: zoomctl templates variables --json
    """
    from zoomctl.core import notifications, templates

    ui = app_of(ctx).ui
    rows = notifications.variables()
    shown = [{"variable": f"[{r['name']}]", "description": r["description"]} for r in rows]

    def text() -> None:
        ui.table(shown, VARIABLE_COLUMNS)
        ui.info(f"dates are shown in the company's time zone as {templates.DATE_TIME_EXAMPLE}; [[ is a literal [")

    ui.result(rows, as_json=as_json, text=text)


def _show_template(a, view: dict) -> None:
    a.ui.info(f"{view['kind']} ({view['channel']}): {view['source_text']}")
    if view["subject"] is not None:
        a.ui.line(f"Subject: {view['subject']}")
        a.ui.line("")
    a.ui.write(view["body"] if view["body"].endswith("\n") else view["body"] + "\n")


@app.command("show")
def show(
    ctx: typer.Context,
    kind: KindArgument,
    channel: ChannelOption = "email",
    service: ServiceOption = None,
    provider: ProviderOption = None,
    as_json: JsonOption = False,
) -> None:
    """The template a booking of a service and provider gets, and which level it comes from.

    The most specific wins: service+provider, then service, then provider, then the company's
    own, then the built-in text.

    \b
    Examples:
      zoomctl templates show client-confirmation
      zoomctl templates show provider-reminder --channel sms --provider "Dana Smith" --json
    """
    from zoomctl.core import notifications

    a = app_of(ctx)
    the_kind, the_channel = _parsed(kind, channel)
    company = a.company()
    where = notifications.level(a.store, company, service, provider)
    view = notifications.show(a.store, company, the_kind, the_channel, where)
    a.ui.result(view, as_json=as_json, text=lambda: _show_template(a, view))


def _read_text(source: str | None, file: Path | None) -> str:
    from zoomctl.errors import InvalidInput

    if (source is None) == (file is None):
        raise InvalidInput("give the template's text once", hint="use --file FILE, or - to read it from stdin")
    if source is not None and source != "-":
        raise InvalidInput(f"unexpected argument '{source}'", hint="use --file FILE, or - to read it from stdin")
    try:
        if file is not None:
            return file.read_text(encoding="utf-8")
        return sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        where = file if file is not None else "stdin"
        raise InvalidInput(f"cannot read {where}: {exc}", hint="give a readable UTF-8 text file") from None


@app.command("set")
def set_(
    ctx: typer.Context,
    kind: KindArgument,
    source: Annotated[str | None, typer.Argument(metavar="-", help="Read the text from stdin.")] = None,
    file: Annotated[Path | None, typer.Option("--file", metavar="FILE", help="Read the text from FILE.")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", metavar="TEXT", help="The e-mail's subject (default: the current one).")
    ] = None,
    channel: ChannelOption = "email",
    service: ServiceOption = None,
    provider: ProviderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep the company's own text for a kind (for every booking, a service, a provider, or both).

    The text is checked first: an unknown variable or an unclosed [ is refused with its line and
    column, and nothing is saved. `zoomctl templates variables` lists the variables.

    \b
    Examples:
      zoomctl templates set client-confirmation --file confirmation.txt --subject "See you online"
      echo "Join: [online_meeting_link]" | zoomctl templates set client-reminder - --channel sms --service Yoga
    """
    from zoomctl.core import notifications

    a = app_of(ctx)
    the_kind, the_channel = _parsed(kind, channel)
    body = _read_text(source, file)
    company = a.company()
    where = notifications.level(a.store, company, service, provider)
    view = notifications.save(a.store, company, the_kind, the_channel, where, body, subject)
    a.ui.result(view, as_json=as_json, success=f"saved {view['source_text']} for {the_kind} ({the_channel})")


@app.command("reset")
def reset(
    ctx: typer.Context,
    kind: KindArgument,
    channel: ChannelOption = "email",
    service: ServiceOption = None,
    provider: ProviderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove one level's override (the next level's text applies again).

    Example: zoomctl templates reset client-confirmation --service "Private lesson"
    """
    from zoomctl.core import notifications

    a = app_of(ctx)
    the_kind, the_channel = _parsed(kind, channel)
    company = a.company()
    where = notifications.level(a.store, company, service, provider)
    removed, view = notifications.reset(a.store, company, the_kind, the_channel, where)

    def text() -> None:
        if removed:
            a.ui.success(f"removed the override; {the_kind} ({the_channel}) now uses {view['source_text']}")
        else:
            a.ui.info(f"there was no such override; {the_kind} ({the_channel}) uses {view['source_text']}")

    a.ui.result({**view, "removed": removed}, as_json=as_json, text=text)


@app.command("render")
def render(
    ctx: typer.Context,
    kind: KindArgument,
    booking_id: Annotated[int, typer.Option("--booking", metavar="ID", help="The booking to fill it with.")],
    channel: ChannelOption = "email",
    html: Annotated[bool, typer.Option("--html", help="HTML: every value escaped, links as anchors.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The message a booking gets: its template filled with the booking's values.

    An empty meeting link is a warning on stderr (exit 0); an SMS reports its length and segments.

    \b
    Examples:
      zoomctl templates render client-confirmation --booking 12
      zoomctl templates render provider-reminder --booking 12 --channel sms --json
    """
    from zoomctl.core import notifications

    a = app_of(ctx)
    the_kind, the_channel = _parsed(kind, channel)
    done = notifications.render_booking(a.store, a.company(), the_kind, the_channel, booking_id, html=html)
    rendering = done.rendering
    for warning in rendering.warnings:
        a.ui.warn(warning.message + (f": {warning.hint}" if warning.hint else ""))

    def text() -> None:
        a.ui.info(f"{the_kind} ({the_channel}) for booking {done.booking_id}: {done.template['source_text']}")
        if rendering.subject is not None:
            a.ui.line(f"Subject: {rendering.subject}")
            a.ui.line("")
        a.ui.write(rendering.body if rendering.body.endswith("\n") else rendering.body + "\n")
        if rendering.sms is not None:
            sms = rendering.sms
            a.ui.info(
                f"sms: {sms.characters} characters, {sms.length} {sms.encoding} units, "
                f"{sms.segments} segment{'' if sms.segments == 1 else 's'}"
            )

    a.ui.result(done.as_json(), as_json=as_json, text=text)
