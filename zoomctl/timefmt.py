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


#: a time zone's UTC offset (seconds) and abbreviation from a moment on (None: since ever)
ZonePeriod = tuple[datetime | None, int, str]


def zone_periods(tz_name: str, first: datetime, last: datetime) -> list[ZonePeriod]:
    """The zone's UTC offset (seconds) and abbreviation over ``first``..``last``: a list of
    ``(since, offset, name)``, oldest first, the first with ``since`` None (it holds before too),
    each ``since`` the exact second the zone changed.

    Found by sampling every 6 hours and bisecting to the second where two samples differ; the
    zone database has no two changes closer than that which return to where they started."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz_name)

    def state(second: int) -> tuple[int, str]:
        local_moment = datetime.fromtimestamp(second, zone)
        offset = local_moment.utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0, local_moment.tzname() or ""

    step = 6 * 3600
    second = int(first.timestamp())
    end = int(last.timestamp()) + 1
    current = state(second)
    periods: list[ZonePeriod] = [(None, *current)]
    while second < end:
        ahead = min(second + step, end)
        if state(ahead) != current:
            low, high = second, ahead  # state(low) == current != state(high)
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if state(middle) == current else (low, middle)
            current = state(high)
            periods.append((datetime.fromtimestamp(high, UTC), *current))
        second = ahead
    return periods
