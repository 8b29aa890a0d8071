"""`zoomctl demo`: a company set up end to end against a Zoom-compatible server, step by step.

The server (the built-in sandbox, started by the command) is given as URLs and an app's
credentials; nothing here knows it is a sandbox. Every step uses the same core functions
as the commands, so the demo is the feature, not a recording of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from zoomctl.core import auth, bookings, catalog, companies, connection, providers_zoom
from zoomctl.core.connection import ZoomAccess
from zoomctl.models import CatalogKind
from zoomctl.timefmt import utc_now

if TYPE_CHECKING:
    from zoomctl.store.db import Store


@dataclass
class DemoApp:
    """The Zoom app the demo logs in with."""

    client_id: str
    client_secret: str | None
    hosts: list[str]  # emails of two licensed Zoom users to host meetings


@dataclass
class DemoResult:
    company: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    one_to_one: dict[str, Any] | None = None
    class_session: dict[str, Any] | None = None


def run(
    store: Store,
    access: ZoomAccess,
    zoom_app: DemoApp,
    report: Callable[[str], None],
    browser: Callable[[str], bool],
) -> DemoResult:
    """Run the demo in an empty workspace; ``browser(url)`` plays the user's browser."""
    result = DemoResult(company="demo-yoga")

    def step(text: str, **data: Any) -> None:
        result.steps.append({"step": text, **data})
        report(text)

    company = companies.create(store, "Demo Yoga Studio", "Europe/Berlin", result.company)
    step(f"created company {company.slug} ({company.name}, {company.timezone})")
    companies.set_feature(store, company, True)
    step('switched on the "Online video meetings" feature')

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
        f"authorized Zoom as {login.user_email} (OAuth with PKCE through a loopback redirect; "
        f"can act for other users: {'yes' if login.can_act_for_others else 'no'})",
        account_id=login.account_id,
    )

    zoom = connection.factory(store, company, access)
    names = ["Dana Smith", "Sam Rivera"]
    for name, email in zip(names, zoom_app.hosts, strict=False):
        catalog.add_provider(store, company, name, email)
        assignment = providers_zoom.assign(store, company, access, name, email, zoom)
        step(f"added provider {name}, hosting as Zoom user {assignment.user.email if assignment.user else email}")

    lesson = catalog.add_service(store, company, "Private lesson", 60, names)
    catalog.set_online(store, company, CatalogKind.SERVICE, lesson.name, True)
    step(f"added service '{lesson.name}' (60 min) and switched it online")
    store.checkpoint()

    start = (utc_now() + timedelta(days=2)).replace(hour=9, minute=0, second=0)
    booked_one = bookings.create_one(
        store,
        company,
        service_ref=lesson.name,
        provider_ref=names[0],
        client_email="pat.lee@example.com",
        client_name="Pat Lee",
        start=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        is_test=False,
        zoom=zoom,
    )
    if booked_one.error is not None:
        raise booked_one.error
    booking = booked_one.value
    result.one_to_one = booking.as_json()
    step(f"booked '{lesson.name}' for pat.lee@example.com with {names[0]} at {booking.starts_local}")
    step(f"  client link   [online_meeting_link]          {booking.client_link}")
    step(f"  provider link [online_meeting_provider_link] {booking.provider_link}")

    yoga = catalog.add_class(store, company, "Morning yoga", 45, 12)
    catalog.set_online(store, company, CatalogKind.CLASS, yoga.name, True)
    session = catalog.add_session(
        store, company, yoga.name, (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), names[1]
    )
    step(f"added class '{yoga.name}' (45 min, up to 12), switched it online, scheduled session {session.id}")
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
        "a personal link each:"
    )
    for b in booked:
        step(f"  {b.client_email:<20} {b.client_link}")
    return result
