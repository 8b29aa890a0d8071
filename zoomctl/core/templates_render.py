"""Filling a parsed template with one booking's values, as plain text or as HTML.

* Plain text (the default) puts the values in as they are.
* HTML escapes everything: the template's own text and every value (a client named
  ``<script>`` stays text), turns line breaks into ``<br>`` and each link value into an anchor
  ``<a href="URL">URL</a>`` (the href escaped too; only ``http``/``https`` URLs become anchors).
* A one-line part (an e-mail subject) gets no line break from a value: each becomes a space.

A link variable without a link (no meeting yet, or a pending, failed or deleted one) renders
empty and adds a :class:`RenderWarning`; for a booking that ``zoomctl bookings sync ID`` can
mend, the warning's hint names that command.

Dates are shown in the company's time zone as :data:`DATE_TIME_EXAMPLE` (format
:data:`DATE_TIME_FORMAT`, English names whatever the locale, 24-hour clock).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from zoomctl.core.templates_parse import LINK_VARIABLES, Segment, Var

if TYPE_CHECKING:
    from zoomctl.models import Booking, Company

DATE_TIME_FORMAT = "%a %-d %b %Y, %H:%M"  # documented shape; rendered without the locale
DATE_TIME_EXAMPLE = "Sun 14 Mar 2027, 09:00"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HOST_TOKEN_MARKERS = ("zak=", "tk=")  # a start_url (zak) or a registrant link (tk) carries a token
SYNC_MENDS = frozenset({"pending", "failed", "deleted"})  # meeting states `bookings sync` retries


class HostTokenInLink(ValueError):
    """The provider link holds a token: a caller passed a ``start_url`` (or a registrant's
    link) where the host start page belongs. The message never repeats the link."""


def format_date_time(moment: datetime, timezone: str) -> str:
    """``moment`` in ``timezone`` as :data:`DATE_TIME_EXAMPLE`, e.g. ``Sun 14 Mar 2027, 09:00``."""
    from zoneinfo import ZoneInfo

    here = moment.astimezone(ZoneInfo(timezone))
    return f"{_WEEKDAYS[here.weekday()]} {here.day} {_MONTHS[here.month - 1]} {here.year}, {here:%H:%M}"


@dataclass(frozen=True)
class TemplateContext:
    """What one booking gives its templates. ``starts_at``/``ends_at`` are aware datetimes,
    shown in ``timezone`` (the company's). ``meeting_status`` is the link's state: None (no
    meeting), pending, created, failed, deleted or cancelled; ``booking_status`` booked or
    cancelled. ``provider_link`` must be the host start page: a value with a token in it
    raises :class:`HostTokenInLink`."""

    booking_id: int
    company_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    client_name: str
    client_email: str
    provider_name: str
    service: str
    client_link: str | None = None
    provider_link: str | None = None
    meeting_status: str | None = None
    booking_status: str = "booked"

    def __post_init__(self) -> None:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("starts_at and ends_at must be aware datetimes")
        lowered = (self.provider_link or "").lower()
        if any(marker in lowered for marker in HOST_TOKEN_MARKERS):
            raise HostTokenInLink(
                f"the provider link of booking {self.booking_id} carries a token (zak= or tk=): "
                "pass the host start page (zoomctl.models.host_start_page), never a start_url"
            )

    def values(self) -> dict[str, str]:
        """Every variable's value as text; a link without a value is empty."""
        return {
            "online_meeting_link": self.client_link or "",
            "online_meeting_provider_link": self.provider_link or "",
            "client_name": self.client_name,
            "client_email": self.client_email,
            "provider_name": self.provider_name,
            "service": self.service,
            "start_date_time": format_date_time(self.starts_at, self.timezone),
            "end_date_time": format_date_time(self.ends_at, self.timezone),
            "company_name": self.company_name,
            "booking_id": str(self.booking_id),
            "timezone": self.timezone,
        }


def context_for_booking(booking: Booking, company: Company) -> TemplateContext:
    """The context of a booking as the store gives it (its links and their state included)."""
    from zoomctl.timefmt import from_db

    return TemplateContext(
        booking_id=booking.id,
        company_name=company.name,
        timezone=company.timezone,
        starts_at=from_db(booking.starts_at),
        ends_at=from_db(booking.ends_at),
        client_name=booking.client_name or booking.client_email,
        client_email=booking.client_email,
        provider_name=booking.provider,
        service=booking.service or booking.class_name or "",
        client_link=booking.client_link,
        provider_link=booking.provider_link,
        meeting_status=booking.link_status,
        booking_status=booking.status,
    )


@dataclass(frozen=True)
class RenderWarning:
    """Something the reader of a rendering should know; ``variable`` names the empty link."""

    message: str
    hint: str | None = None
    variable: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"message": self.message, "hint": self.hint, "variable": self.variable}


def render_segments(
    segments: tuple[Segment, ...], values: dict[str, str], *, html: bool = False, one_line: bool = False
) -> str:
    """The text of parsed segments with ``values`` filled in (see the module for the modes)."""
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, Var):
            value = values[segment.name]
            if one_line:
                value = " ".join(value.splitlines())
            if html:
                out.append(_html_link(value) if segment.name in LINK_VARIABLES else html_lib.escape(value))
            else:
                out.append(value)
        elif html:
            out.append(html_lib.escape(segment.text).replace("\n", "<br>\n"))
        else:
            out.append(segment.text)
    return "".join(out)


def _html_link(url: str) -> str:
    if not url.lower().startswith(("https://", "http://")):
        return html_lib.escape(url)
    escaped = html_lib.escape(url, quote=True)
    return f'<a href="{escaped}">{escaped}</a>'


def link_warnings(used: tuple[str, ...], context: TemplateContext) -> list[RenderWarning]:
    """One warning for each link variable in ``used`` that renders empty for ``context``."""
    values = context.values()
    warnings = []
    for name in used:
        if name not in LINK_VARIABLES or values[name]:
            continue
        booking, status = context.booking_id, context.meeting_status
        if context.booking_status == "cancelled":
            warnings.append(RenderWarning(f"booking {booking} is cancelled: [{name}] renders empty", None, name))
        elif status in SYNC_MENDS:
            warnings.append(
                RenderWarning(
                    f"the meeting of booking {booking} is {status}: [{name}] renders empty",
                    f"run `zoomctl bookings sync {booking}`, then render again",
                    name,
                )
            )
        else:
            what = "no meeting" if status is None else f"a {status} meeting"
            warnings.append(
                RenderWarning(
                    f"booking {booking} has {what}, so no meeting link yet: [{name}] renders empty", None, name
                )
            )
    return warnings
