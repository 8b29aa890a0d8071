"""Removing a provider, and with ``--force`` their future bookings, class sessions and Zoom meetings.

It orchestrates ``core.catalog`` (the provider, its sessions) and ``core.bookings`` (each
booking's cancellation), which know nothing of each other.
"""

from __future__ import annotations

from zoomctl.core import bookings, catalog
from zoomctl.core.bookings import ZoomFactory
from zoomctl.errors import Conflict, NotFound, ZoomctlError
from zoomctl.models import CatalogKind, Company, Provider
from zoomctl.store import bookings as bookings_repo
from zoomctl.store import catalog as repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db
from zoomctl.zoom.errors import ZoomAPIError, ZoomRateLimited, ZoomTokenInvalid


def about_one_meeting(exc: ZoomctlError) -> bool:
    """Zoom refused (or could not find) this one meeting: a forced removal goes on with the others.

    Anything else (no network, no login, the rate limit) would stop the next one too."""
    return isinstance(exc, (ZoomAPIError, NotFound)) and not isinstance(exc, (ZoomTokenInvalid, ZoomRateLimited))


def remove_provider(
    store: Store, company: Company, ref: str, force: bool = False, zoom: ZoomFactory | None = None
) -> tuple[Provider, int]:
    """Remove a provider; with ``force``, their future bookings and class sessions are cancelled,
    and (given ``zoom``, a factory of Zoom clients) their Zoom meetings deleted.

    Each cancellation is committed as soon as its meeting is gone from Zoom, so the database
    never claims a meeting Zoom no longer has. When Zoom refuses to delete one, the others
    are still cancelled, but that booking (or session) stays booked, the provider is kept,
    and the command ends with the error (run it again to finish). Returns the provider and
    how many bookings were cancelled.
    """
    target = catalog.provider(store, company, ref)
    now = now_db()
    future = repo.future_bookings_of_provider(store, target.id, now)
    sessions_ahead = repo.future_sessions(store, now, provider_id=target.id)
    if (future or sessions_ahead) and not force:
        raise Conflict(
            f"{target.name} has {future} future booking(s) and {len(sessions_ahead)} future class session(s)",
            hint="cancel them first, or pass --force to cancel them and remove the provider",
        )
    steps = [("class session", sid) for sid in sessions_ahead]
    if zoom is not None:
        steps += [("booking", bid) for bid in repo.future_service_bookings_of_provider(store, target.id, now)]
    cancelled = done = 0
    kept: list[str] = []
    first_error: ZoomctlError | None = None
    for index, (kind, item_id) in enumerate(steps):
        try:
            if kind == "class session":
                cancelled += catalog.cancel_session(store, company, item_id, zoom).booked
            else:
                bookings.cancel(store, company, item_id, zoom)  # type: ignore[arg-type]
                cancelled += 1
        except ZoomctlError as exc:  # nothing of this one was written: Zoom is called before any write
            kept.append(f"{kind} {item_id}")
            first_error = first_error or exc
            if not about_one_meeting(exc):  # the next would fail too
                raise _removal_error(target, kept, done, len(steps) - index - 1, exc) from exc
            continue
        done += 1
        store.checkpoint()  # what Zoom deleted is recorded, whatever happens next
    if first_error is not None:
        raise _removal_error(target, kept, done, 0, first_error) from first_error
    cancelled += bookings_repo.cancel_future_bookings_of_provider(store, target.id, now)
    repo.remove_named(store, CatalogKind.PROVIDER, target.id)
    events.record(store, company.id, "provider.remove", target.name, forced=force, bookings_cancelled=cancelled)
    return target, cancelled


def _removal_error(target: Provider, kept: list[str], done: int, untried: int, exc: ZoomctlError) -> ZoomctlError:
    cause = " ".join(exc.message.split()).rstrip(".")
    message = f"provider {target.name} was not removed: "
    if done:
        message += f"{done} of their booking(s)/class session(s) were cancelled, but "
    message += f"Zoom did not delete the meeting of {', '.join(kept)}"
    if untried:
        message += f" ({untried} more not tried)"
    message += f": {cause}"
    again = f'run `zoomctl providers remove "{target.name}" --force` again'
    if about_one_meeting(exc) or not exc.hint:
        hint = f"{again} (add --debug to see Zoom's answer)"
    else:
        hint = f"{exc.hint.rstrip('.')}; then {again}"
    return ZoomctlError(message, hint=hint, exit_code=exc.exit_code)
