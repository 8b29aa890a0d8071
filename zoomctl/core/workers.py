"""Run Zoom calls on a small thread pool, handing each result back to the calling thread.

``parallel`` runs only the Zoom calls on worker threads; the calling thread does every
database write (the Store is not thread-safe). Pacing under Zoom's rate limits is the
client's own (``zoomctl.zoom.ratelimit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

WORKERS = 4

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
