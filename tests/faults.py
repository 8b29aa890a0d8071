"""The faults of the fault matrices (tests/cli/bookings/test_fault_matrix.py for the Zoom API,
tests/cli/auth/test_token_faults.py for Zoom's OAuth server): one table, as the sandbox's
fault specs (``OPERATION:1:`` + the effect)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DAILY = "message=You have exceeded the daily rate limit (100) of Meeting Create/Update API requests,code=429"
#: how long zoomctl waits for an answer in the read-timeout cells (ZOOMCTL_HTTP_TIMEOUT), and how
#: long the sandbox holds the answer back: long enough apart that a loaded machine still times out
CLIENT_TIMEOUT, HELD_BACK = 1.0, 2.5
#: fault name -> the sandbox's effect
FAULTS = {
    "500": "status=500",
    "502": "status=502",
    "503": "status=503",
    # no answer in time: Zoom never got to it, or did it and answered too late
    "timeout-before": f"delay={HELD_BACK},drop=before",
    "timeout-after": f"delay={HELD_BACK}",
    "reset-before": "drop=before",
    "reset-after": "drop=after",
    "non-json": "status=500,body=html",
    "429-second": "status=429,retry_after=1",
    "429-daily": f"status=429,{DAILY}",
}
NO_ANSWER = {"timeout-before", "timeout-after", "reset-before", "reset-after"}
#: the faults after which Zoom has done what was asked (the answer was lost or late)
DONE_AT_ZOOM = {"timeout-after", "reset-after"}


def under_fault(sb, operation: str, fault: str, act: Callable[[], T]) -> T:
    """``act()`` with ``fault`` on the first ``operation`` call (act sets ZOOMCTL_HTTP_TIMEOUT to
    ``CLIENT_TIMEOUT`` for a timeout fault); returns once the sandbox has finished the faulted
    call (a read timeout leaves it running after zoomctl gave up), its faults cleared."""
    sb.faults.add_spec(f"{operation}:1:{FAULTS[fault]}")
    started = time.monotonic()
    result = act()
    assert [f["fired"] for f in sb.faults.list()] == [1], "the fault never fired: the cell tests nothing"
    if fault.startswith("timeout"):
        time.sleep(max(0.0, started + HELD_BACK + 0.5 - time.monotonic()))
    sb.faults.clear()
    return result
