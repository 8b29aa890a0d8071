"""The company's notification templates: overrides kept in the workspace, over the pure
engine in :mod:`zoomctl.core.templates` (syntax, precedence, rendering).

A level is ``(service, provider)``, either part None: a service's own text, a provider's,
both (the most specific), or neither (the company's). A class booking has no service, so
it gets its provider's override, the company's, or the built-in text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoomctl.core import catalog, templates
from zoomctl.core.templates import Channel, Kind, Rendering, Resolved, Source, Template
from zoomctl.models import Company, TemplateOverride
from zoomctl.store import events
from zoomctl.store import templates as repo
from zoomctl.store.db import Store

__all__ = [
    "Level",
    "Rendered",
    "describe",
    "level",
    "listing",
    "render_booking",
    "reset",
    "save",
    "show",
    "variables",
]


@dataclass(frozen=True)
class Level:
    """Whose template: ids for the store, names for people (None: any)."""

    service_id: int | None = None
    service: str | None = None
    provider_id: int | None = None
    provider: str | None = None

    @property
    def source(self) -> Source:
        if self.service_id is not None and self.provider_id is not None:
            return Source.SERVICE_PROVIDER
        if self.service_id is not None:
            return Source.SERVICE
        if self.provider_id is not None:
            return Source.PROVIDER
        return Source.COMPANY


def level(store: Store, company: Company, service: str | None, provider: str | None) -> Level:
    """The level that `--service` and `--provider` name (neither: the company's)."""
    service_id = provider_id = None
    service_name = provider_name = None
    if service is not None:
        found = catalog.service(store, company, service)
        service_id, service_name = found.id, found.name
    if provider is not None:
        found_provider = catalog.provider(store, company, provider)
        provider_id, provider_name = found_provider.id, found_provider.name
    return Level(service_id, service_name, provider_id, provider_name)


def describe(source: Source, service: str | None = None, provider: str | None = None) -> str:
    """``the built-in text``, ``the company's override``, ``the override for service 'X'`` …"""
    if source is Source.BUILT_IN:
        return "the built-in text"
    if source is Source.COMPANY:
        return "the company's override"
    names = []
    if service is not None:
        names.append(f"service '{service}'")
    if provider is not None:
        names.append(f"provider '{provider}'")
    return "the override for " + " with ".join(names)


def _overrides(store: Store, company: Company, kind: Kind, channel: Channel) -> dict[tuple, TemplateOverride]:
    return {(o.service_id, o.provider_id): o for o in repo.overrides(store, company.id, kind.value, channel.value)}


def _resolve(store: Store, company: Company, kind: Kind, channel: Channel, service_id, provider_id):
    found = _overrides(store, company, kind, channel)
    as_templates = {key: Template(o.body, o.subject) for key, o in found.items()}
    resolved = templates.resolve(kind, channel, as_templates, service=service_id, provider=provider_id)
    return resolved, (found.get(resolved.key) if resolved.key is not None else None)


def _view(kind: Kind, channel: Channel, resolved: Resolved, used: TemplateOverride | None) -> dict[str, Any]:
    service = used.service if used else None
    provider = used.provider if used else None
    return {
        "kind": kind.value,
        "channel": channel.value,
        "source": resolved.source.value,
        "source_text": describe(resolved.source, service, provider),
        "service": service,
        "provider": provider,
        "subject": resolved.template.subject,
        "body": resolved.template.body,
    }


def show(store: Store, company: Company, kind: Kind, channel: Channel, where: Level) -> dict[str, Any]:
    """The template a booking of ``where``'s service and provider gets, and which level it came from."""
    resolved, used = _resolve(store, company, kind, channel, where.service_id, where.provider_id)
    return _view(kind, channel, resolved, used)


def listing(store: Store, company: Company) -> list[dict[str, Any]]:
    """Every kind on every channel, with the overrides that exist for it."""
    found = repo.overrides(store, company.id)
    rows = []
    for kind in Kind:
        for channel in Channel:
            mine = [o for o in found if o.kind == kind.value and o.channel == channel.value]
            rows.append(
                {
                    "kind": kind.value,
                    "channel": channel.value,
                    "overrides": [
                        {
                            "source": Level(o.service_id, o.service, o.provider_id, o.provider).source.value,
                            "service": o.service,
                            "provider": o.provider,
                            "updated_at": o.updated_at,
                        }
                        for o in mine
                    ],
                }
            )
    return rows


def variables() -> list[dict[str, Any]]:
    return [{"name": v.name, "description": v.description, "link": v.link} for v in templates.VARIABLES]


def save(
    store: Store,
    company: Company,
    kind: Kind,
    channel: Channel,
    where: Level,
    body: str,
    subject: str | None = None,
) -> dict[str, Any]:
    """Validate and keep the override of one level; nothing is saved when the text is refused.

    An e-mail without ``subject`` keeps the subject it gets now at that level."""
    if channel is Channel.EMAIL and subject is None:
        current, _ = _resolve(store, company, kind, channel, where.service_id, where.provider_id)
        subject = current.template.subject
    template = templates.validate_template(Template(body, subject), channel)
    repo.save(store, company.id, kind.value, channel.value, where.service_id, where.provider_id, template.subject, body)
    events.record(store, company.id, "template.set", kind.value, channel=channel.value, level=where.source.value)
    return show(store, company, kind, channel, where)


def reset(store: Store, company: Company, kind: Kind, channel: Channel, where: Level) -> tuple[bool, dict[str, Any]]:
    """Remove one level's override; whether there was one, and what that level gets now."""
    removed = repo.delete(store, company.id, kind.value, channel.value, where.service_id, where.provider_id)
    if removed:
        events.record(store, company.id, "template.reset", kind.value, channel=channel.value, level=where.source.value)
    return removed, show(store, company, kind, channel, where)


@dataclass(frozen=True)
class Rendered:
    booking_id: int
    kind: Kind
    template: dict[str, Any]  # as show() gives it
    rendering: Rendering

    def as_json(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "kind": self.kind.value,
            "source": self.template["source"],
            "service": self.template["service"],
            "provider": self.template["provider"],
            **self.rendering.as_json(),
        }


def render_booking(
    store: Store, company: Company, kind: Kind, channel: Channel, booking_id: int, *, html: bool = False
) -> Rendered:
    """``kind`` on ``channel`` as booking ``booking_id`` gets it (its service and provider's template)."""
    from zoomctl.core import bookings

    booking = bookings.get(store, company, booking_id)
    resolved, used = _resolve(store, company, kind, channel, booking.service_id, booking.provider_id)
    context = templates.context_for_booking(booking, company)
    rendering = templates.render(resolved.template, context, channel=channel, html=html)
    return Rendered(booking.id, kind, _view(kind, channel, resolved, used), rendering)
