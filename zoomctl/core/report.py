"""The "Online video meetings" report: its rows (streamed from one query) and their summary.

The summary is counted while the rows go by, so the report costs one query however it is
written out::

    rows, summary = report(store, company, ReportFilter(starts_from=utc_now()))
    write_csv(rows, FIELDS, out)   # consumes the rows
    summary.as_json()              # {"rows": 120, "meeting_status": {...}, "needs_sync": 3}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from zoomctl.models import Company
from zoomctl.store.db import Store
from zoomctl.store.report import FIELDS, ReportFilter, report_rows

__all__ = ["FIELDS", "ReportFilter", "ReportSummary", "report"]

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
        status = row["meeting_status"] or NO_MEETING
        self.rows += 1
        self.meeting_status[status] += 1
        if row["booking_status"] == "booked" and status != "created":
            self.needs_sync += 1

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


def report(
    store: Store, company: Company, where: ReportFilter | None = None
) -> tuple[Iterator[dict[str, Any]], ReportSummary]:
    """The company's report rows (a generator over one query) and the summary they fill in."""
    summary = ReportSummary()
    return summary.tally(report_rows(store, company.id, company.timezone, where)), summary
