"""Notification templates: kinds, channels, built-in texts, validation, precedence, rendering.

Pure: no store, no terminal. The syntax is described in :mod:`zoomctl.core.templates_parse`,
the rendering modes in :mod:`zoomctl.core.templates_render`, SMS segments in
:mod:`zoomctl.core.templates_sms`; this module puts them together per kind and channel.

Precedence ("Flexible notifications"): overrides are keyed by ``(service, provider)``, either
part None; the most specific one wins: service+provider, then service, then provider, then
the company's own (``(None, None)``), then the built-in text. :func:`resolve` says which.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zoomctl.core.templates_parse import (
    LINK_VARIABLES,
    VARIABLE_NAMES,
    VARIABLES,
    Segment,
    TemplateSyntaxError,
    Variable,
    parse,
    unparse,
    variables_used,
)
from zoomctl.core.templates_render import (
    DATE_TIME_EXAMPLE,
    DATE_TIME_FORMAT,
    HostTokenInLink,
    RenderWarning,
    TemplateContext,
    context_for_booking,
    format_date_time,
    link_warnings,
    render_segments,
)
from zoomctl.core.templates_sms import MAX_SEGMENTS, SmsInfo, sms_info
from zoomctl.errors import InvalidInput

__all__ = [
    "DATE_TIME_EXAMPLE",
    "DATE_TIME_FORMAT",
    "DEFAULTS",
    "LINK_VARIABLES",
    "MAX_SEGMENTS",
    "VARIABLES",
    "VARIABLE_NAMES",
    "Channel",
    "HostTokenInLink",
    "Kind",
    "Rendering",
    "RenderWarning",
    "Resolved",
    "Segment",
    "SmsInfo",
    "Source",
    "Template",
    "TemplateContext",
    "TemplateSyntaxError",
    "Variable",
    "context_for_booking",
    "default_template",
    "format_date_time",
    "parse",
    "parse_channel",
    "parse_kind",
    "render",
    "resolve",
    "sms_info",
    "unparse",
    "validate_template",
    "variables_used",
]

MAX_TEMPLATE_CHARS = 20_000  # a subject or body longer than this is refused


class Kind(StrEnum):
    CLIENT_CONFIRMATION = "client-confirmation"
    PROVIDER_CONFIRMATION = "provider-confirmation"
    CLIENT_CANCELLATION = "client-cancellation"
    PROVIDER_CANCELLATION = "provider-cancellation"
    CLIENT_REMINDER = "client-reminder"
    PROVIDER_REMINDER = "provider-reminder"

    @property
    def recipient(self) -> str:
        """client | provider"""
        return self.value.split("-", 1)[0]


class Channel(StrEnum):
    EMAIL = "email"  # subject + body
    SMS = "sms"  # body only


class Source(StrEnum):
    """Which template :func:`resolve` used, most specific first."""

    SERVICE_PROVIDER = "service+provider"
    SERVICE = "service"
    PROVIDER = "provider"
    COMPANY = "company"
    BUILT_IN = "built-in"


@dataclass(frozen=True)
class Template:
    """An e-mail has a subject; an SMS has None."""

    body: str
    subject: str | None = None


def _email(subject: str, *lines: str) -> Template:
    return Template(body="\n".join(lines), subject=subject)


DEFAULTS: Mapping[tuple[Kind, Channel], Template] = {
    (Kind.CLIENT_CONFIRMATION, Channel.EMAIL): _email(
        "Your booking: [service] on [start_date_time]",
        "Hello [client_name],",
        "",
        "Your booking for [service] with [provider_name] is confirmed.",
        "",
        "When: [start_date_time] ([timezone])",
        "Join online: [online_meeting_link]",
        "Booking number: [booking_id]",
        "",
        "Kind regards,",
        "[company_name]",
    ),
    (Kind.PROVIDER_CONFIRMATION, Channel.EMAIL): _email(
        "New booking: [service] with [client_name] on [start_date_time]",
        "Hello [provider_name],",
        "",
        "[client_name] ([client_email]) has booked [service].",
        "",
        "When: [start_date_time] ([timezone])",
        "Start the meeting: [online_meeting_provider_link]",
        "Booking number: [booking_id]",
        "",
        "[company_name]",
    ),
    (Kind.CLIENT_CANCELLATION, Channel.EMAIL): _email(
        "Cancelled: [service] on [start_date_time]",
        "Hello [client_name],",
        "",
        "Your booking for [service] on [start_date_time] ([timezone]) has been cancelled.",
        "Booking number: [booking_id]",
        "",
        "Kind regards,",
        "[company_name]",
    ),
    (Kind.PROVIDER_CANCELLATION, Channel.EMAIL): _email(
        "Cancelled: [service] with [client_name] on [start_date_time]",
        "Hello [provider_name],",
        "",
        "The booking of [client_name] ([client_email]) for [service] on [start_date_time] ([timezone])",
        "has been cancelled.",
        "Booking number: [booking_id]",
        "",
        "[company_name]",
    ),
    (Kind.CLIENT_REMINDER, Channel.EMAIL): _email(
        "Reminder: [service] on [start_date_time]",
        "Hello [client_name],",
        "",
        "A reminder of your booking for [service] with [provider_name].",
        "",
        "When: [start_date_time] ([timezone])",
        "Join online: [online_meeting_link]",
        "Booking number: [booking_id]",
        "",
        "Kind regards,",
        "[company_name]",
    ),
    (Kind.PROVIDER_REMINDER, Channel.EMAIL): _email(
        "Reminder: [service] with [client_name] on [start_date_time]",
        "Hello [provider_name],",
        "",
        "A reminder of your booking with [client_name] ([client_email]) for [service].",
        "",
        "When: [start_date_time] ([timezone])",
        "Start the meeting: [online_meeting_provider_link]",
        "Booking number: [booking_id]",
        "",
        "[company_name]",
    ),
    (Kind.CLIENT_CONFIRMATION, Channel.SMS): Template(
        "[company_name]: your [service] booking is confirmed for [start_date_time] ([timezone]). "
        "Join: [online_meeting_link]"
    ),
    (Kind.PROVIDER_CONFIRMATION, Channel.SMS): Template(
        "[company_name]: new booking, [service] with [client_name] on [start_date_time] ([timezone]). "
        "Start: [online_meeting_provider_link]"
    ),
    (Kind.CLIENT_CANCELLATION, Channel.SMS): Template(
        "[company_name]: your [service] booking on [start_date_time] ([timezone]) has been cancelled."
    ),
    (Kind.PROVIDER_CANCELLATION, Channel.SMS): Template(
        "[company_name]: the booking of [client_name] for [service] on [start_date_time] ([timezone]) "
        "has been cancelled."
    ),
    (Kind.CLIENT_REMINDER, Channel.SMS): Template(
        "[company_name] reminder: [service] on [start_date_time] ([timezone]). Join: [online_meeting_link]"
    ),
    (Kind.PROVIDER_REMINDER, Channel.SMS): Template(
        "[company_name] reminder: [service] with [client_name] on [start_date_time] ([timezone]). "
        "Start: [online_meeting_provider_link]"
    ),
}


def default_template(kind: Kind, channel: Channel) -> Template:
    return DEFAULTS[(Kind(kind), Channel(channel))]


def _choice(value: str, enum: type[StrEnum], what: str) -> StrEnum:
    names = [member.value for member in enum]
    key = value.strip().lower()
    if key in names:
        return enum(key)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"use one of: {', '.join(names)}"
    raise InvalidInput(f"unknown template {what} '{value}'", hint=hint)


def parse_kind(value: str) -> Kind:
    """A kind from the command line, e.g. ``client-confirmation``; InvalidInput with a suggestion."""
    return Kind(_choice(value, Kind, "kind"))


def parse_channel(value: str) -> Channel:
    """``email`` or ``sms``; InvalidInput otherwise."""
    return Channel(_choice(value, Channel, "channel"))


def validate_template(template: Template, channel: Channel) -> Template:
    """``template`` unchanged when it can be saved for ``channel``; otherwise InvalidInput
    (a :class:`TemplateSyntaxError` with the position for a syntax mistake). An e-mail needs
    a one-line subject; an SMS has none; neither may be empty."""
    channel = Channel(channel)
    if channel is Channel.SMS and template.subject is not None:
        raise InvalidInput("an SMS template has no subject", hint="drop the subject, or use --channel email")
    if channel is Channel.EMAIL:
        if template.subject is None or not template.subject.strip():
            raise InvalidInput("the e-mail template has no subject", hint="give one with --subject TEXT")
        _check_size(template.subject, "subject")
        breaks = [template.subject.find(c) for c in "\r\n" if c in template.subject]
        if breaks:
            raise TemplateSyntaxError(
                "line break",
                text=template.subject,
                offset=min(breaks),
                hint="keep the subject on one line",
                part="subject",
            )
        parse(template.subject, "subject")
    if not template.body.strip():
        raise InvalidInput(f"the {channel.value} template's text is empty", hint="give the text of the message")
    _check_size(template.body, "body")
    parse(template.body, "body")
    return template


def _check_size(text: str, part: str) -> None:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidInput(
            f"the template's {part} has {len(text)} characters, more than {MAX_TEMPLATE_CHARS}",
            hint="shorten it",
        )


OverrideKey = tuple[Hashable | None, Hashable | None]


@dataclass(frozen=True)
class Resolved:
    template: Template
    source: Source
    key: OverrideKey | None = None  # the override used; None for the built-in text


def resolve(
    kind: Kind,
    channel: Channel,
    overrides: Mapping[OverrideKey, Template],
    *,
    service: Hashable | None = None,
    provider: Hashable | None = None,
) -> Resolved:
    """The template a booking of ``service`` with ``provider`` gets, from the overrides of
    this ``kind`` and ``channel`` (keyed ``(service, provider)``, ``(service, None)``,
    ``(None, provider)``, ``(None, None)``), else the built-in one. The keys are whatever
    identifies a service and a provider to the caller (ids; a class may use e.g.
    ``("class", id)`` so it never meets a service's id); None never matches a key part."""
    levels: list[tuple[Source, OverrideKey]] = []
    if service is not None and provider is not None:
        levels.append((Source.SERVICE_PROVIDER, (service, provider)))
    if service is not None:
        levels.append((Source.SERVICE, (service, None)))
    if provider is not None:
        levels.append((Source.PROVIDER, (None, provider)))
    levels.append((Source.COMPANY, (None, None)))
    for source, key in levels:
        if key in overrides:
            return Resolved(overrides[key], source, key)
    return Resolved(default_template(kind, channel), Source.BUILT_IN)


@dataclass(frozen=True)
class Rendering:
    """A filled-in template. ``subject`` is None for an SMS (and always plain text, being a
    mail header); ``sms`` holds the SMS's length and segments; ``warnings`` are for stderr."""

    channel: Channel
    subject: str | None
    body: str
    html: bool
    warnings: tuple[RenderWarning, ...] = ()
    sms: SmsInfo | None = field(default=None)

    def as_json(self) -> dict[str, object]:
        return {
            "channel": self.channel.value,
            "format": "html" if self.html else "text",
            "subject": self.subject,
            "body": self.body,
            "sms": self.sms.as_json() if self.sms else None,
            "warnings": [w.as_json() for w in self.warnings],
        }


def render(template: Template, context: TemplateContext, *, channel: Channel, html: bool = False) -> Rendering:
    """``template`` filled with ``context``'s values. ``html`` is for e-mail bodies only
    (InvalidInput for an SMS). Raises :class:`TemplateSyntaxError` for an invalid template."""
    channel = Channel(channel)
    if html and channel is Channel.SMS:
        raise InvalidInput("an SMS has no HTML form", hint="render the SMS without --html")
    values = context.values()
    subject_segments = parse(template.subject, "subject") if template.subject is not None else ()
    body_segments = parse(template.body, "body")
    subject = None
    if channel is Channel.EMAIL:
        subject = render_segments(subject_segments, values, one_line=True)
    body = render_segments(body_segments, values, html=html)
    used = variables_used(subject_segments + body_segments)
    warnings = link_warnings(used, context)
    sms = None
    if channel is Channel.SMS:
        sms = sms_info(body)
        if sms.warning:
            warnings.append(RenderWarning(sms.warning, sms.hint))
    return Rendering(channel, subject, body, html, tuple(warnings), sms)
