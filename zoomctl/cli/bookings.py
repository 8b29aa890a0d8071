"""`zoomctl bookings …`: book services and classes; each online booking gets its Zoom links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.core.outcome import Outcome
from zoomctl.errors import Conflict, InvalidInput
from zoomctl.models import MeetingStatus
from zoomctl.ui import Column

if TYPE_CHECKING:
    from zoomctl.models import Booking

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
    Column("link", "Link state"),
    Column("is_test", "Test"),
]
DETAIL = [
    Column("booking_id", "ID"),
    Column("kind", "Kind"),
    Column("what", "Service / class"),
    Column("session_id", "Session"),
    Column("provider", "Provider"),
    Column("client_email", "Client"),
    Column("client_name", "Client name"),
    Column("starts_local", "Starts"),
    Column("starts_at", "Starts (UTC)"),
    Column("ends_at", "Ends (UTC)"),
    Column("booking_status", "Status"),
    Column("is_test", "Test"),
    Column("meeting_status", "Link state"),
    Column("zoom_host_email", "Zoom host"),
    Column("zoom_meeting_id", "Zoom meeting"),
    Column("last_error", "Last error"),
    Column("client_link", "Client link"),
    Column("provider_link", "Provider link"),
    Column("host_started_at", "Host started"),
    Column("client_joined_at", "Client joined"),
    Column("attended_minutes", "Minutes attended"),
    Column("no_show", "No-show"),
    Column("drift", "Zoom start (drift)"),
]
SYNC_COLUMNS = [
    Column("bookings", "Bookings"),
    Column("kind", "Kind"),
    Column("action", "Action"),
    Column("zoom_meeting_id", "Zoom meeting"),
    Column("error", "Error"),
]


def _finite(value: float | None) -> float | None:
    """A range does not refuse nan (no comparison with it is true)."""
    if value is not None and value != value:
        raise typer.BadParameter("nan is not a number")
    return value


RateOption = Annotated[
    float | None,
    typer.Option(
        "--rate",
        metavar="N",
        min=0.1,
        max=100,
        callback=_finite,
        help="At most N Zoom calls per second (default: as fast as the account's limits allow).",
    ),
]


SHOWN = [
    *DETAIL,
    Column("host_started_at", "Host started"),
    Column("client_joined_at", "Client joined"),
    Column("attended_minutes", "Minutes attended"),
    Column("no_show", "No-show"),
    Column("drift", "Zoom start (drift)"),
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
    data["last_error"] = error or booking.no_link_reason
    data["zoom_meeting_id"] = booking.meeting.zoom_meeting_id if booking.meeting else None
    return data


def _show_created(a, bookings, several: bool) -> None:
    if several:
        if not a.ui.out_is_tty:  # tab-separated lines: nothing is cut, the link stays in its column
            a.ui.table(
                [_row(b) for b in bookings],
                [*COLUMNS[:6], Column("link", "Link state"), Column("client_link", "Client link")],
            )
            return
        # a terminal table would cut long links to fit: print each one whole on a line of its own
        a.ui.table([_row(b) for b in bookings], [*COLUMNS[:6], Column("link", "Link state")])
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
        fields.append(Column("link", "Link state"))
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
        str | None, typer.Option("--start", help="Start in the company's time zone, e.g. 2031-12-01T09:30.")
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
      zoomctl bookings create --service "Private lesson" --provider Dana --client pat@example.com --start 2031-12-01T09:30
      zoomctl bookings create --class "Morning yoga" --session 12 --client a@example.com --client b@example.com
      zoomctl bookings create --test --count 50 --service "Private lesson"
    """
    a = app_of(ctx)
    company = a.company()
    flags = _CreateFlags(service, provider, list(client or []), client_name, start, class_ref, session_id, clients_file)
    if count is not None:
        _create_test(a, company, flags, test, count, start_from, rate, as_json)
    elif start_from is not None:
        raise InvalidInput("--from goes with --count", hint="give the start with --start")
    elif class_ref is not None:
        _create_class(a, company, flags, test, as_json)
    else:
        _create_one(a, company, flags, test, as_json)


@dataclass
class _CreateFlags:
    service: str | None
    provider: str | None
    clients: list[str]
    client_name: str | None
    start: str | None
    class_ref: str | None
    session_id: int | None
    clients_file: Path | None


def _create_test(a, company, flags: _CreateFlags, test: bool, count: int, start_from, rate, as_json: bool) -> None:
    """`--test --count N --service S`: N test bookings of S (core.bulk.create)."""
    from zoomctl.core import bulk

    if not test or not flags.service:
        raise InvalidInput("--count makes test bookings of a service", hint="add --test --service NAME")
    if flags.clients or flags.provider or flags.class_ref or flags.start:
        raise InvalidInput(
            "--count picks providers, clients and times itself",
            hint="drop --client/--provider/--class/--start (use --from for the first slot)",
        )
    outcome = bulk.create(
        a.store,
        company,
        service_ref=flags.service,
        count=count,
        start=start_from,
        zoom=a.zoom_factory(company, rate),
        progress=a.ui.progress,
    )

    def text(made) -> None:
        linked = sum(1 for b in made if b.link_status == MeetingStatus.CREATED)
        online = sum(1 for b in made if b.meeting is not None)
        a.ui.success(
            f"made {len(made)} test booking(s)" + (f", {linked} of {online} with a Zoom meeting" if online else "")
        )
        a.ui.table([_row(b) for b in made], [*COLUMNS[:6], Column("link", "Link state")])

    a.ui.conclude(
        outcome, lambda made: a.ui.result([b.as_json() for b in made], as_json=as_json, text=lambda: text(made))
    )


def _create_class(a, company, flags: _CreateFlags, test: bool, as_json: bool) -> None:
    """`--class C (--session ID | --start T) --client … | --clients-file F` (core.bookings.create_class_bookings)."""
    from zoomctl.core import bookings as core

    if flags.service or flags.provider:
        raise InvalidInput(
            "a class booking takes --class, not --service/--provider", hint="the session's provider teaches it"
        )
    clients = flags.clients
    attendees = [core.Attendee(email, flags.client_name if len(clients) == 1 else None) for email in clients]
    if flags.client_name and len(clients) != 1:
        raise InvalidInput("--client-name goes with exactly one --client", hint="use --clients-file 'email,Name' lines")
    if flags.clients_file is not None:
        path = flags.clients_file
        attendees += core.read_attendees(typer.get_text_stream("stdin").read() if str(path) == "-" else _read(path))
    outcome = core.create_class_bookings(
        a.store,
        company,
        class_ref=flags.class_ref,  # type: ignore[arg-type]
        session_id=flags.session_id,
        start=flags.start,
        attendees=attendees,
        is_test=test,
        zoom=a.zoom_factory(company),
    )
    _conclude_created(a, outcome, as_json, several=len(clients) > 1 or flags.clients_file is not None)


def _create_one(a, company, flags: _CreateFlags, test: bool, as_json: bool) -> None:
    """`--service S --provider P --client EMAIL --start T` (core.bookings.create_one)."""
    from zoomctl.core import bookings as core

    if flags.session_id is not None or flags.clients_file is not None:
        raise InvalidInput("--session and --clients-file go with --class", hint="add --class NAME")
    given = (("--service", flags.service), ("--provider", flags.provider), ("--start", flags.start))
    missing = [flag for flag, value in given if not value]
    if missing or len(flags.clients) != 1:
        need = missing + (["exactly one --client"] if len(flags.clients) != 1 else [])
        raise InvalidInput(
            f"a one-to-one booking needs {', '.join(need)}",
            hint="e.g. zoomctl bookings create --service S --provider P --client EMAIL --start T",
        )
    outcome = core.create_one(
        a.store,
        company,
        service_ref=flags.service,  # type: ignore[arg-type]
        provider_ref=flags.provider,  # type: ignore[arg-type]
        client_email=flags.clients[0],
        client_name=flags.client_name,
        start=flags.start,  # type: ignore[arg-type]
        is_test=test,
        zoom=a.zoom_factory(company),
    )
    _conclude_created(a, Outcome([outcome.value], outcome.error, outcome.warnings), as_json, several=False)


def _conclude_created(a, outcome: Outcome[list[Booking]], as_json: bool, several: bool) -> None:
    def render(made: list[Booking]) -> None:
        what = made[0].service or made[0].class_name
        for_many = f" for {len(made)} clients" if len(made) > 1 else ""
        a.ui.result(
            [b.as_json() for b in made] if several else made[0].as_json(),
            as_json=as_json,
            success=f"booked {what} at {made[0].starts_local}{for_many}" if outcome.ok else None,
            text=lambda: _show_created(a, made, several),
        )

    a.ui.conclude(outcome, render)


def _read(path: Path) -> str:
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
    a.ui.result(
        [b.as_json() for b in found],
        as_json=as_json,
        text=lambda: a.ui.table([_row(b) for b in found], COLUMNS, empty="no bookings: zoomctl bookings create --help"),
    )


@app.command("show")
def show(
    ctx: typer.Context,
    booking_id: Annotated[int, typer.Argument(metavar="ID", help="Booking id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one booking with its links: the report's fields, and more.

    Example: zoomctl bookings show 12 --json
    """
    from zoomctl.core import report

    a = app_of(ctx)
    details = report.booking_details(a.store, a.company(), booking_id)
    shown = {**details, "what": details["service"] or details["class"]}
    a.ui.result(details, as_json=as_json, text=lambda: a.ui.record(shown, DETAIL))


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
    booking = core.cancel(a.store, company, booking_id, a.zoom_factory(company))
    a.ui.result(
        booking.as_json(),
        as_json=as_json,
        success=f"cancelled booking {booking.id} ({booking.service or booking.class_name}, {booking.starts_local})",
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
    Example: zoomctl bookings reschedule 12 --start 2031-12-02T10:00
    """
    from zoomctl.core import bookings as core

    a = app_of(ctx)
    company = a.company()
    outcome = core.reschedule(a.store, company, booking_id, start, a.zoom_factory(company))

    def text(booking, action: str) -> None:
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
        if outcome.ok:
            a.ui.success(f"moved {what} to {booking.starts_local}{note}")
        if action == "recreated":
            a.ui.record(_row(booking), [Column("client_link", "Client link"), Column("provider_link", "Provider link")])

    a.ui.conclude(
        outcome,
        lambda moved: a.ui.result(
            {**moved.booking.as_json(), "meeting_action": moved.meeting_action},
            as_json=as_json,
            text=lambda: text(moved.booking, moved.meeting_action),
        ),
    )


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

    if as_ not in ("client", "provider"):
        raise InvalidInput(f"--as {as_}: say client or provider", hint="e.g. --as provider")
    a = app_of(ctx)
    company = a.company()
    url = core.open_link(a.store, company, booking_id, as_, a.zoom_factory(company))
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

    a = app_of(ctx)
    if (booking_id is None) == (not all_):
        raise InvalidInput("give a booking ID or --all", hint="e.g. zoomctl bookings sync --all")
    company = a.company()
    if not company.online_meetings_enabled:
        raise Conflict(f'"Online video meetings" is off for {company.slug}', hint="run `zoomctl feature enable`")
    targets = core.sync_targets(a.store, company, booking_id)
    if not targets:
        nothing = "nothing to sync: no booked online booking" + (" that has not ended" if all_ else "")
        a.ui.result([], as_json=as_json, text=lambda: a.ui.info(nothing))
        return
    with a.zoom(company, rate) as zoom, a.ui.progress(len(targets), "Syncing Zoom meetings") as advance:
        outcome = meetings.sync(a.store, company, zoom, targets, advance=advance)

    def render(items) -> None:
        rows = [i.as_json() for i in items]
        changed = [r for r in rows if r["action"] != "ok"]
        empty = f"all {len(rows)} meeting(s) are in place"
        a.ui.result(rows, as_json=as_json, text=lambda: a.ui.table(changed, SYNC_COLUMNS, empty=empty))

    a.ui.conclude(outcome, render)


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

    a = app_of(ctx)
    if not test:
        raise InvalidInput("purge deletes test bookings only", hint="run `zoomctl bookings purge --test`")
    company = a.company()
    total = bulk.count(a.store, company)
    if total and not yes:
        if not a.can_prompt:
            raise InvalidInput(f"deleting {total} test booking(s) needs confirmation", hint="pass --yes")
        if not a.ui.confirm(f"Delete {total} test booking(s) of {company.slug} and their Zoom meetings?"):
            raise Conflict("nothing was deleted: not confirmed", hint="pass --yes to skip the question")
    outcome = bulk.purge(a.store, company, a.zoom_factory(company, rate), progress=a.ui.progress)
    a.ui.conclude(
        outcome,
        lambda purged: a.ui.result(
            {"bookings_deleted": purged.bookings_deleted, "meetings_deleted": purged.meetings_deleted},
            as_json=as_json,
            success=(
                f"deleted {purged.bookings_deleted} test booking(s) and {purged.meetings_deleted} Zoom meeting(s)"
                if outcome.ok
                else None
            ),
        ),
    )
