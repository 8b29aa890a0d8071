"""`zoomctl demo`: a company set up end to end against a Zoom-compatible server, step by step.

The server (the built-in sandbox, started by the command) is given as URLs and an app's
credentials, and what happens on its side (removing the app, looking a meeting up) as
``ZoomSide`` callbacks; nothing here knows it is a sandbox. Every step uses the same core
functions as the commands, so the demo is the feature, not a recording of it.

``narrate(text)`` tells what happens (stderr); ``emit(name, value)`` hands over the data a
step produces (links, the rendered confirmations, the report rows) for stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from zoomctl.core import auth, bookings, catalog, companies, connection, providers_zoom
from zoomctl.core.connection import ZoomAccess
from zoomctl.models import CatalogKind
from zoomctl.timefmt import to_db, utc_now

if TYPE_CHECKING:
    from zoomctl.store.db import Store


@dataclass
class DemoApp:
    """The Zoom app the demo logs in with."""

    client_id: str
    client_secret: str | None
    hosts: list[str]  # emails of two licensed Zoom users to host meetings


@dataclass
class ZoomSide:
    """What happens on Zoom's side, outside zoomctl."""

    remove_app: Callable[[], int]  # the account removes the app: its grants end; returns how many
    meeting: Callable[[int], dict[str, Any] | None]  # a meeting as Zoom has it (None: deleted)
    grants_ended: Callable[[], list[str | None]]  # how each grant of the app ended (None: alive)
    #: the meeting takes place in Zoom: the host starts it at ``starts_at``, the registrants with these
    #: e-mails join and leave, it ends; Zoom's webhook events for it are received and processed.
    #: Returns how many events were. None: the demo skips that step.
    play_meeting: Callable[[int, list[str], str], int] | None = None


@dataclass
class DemoResult:
    company: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    one_to_one: dict[str, Any] | None = None
    class_session: dict[str, Any] | None = None
    provider_start_link: str | None = None
    confirmations: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: list[dict[str, Any]] = field(default_factory=list)
    reconnect: dict[str, Any] = field(default_factory=dict)
    doctor: dict[str, Any] = field(default_factory=dict)
    attendance: list[dict[str, Any]] = field(default_factory=list)
    moved: dict[str, Any] = field(default_factory=dict)
    logout: dict[str, Any] = field(default_factory=dict)


def run(
    store: Store,
    access: ZoomAccess,
    zoom_app: DemoApp,
    report: Callable[[str], None],
    browser: Callable[[str], bool],
    zoom_side: ZoomSide,
    emit: Callable[[str, Any], None] = lambda name, value: None,
) -> DemoResult:
    """Run the demo in an empty workspace; ``browser(url)`` plays the user's browser."""
    result = DemoResult(company="demo-yoga")
    number = iter(range(1, 100))

    def step(text: str, **data: Any) -> None:
        result.steps.append({"step": text, **data})
        report(text)

    def heading(text: str) -> None:
        report(f"{next(number)}. {text}")

    heading('enable "Online video meetings"')
    company = companies.create(store, "Demo Yoga Studio", "Europe/Berlin", result.company)
    step(f"created company {company.slug} ({company.name}, {company.timezone})")
    companies.set_feature(store, company, True)
    step('switched on the "Online video meetings" feature')

    heading("authorize Zoom (OAuth with PKCE through a loopback redirect, shared access)")
    _login(store, company, access, zoom_app, browser, step)

    heading("map two providers to Zoom users")
    zoom = connection.factory(store, company, access)
    names = ["Dana Smith", "Sam Rivera"]
    for name, email in zip(names, zoom_app.hosts, strict=False):
        catalog.add_provider(store, company, name, email)
        assignment = providers_zoom.assign(store, company, access, name, email, zoom)
        step(f"added provider {name}, hosting as Zoom user {assignment.user.email if assignment.user else email}")

    heading("switch a service and a class online")
    lesson = catalog.add_service(store, company, "Private lesson", 60, names)
    step(f"added service '{lesson.name}' (60 min): online {'yes' if lesson.online else 'no'} (new services are not)")
    catalog.set_online(store, company, CatalogKind.SERVICE, lesson.name, True)
    step(f"switched service '{lesson.name}' online")
    yoga = catalog.add_class(store, company, "Morning yoga", 45, 12)
    catalog.set_online(store, company, CatalogKind.CLASS, yoga.name, True)
    step(f"added class '{yoga.name}' (45 min, up to 12) and switched it online")
    store.checkpoint()

    heading("book a one-to-one session and three attendees into a class session")
    start = (utc_now() + timedelta(days=2)).replace(hour=9, minute=0, second=0)
    booked_one = bookings.create_one(
        store,
        company,
        service_ref=lesson.name,
        provider_ref=names[0],
        client_email="pat.lee@example.com",
        client_name="Pat Lee",
        start=to_db(start),
        is_test=False,
        zoom=zoom,
    )
    if booked_one.error is not None:
        raise booked_one.error
    booking = booked_one.value
    result.one_to_one = booking.as_json()
    step(f"booked '{lesson.name}' for pat.lee@example.com with {names[0]} at {booking.starts_local}")
    emit("link", ("pat.lee@example.com", "client", booking.client_link))
    emit("link", (names[0], "provider", booking.provider_link))
    session = catalog.add_session(store, company, yoga.name, to_db(start + timedelta(days=1)), names[1])
    step(f"scheduled session {session.id} of '{yoga.name}' with {names[1]}")
    store.checkpoint()
    attendees = [bookings.Attendee(f"{n.lower()}@example.com", n) for n in ("Ana", "Ben", "Chloe")]
    booked_class = bookings.create_class_bookings(
        store,
        company,
        class_ref=yoga.name,
        session_id=session.id,
        start=None,
        attendees=attendees,
        is_test=False,
        zoom=zoom,
    )
    if booked_class.error is not None:
        raise booked_class.error
    booked = booked_class.value
    meeting_ids = {b.meeting.zoom_meeting_id for b in booked if b.meeting}
    result.class_session = {
        "session_id": session.id,
        "zoom_meeting_ids": sorted(meeting_ids),
        "bookings": [b.as_json() for b in booked],
    }
    step(
        f"booked 3 attendees into session {session.id}: one Zoom meeting ({', '.join(map(str, meeting_ids))}), "
        "a personal link each"
    )
    for b in booked:
        emit("link", (b.client_email, "client", b.client_link))
    store.checkpoint()

    heading("open the meeting as the provider")
    start_link = bookings.open_link(store, company, booking.id, "provider", zoom)
    result.provider_start_link = start_link
    step(f"Zoom gave {names[0]} a fresh start link for meeting {booking.meeting.zoom_meeting_id} (it is not stored)")
    emit("link", (names[0], "start", start_link))

    heading("render the client and the provider confirmation")
    result.confirmations = _confirmations(bookings.get(store, company, booking.id), company)
    for kind, rendering in result.confirmations.items():
        step(f"rendered the {kind} e-mail ({rendering['channel']}, built-in text)")
        emit("confirmation", (kind, rendering))

    heading('the "Online video meetings" report')
    from zoomctl.core import report as report_core

    rows, summary = report_core.report(store, company)
    result.report = list(rows)
    step(f"the report lists {summary.rows} booking(s); {summary.needs_sync} need a sync")
    emit("report", result.report)

    heading("doctor: the connection checked end to end")
    result.doctor["first"] = _doctor(store, company, access, step, emit)

    heading("the app is removed on the Zoom side; reconnect")
    ended = zoom_side.remove_app()
    step(f"the Zoom account removed the app ({ended} authorization(s) ended)")
    before = auth.status(store, company, access).value
    store.checkpoint()  # the connection, marked for a reconnect, stays marked
    after_removal = auth.status(store, company, access).value
    step(f"auth status: {after_removal['state']}: {after_removal['fix'] or after_removal['problem']}")
    result.doctor["after_removal"] = _doctor(store, company, access, step, emit)
    _login(store, company, access, zoom_app, browser, step)
    again = auth.status(store, company, access).value
    step(f"auth status: {again['state']}")
    result.doctor["after_reconnect"] = _doctor(store, company, access, step, emit)
    result.reconnect = {"after_removal": before["state"], "marked": after_removal["state"], "after": again["state"]}
    store.checkpoint()

    heading("reschedule and cancel a booking")
    zoom = connection.factory(store, company, access)
    meeting_id = booking.meeting.zoom_meeting_id
    moved = bookings.reschedule(store, company, booking.id, to_db(start + timedelta(days=3)), zoom)
    if moved.error is not None:
        raise moved.error
    store.checkpoint()
    at_zoom = zoom_side.meeting(meeting_id)
    step(
        f"moved booking {booking.id} to {moved.value.booking.starts_local}: "
        f"Zoom's meeting {meeting_id} now starts {at_zoom.get('start_time') if at_zoom else '?'}"
    )
    bookings.cancel(store, company, booking.id, zoom)
    store.checkpoint()
    gone = zoom_side.meeting(meeting_id) is None
    step(f"cancelled booking {booking.id}: Zoom's meeting {meeting_id} {'is deleted' if gone else 'is still there'}")
    result.moved = {
        "booking_id": booking.id,
        "zoom_meeting_id": meeting_id,
        "starts_at": moved.value.booking.starts_at,
        "zoom_start_time": at_zoom.get("start_time") if at_zoom else None,
        "deleted_at_zoom": gone,
    }

    if zoom_side.play_meeting is not None:
        heading("the class meeting takes place: Zoom's webhook events give the attendance")
        from zoomctl.core import report as report_core

        store.checkpoint()  # the listener writes through a connection of its own
        joined = [a.email for a in attendees[:2]]
        received = zoom_side.play_meeting(next(iter(meeting_ids)), joined, session.starts_at)
        store.checkpoint()
        keys = ("booking_id", "client_email", "host_started_at", "client_joined_at", "attended_minutes", "no_show")
        rows = [report_core.booking_details(store, company, b.id) for b in booked]
        result.attendance = [{k: r[k] for k in keys} for r in rows]
        no_shows = [r["client_email"] for r in result.attendance if r["no_show"]]
        step(
            f"{received} signed webhook event(s) received and processed: "
            f"{len(rows) - len(no_shows)} attended, no-show: {', '.join(no_shows) or 'none'}"
        )
        emit("attendance", result.attendance)

    heading("log out")
    out = auth.logout(store, company, access).value
    ends = zoom_side.grants_ended()
    step(f"logged out: {'revoked at Zoom' if out.revoked else 'not revoked: ' + str(out.revoke_error)}")
    result.logout = {"revoked": out.revoked, "grants": ends}
    return result


def _doctor(store, company, access: ZoomAccess, step, emit) -> dict[str, Any]:
    """`zoomctl doctor` on the demo company: a step naming what is not ok, the checks on stdout."""
    from zoomctl.core import doctor

    diagnosis = doctor.diagnose(store, company, access).value
    checks = {c.id: c.status for c in diagnosis.checks}
    bad = [f"{c.id} {c.status}" for c in diagnosis.checks if c.status in (doctor.FAIL, doctor.WARN)]
    step(
        f"doctor: {'no check failed' if diagnosis.ok() else 'a check failed'}" + (f" ({', '.join(bad)})" if bad else "")
    )
    emit("doctor", diagnosis)
    store.checkpoint()
    return {"ok": diagnosis.ok(), "checks": checks}


def _login(store, company, access: ZoomAccess, zoom_app: DemoApp, browser, step) -> None:
    login = auth.login_oauth(
        store,
        company,
        access,
        auth.LoginRequest(zoom_app.client_id, zoom_app.client_secret),
        open_browser=True,
        timeout=30,
        insecure_storage=False,
        announce=lambda url, opened: None,
        launch=browser,
    )
    step(
        f"authorized Zoom as {login.user_email} (can act for other users: "
        f"{'yes' if login.can_act_for_others else 'no'})",
        account_id=login.account_id,
    )


def _confirmations(booking, company) -> dict[str, dict[str, Any]]:
    from zoomctl.core import templates
    from zoomctl.core.templates_render import context_for_booking

    context = context_for_booking(booking, company)
    out = {}
    for kind in (templates.Kind.CLIENT_CONFIRMATION, templates.Kind.PROVIDER_CONFIRMATION):
        template = templates.default_template(kind, templates.Channel.EMAIL)
        out[kind.value] = templates.render(template, context, channel=templates.Channel.EMAIL).as_json()
    return out
