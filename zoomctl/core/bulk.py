"""Test bookings for CI jobs: make N at once, and purge them with their Zoom meetings.

Test bookings are ordinary bookings flagged ``is_test``, booked by generated clients
(``test+N@example.invalid``: the ``.invalid`` top-level domain never receives mail),
spread round-robin over the service's providers and the first free slots from a start
time. Their meetings are created concurrently by a small thread pool (``core.workers``),
on a Zoom client that paces itself under Zoom's rate limits (``zoom.ratelimit``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from zoomctl.core import catalog, validate
from zoomctl.core.bookings import ZoomFactory, cancel_registrant, check_host, needs_zoom, view
from zoomctl.core.meetings import Engine, failure_error, link_error, new_marker
from zoomctl.core.outcome import Outcome
from zoomctl.errors import Conflict, InvalidInput, ZoomctlError
from zoomctl.models import Booking, Company, MeetingStatus, Provider, RegistrantStatus
from zoomctl.store import bookings as repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import to_db, utc_now

TEST_DOMAIN = "example.invalid"
MAX_COUNT = 5000
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


def _no_progress(total: int, description: str):
    from contextlib import nullcontext

    return nullcontext(lambda n=1: None)


def default_start(company: Company) -> datetime:
    """Tomorrow at 09:00 in the company's time zone (as UTC)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(company.timezone)
    tomorrow = utc_now().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(9, 0), tzinfo=zone).astimezone(UTC)


def plan_slots(
    store: Store, providers: list[Provider], first: datetime, minutes: int, count: int
) -> list[tuple[Provider, str, str]]:
    """``count`` free (provider, starts_at, ends_at) slots: consecutive slots from ``first``,
    round-robin over the providers, skipping whatever already holds a provider."""
    since = to_db(first)
    busy = {p.id: repo.busy_intervals(store, p.id, since) for p in providers}
    out: list[tuple[Provider, str, str]] = []
    step = timedelta(minutes=minutes)
    slot = first
    limit = first + step * (count + 1) * 50  # far more room than any busy calendar needs
    while len(out) < count:
        if slot > limit:
            raise Conflict(
                f"found only {len(out)} free slots for {count} test bookings",
                hint="pass a later --from, or a smaller --count",
            )
        start, end = to_db(slot), to_db(slot + step)
        for provider in providers:
            if len(out) == count:
                break
            if any(s < end and e > start for s, e in busy[provider.id]):
                continue
            out.append((provider, start, end))
            busy[provider.id].append((start, end))
        slot += step
    return out


def create(
    store: Store,
    company: Company,
    *,
    service_ref: str,
    count: int,
    start: str | None,
    zoom: ZoomFactory,
    progress: Progress = _no_progress,
) -> Outcome[list[Booking]]:
    """Make ``count`` test bookings of a service (with their meetings when it is online).

    The bookings are saved either way; when Zoom failed, the outcome's error says so."""
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"--count {count} is out of range", hint=f"give 1 to {MAX_COUNT}")
    first = validate.start_time(start, company.timezone) if start is not None else default_start(company)
    service = catalog.service(store, company, service_ref)
    if service.providers:
        providers = [p for p in catalog.providers(store, company) if p.name in service.providers]
    else:
        providers = catalog.providers(store, company)
    online = needs_zoom(company, service.online)
    if online:
        providers = [p for p in providers if p.zoom_user_id]
    if not providers:
        what = "with a Zoom user " if online else ""
        raise Conflict(
            f"no provider {what}offers '{service.name}'",
            hint="run `zoomctl providers assign PROVIDER --zoom-user EMAIL`"
            if online
            else "add one: `zoomctl services add` lists providers with --provider",
        )
    if online:
        for provider in providers:
            check_host(provider, "service")
    slots = plan_slots(store, providers, first, service.duration_minutes, count)
    zoom_client = zoom() if online else None
    number = repo.max_test_client_number(store, company.id, TEST_DOMAIN)
    ids: list[int] = []
    rows = []
    for provider, starts_at, ends_at in slots:
        number += 1
        client = catalog_repo.add_client(store, company.id, f"test+{number}@{TEST_DOMAIN}", f"Test Client {number}")
        bid = repo.insert_booking(
            store,
            company.id,
            provider_id=provider.id,
            client_id=client.id,
            starts_at=starts_at,
            ends_at=ends_at,
            service_id=service.id,
            is_test=True,
        )
        ids.append(bid)
        if online:
            rows.append(
                repo.insert_meeting(
                    store, company.id, new_marker("service"), booking_id=bid, host=provider.zoom_user_id
                )
            )
    events.record(
        store, company.id, "booking.create_test", service.name, count=count, first=slots[0][1], last=slots[-1][1]
    )
    store.checkpoint()
    error = None
    if zoom_client is not None:
        with zoom_client as z, progress(len(rows), "Creating Zoom meetings") as advance:
            outcome = Engine(store, company, z).create(rows, advance)
        error = failure_error(outcome, what="test booking")
    found = {b.id: b for b in repo.bookings(store, company.id, ids=ids)}
    return Outcome([view(found[i], company) for i in ids], error)


def count(store: Store, company: Company) -> int:
    return len(repo.bookings(store, company.id, is_test=True))


@dataclass
class Purged:
    bookings_deleted: int
    meetings_deleted: int  # in Zoom


def purge(store: Store, company: Company, zoom: ZoomFactory, *, progress: Progress = _no_progress) -> Outcome[Purged]:
    """Delete every test booking and its Zoom meeting (a class attendee's registration is
    cancelled instead: the session's meeting is not theirs alone).

    A booking whose meeting Zoom would not delete is kept, so a second purge can finish
    the job; the outcome's error then says so."""
    found = repo.bookings(store, company.id, is_test=True)
    meeting_rows = [
        b.meeting
        for b in found
        if b.kind == "service" and b.meeting is not None and b.meeting.status in MeetingStatus.not_deleted()
    ]
    registrations = [
        b
        for b in found
        if b.kind == "class"
        and b.registration is not None
        and b.registration.status == RegistrantStatus.CREATED
        and b.meeting is not None
        and b.meeting.status == MeetingStatus.CREATED
    ]
    keep: set[int] = set()
    first_error: BaseException | None = None
    deleted_in_zoom = 0
    if meeting_rows or registrations:
        with zoom() as z, progress(len(meeting_rows) + len(registrations), "Deleting Zoom meetings") as advance:
            engine = Engine(store, company, z)
            gone, failed = engine.delete_many(meeting_rows, advance)  # type: ignore[arg-type]
            deleted_in_zoom = sum(1 for _row, had in gone if had)
            by_row = {b.meeting.id: b.id for b in found if b.kind == "service" and b.meeting is not None}
            for row_id, exc in failed.items():
                keep.add(by_row[row_id])
                first_error = first_error or exc
            for booking in registrations:
                try:
                    cancel_registrant(
                        engine.zoom,
                        booking.meeting.zoom_meeting_id,  # type: ignore[union-attr]
                        booking.registration.zoom_registrant_id,  # type: ignore[union-attr]
                        booking.client_email,
                    )
                except ZoomctlError as exc:
                    keep.add(booking.id)
                    first_error = first_error or exc
                advance(1)
    doomed = [b.id for b in found if b.id not in keep]
    repo.delete_bookings(store, doomed)
    repo.delete_unused_test_clients(store, company.id, TEST_DOMAIN)
    events.record(
        store,
        company.id,
        "booking.purge_test",
        f"{len(doomed)} test booking(s)",
        meetings_deleted=deleted_in_zoom,
        kept=sorted(keep),
    )
    store.checkpoint()
    error = None
    if first_error is not None:
        error = link_error(first_error, sorted(keep), what="test booking", doing="delete the meeting")
        error.message = (
            f"{len(keep)} test booking(s) kept: Zoom did not delete their meeting: "
            f"{first_error.message if isinstance(first_error, ZoomctlError) else first_error}"
        )
        error.hint = "run `zoomctl bookings purge --test --yes` again"
    return Outcome(Purged(len(doomed), deleted_in_zoom), error)
