"""The "Online video meetings" report: its rows (streamed from one query) and their summary.

The summary is counted while the rows go by, so the report costs one query however it is
written out::

    rows, summary = report(store, company, ReportFilter(starts_from=utc_now()))
    write_csv(rows, FIELDS, out)   # consumes the rows
    summary.as_json()              # {"rows": 120, "meeting_status": {...}, "needs_sync": 3}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from zoomctl.errors import InvalidInput, NotFound
from zoomctl.models import CatalogKind, Company
from zoomctl.store.db import Store
from zoomctl.store.report import BOOKING_STATUSES, CELL_SEPARATOR, FIELDS, ReportFilter, encoded_chunks, report_rows

__all__ = [
    "FIELDS",
    "ReportFilter",
    "ReportRows",
    "ReportSummary",
    "booking_details",
    "booking_row",
    "build_filter",
    "report",
    "window_bound",
]

# What `--meeting-status` takes (a cancelled registration is not a state people filter by).
MEETING_STATUS_CHOICES = ("created", "pending", "failed", "deleted")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

NO_MEETING = "none"  # the summary's key for online bookings without a meeting row yet


@dataclass
class ReportSummary:
    """Counts over the rows seen so far.

    ``needs_sync``: booked bookings whose link is not ``created`` (pending, failed, deleted,
    a cancelled registration, or no meeting row yet): what `zoomctl bookings sync` makes or
    retries. Cancelled bookings never need it."""

    rows: int = 0
    meeting_status: Counter[str] = field(default_factory=Counter)
    needs_sync: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.count(row["booking_status"], row["meeting_status"])

    def tally(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The same rows, each counted as it passes."""
        for row in rows:
            self.add(row)
            yield row

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "meeting_status": dict(sorted(self.meeting_status.items())),
            "needs_sync": self.needs_sync,
        }

    def count(self, booking_status: str, meeting_status: str | None, rows: int = 1) -> None:
        """``rows`` rows with these two statuses (``add`` without the row)."""
        status = meeting_status or NO_MEETING
        self.rows += rows
        self.meeting_status[status] += rows
        if booking_status == "booked" and status != "created":
            self.needs_sync += rows


class ReportRows:
    """The report's rows, to be read once: as dicts (iterate over it), or already written by
    the database as JSON objects or CSV cells (``encoded``). Either way each row is counted
    into ``summary`` as it passes."""

    cell_separator = CELL_SEPARATOR

    def __init__(self, store: Store, company: Company, where: ReportFilter | None, summary: ReportSummary) -> None:
        self._store, self._company, self._where, self.summary = store, company, where, summary

    def __iter__(self) -> Iterator[dict[str, Any]]:
        company = self._company
        return self.summary.tally(report_rows(self._store, company.id, company.timezone, self._where))

    def encoded(self, fmt: str) -> Iterator[list[tuple[Any, ...]]] | None:
        """Chunks of rows ``(text, booking_status, meeting_status)``, the text a JSON object or
        a CSV line (without its CRLF) as the writers write them; None where the database does
        not write them (then iterate for dicts)."""
        company = self._company
        chunks = encoded_chunks(self._store, company.id, company.timezone, self._where, fmt)
        return None if chunks is None else self._counted(chunks)

    def row(self, booking_id: int) -> dict[str, Any]:
        """One of the rows as a dict."""
        return booking_row(self._store, self._company, booking_id)

    def _counted(self, chunks: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
        count = self.summary.count
        for chunk in chunks:
            for (booking_status, meeting_status), rows in Counter([row[1:] for row in chunk]).items():
                count(booking_status, meeting_status, rows)
            yield chunk


def report(store: Store, company: Company, where: ReportFilter | None = None) -> tuple[ReportRows, ReportSummary]:
    """The company's report rows (one query, read as they are written out) and the summary they fill in."""
    summary = ReportSummary()
    return ReportRows(store, company, where, summary), summary


def window_bound(text: str, timezone: str, *, end: bool) -> datetime:
    """A `--from`/`--to` value: a date (``2026-12-01``: the start of that day, or for the end
    of the window its last second) or a time, in the company's zone unless it has an offset."""
    from zoneinfo import ZoneInfo

    from zoomctl import textcheck
    from zoomctl.core import validate

    cleaned = textcheck.time_text(text, "the date")
    if _DATE.match(cleaned):
        try:
            day = datetime.strptime(cleaned, "%Y-%m-%d").date()
        except ValueError:
            raise InvalidInput(
                f"{textcheck.shown(text)} is not a date", hint="give a date as YYYY-MM-DD, e.g. 2026-12-01"
            ) from None
        return datetime.combine(day, time(23, 59, 59) if end else time(0), tzinfo=ZoneInfo(timezone))
    return validate.start_time(cleaned, timezone, past_ok=True)


def build_filter(
    store: Store,
    company: Company,
    *,
    starts_from: str | None = None,
    starts_to: str | None = None,
    service: str | None = None,
    class_ref: str | None = None,
    provider: str | None = None,
    client: str | None = None,
    status: str = "all",
    meeting_status: str | None = None,
    include_test: bool = False,
    no_shows: bool = False,
    now: datetime | None = None,
) -> ReportFilter:
    """The report's filter from the command line's words: names resolved to ids, dates read
    in the company's zone (both ends inclusive); without ``starts_from`` the window starts now."""
    from zoomctl.core import catalog, validate
    from zoomctl.timefmt import utc_now

    lower = window_bound(starts_from, company.timezone, end=False) if starts_from is not None else (now or utc_now())
    upper = window_bound(starts_to, company.timezone, end=True) if starts_to is not None else None
    if upper is not None and upper < lower:
        since = "--from" if starts_from is not None else "now (the default --from)"
        raise InvalidInput(f"--to is before {since}", hint="give a --to after --from, or swap them")
    status = _one_of(status, BOOKING_STATUSES, "--status")
    if meeting_status is not None:
        meeting_status = _one_of(meeting_status, MEETING_STATUS_CHOICES, "--meeting-status")
    return ReportFilter(
        starts_from=lower,
        starts_to=upper,
        service_id=catalog.resolve(store, company, CatalogKind.SERVICE, service) if service is not None else None,
        class_id=catalog.resolve(store, company, CatalogKind.CLASS, class_ref) if class_ref is not None else None,
        provider_id=catalog.resolve(store, company, CatalogKind.PROVIDER, provider) if provider is not None else None,
        client_email=validate.email(client) if client is not None else None,
        status=status,
        meeting_status=meeting_status,
        include_test=include_test,
        no_shows=no_shows,
    )


def _one_of(value: str, choices: tuple[str, ...], option: str) -> str:
    from zoomctl.textcheck import shown

    key = value.strip().lower()
    if key not in choices:
        raise InvalidInput(f"{option} {shown(value)} is not known", hint=f"use one of: {', '.join(choices)}")
    return key


def booking_details(store: Store, company: Company, booking_id: int) -> dict[str, Any]:
    """`bookings show`: the booking's report row (every report field, by the report's rules),
    with what only one booking shows besides: ``id``, ``status``, ``ends_at``, ``is_test``,
    and the ``meeting`` and ``registrant`` records."""
    from zoomctl.core import bookings

    booking = bookings.get(store, company, booking_id)
    return {**booking.as_json(), **booking_row(store, company, booking_id)}


def booking_row(store: Store, company: Company, booking_id: int) -> dict[str, Any]:
    """One booking as a report row (`bookings show`: the same fields, the same rules)."""
    from zoomctl.store.catalog import MAX_ID

    where = ReportFilter(booking_id=booking_id, include_test=True)
    rows = list(report_rows(store, company.id, company.timezone, where)) if 0 < booking_id <= MAX_ID else []
    if not rows:
        raise NotFound(f"no booking {booking_id} in {company.slug}", hint="see `zoomctl bookings list`")
    return rows[0]
