"""UTC storage format and display in a company's time zone."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_db(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def now_db() -> str:
    return to_db(utc_now())


def local(text: str | None, tz_name: str) -> str | None:
    """A stored UTC time shown in the company's zone, e.g. 2026-12-01 09:30 CET."""
    if text is None:
        return None
    from zoneinfo import ZoneInfo

    moment = from_db(text).astimezone(ZoneInfo(tz_name))
    return moment.strftime("%Y-%m-%d %H:%M %Z")
