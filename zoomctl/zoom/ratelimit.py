"""Zoom's per-second rate limits: the category of each request, and a pacer that keeps under them.

Zoom limits each account per second by category (Pro: Light 30/s, Medium 20/s, Heavy
10/s). ``Pacer`` spaces requests evenly at ``rate`` Light calls per second; a Medium call
costs 1.5 and a Heavy one 3, so no category goes over its share whatever the mix. A
``ZoomClient`` built with a pacer calls ``Pacer.before_request`` before every request; it
still waits and retries if a 429 comes anyway (other apps share the account).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

DEFAULT_RATE = 24.0  # Light calls per second: 80% of a Pro account's 30/s

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


class Pacer:
    """Evenly spaced slots, ``rate`` Light calls per second, shared by threads.

    ``halt()`` makes every request still waiting for its slot give up with ``Halted``
    instead of being sent (until ``resume()``)."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.halted = False

    def halt(self) -> None:
        self.halted = True

    def resume(self) -> None:
        self.halted = False

    def wait(self, cost: float = 1.0) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + cost / self.rate
        if slot > now:
            self.sleep(slot - now)

    def before_request(self, method: str, path: str) -> None:
        """Wait for the request's slot; raise ``Halted`` if the run was halted meanwhile."""
        self.wait(COST[category(method, path)])
        if self.halted:
            raise Halted(f"{method} {path} not sent: the run was halted")
