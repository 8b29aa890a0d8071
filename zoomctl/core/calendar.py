"""Whether a provider is free: the one conflict check every way of booking a time shares."""

from __future__ import annotations

from zoomctl.errors import Conflict
from zoomctl.store import bookings as repo
from zoomctl.store.db import Store
from zoomctl.timefmt import local


def ensure_free(
    store: Store,
    provider_id: int,
    provider_name: str,
    starts_at: str,
    ends_at: str,
    timezone: str,
    *,
    hint: str,
    exclude_booking_id: int | None = None,
    exclude_session_id: int | None = None,
) -> None:
    """Refuse a time at which the provider already has a booking or a class session."""
    busy = repo.provider_busy(
        store,
        provider_id,
        starts_at,
        ends_at,
        exclude_booking_id=exclude_booking_id,
        exclude_session_id=exclude_session_id,
    )
    if busy:
        raise Conflict(
            f"provider {provider_name} is already booked at {local(starts_at, timezone)} ({busy})", hint=hint
        )
