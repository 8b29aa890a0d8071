"""Bookings: create (one-to-one, class, test — one function each), list, show, cancel, reschedule, open.

A booking of an online service (or class) is written with a ``pending`` meeting row (and a
registration for a class) and committed before Zoom is called; the meeting work itself is
in ``core.meetings``. ``zoom`` arguments are factories of Zoom clients: Zoom is only
contacted when the booking needs it, and an unconnected company is refused before
anything is written. Test bookings (``--test --count N``) are ``core.bulk``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from zoomctl import textcheck
from zoomctl.core import catalog, validate
from zoomctl.core.calendar import ensure_free
from zoomctl.core.meetings import (  # delete_future_meetings: for `auth logout --delete-future-meetings`
    Engine,
    MeetingError,
    RegistrantsLeftOut,
    daily_message,
    delete_future_meetings,
    failure_error,
    link_error,
    new_marker,
)
from zoomctl.core.outcome import Outcome
from zoomctl.errors import Conflict, InvalidInput, NotFound, ZoomctlError
from zoomctl.models import (
    Booking,
    BookingStatus,
    Company,
    MeetingStatus,
    Provider,
    RegistrantStatus,
    SessionStatus,
    no_link_reason,
)
from zoomctl.store import bookings as repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import from_db, local, now_db, to_db
from zoomctl.zoom.errors import ZoomDailyLimit, ZoomMeetingNotFound

__all__ = [
    "cancel",
    "create_class_bookings",
    "create_one",
    "delete_future_meetings",
    "get",
    "list_bookings",
    "open_link",
    "read_attendees",
    "reschedule",
    "sync_targets",
]

ZoomFactory = Callable[[], Any]
LINK_STATUSES = (MeetingStatus.PENDING, MeetingStatus.CREATED, MeetingStatus.FAILED)


def view(booking: Booking, company: Company) -> Booking:
    booking.starts_local = local(booking.starts_at, company.timezone)
    without_meeting = booking.status == BookingStatus.BOOKED and booking.online and booking.meeting is None
    booking.no_link_reason = no_link_reason(without_meeting, company.online_meetings_enabled)
    return booking


def feature_off_warning(company: Company, online: bool) -> list[str]:
    """The word on stderr when an online-meeting service or class is booked with the feature off."""
    if not online or company.online_meetings_enabled:
        return []
    return [
        f'no Zoom link was made: "Online video meetings" is off for {company.slug} '
        f"(`zoomctl feature enable`, then `zoomctl bookings sync --all`, makes the links)"
    ]


def get(store: Store, company: Company, booking_id: int) -> Booking:
    found = repo.booking(store, company.id, booking_id) if 0 < booking_id <= catalog_repo.MAX_ID else None
    if found is None:
        raise NotFound(f"no booking {booking_id} in {company.slug}", hint="see `zoomctl bookings list`")
    return view(found, company)


def list_bookings(
    store: Store, company: Company, *, upcoming: bool = False, test: bool | None = None, status: str | None = None
) -> list[Booking]:
    booking_status = link_status = None
    if status is not None:
        names = [*BookingStatus, *LINK_STATUSES]
        hint = f"use one of {', '.join(names)} (the last three are the link's)"
        textcheck.choice(status, "status", [str(n) for n in names], hint=hint)
        if status in {s.value for s in BookingStatus}:
            booking_status = BookingStatus(status)
        else:
            link_status = MeetingStatus(status)
    found = repo.bookings(
        store,
        company.id,
        since=now_db() if upcoming else None,
        is_test=test,
        status=booking_status,
        link_status=link_status,
    )
    return [view(b, company) for b in found]


def needs_zoom(company: Company, online: bool) -> bool:
    return company.online_meetings_enabled and online


def check_host(provider: Provider, kind: str, for_class: bool = False) -> None:
    if not provider.zoom_user_id:
        raise Conflict(
            f"{provider.name} has no Zoom user, and the {kind} is an online-meeting {kind}",
            hint=f'run `zoomctl providers assign "{provider.name}" --zoom-user EMAIL` first',
        )
    if for_class and provider.zoom_user_type == 1:
        raise Conflict(
            f"{provider.name}'s Zoom user {provider.zoom_user_email} is Basic: class registration needs a licensed host",
            hint=f'license the user in Zoom, then run `zoomctl providers assign "{provider.name}" '
            f"--zoom-user {provider.zoom_user_email}` again",
        )


def book(
    store: Store,
    company: Company,
    *,
    provider: Provider,
    client_id: int,
    starts_at: str,
    ends_at: str,
    is_test: bool,
    details: dict[str, Any],
    service_id: int | None = None,
    session_id: int | None = None,
) -> int:
    """Write one booking and its ``booking.create`` event (``details``, then ``test``); returns its id."""
    booking_id = repo.insert_booking(
        store,
        company.id,
        provider_id=provider.id,
        client_id=client_id,
        starts_at=starts_at,
        ends_at=ends_at,
        service_id=service_id,
        class_session_id=session_id,
        is_test=is_test,
    )
    events.record(store, company.id, "booking.create", str(booking_id), **details, test=is_test)
    return booking_id


# ---------------------------------------------------------------------------- one-to-one
def create_one(
    store: Store,
    company: Company,
    *,
    service_ref: str,
    provider_ref: str,
    client_email: str,
    client_name: str | None,
    start: str,
    is_test: bool,
    zoom: ZoomFactory,
) -> Outcome[Booking]:
    """Book a one-to-one service; with online meetings on, create its Zoom meeting.

    The booking is saved either way; when Zoom failed, the outcome's error says so."""
    starts = validate.start_time(start, company.timezone)  # every value first, then the calendar
    client_email = validate.email(client_email)
    if client_name is not None:
        client_name = validate.name(client_name, "client")
    service = catalog.service(store, company, service_ref)
    provider = catalog.provider(store, company, provider_ref)
    if service.providers and provider.name not in service.providers:
        raise Conflict(
            f"{provider.name} does not offer '{service.name}'",
            hint=f"choose one of: {', '.join(service.providers)}",
        )
    starts_at, ends_at = to_db(starts), to_db(starts + timedelta(minutes=service.duration_minutes))
    ensure_free(
        store,
        provider.id,
        provider.name,
        starts_at,
        ends_at,
        company.timezone,
        hint="choose another time or provider; see `zoomctl bookings list --upcoming`",
    )
    online = needs_zoom(company, service.online)
    if online:
        check_host(provider, "service")
    zoom_client = zoom() if online else None  # not connected: refused before anything is written
    client = catalog.client_for_booking(store, company, client_email, client_name)
    booking_id = book(
        store,
        company,
        provider=provider,
        client_id=client.id,
        starts_at=starts_at,
        ends_at=ends_at,
        is_test=is_test,
        service_id=service.id,
        details={"service": service.name, "provider": provider.name, "client": client.email, "starts_at": starts_at},
    )
    error = None
    if zoom_client is not None:
        row = repo.insert_meeting(
            store, company.id, new_marker("service"), booking_id=booking_id, host=provider.zoom_user_id
        )
        store.checkpoint()  # the booking and its pending meeting outlive any Zoom failure
        with zoom_client as z:
            outcome = Engine(store, company, z).create([row])
        error = failure_error(outcome)
    return Outcome(get(store, company, booking_id), error, feature_off_warning(company, service.online))


# -------------------------------------------------------------------------------- classes
@dataclass
class Attendee:
    email: str
    name: str | None = None


def read_attendees(text: str) -> list[Attendee]:
    """Lines of ``email`` or ``email,Name`` (blank lines and ``#`` comments are skipped)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        email, _, name = line.partition(",")
        try:
            out.append(Attendee(validate.email(email), validate.name(name, "client") if name.strip() else None))
        except InvalidInput as exc:
            exc.message = f"line {number}: {exc.message}"
            raise
    return out


def _session_of(store: Store, company: Company, class_ref: str, session_id: int | None, start: str | None):
    cls = catalog.class_def(store, company, class_ref)
    if (session_id is None) == (start is None):
        raise InvalidInput(
            "give the session as --session ID or --start T (one of them)",
            hint=f'see `zoomctl classes sessions list "{cls.name}"`',
        )
    if session_id is None:
        at = to_db(validate.start_time(start, company.timezone, past_ok=True))  # type: ignore[arg-type]
        session_id = repo.session_at(store, cls.id, at)
        if session_id is None:
            raise NotFound(
                f"'{cls.name}' has no session at {local(at, company.timezone)}",
                hint=f'add it with `zoomctl classes sessions add "{cls.name}" --start T --provider P`',
            )
    session = catalog.session(store, company, session_id)
    if session.class_id != cls.id:
        raise Conflict(
            f"session {session.id} is a session of '{session.class_name}', not of '{cls.name}'",
            hint=f'see `zoomctl classes sessions list "{cls.name}"`',
        )
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(
            f"session {session.id} of '{cls.name}' is {session.status}",
            hint=f'see `zoomctl classes sessions list "{cls.name}"`',
        )
    return cls, session


def create_class_bookings(
    store: Store,
    company: Company,
    *,
    class_ref: str,
    session_id: int | None,
    start: str | None,
    attendees: list[Attendee],
    is_test: bool,
    zoom: ZoomFactory,
) -> Outcome[list[Booking]]:
    """Book attendees into a class session; with online meetings on, each gets a registrant link.

    The session's meeting (registration on, automatic approval) is made with its first
    booking; several attendees are registered in batches of 30. The bookings are saved
    either way; when Zoom failed, the outcome's error says so."""
    if not attendees:
        raise InvalidInput("no client given", hint="pass --client EMAIL (repeatable) or --clients-file FILE")
    seen: dict[str, Attendee] = {}
    for person in attendees:
        email = validate.email(person.email)
        if email in seen:
            raise InvalidInput(f"{email} is given twice", hint="list each client once")
        seen[email] = Attendee(email, validate.name(person.name, "client") if person.name is not None else None)
    cls, session = _session_of(store, company, class_ref, session_id, start)
    if session.starts_at < now_db():
        raise InvalidInput(
            f"session {session.id} of '{cls.name}' is in the past "
            f"(it started at {local(session.starts_at, company.timezone)})",
            hint=f'choose a session that has not started: see `zoomctl classes sessions list "{cls.name}"`',
        )
    booked = repo.session_client_ids(store, session.id)
    for email in seen:
        existing = catalog_repo.client_by_email(store, company.id, email)
        if existing is not None and existing.id in booked:
            raise Conflict(
                f"{email} is already booked into session {session.id}",
                hint="see `zoomctl bookings list --status booked`",
            )
    free = cls.capacity - session.booked
    if len(seen) > free:
        raise Conflict(
            f"session {session.id} of '{cls.name}' has {max(free, 0)} of {cls.capacity} places left; "
            f"{len(seen)} asked for",
            hint="book fewer clients, or another session",
        )
    provider = catalog_repo.provider(store, session.provider_id)
    online = needs_zoom(company, cls.online)
    if online:
        check_host(provider, "class", for_class=True)
    zoom_client = zoom() if online else None
    ends_at = to_db(from_db(session.starts_at) + timedelta(minutes=cls.duration_minutes))
    ids = []
    for person in seen.values():
        client = catalog.client_for_booking(store, company, person.email, person.name)
        bid = book(
            store,
            company,
            provider=provider,
            client_id=client.id,
            starts_at=session.starts_at,
            ends_at=ends_at,
            is_test=is_test,
            session_id=session.id,
            details={"class": cls.name, "session": session.id, "client": client.email},
        )
        ids.append(bid)
    error = None
    if zoom_client is not None:
        row = repo.meeting_of_session(store, session.id)
        fresh = row is None
        if row is None:
            row = repo.insert_meeting(
                store, company.id, new_marker("class"), session_id=session.id, host=provider.zoom_user_id
            )
        for bid in ids:
            repo.insert_registrant(store, row.id, bid)
        store.checkpoint()
        with zoom_client as z:
            error = _link_class(store, company, z, row, ids, provider, fresh)
    return Outcome([get(store, company, bid) for bid in ids], error, feature_off_warning(company, cls.online))


def _link_class(
    store: Store, company: Company, zoom: Any, row, ids: list[int], provider: Provider, fresh: bool
) -> MeetingError | None:
    engine = Engine(store, company, zoom)
    try:
        if row.status != MeetingStatus.CREATED:
            if fresh:
                outcome = engine.create([row])  # never tried: no need to look for it first
                if not outcome.ok:
                    return failure_error(outcome)
            else:
                engine.ensure(row)
            store.checkpoint()
            row = repo.meeting(store, row.id)
        engine.register(row)
    except ZoomctlError as exc:
        store.checkpoint()
        return link_error(
            exc,
            exc.missing if isinstance(exc, RegistrantsLeftOut) else ids,
            host=provider.zoom_user_email or provider.name,
            doing="register the attendee(s)" if row.status == MeetingStatus.CREATED else "create the meeting",
        )
    store.checkpoint()
    return None


# ---------------------------------------------------------------------------- changes
def cancel(store: Store, company: Company, booking_id: int, zoom: ZoomFactory) -> Booking:
    """Cancel a booking: delete its meeting in Zoom, or cancel the attendee's registration."""
    booking = get(store, company, booking_id)
    if booking.status == BookingStatus.CANCELLED:
        raise Conflict(
            f"booking {booking_id} is already cancelled", hint="see `zoomctl bookings list --status cancelled`"
        )
    row, reg = booking.meeting, booking.registration
    if booking.kind == "service" and row is not None and row.status in MeetingStatus.not_deleted():
        with zoom() as z:
            engine = Engine(store, company, z)
            engine.delete(row)
        repo.set_meeting_status(store, row.id, MeetingStatus.DELETED, None)
    elif booking.kind == "class" and reg is not None and reg.status != RegistrantStatus.CANCELLED:
        if (
            reg.status in (RegistrantStatus.CREATED, RegistrantStatus.FAILED)  # failed: Zoom may have it
            and row is not None
            and row.status == MeetingStatus.CREATED
            and row.zoom_meeting_id
        ):
            with zoom() as z:
                cancel_registrant(z, row.zoom_meeting_id, reg.zoom_registrant_id, booking.client_email)
        repo.set_registrant_status(store, reg.id, RegistrantStatus.CANCELLED, None)
    repo.set_booking_status(store, booking.id, BookingStatus.CANCELLED)
    events.record(store, company.id, "booking.cancel", str(booking.id))
    return get(store, company, booking.id)


def cancel_registrant(zoom: Any, meeting_id: int, registrant_id: str | None, email: str) -> None:
    ref = {"email": email}
    if registrant_id:
        ref["id"] = registrant_id
    try:
        zoom.update_registrant_status(meeting_id, "cancel", [ref])
    except ZoomMeetingNotFound:  # the meeting is gone: so is the registration
        pass


@dataclass
class Moved:
    """A rescheduled booking, and what happened to its meeting: updated, recreated, skipped,
    none (no meeting), or unchanged (it already started then: nothing was done)."""

    booking: Booking
    meeting_action: str


def reschedule(store: Store, company: Company, booking_id: int, start: str, zoom: ZoomFactory) -> Outcome[Moved]:
    """Move a booking; for a class booking, move its whole session (attendees keep their links).

    The outcome's error is set when Zoom could not recreate a lost meeting (the move is
    saved); a refused update raises, and nothing moves."""
    booking = get(store, company, booking_id)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(f"booking {booking_id} is {booking.status}", hint="book again with `zoomctl bookings create`")
    starts = validate.start_time(start, company.timezone)
    minutes = int((from_db(booking.ends_at) - from_db(booking.starts_at)).total_seconds() // 60)
    starts_at, ends_at = to_db(starts), to_db(starts + timedelta(minutes=minutes))
    if starts_at == booking.starts_at:  # nothing to move: Zoom is not asked (its updates count in a daily limit)
        return Outcome(Moved(booking, "unchanged"))
    if booking.kind == "class":
        same = repo.session_at(store, booking.class_id, starts_at)  # type: ignore[arg-type]
        if same is not None and same != booking.session_id:
            raise Conflict(
                f"'{booking.class_name}' already has a session at {local(starts_at, company.timezone)} (session {same})",
                hint="choose another time",
            )
    ensure_free(
        store,
        booking.provider_id,
        booking.provider,
        starts_at,
        ends_at,
        company.timezone,
        hint="choose another time",
        exclude_session_id=booking.session_id if booking.kind == "class" else None,
        exclude_booking_id=booking.id if booking.kind != "class" else None,
    )
    if booking.kind == "class":
        repo.move_session(store, booking.session_id, starts_at, ends_at)  # type: ignore[arg-type]
    else:
        repo.move_booking(store, booking.id, starts_at, ends_at)
    events.record(
        store, company.id, "booking.reschedule", str(booking.id), starts_at=starts_at, session=booking.session_id
    )
    row = booking.meeting
    action, error = "none", None
    if row is not None and row.status == MeetingStatus.CREATED:
        with zoom() as z:
            try:
                update = Engine(store, company, z).update_time(row)
            except ZoomDailyLimit as exc:
                host = catalog_repo.provider(store, booking.provider_id).zoom_user_email or booking.provider
                raise MeetingError(
                    f"{daily_message(exc, host)}: booking {booking.id} was not moved",
                    hint="try again after the reset",
                    exit_code=exc.exit_code,
                    cause=exc,
                ) from exc
            # any other refusal raises too: the move is rolled back, nothing changed
        action = update.value
        if update.error is not None:
            error = link_error(update.error, [booking.id], host=booking.provider, doing="recreate the meeting")
    elif row is not None and row.status in (MeetingStatus.PENDING, MeetingStatus.FAILED):
        action = "skipped"
    return Outcome(Moved(get(store, company, booking.id), action), error)


def sync_targets(store: Store, company: Company, booking_id: int | None) -> list[Booking]:
    """What `bookings sync` works on: the one booking, or every booked booking that has not
    ended; only booked bookings of online services and classes."""
    if booking_id is not None:
        found = [get(store, company, booking_id)]
    else:
        found = repo.bookings(store, company.id, ends_after=now_db(), status=BookingStatus.BOOKED)
    return [b for b in found if b.status == BookingStatus.BOOKED and b.online]


def open_link(store: Store, company: Company, booking_id: int, as_: str, zoom: ZoomFactory) -> str:
    """The link to open: the client's join link, or a fresh host ``start_url`` (never stored)."""
    booking = get(store, company, booking_id)
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(f"booking {booking_id} is {booking.status}", hint="see `zoomctl bookings list --upcoming`")
    if booking.meeting is None:
        raise Conflict(
            f"booking {booking_id} has no Zoom meeting (its {booking.kind} is not online)",
            hint=f"make it online (`zoomctl {'classes' if booking.kind == 'class' else 'services'} online "
            f"NAME --on`), then `zoomctl bookings sync {booking_id}`",
        )
    if as_ == "client":
        if not booking.client_link:
            raise Conflict(
                f"booking {booking_id} has no client link yet ({booking.link_status})",
                hint=f"run `zoomctl bookings sync {booking_id}`",
            )
        return booking.client_link
    row = booking.meeting
    if row.status != MeetingStatus.CREATED or not row.zoom_meeting_id:
        raise Conflict(
            f"booking {booking_id} has no Zoom meeting yet ({row.status})",
            hint=f"run `zoomctl bookings sync {booking_id}`",
        )
    with zoom() as z:
        try:
            meeting = z.get_meeting(row.zoom_meeting_id)
        except ZoomMeetingNotFound as exc:
            raise MeetingError(
                f"Zoom no longer has meeting {row.zoom_meeting_id} of booking {booking_id} (deleted in Zoom)",
                hint=f"run `zoomctl bookings sync {booking_id}` to make a new one",
                exit_code=exc.exit_code,
            ) from exc
    url = meeting.get("start_url")
    if not url:
        raise Conflict(
            f"Zoom gave no start link for meeting {row.zoom_meeting_id}",
            hint="check that the connection may act for the meeting's host",
        )
    return url
