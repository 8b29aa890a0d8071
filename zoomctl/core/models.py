"""What the workspace holds, as plain dataclasses; ``as_json()`` gives the stable JSON fields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class Model:
    def as_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class Company(Model):
    id: int
    slug: str
    name: str
    timezone: str
    online_meetings_enabled: bool
    created_at: str


@dataclass
class Provider(Model):
    id: int
    name: str
    email: str | None
    zoom_user_id: str | None
    zoom_user_email: str | None
    zoom_user_type: int | None
    created_at: str


@dataclass
class Service(Model):
    id: int
    name: str
    duration_minutes: int
    online: bool
    providers: list[str] = field(default_factory=list)
    created_at: str = ""


@dataclass
class ClassDef(Model):
    id: int
    name: str
    duration_minutes: int
    capacity: int
    online: bool
    created_at: str = ""


@dataclass
class ClassSession(Model):
    id: int
    class_id: int
    class_name: str
    provider_id: int
    provider_name: str
    starts_at: str
    status: str
    booked: int = 0
    capacity: int = 0


@dataclass
class Client(Model):
    id: int
    email: str
    name: str | None
    created_at: str


@dataclass
class MeetingLink(Model):
    """A Zoom meeting zoomctl keeps for a one-to-one booking or a class session."""

    id: int
    company_id: int
    booking_id: int | None
    class_session_id: int | None
    zoom_meeting_id: int | None
    host_zoom_user_id: str | None
    join_url: str | None
    password: str | None
    marker: str
    status: str  # pending | created | failed | deleted
    last_error: str | None


@dataclass
class Registration(Model):
    """A class attendee registered in the session's Zoom meeting."""

    id: int
    meeting_id: int
    booking_id: int
    zoom_registrant_id: str | None
    join_url: str | None
    status: str  # pending | created | failed | cancelled
    last_error: str | None


@dataclass
class Booking(Model):
    """One booking with what it needs for display; ``as_json`` gives the documented fields."""

    id: int
    company_id: int
    kind: str  # service | class
    service_id: int | None
    service: str | None
    class_id: int | None
    class_name: str | None
    session_id: int | None
    provider_id: int
    provider: str
    provider_zoom_user_id: str | None
    client_id: int
    client_email: str
    client_name: str | None
    starts_at: str
    ends_at: str
    status: str  # booked | cancelled
    is_test: bool
    online: bool  # the service or class is an online-meeting one
    meeting: MeetingLink | None = None
    registration: Registration | None = None
    starts_local: str | None = None

    @property
    def link_status(self) -> str | None:
        """pending | created | failed | deleted | cancelled, or None without a meeting."""
        if self.meeting is None:
            return None
        if self.kind == "class" and self.meeting.status == "created" and self.registration is not None:
            return self.registration.status
        return self.meeting.status

    @property
    def client_link(self) -> str | None:
        """The value of [online_meeting_link]: the meeting's join_url, or the attendee's own."""
        if self.status != "booked" or self.link_status != "created" or self.meeting is None:
            return None
        if self.kind == "class":
            return self.registration.join_url if self.registration else None
        return self.meeting.join_url

    @property
    def provider_link(self) -> str | None:
        """The value of [online_meeting_provider_link]: the host's start page (no token in it)."""
        if self.status != "booked" or self.meeting is None or self.meeting.status != "created":
            return None
        return host_start_page(self.meeting.join_url, self.meeting.zoom_meeting_id)

    def as_json(self) -> dict[str, Any]:
        meeting = None
        if self.meeting is not None:
            meeting = {
                "status": self.meeting.status,
                "zoom_meeting_id": self.meeting.zoom_meeting_id,
                "last_error": self.meeting.last_error,
            }
        registrant = None
        if self.registration is not None:
            registrant = {
                "status": self.registration.status,
                "zoom_registrant_id": self.registration.zoom_registrant_id,
                "last_error": self.registration.last_error,
            }
        return {
            "id": self.id,
            "kind": self.kind,
            "service": self.service,
            "class": self.class_name,
            "session_id": self.session_id,
            "provider": self.provider,
            "client_email": self.client_email,
            "client_name": self.client_name,
            "starts_at": self.starts_at,
            "starts_local": self.starts_local,
            "ends_at": self.ends_at,
            "status": self.status,
            "is_test": self.is_test,
            "meeting": meeting,
            "registrant": registrant,
            "client_link": self.client_link,
            "provider_link": self.provider_link,
        }


def host_start_page(join_url: str | None, meeting_id: int | None) -> str | None:
    """``{origin of join_url}/s/{meeting_id}``: the host's start page.

    It needs the host's Zoom sign-in and carries no token, so unlike ``start_url`` (whose
    token expires two hours after it is issued) it can be stored and mailed.
    """
    if not join_url or not meeting_id:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(join_url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/s/{meeting_id}"
