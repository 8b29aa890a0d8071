"""Zoom's rate limits, as the sandbox applies them.

Two kinds (developers.zoom.us/docs/api/rate-limits; ../shared/zoom/ZOOM-FACTS.md):

* **Per second, per account, by category** ("Rate Limit Label" in each operation's
  description). Pro plan defaults: Light 30/s, Medium 20/s, Heavy 10/s. Windows are whole
  seconds of the sandbox clock (freeze the clock for deterministic tests).
* **Meeting create/update: 100 requests per host user per day**, reset at 00:00 UTC of the
  sandbox clock. Counted per host on every create/update that got past authorization.

A 429 carries Zoom's body (code 4001 per second, as the documents give it; 429 daily) and, unless headers are switched off, ``Retry-After`` (seconds
for QPS; the reset instant, ISO 8601, for the daily limit), ``X-RateLimit-Category``,
``X-RateLimit-Type`` (``QPS`` or ``Daily-limit``), ``X-RateLimit-Limit`` and
``X-RateLimit-Remaining``. Successful API responses carry the category, type, limit and
remaining headers of the per-second window too (also switchable off).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: The category of each operation, from its "Rate Limit Label" in the OpenAPI documents.
CATEGORIES: dict[str, str] = {
    "users": "Medium",
    "user": "Light",
    "meetings": "Medium",
    "meetingCreate": "Light",
    "meeting": "Light",
    "meetingUpdate": "Light",
    "meetingDelete": "Light",
    "meetingRegistrants": "Medium",
    "meetingRegistrantCreate": "Light",
    "meetingRegistrantStatus": "Medium",
    "addBatchRegistrants": "Heavy",
}

#: Operations that count against the per-host daily meeting create/update limit.
DAILY_OPERATIONS = frozenset({"meetingCreate", "meetingUpdate"})

PRO_PLAN_QPS = {"Light": 30, "Medium": 20, "Heavy": 10}
DAILY_MEETING_LIMIT = 100

#: The error code Zoom's documents give a per-second 429 (meetings-openapi.json, meetingUpdate).
#: No code is documented for the daily limit; the sandbox answers it with 429.
QPS_CODE = 4001
DAILY_CODE = 429
QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)


@dataclass
class LimitDecision:
    """The outcome of a rate-limit check: ``allowed``, plus what to tell the client."""

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None


class RateLimiter:
    """Per-second windows (in memory) and the daily counter (kept in the world)."""

    def __init__(self, qps: dict[str, int] | None = None, daily_meeting_limit: int = DAILY_MEETING_LIMIT):
        self.qps = dict(PRO_PLAN_QPS)
        if qps:
            self.qps.update({k.capitalize(): int(v) for k, v in qps.items()})
        self.daily_meeting_limit = int(daily_meeting_limit)
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, int], int] = {}
        #: per-second refusals (429) by category, since start or the last ``reset_refused``
        self.refused: dict[str, int] = {}

    def configure(self, qps: dict[str, int] | None = None, daily_meeting_limit: int | None = None) -> None:
        with self._lock:
            if qps:
                self.qps.update({k.capitalize(): int(v) for k, v in qps.items()})
            if daily_meeting_limit is not None:
                self.daily_meeting_limit = int(daily_meeting_limit)

    def config(self) -> dict:
        with self._lock:
            return {"qps": dict(self.qps), "daily_meeting_limit": self.daily_meeting_limit}

    def refusals(self) -> dict[str, int]:
        with self._lock:
            return dict(self.refused)

    def reset_refused(self) -> None:
        with self._lock:
            self.refused.clear()

    def peak(self, category: str) -> int:
        """The most requests of a category let through in one second (of the recent windows)."""
        with self._lock:
            return max((n for (_a, cat, _s), n in self._windows.items() if cat == category), default=0)

    def check_qps(self, account_id: str, operation: str, now: float) -> LimitDecision:
        """Count one request in the current second; refuse it past the category limit."""
        category = CATEGORIES.get(operation)
        if category is None:
            return LimitDecision(True)
        second = int(now)
        with self._lock:
            limit = self.qps.get(category, PRO_PLAN_QPS[category])
            key = (account_id, category, second)
            used = self._windows.get(key, 0)
            if len(self._windows) > 512:  # forget old windows
                self._windows = {k: v for k, v in self._windows.items() if k[2] >= second - 1}
            headers = {
                "X-RateLimit-Category": category,
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(limit),
            }
            if used >= limit:
                self.refused[category] = self.refused.get(category, 0) + 1
                headers["X-RateLimit-Remaining"] = "0"
                headers["Retry-After"] = "1"
                return LimitDecision(False, headers, {"code": QPS_CODE, "message": QPS_MESSAGE})
            self._windows[key] = used + 1
            headers["X-RateLimit-Remaining"] = str(limit - used - 1)
            return LimitDecision(True, headers)

    def check_daily(self, counts: dict[str, int], host_id: str, operation: str, now: datetime) -> LimitDecision:
        """Refuse a meeting create/update once the host used up today's limit."""
        if operation not in DAILY_OPERATIONS:
            return LimitDecision(True)
        limit = self.daily_meeting_limit
        used = counts.get(host_id, 0)
        if used < limit:
            return LimitDecision(True)
        reset = (now.astimezone(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        headers = {
            "X-RateLimit-Category": CATEGORIES[operation],
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "Retry-After": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return LimitDecision(False, headers, {"code": DAILY_CODE, "message": DAILY_MESSAGE.format(limit=limit)})

    @staticmethod
    def count_daily(counts: dict[str, int], host_id: str) -> None:
        counts[host_id] = counts.get(host_id, 0) + 1
