"""Checks of user input; each failure is an InvalidInput with the fix.

The text checks themselves (UTF-8, control characters, lengths, address syntax, numbers) live
in ``zoomctl.textcheck``, the one layer for user text; these add what the domain knows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from zoomctl import textcheck
from zoomctl.errors import InvalidInput
from zoomctl.textcheck import shown
from zoomctl.timefmt import utc_now

_SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"  # left to re to compile (and cache) on first use
MAX_DURATION = 1440  # Zoom's limit for a scheduled meeting, in minutes
MAX_CAPACITY = 4999  # Zoom's registrant limit for one meeting


def email(value: str) -> str:
    return textcheck.email(value)


def name(value: str, what: str) -> str:
    return textcheck.name(value, what)


def slug(value: str) -> str:
    if not re.match(_SLUG, value) or value.isdigit():
        raise InvalidInput(
            f"{shown(value)} is not a valid company slug",
            hint="use lowercase letters, digits and dashes (not only digits: numbers are ids), e.g. acme-yoga",
        )
    return value


def slug_from_name(value: str) -> str:
    candidate = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:63]
    if not candidate or candidate.isdigit():
        candidate = f"company-{candidate}".strip("-")
    return candidate


def timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    textcheck.line(value, "the time zone", limit=64)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f"{shown(value)} is not an IANA time zone",
            hint="use a name like Europe/Berlin, America/New_York or UTC",
        ) from None
    return value


def duration(value: int | str) -> int:
    fix = f"give minutes from 1 to {MAX_DURATION} (Zoom's limit)"
    return int(textcheck.number(value, "the duration", low=1, high=MAX_DURATION, integer=True, fix=fix))


def capacity(value: int | str) -> int:
    fix = f"give a number from 1 to {MAX_CAPACITY} (Zoom's registrant limit per meeting)"
    return int(textcheck.number(value, "the capacity", low=1, high=MAX_CAPACITY, integer=True, fix=fix))


def start_time(value: str, tz_name: str, *, past_ok: bool = False) -> datetime:
    """Parse a start time given in the company's time zone (or with an explicit offset); returns UTC.

    A local time the clocks skip (a daylight-saving gap) is refused, and so is a time in the
    past unless ``past_ok`` (looking up something that exists, not making something new)."""
    from zoneinfo import ZoneInfo

    text = textcheck.time_text(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise InvalidInput(
            f"cannot read {shown(value)} as a time",
            hint=f"use ISO 8601 in the company's time zone, e.g. {_a_week_ahead()} (or add an offset: +01:00, Z)",
        ) from None
    naive = parsed if parsed.tzinfo is None else None
    zone = ZoneInfo(tz_name)
    if naive is not None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        moment = parsed.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        moment = None
    if moment is None or not 1970 <= moment.year <= 9998:
        raise InvalidInput(f"{shown(value)} is out of range", hint="give a time between 1970 and 9998")
    if naive is not None and moment.astimezone(zone).replace(tzinfo=None) != naive.replace(microsecond=0):
        skipped_from, skipped_to = _gap(naive, zone)
        same_day = skipped_from.date() == skipped_to.date()
        start, end = (
            (f"{skipped_from:%H:%M}", f"{skipped_to:%H:%M} on {skipped_to:%Y-%m-%d}")
            if same_day
            else (f"{skipped_from:%Y-%m-%d %H:%M}", f"{skipped_to:%Y-%m-%d %H:%M}")
        )
        raise InvalidInput(
            f"{shown(value)} does not exist in {tz_name}: the clocks skip from {start} to {end}",
            hint=f"use {skipped_to:%Y-%m-%dT%H:%M} (the first valid time after the gap) or a time before "
            f"{skipped_from:%Y-%m-%dT%H:%M}",
        )
    if not past_ok:
        now = utc_now().replace(second=0)  # the current minute still counts as now
        if moment < now:
            raise InvalidInput(
                f"{shown(value)} is in the past",
                hint=f"give a time after now ({now.astimezone(zone):%Y-%m-%dT%H:%M} in {tz_name})",
            )
    return moment


def _gap(naive: datetime, zone) -> tuple[datetime, datetime]:
    """The local wall times a daylight-saving gap around ``naive`` skips from and to (02:00, 03:00)."""
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None and after > before
    # the change happens at an instant between these two (in UTC): bisect to the second
    low = int((naive - after).replace(tzinfo=UTC).timestamp())
    high = int((naive - before).replace(tzinfo=UTC).timestamp()) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    change = datetime.fromtimestamp(high, UTC).replace(tzinfo=None)
    return change + before, change + after


def _a_week_ahead() -> str:
    """An example start that is never in the past: a week from now at 09:30."""
    from datetime import timedelta

    return (utc_now() + timedelta(days=7)).strftime("%Y-%m-%dT09:30")
