"""Stay under Zoom's per-second rate limits, and run Zoom calls on a small thread pool.

Zoom limits each account per second by category (Pro: Light 30/s, Medium 20/s, Heavy
10/s). ``Pacer`` spaces requests evenly at ``rate`` Light calls per second; a Medium call
costs 1.5 and a Heavy one 3, so no category goes over its share whatever the mix. The
ZoomClient still waits and retries if a 429 comes anyway (other apps share the account).

``parallel`` runs only the Zoom calls on worker threads and hands each result back to the
calling thread, which does every database write (the Store is not thread-safe).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

DEFAULT_RATE = 24.0  # Light calls per second: 80% of a Pro account's 30/s
WORKERS = 4

_COST = {"Light": 1.0, "Medium": 1.5, "Heavy": 3.0}
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


def paced(zoom: Any, rate: float | None = None) -> Any:
    """Make every request of ``zoom`` (a ZoomClient) wait for its slot; idempotent.

    A second call may lower the rate but never raises it."""
    existing: Pacer | None = getattr(zoom, "_zoomctl_pacer", None)
    if existing is not None:
        if rate is not None and rate < existing.rate:
            existing.rate = float(rate)
        return zoom
    pacer = Pacer(rate or DEFAULT_RATE)
    send = zoom.request

    def request(method: str, path: str, *args: Any, **kwargs: Any):
        pacer.wait(_COST[category(method, path)])
        if pacer.halted:
            raise Halted(f"{method} {path} not sent: the run was halted")
        return send(method, path, *args, **kwargs)

    zoom.request = request
    zoom._zoomctl_pacer = pacer
    return zoom


T = TypeVar("T")
R = TypeVar("R")


class parallel:  # noqa: N801 - used like a function: ``for item, result, error in parallel(...)``
    """Run ``call(item)`` on a thread pool; iterate ``(item, result, error)`` as each finishes.

    The loop body runs on the caller's thread, so it may write to the database. ``stop()``
    starts nothing more; the calls already in flight still finish and are still yielded
    (a meeting Zoom created must be recorded). Leaving the loop early waits for the calls
    in flight and drops their outcome.
    """

    def __init__(self, items: Iterable[T], call: Callable[[T], R], *, workers: int = WORKERS):
        self.items = list(items)
        self.call = call
        self.workers = max(1, workers)
        self.stopped = False
        self.not_started: list[T] = []

    def stop(self) -> None:
        self.stopped = True

    def __iter__(self) -> Iterator[tuple[T, R | None, BaseException | None]]:
        if not self.items:
            return
        queue = iter(self.items)
        pool = ThreadPoolExecutor(max_workers=min(self.workers, len(self.items)), thread_name_prefix="zoomctl-zoom")
        futures: dict[Future, T] = {}
        try:
            for item in queue:  # at most 2 * workers in the pool: a stop leaves the rest unstarted
                futures[pool.submit(self.call, item)] = item
                if len(futures) >= 2 * self.workers:
                    break
            while futures:
                done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for future in done:
                    item = futures.pop(future)
                    if self.stopped and future.cancelled():
                        self.not_started.append(item)
                        continue
                    error = future.exception()
                    yield item, (None if error else future.result()), error
                    if self.stopped:
                        for other, waiting in list(futures.items()):
                            if other.cancel():
                                futures.pop(other)
                                self.not_started.append(waiting)
                    else:
                        nxt = next(queue, _END)
                        if nxt is not _END:
                            futures[pool.submit(self.call, nxt)] = nxt
            if self.stopped:
                self.not_started.extend(queue)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


_END: Any = object()
