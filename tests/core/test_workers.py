"""The thread pool that makes only the Zoom calls, handing every result back to the calling thread."""

from __future__ import annotations

import threading
import time

from zoomctl.core.workers import parallel


def test_parallel_yields_on_the_calling_thread_and_stop_starts_nothing_more():
    main = threading.get_ident()
    started = []
    lock = threading.Lock()

    def work(n):
        with lock:
            started.append(n)
        time.sleep(0.01)
        if n == 3:
            raise ValueError("boom")
        return n * 10

    runner = parallel(range(40), work, workers=2)
    seen = {}
    for item, result, error in runner:
        assert threading.get_ident() == main
        seen[item] = (result, error)
        if error is not None:
            runner.stop()
    assert isinstance(seen[3][1], ValueError)
    assert all(seen[n] == (n * 10, None) for n in seen if n != 3)
    assert len(started) < 40 and set(started) == set(seen)  # whatever started was reported
    assert sorted([*seen, *runner.not_started]) == list(range(40))
