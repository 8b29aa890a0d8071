"""The sandbox clock: real UTC time plus a movable offset, optionally frozen.

Everything in the sandbox that expires or resets (authorization codes, access tokens,
``start_url`` tokens, page tokens, the per-second windows and the daily meeting limit)
reads this clock, so tests can jump forward ("five minutes later", "past midnight UTC")
without sleeping. Freezing stops time entirely, which makes per-second rate-limit tests
deterministic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


def utc(dt: datetime) -> datetime:
    """``dt`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class SandboxClock:
    """A clock that tests and the admin endpoint can move.

    ``now()`` is ``real time + offset`` (or the frozen instant). ``advance`` and ``set``
    only ever change the offset, so time keeps flowing afterwards unless frozen.
    """

    def __init__(
        self, offset: float = 0.0, frozen_at: float | None = None, on_change: Callable[[], None] | None = None
    ):
        self._lock = threading.Lock()
        self._offset = float(offset)
        self._frozen_at = frozen_at
        self.on_change = on_change

    # -- reading ------------------------------------------------------------------
    def time(self) -> float:
        """Sandbox time as epoch seconds."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def now(self) -> datetime:
        """Sandbox time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=UTC)

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    # -- moving ---------------------------------------------------------------------
    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative number) by ``seconds``."""
        with self._lock:
            self._offset += float(seconds)
            if self._frozen_at is not None:
                self._frozen_at += float(seconds)
        self._changed()
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (naive datetimes are UTC)."""
        target = utc(when).timestamp()
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            self._offset = target - time.time()
        self._changed()
        return self.now()

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop time at ``at`` (default: now) until ``unfreeze``."""
        instant = utc(at).timestamp() if at is not None else self.time()
        with self._lock:
            self._frozen_at = instant
            self._offset = instant - time.time()
        self._changed()
        return self.now()

    def unfreeze(self) -> datetime:
        """Let time flow again from the frozen instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
            self._frozen_at = None
        self._changed()
        return self.now()

    # -- persistence ----------------------------------------------------------------
    def to_dict(self) -> dict:
        with self._lock:
            return {"offset": self._offset, "frozen_at": self._frozen_at}

    def load_dict(self, data: dict | None) -> None:
        data = data or {}
        with self._lock:
            self._offset = float(data.get("offset") or 0.0)
            frozen = data.get("frozen_at")
            self._frozen_at = float(frozen) if frozen is not None else None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
