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
