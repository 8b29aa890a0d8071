"""Zoom's per-second rate limits: the category of each request, and a pacer that keeps under them.

Zoom limits each account per second by category, and the limits differ by plan (Free: Light
4/s, Medium 2/s, Heavy 1/s; Pro: 30/20/10; Business+: 80/60/40). They are shared by every app
and process using the account, so ``Pacer`` adapts, one lane per category:

* it starts from the plan's documented rate for the category, just under it (``HEADROOM``);
* it follows ``X-RateLimit-Limit`` when Zoom sends it (the account's real limit), and does not
  speed up while ``X-RateLimit-Remaining`` says the window is used up;
* on a per-second 429 it halves the lane's rate (once for the requests in flight together) and
  holds the lane for ``Retry-After`` (or one second) plus jitter, then climbs back a step per
  answered request (AIMD);
* ``ceiling`` (``--rate N``, Light calls per second; a Medium call costs 1.5 and a Heavy one
  3) caps every lane whatever Zoom says.

A ``ZoomClient`` built with a pacer calls ``before_request`` before every attempt and
``after_response`` after each answer. The daily meeting limit is not the pacer's: the client
raises ``ZoomDailyLimit`` at once and its caller ``halt()``s the pacer, so requests still
waiting for a slot are not sent.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Zoom's documented per-second limits by plan and category.
PLAN_RATES: dict[str, dict[str, float]] = {
    "Free": {"Light": 4.0, "Medium": 2.0, "Heavy": 1.0},
    "Pro": {"Light": 30.0, "Medium": 20.0, "Heavy": 10.0},
    "Business": {"Light": 80.0, "Medium": 60.0, "Heavy": 40.0},
}
DEFAULT_PLAN = "Pro"
#: the share of a known limit a lane aims at: requests reach Zoom with some jitter, and a
#: whole-second window must not catch one more than the limit
HEADROOM = 0.97
#: after a 429 a lane climbs back by this share of its cap per answered request
CLIMB = 0.02
#: a lane never goes slower than this share of its cap (or than one call in ten seconds)
FLOOR = 0.05
#: Zoom's per-second window: how long a 429 without Retry-After holds a lane
WINDOW = 1.0
#: the longest a 429's Retry-After holds a lane (longer ones fail the request instead)
MAX_HOLD = 10.0

COST = {"Light": 1.0, "Medium": 1.5, "Heavy": 3.0}
_CATEGORIES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/users/?$"), "Medium"),
    ("GET", re.compile(r"/users/[^/]+/meetings/?$"), "Medium"),
    ("GET", re.compile(r"/meetings/[^/]+/registrants/?$"), "Medium"),
    ("PUT", re.compile(r"/meetings/[^/]+/registrants/status/?$"), "Medium"),
    ("POST", re.compile(r"/meetings/[^/]+/batch_registrants/?$"), "Heavy"),
]


def category(method: str, path: str) -> str:
    """Zoom's rate-limit category of a request ("Light" unless the spec says otherwise)."""
    for verb, pattern, name in _CATEGORIES:
        if verb == method.upper() and pattern.search(path.split("?", 1)[0]):
            return name
    return "Light"


class Halted(Exception):
    """A paced request was not sent: its run was halted (Zoom's daily limit was reached)."""


@dataclass
class Lane:
    """The pacing state of one category: its known limit, its current rate, its next free slot."""

    limit: float
    rate: float
    next: float = 0.0
    throttled: int = 0
    #: 429s before this instant belong to the congestion already answered (no second halving)
    calm: float = 0.0


class Pacer:
    """Adaptive, evenly spaced slots per rate-limit category, shared by threads.

    ``halt()`` makes every request still waiting for its slot give up with ``Halted``
    instead of being sent (until ``resume()``)."""

    def __init__(
        self,
        ceiling: float | None = None,
        *,
        plan: str = DEFAULT_PLAN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        if ceiling is not None and ceiling <= 0:
            raise ValueError("the ceiling must be positive")
        if plan not in PLAN_RATES:
            raise ValueError(f"unknown plan {plan!r}")
        self.ceiling = None if ceiling is None else float(ceiling)
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self._lock = threading.Lock()
        self.lanes = {name: Lane(limit, 0.0) for name, limit in PLAN_RATES[plan].items()}
        for name, lane in self.lanes.items():
            lane.rate = self.cap(name)
        self.halted = False

    def cap(self, name: str) -> float:
        """The fastest a lane may go: just under its known limit, and never over the ceiling."""
        cap = self.lanes[name].limit * HEADROOM
        if self.ceiling is not None:
            cap = min(cap, self.ceiling / COST[name])
        return cap

    def rate(self, name: str = "Light") -> float:
        return self.lanes[name].rate

    def halt(self) -> None:
        self.halted = True

    def resume(self) -> None:
        self.halted = False

    def wait(self, name: str = "Light") -> None:
        """Take the lane's next slot, sleeping until it comes."""
        with self._lock:
            lane = self.lanes[name]
            now = self.clock()
            slot = max(now, lane.next)
            lane.next = slot + 1.0 / lane.rate
        if slot > now:
            self.sleep(slot - now)

    def before_request(self, method: str, path: str) -> None:
        """Wait for the request's slot; raise ``Halted`` if the run was halted meanwhile."""
        if self.halted:
            raise Halted(f"{method} {path} not sent: the run was halted")
        self.wait(category(method, path))
        if self.halted:
            raise Halted(f"{method} {path} not sent: the run was halted")

    def after_response(self, method: str, path: str, status: int, headers: Mapping[str, str]) -> None:
        """Learn from an answer: the limit Zoom states, a window used up, a per-second 429."""
        name = headers.get("X-RateLimit-Category") or category(method, path)
        if name not in self.lanes:
            name = category(method, path)
        kind = (headers.get("X-RateLimit-Type") or "").lower()
        if "daily" in kind:
            return  # not a per-second matter: the client raises ZoomDailyLimit
        limit, remaining = _number(headers.get("X-RateLimit-Limit")), _number(headers.get("X-RateLimit-Remaining"))
        with self._lock:
            lane = self.lanes[name]
            if limit is not None and limit > 0:
                lane.limit = limit
            cap = self.cap(name)
            if status == 429:
                lane.throttled += 1
                now = self.clock()
                if now >= lane.calm:  # requests already in flight met the same full window: halve once
                    lane.rate = max(lane.rate / 2, cap * FLOOR, 0.1)
                hold = _number(headers.get("Retry-After"))
                hold = min(MAX_HOLD, hold if hold is not None and hold >= 0 else WINDOW)
                lane.next = max(lane.next, now + hold + self.rng() / lane.rate)
                lane.calm = lane.next
            elif status < 400 and remaining != 0:
                lane.rate = min(cap, lane.rate + cap * CLIMB)
            else:
                lane.rate = min(cap, lane.rate)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
