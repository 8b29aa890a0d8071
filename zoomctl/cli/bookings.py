"""`zoomctl bookings …`: book services and classes; each online booking gets its Zoom links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column

app = typer.Typer(
    help="Bookings of services and classes, with a Zoom link for the client and one for the provider.",
    no_args_is_help=True,
)

COLUMNS = [
    Column("id", "ID"),
    Column("what", "Service / class"),
    Column("provider", "Provider"),
    Column("client_email", "Client"),
    Column("starts_local", "Starts"),
    Column("status", "Status"),
    Column("link", "Link"),
    Column("is_test", "Test"),
]
DETAIL = [
    Column("id", "ID"),
    Column("kind", "Kind"),
    Column("what", "Service / class"),
    Column("session_id", "Session"),
    Column("provider", "Provider"),
    Column("client_email", "Client"),
    Column("client_name", "Client name"),
    Column("starts_local", "Starts"),
    Column("starts_at", "Starts (UTC)"),
    Column("ends_at", "Ends (UTC)"),
    Column("status", "Status"),
    Column("is_test", "Test"),
    Column("link", "Link"),
    Column("zoom_meeting_id", "Zoom meeting"),
    Column("last_error", "Last error"),
    Column("client_link", "Client link"),
    Column("provider_link", "Provider link"),
]
SYNC_COLUMNS = [
    Column("bookings", "Bookings"),
    Column("kind", "Kind"),
    Column("action", "Action"),
    Column("zoom_meeting_id", "Zoom meeting"),
    Column("error", "Error"),
]

RateOption = Annotated[
    float | None,
    typer.Option(
        "--rate", metavar="N", min=0.1, max=100, help="Zoom calls per second (default 24, under a Pro account's 30)."
    ),
]


def _row(booking) -> dict:
    data = booking.as_json()
    data["what"] = data["service"] or data["class"]
    data["link"] = booking.link_status or "-"
    error = None
    if booking.registration is not None and booking.registration.last_error:
        error = booking.registration.last_error
    elif booking.meeting is not None:
        error = booking.meeting.last_error
    data["last_error"] = error
    data["zoom_meeting_id"] = booking.meeting.zoom_meeting_id if booking.meeting else None
    return data


def _show_created(a, bookings, as_json: bool, several: bool) -> None:
    if as_json:
        a.ui.json([b.as_json() for b in bookings] if several else bookings[0].as_json())
        return
    if several:
        if not a.ui.out_is_tty:  # tab-separated lines: nothing is cut, the link stays in its column
            a.ui.table(
                [_row(b) for b in bookings],
                [*COLUMNS[:6], Column("link", "Link"), Column("client_link", "Client link")],
            )
            return
        # a terminal table would cut long links to fit: print each one whole on a line of its own
        a.ui.table([_row(b) for b in bookings], [*COLUMNS[:6], Column("link", "Link")])
        _link_lines(a, bookings)
        return
    booking = bookings[0]
    fields = [
        Column("id", "ID"),
        Column("what", "Service / class"),
        Column("provider", "Provider"),
        Column("client_email", "Client"),
        Column("starts_local", "Starts"),
    ]
    if booking.meeting is not None:
        fields.append(Column("link", "Link"))
        if booking.client_link:
            fields.append(Column("client_link", "Client link"))
        if booking.provider_link:
            fields.append(Column("provider_link", "Provider link"))
    a.ui.record(_row(booking), fields)


def _link_lines(a, bookings) -> None:
    """Each booking's client link (and the provider links) as plain `label: URL` lines."""
    provider_links = list(dict.fromkeys(b.provider_link for b in bookings if b.provider_link))
    labels = [(f"client link ({b.client_email}):", b.client_link) for b in bookings if b.client_link]
    labels += [("provider link:", link) for link in provider_links]
    width = max((len(label) for label, _ in labels), default=0)
    for label, link in labels:
        a.ui.line(f"{label:<{width}} {link}")


@app.command("create")
def create(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option("--service", help="A one-to-one service (name or id).")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Who provides it (name or id).")] = None,
    client: Annotated[
        list[str] | None, typer.Option("--client", metavar="EMAIL", help="The client (repeat for class attendees).")
    ] = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="The client's name (one client).")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start in the company's time zone, e.g. 2026-12-01T09:30.")
    ] = None,
    class_ref: Annotated[str | None, typer.Option("--class", help="A group class (name or id).")] = None,
    session_id: Annotated[int | None, typer.Option("--session", metavar="ID", help="The class session's id.")] = None,
    clients_file: Annotated[
        Path | None,
        typer.Option("--clients-file", help="Class attendees, one 'email' or 'email,Name' per line ('-' for stdin)."),
    ] = None,
    test: Annotated[
        bool, typer.Option("--test", help="Mark as test booking(s) (see `bookings purge --test`).")
    ] = False,
    count: Annotated[
        int | None, typer.Option("--count", metavar="N", help="With --test: make N test bookings of --service.")
    ] = None,
    start_from: Annotated[
        str | None, typer.Option("--from", metavar="T", help="With --count: first slot (default: tomorrow 09:00).")
    ] = None,
    rate: RateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Book a service or a class; print the client's and the provider's Zoom links.

    \b
    Examples:
      zoomctl bookings create --service "Private lesson" --provider Dana --client pat@example.com --start 2026-12-01T09:30
      zoomctl bookings create --class "Morning yoga" --session 12 --client a@example.com --client b@example.com
      zoomctl bookings create --test --count 50 --service "Private lesson"
    """
    from zoomctl.core import bookings as core
    from zoomctl.errors import InvalidInput

    a = app_of(ctx)
    company = a.company()
    clients = list(client or [])

    def zoom():
        return a.zoom(company)

    if count is not None:
        if not test or not service:
            raise InvalidInput("--count makes test bookings of a service", hint="add --test --service NAME")
        if clients or provider or class_ref or start:
            raise InvalidInput(
                "--count picks providers, clients and times itself",
                hint="drop --client/--provider/--class/--start (use --from for the first slot)",
            )
        from zoomctl.core import bulk

        made, error = bulk.create(
            a.store,
            company,
            service_ref=service,
            count=count,
            start=start_from,
            zoom=zoom,
            progress=a.ui.progress,
            rate=rate,
        )
        if as_json:
            a.ui.json([b.as_json() for b in made])
        else:
            linked = sum(1 for b in made if b.link_status == "created")
            online = sum(1 for b in made if b.meeting is not None)
            a.ui.success(
                f"made {len(made)} test booking(s)" + (f", {linked} of {online} with a Zoom meeting" if online else "")
            )
            a.ui.table([_row(b) for b in made], [*COLUMNS[:6], Column("link", "Link")])
        if error:
            raise error
        return
    if start_from is not None:
        raise InvalidInput("--from goes with --count", hint="give the start with --start")
    if class_ref is not None:
        if service or provider:
            raise InvalidInput(
                "a class booking takes --class, not --service/--provider", hint="the session's provider teaches it"
            )
        attendees = [core.Attendee(email, client_name if len(clients) == 1 else None) for email in clients]
        if client_name and len(clients) != 1:
            raise InvalidInput(
                "--client-name goes with exactly one --client", hint="use --clients-file 'email,Name' lines"
            )
        if clients_file is not None:
            text = typer.get_text_stream("stdin").read() if str(clients_file) == "-" else _read(clients_file)
            attendees += core.read_attendees(text)
        made, error = core.create_class_bookings(
            a.store,
            company,
            class_ref=class_ref,
            session_id=session_id,
            start=start,
            attendees=attendees,
            is_test=test,
            zoom=zoom,
        )
        several = len(clients) > 1 or clients_file is not None
    else:
        if session_id is not None or clients_file is not None:
            raise InvalidInput("--session and --clients-file go with --class", hint="add --class NAME")
        missing = [
            flag for flag, value in (("--service", service), ("--provider", provider), ("--start", start)) if not value
        ]
        if missing or len(clients) != 1:
            need = missing + (["exactly one --client"] if len(clients) != 1 else [])
            raise InvalidInput(
                f"a one-to-one booking needs {', '.join(need)}",
                hint="e.g. zoomctl bookings create --service S --provider P --client EMAIL --start T",
            )
        booking, error = core.create_one(
            a.store,
            company,
            service_ref=service,
            provider_ref=provider,
            client_email=clients[0],  # type: ignore[arg-type]
            client_name=client_name,
            start=start,
            is_test=test,
            zoom=zoom,  # type: ignore[arg-type]
        )
        made, several = [booking], False
    if not as_json and not error:
        what = made[0].service or made[0].class_name
        a.ui.success(
            f"booked {what} at {made[0].starts_local}" + (f" for {len(made)} clients" if len(made) > 1 else "")
        )
    _show_created(a, made, as_json, several)
    if error:
        raise error


def _read(path: Path) -> str:
    from zoomctl.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="give a readable UTF-8 text file") from None


@app.command("list")
def list_(
    ctx: typer.Context,
    upcoming: Annotated[bool, typer.Option("--upcoming", help="Only bookings that have not started.")] = False,
    test: Annotated[bool, typer.Option("--test", help="Only test bookings.")] = False,
    status: Annotated[
        str | None,
        typer.Option("--status", help="booked or cancelled; or the link's state: pending, created, failed."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List bookings. Example: zoomctl bookings list --upcoming --status failed --json"""
    from zoomctl.core import bookings as core

    a = app_of(ctx)
    found = core.list_bookings(a.store, a.company(), upcoming=upcoming, test=True if test else None, status=status)
    if as_json:
        a.ui.json([b.as_json() for b in found])
        return
    a.ui.table([_row(b) for b in found], COLUMNS, empty="no bookings: zoomctl bookings create --help")


@app.command("show")
def show(
    ctx: typer.Context,
    booking_id: Annotated[int, typer.Argument(metavar="ID", help="Booking id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one booking with its links. Example: zoomctl bookings show 12"""
    from zoomctl.core import bookings as core

    a = app_of(ctx)
    booking = core.get(a.store, a.company(), booking_id)
    if as_json:
        a.ui.json(booking.as_json())
    else:
        a.ui.record(_row(booking), DETAIL)


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    booking_id: Annotated[int, typer.Argument(metavar="ID", help="Booking id.")],
    as_json: JsonOption = False,
) -> None:
    """Cancel a booking: its Zoom meeting is deleted (a class attendee's registration cancelled).

    Example: zoomctl bookings cancel 12
    """
    from zoomctl.core import bookings as core

    a = app_of(ctx)
    company = a.company()
    booking = core.cancel(a.store, company, booking_id, lambda: a.zoom(company))
    if as_json:
        a.ui.json(booking.as_json())
    else:
        a.ui.success(
            f"cancelled booking {booking.id} ({booking.service or booking.class_name}, {booking.starts_local})"
        )


@app.command("reschedule")
def reschedule(
    ctx: typer.Context,
    booking_id: Annotated[int, typer.Argument(metavar="ID", help="Booking id.")],
    start: Annotated[str, typer.Option("--start", help="New start in the company's time zone.")],
    as_json: JsonOption = False,
) -> None:
    """Move a booking; its Zoom meeting moves too and the links stay the same.

    A class booking moves its whole session: every attendee keeps their link.
    Example: zoomctl bookings reschedule 12 --start 2026-12-02T10:00
    """
    from zoomctl.core import bookings as core

    a = app_of(ctx)
    company = a.company()
    booking, action, error = core.reschedule(a.store, company, booking_id, start, lambda: a.zoom(company))
    if as_json:
        a.ui.json({**booking.as_json(), "meeting_action": action})
    else:
        what = (
            f"session {booking.session_id} of {booking.class_name}"
            if booking.kind == "class"
            else f"booking {booking.id}"
        )
        if action == "unchanged":
            a.ui.info(f"{what} already starts at {booking.starts_local}: nothing to move")
            return
        note = {
            "updated": "; the Zoom meeting moved with it",
            "recreated": "; Zoom had lost the meeting: a new one was made",
            "skipped": "; its meeting is not made yet (`zoomctl bookings sync` makes it at the new time)",
        }.get(action, "")
        if not error:
            a.ui.success(f"moved {what} to {booking.starts_local}{note}")
        if action == "recreated":
            a.ui.record(_row(booking), [Column("client_link", "Client link"), Column("provider_link", "Provider link")])
    if error:
        raise error


@app.command("open")
def open_(
    ctx: typer.Context,
    booking_id: Annotated[int, typer.Argument(metavar="ID", help="Booking id.")],
    as_: Annotated[
        str, typer.Option("--as", metavar="client|provider", help="Whose link: client (default) or provider.")
    ] = "client",
    print_: Annotated[bool, typer.Option("--print", help="Print the link instead of opening a browser.")] = False,
) -> None:
    """Open the meeting in a browser: the client's link, or for the provider a fresh start link
    fetched from Zoom now (it expires two hours later and is never stored).

    Example: zoomctl bookings open 12 --as provider
    """
    from zoomctl.core import bookings as core
    from zoomctl.errors import InvalidInput

    if as_ not in ("client", "provider"):
        raise InvalidInput(f"--as {as_}: say client or provider", hint="e.g. --as provider")
    a = app_of(ctx)
    company = a.company()
    url = core.open_link(a.store, company, booking_id, as_, lambda: a.zoom(company))
    if print_:
        a.ui.line(url)
        return
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:  # no browser here (a server, a container): the link itself is what was asked for
        a.ui.info("no web browser could be opened here; the link:")
        a.ui.line(url)
        return
    a.ui.success(f"opened booking {booking_id}'s meeting as the {as_} in your browser")


@app.command("sync")
def sync(
    ctx: typer.Context,
    booking_id: Annotated[int | None, typer.Argument(metavar="ID", help="One booking.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every booked online booking that has not ended.")] = False,
    rate: RateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give bookings their missing links: retry pending and failed meetings and registrations,
    and recreate meetings deleted in Zoom. An unanswered earlier try is looked for first, never duplicated.

    Example: zoomctl bookings sync --all
    """
    from zoomctl.core import bookings as core
    from zoomctl.core import meetings
    from zoomctl.errors import Conflict, InvalidInput

    a = app_of(ctx)
    if (booking_id is None) == (not all_):
        raise InvalidInput("give a booking ID or --all", hint="e.g. zoomctl bookings sync --all")
    company = a.company()
    if not company.online_meetings_enabled:
        raise Conflict(f'"Online video meetings" is off for {company.slug}', hint="run `zoomctl feature enable`")
    targets = core.sync_targets(a.store, company, booking_id)
    if not targets:
        if as_json:
            a.ui.json([])
        else:
            a.ui.info("nothing to sync: no booked online booking" + (" that has not ended" if all_ else ""))
        return
    with a.zoom(company) as zoom, a.ui.progress(len(targets), "Syncing Zoom meetings") as advance:
        items, error = meetings.sync(a.store, company, zoom, targets, advance=advance, rate=rate)
    rows = [i.as_json() for i in items]
    if as_json:
        a.ui.json(rows)
    else:
        changed = [r for r in rows if r["action"] != "ok"]
        a.ui.table(changed, SYNC_COLUMNS, empty=f"all {len(rows)} meeting(s) are in place")
    if error:
        raise error


@app.command("purge")
def purge(
    ctx: typer.Context,
    test: Annotated[bool, typer.Option("--test", help="Purge test bookings (the only kind purge deletes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    rate: RateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete all test bookings and their Zoom meetings. Example: zoomctl bookings purge --test --yes"""
    from zoomctl.core import bulk
    from zoomctl.errors import InvalidInput

    a = app_of(ctx)
    if not test:
        raise InvalidInput("purge deletes test bookings only", hint="run `zoomctl bookings purge --test`")
    company = a.company()
    total = bulk.count(a.store, company)
    if total and not yes:
        if not a.can_prompt:
            raise InvalidInput(f"deleting {total} test booking(s) needs confirmation", hint="pass --yes")
        if not a.ui.confirm(f"Delete {total} test booking(s) of {company.slug} and their Zoom meetings?"):
            from zoomctl.errors import Conflict

            raise Conflict("nothing was deleted: not confirmed", hint="pass --yes to skip the question")
    deleted, meetings_deleted, error = bulk.purge(
        a.store, company, lambda: a.zoom(company), progress=a.ui.progress, rate=rate
    )
    if as_json:
        a.ui.json({"bookings_deleted": deleted, "meetings_deleted": meetings_deleted})
    elif not error:
        a.ui.success(f"deleted {deleted} test booking(s) and {meetings_deleted} Zoom meeting(s)")
    if error:
        raise error
