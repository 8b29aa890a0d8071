"""What the workspace holds, as plain dataclasses and the enums of their states.

Neutral ground: imported by ``store``, ``zoom``, ``core`` and ``cli``, importing none of
them. ``as_json()`` gives the stable JSON fields (an enum is written as its value).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MeetingStatus(StrEnum):
    """The Zoom meeting kept for a booking or class session."""

    PENDING = "pending"  # not made yet (or the daily limit stopped it)
    CREATED = "created"
    FAILED = "failed"  # Zoom refused; `bookings sync` tries again
    DELETED = "deleted"

    @classmethod
    def not_deleted(cls) -> tuple[MeetingStatus, ...]:
        """The states in which Zoom has (or may have) the meeting."""
        return (cls.CREATED, cls.PENDING, cls.FAILED)


class RegistrantStatus(StrEnum):
    """A class attendee's registration in the session's meeting."""

    PENDING = "pending"
    CREATED = "created"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    RECONNECT_REQUIRED = "reconnect_required"


class CatalogKind(StrEnum):
    """What a company offers, by name: each kind has its own table and command group."""

    PROVIDER = "provider"
    SERVICE = "service"
    CLASS = "class"

    @property
    def plural(self) -> str:
        """The command group (and the table): providers, services, classes."""
        return "classes" if self is CatalogKind.CLASS else f"{self.value}s"


@dataclass(frozen=True)
class TokenLocation:
    """Where a connection's tokens live: the OS keyring, a 0600 file (``--insecure-storage``)
    or memory; written to the workspace as ``keyring``, ``file:PATH`` or ``memory``."""

    kind: str  # keyring | file | memory | database (a shared workspace's encrypted table)
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> TokenLocation:
        if text.startswith("file:"):
            return cls("file", text[len("file:") :])
        return cls(text)

    @classmethod
    def file(cls, path: object) -> TokenLocation:
        return cls("file", str(path))

    @property
    def insecure(self) -> bool:
        return self.kind == "file"

    def describe(self) -> str:
        """For people: ``keyring``, ``memory``, or ``file PATH (insecure)``."""
        return f"file {self.path} (insecure)" if self.insecure else self.kind

    def __str__(self) -> str:
        return f"file:{self.path}" if self.insecure else self.kind


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
    status: SessionStatus
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
    status: MeetingStatus
    last_error: str | None


@dataclass
class Registration(Model):
    """A class attendee registered in the session's Zoom meeting."""

    id: int
    meeting_id: int
    booking_id: int
    zoom_registrant_id: str | None
    join_url: str | None
    status: RegistrantStatus
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
    status: BookingStatus
    is_test: bool
    online: bool  # the service or class is an online-meeting one
    meeting: MeetingLink | None = None
    registration: Registration | None = None
    starts_local: str | None = None
    no_link_reason: str | None = None  # why a booked online booking has no meeting (set with the company)

    @property
    def link_status(self) -> str | None:
        """pending | created | failed | deleted | cancelled, or None without a meeting."""
        if self.meeting is None:
            return None
        if self.kind == "class" and self.meeting.status == MeetingStatus.CREATED and self.registration is not None:
            return self.registration.status
        return self.meeting.status

    @property
    def client_link(self) -> str | None:
        """The value of [online_meeting_link]: the meeting's join_url, or the attendee's own."""
        if self.status != BookingStatus.BOOKED or self.link_status != "created" or self.meeting is None:
            return None
        if self.kind == "class":
            return self.registration.join_url if self.registration else None
        return self.meeting.join_url

    @property
    def provider_link(self) -> str | None:
        """The value of [online_meeting_provider_link]: the host's start page (no token in it)."""
        if self.status != BookingStatus.BOOKED or self.meeting is None or self.meeting.status != MeetingStatus.CREATED:
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
            "no_link_reason": self.no_link_reason,
        }


# Why a booked booking of an online-meeting service or class has no meeting: shown by
# `bookings show` (no_link_reason) and by the report's last_error column alike.
FEATURE_OFF_REASON = 'no Zoom link: "Online video meetings" is off for the company'
NOT_SYNCED_REASON = "no Zoom link yet: run `zoomctl bookings sync`"


def no_link_reason(booked_online_without_meeting: bool, feature_on: bool) -> str | None:
    if not booked_online_without_meeting:
        return None
    return NOT_SYNCED_REASON if feature_on else FEATURE_OFF_REASON


def host_start_page(join_url: str | None, meeting_id: int | None) -> str | None:
    """``{origin of join_url}/s/{meeting_id}``: the host's start page.

    It needs the host's Zoom sign-in and carries no token, so unlike ``start_url`` (whose
    token expires two hours after it is issued) it can be stored and mailed.
    """
    if not join_url or not meeting_id:
        return None
    # the origin as urlsplit reads it (scheme, then the authority up to the first / ? or #),
    # without its cost: the report calls this once a row
    scheme, sep, rest = join_url.partition("://")
    netloc = rest
    for end in "/?#":
        netloc = netloc.partition(end)[0]
    if not sep or not scheme or not netloc or not scheme.isascii() or not scheme.replace("+", "").isalnum():
        return None
    return f"{scheme.lower()}://{netloc}/s/{meeting_id}"


@dataclass
class TemplateOverride(Model):
    """A company's own text for one notification kind and channel, for every booking
    (``service_id`` and ``provider_id`` None), one service, one provider, or both."""

    kind: str
    channel: str
    service_id: int | None
    service: str | None
    provider_id: int | None
    provider: str | None
    subject: str | None
    body: str
    updated_at: str
