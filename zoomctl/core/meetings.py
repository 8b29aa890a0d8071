"""Zoom meetings of bookings and class sessions: create, adopt, verify, update, delete.

Rules that hold everywhere here:

* The booking and its ``pending`` meeting row are committed before Zoom is called (the
  callers do that), and every outcome is written back: ``created``, or ``failed`` with
  the error, or ``pending`` when Zoom's daily limit stopped the run before it.
* A create is never sent twice blindly. Each meeting carries a marker in its agenda
  (``zoomctl-booking:<hex>`` or ``zoomctl-session:<hex>``, first in the agenda so Zoom's
  250-character truncation in listings keeps it). Before creating a meeting for a row that
  was tried before (pending, failed, deleted), and right after an ambiguous failure (no
  answer after sending; a 5xx to the POST), the host's meetings are listed once per run
  and a meeting carrying the marker is adopted. Listing items without an agenda are
  checked with ``GET /meetings/{id}`` when their topic and start time match.
* Only Zoom calls run on worker threads; all database writes happen on the caller's.
* Zoom's daily create/update limit stops a run at once; the rest stay pending.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from zoomctl.core.outcome import Outcome
from zoomctl.core.workers import parallel
from zoomctl.errors import Conflict, ZoomctlError
from zoomctl.exit_codes import ExitCode
from zoomctl.models import Booking, BookingStatus, Company, MeetingLink, MeetingStatus, RegistrantStatus
from zoomctl.store import bookings as repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import from_db, now_db, to_db
from zoomctl.zoom.errors import (
    MaybeApplied,
    ZoomBatchPartlyApplied,
    ZoomDailyLimit,
    ZoomMeetingNotFound,
    ZoomNotFound,
)
from zoomctl.zoom.ratelimit import Halted

BOOKING_TAG = "zoomctl-booking:"
SESSION_TAG = "zoomctl-session:"
CHECKPOINT_EVERY = 20

Advance = Callable[[int], None]


def new_marker(kind: str) -> str:
    """A marker for a new meeting row: ``zoomctl-booking:<16 hex>`` or ``zoomctl-session:<16 hex>``."""
    return (SESSION_TAG if kind == "class" else BOOKING_TAG) + secrets.token_hex(8)


class MeetingError(ZoomctlError):
    """Zoom did not give a booking its link; the booking is saved and can be synced."""

    def __init__(self, message: str, hint: str | None, exit_code: ExitCode, cause: BaseException | None = None):
        super().__init__(message, hint, exit_code)
        self.cause = cause


class RegistrantsLeftOut(ZoomctlError):
    """Zoom's answer to a registration left some attendees out: those are marked failed (a
    sync asks again); ``added`` are the booking ids that got their link."""

    exit_code = ExitCode.ZOOM_ERROR

    def __init__(self, added: list[int], missing: list[int], emails: list[str]):
        shown = ", ".join(emails[:3]) + (f" and {len(emails) - 3} more" if len(emails) > 3 else "")
        super().__init__(
            f"Zoom's answer registered {len(added)} of {len(added) + len(missing)} attendee(s) and left out {shown}",
            hint="run `zoomctl bookings sync --all` to register them again",
        )
        self.added, self.missing = added, missing


# ---------------------------------------------------------------------------------- plans
@dataclass
class Plan:
    """What to ask Zoom for one meeting row, from the booking or session as it is now."""

    row: MeetingLink
    host: str | None  # the provider's Zoom user id
    host_label: str  # the host's email (or the provider's name) for messages
    body: dict[str, Any]
    booking_ids: list[int]
    kind: str  # service | class

    @property
    def topic(self) -> str:
        return self.body["topic"]

    @property
    def start_time(self) -> str:
        return self.body["start_time"]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def meeting_body(
    company: Company, *, topic: str, starts_at: str, minutes: int, marker: str, about: str, registration: bool
) -> dict[str, Any]:
    """A scheduled meeting (type 2), start in UTC, shown in the company's time zone."""
    return {
        "topic": _clip(topic, 200),
        "type": 2,
        "start_time": starts_at,
        "duration": minutes,
        "timezone": company.timezone,
        "agenda": _clip(f"{marker}\n{about}", 2000),
        "settings": {"approval_type": 0, "registration_type": 1} if registration else {"approval_type": 2},
    }


def _minutes(starts_at: str, ends_at: str) -> int:
    return max(1, int((from_db(ends_at) - from_db(starts_at)).total_seconds() // 60))


def plan_for(store: Store, company: Company, row: MeetingLink) -> Plan:
    if row.booking_id is not None:
        booking = repo.booking(store, company.id, row.booking_id)
        assert booking is not None
        provider = catalog_repo.provider(store, booking.provider_id)
        who = booking.client_name or booking.client_email
        body = meeting_body(
            company,
            topic=f"{booking.service}: {who}",
            starts_at=booking.starts_at,
            minutes=_minutes(booking.starts_at, booking.ends_at),
            marker=row.marker,
            about=f"{booking.service} with {provider.name} for {who} (booking {booking.id}, {company.name}).",
            registration=False,
        )
        return Plan(
            row, provider.zoom_user_id, provider.zoom_user_email or provider.name, body, [booking.id], "service"
        )
    session = catalog_repo.session(store, row.class_session_id)  # type: ignore[arg-type]
    assert session is not None
    cls = catalog_repo.class_def(store, session.class_id)
    provider = catalog_repo.provider(store, session.provider_id)
    ends = to_db(from_db(session.starts_at) + timedelta(minutes=cls.duration_minutes))
    body = meeting_body(
        company,
        topic=cls.name,
        starts_at=session.starts_at,
        minutes=_minutes(session.starts_at, ends),
        marker=row.marker,
        about=f"{cls.name} with {provider.name} (class session {session.id}, {company.name}).",
        registration=True,
    )
    ids = [b.id for b in repo.bookings(store, company.id, session_id=session.id, status=BookingStatus.BOOKED)]
    return Plan(row, provider.zoom_user_id, provider.zoom_user_email or provider.name, body, ids, "class")


# ---------------------------------------------------------------------------- host index
class HostIndex:
    """Each host's meetings in Zoom, listed at most once per run (main thread only)."""

    def __init__(self, zoom: Any):
        self.zoom = zoom
        self._items: dict[str, list[dict[str, Any]]] = {}

    def items(self, host: str) -> list[dict[str, Any]]:
        if host not in self._items:
            self._items[host] = list(self.zoom.iter_meetings(host, type="scheduled"))
        return self._items[host]

    def forget(self, host: str | None) -> None:
        """List ``host``'s meetings again next time (a create may have added one since)."""
        self._items.pop(host or "", None)

    def lists(self, host: str, zoom_meeting_id: int) -> bool:
        return any(str(item.get("id")) == str(zoom_meeting_id) for item in self.items(host))

    def find(self, host: str, marker: str, topic: str, start_time: str) -> dict[str, Any] | None:
        """The full meeting carrying ``marker`` on ``host``, if there is one."""
        for item in self.items(host):
            agenda = item.get("agenda")
            if agenda is not None:
                if marker not in agenda:
                    continue
            elif item.get("topic") != topic or item.get("start_time") != start_time:
                continue
            try:
                full = self.zoom.get_meeting(item["id"])
            except ZoomNotFound:
                continue
            if marker in (full.get("agenda") or ""):
                return full
        return None


# ------------------------------------------------------------------------------- outcomes
@dataclass
class RowOutcomes:
    """What one run did, per meeting row."""

    done: dict[int, str] = field(default_factory=dict)  # meeting row id -> created|adopted|recreated|ok
    failed: dict[int, BaseException] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)  # left pending by the daily limit
    daily: BaseException | None = None  # the daily-limit error that stopped the run
    daily_host: str | None = None
    plans: dict[int, Plan] = field(default_factory=dict)

    def booking_ids(self, row_ids: Iterable[int]) -> list[int]:
        out: list[int] = []
        for rid in row_ids:
            plan, failure = self.plans.get(rid), self.failed.get(rid)
            if isinstance(failure, RegistrantsLeftOut):  # the others of the session have their link
                out.extend(failure.missing)
            elif plan:
                out.extend(plan.booking_ids)
        return sorted(set(out))

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pending and self.daily is None


def _one_line(exc: BaseException) -> str:
    text = (exc.message if isinstance(exc, ZoomctlError) else str(exc)) or type(exc).__name__
    return " ".join(text.split())


def reset_time(exc: BaseException) -> str:
    """When Zoom's daily limit behind ``exc`` resets, e.g. ``2026-12-02 00:00 UTC``."""
    when = exc.resets_at if isinstance(exc, ZoomDailyLimit) else None
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else "00:00 UTC"


def daily_message(exc: BaseException, host: str) -> str:
    return f"Zoom's daily limit of meeting creates/updates for host {host} is used up (it resets at {reset_time(exc)})"


# --------------------------------------------------------------------------------- engine
class Engine:
    """Meetings of one company, on one Zoom client (which paces itself under the rate limits)."""

    def __init__(self, store: Store, company: Company, zoom: Any, *, workers: int = 4):
        self.store = store
        self.company = company
        self.zoom = zoom
        self.index = HostIndex(self.zoom)
        self.workers = workers
        self._since_checkpoint = 0

    # -- bookkeeping (main thread)
    def _checkpoint(self, force: bool = False) -> None:
        self._since_checkpoint += 1
        if force or self._since_checkpoint >= CHECKPOINT_EVERY:
            self.store.checkpoint()
            self._since_checkpoint = 0

    def _record_created(self, plan: Plan, answer: dict[str, Any]) -> None:
        repo.set_meeting_created(
            self.store,
            plan.row.id,
            int(answer["id"]),
            answer.get("host_id") or plan.host,
            answer.get("join_url"),
            answer.get("password"),
        )
        plan.row.status = MeetingStatus.CREATED
        plan.row.zoom_meeting_id = int(answer["id"])
        plan.row.join_url = answer.get("join_url")
        events.record(
            self.store,
            self.company.id,
            "meeting.create",
            str(answer["id"]),
            bookings=plan.booking_ids,
            host=plan.host_label,
        )

    def _record_update(self, plan: Plan, zoom_id: int) -> None:
        """Log an update (it counts against the host's daily limit, as creates do)."""
        events.record(
            self.store, self.company.id, "meeting.update", str(zoom_id), bookings=plan.booking_ids, host=plan.host_label
        )

    def _record_failure(self, plan: Plan, exc: BaseException) -> str:
        if isinstance(exc, ZoomDailyLimit):
            repo.set_meeting_status(
                self.store,
                plan.row.id,
                MeetingStatus.PENDING,
                daily_message(exc, plan.host_label) + ".",
                host=plan.host,
            )
            plan.row.status = MeetingStatus.PENDING
            return "pending"
        text = _one_line(exc)
        if isinstance(exc, MaybeApplied):
            text += " (Zoom may have created it: `bookings sync` looks for it before creating another)"
        repo.set_meeting_status(self.store, plan.row.id, MeetingStatus.FAILED, text, host=plan.host)
        plan.row.status = MeetingStatus.FAILED
        return "failed"

    def _no_host(self, plan: Plan) -> ZoomctlError:
        return Conflict(
            f"the provider of booking(s) {', '.join(map(str, plan.booking_ids))} has no Zoom user",
            hint="run `zoomctl providers assign PROVIDER --zoom-user EMAIL`, then `zoomctl bookings sync --all`",
        )

    # -- adoption
    def adopt(self, plan: Plan) -> dict[str, Any] | None:
        """The meeting Zoom already has for this row (created by an earlier, unanswered try)."""
        hosts = [h for h in dict.fromkeys([plan.row.host_zoom_user_id, plan.host]) if h]
        for host in hosts:
            found = self.index.find(host, plan.row.marker, plan.topic, plan.start_time)
            if found is not None:
                return found
        return None

    # -- create many (fresh rows, never sent before): concurrently
    def create(self, rows: list[MeetingLink], advance: Advance | None = None) -> RowOutcomes:
        """Create the meetings of fresh ``pending`` rows (never sent before); record every outcome.

        Zoom's daily limit halts the run at once: creates waiting for their slot are not
        sent, and those rows stay pending."""
        outcome = RowOutcomes()
        advance = advance or (lambda n=1: None)
        plans = [plan_for(self.store, self.company, row) for row in rows]
        ready = []
        for plan in plans:
            outcome.plans[plan.row.id] = plan
            if plan.host is None:
                exc = self._no_host(plan)
                self._record_failure(plan, exc)
                outcome.failed[plan.row.id] = exc
                advance(1)
            else:
                ready.append(plan)
        pacer = self.zoom.pacer

        def send(plan: Plan) -> dict[str, Any]:
            try:
                return self.zoom.create_meeting(plan.host, plan.body)
            except ZoomDailyLimit:
                if pacer is not None:
                    pacer.halt()  # from this thread, at once: creates waiting for a slot are not sent
                raise

        unsure: list[tuple[Plan, BaseException]] = []
        not_sent: list[Plan] = []
        runner = parallel(ready, send, workers=self.workers)
        try:
            for plan, answer, error in runner:
                if isinstance(error, Halted):
                    not_sent.append(plan)
                    continue
                if error is None:
                    self._record_created(plan, answer)  # type: ignore[arg-type]
                    outcome.done[plan.row.id] = "created"
                elif isinstance(error, ZoomDailyLimit):
                    self._record_failure(plan, error)
                    outcome.pending.append(plan.row.id)
                    if outcome.daily is None:
                        outcome.daily, outcome.daily_host = error, plan.host_label
                    runner.stop()
                elif isinstance(error, MaybeApplied):
                    unsure.append((plan, error))
                else:
                    self._record_failure(plan, error)
                    outcome.failed[plan.row.id] = error
                advance(1)
                self._checkpoint()
        finally:
            if pacer is not None:
                pacer.resume()
        for plan in [*not_sent, *runner.not_started]:
            repo.set_meeting_status(
                self.store,
                plan.row.id,
                MeetingStatus.PENDING,
                daily_message(outcome.daily, outcome.daily_host or "?") + "; not tried yet.",
            )
            outcome.pending.append(plan.row.id)
            advance(1)
        self._checkpoint(force=True)
        for plan, error in unsure:
            self._settle_unsure(plan, error, outcome)
        self._checkpoint(force=True)
        return outcome

    def _settle_unsure(self, plan: Plan, error: BaseException, outcome: RowOutcomes) -> None:
        """After an unanswered create: adopt the meeting if Zoom made it, else record the failure."""
        for host in (plan.row.host_zoom_user_id, plan.host):  # listed before this create, if at all
            self.index.forget(host)
        try:
            found = self.adopt(plan)
        except ZoomctlError:
            found = None
        if found is not None:
            self._record_created(plan, found)
            outcome.done[plan.row.id] = "adopted"
        else:
            self._record_failure(plan, error)
            outcome.failed[plan.row.id] = error
        self._checkpoint()

    # -- sync: one row at a time, adopting before creating
    def ensure(self, row: MeetingLink, *, verify_by_listing: bool = False) -> str:
        """Make sure the row has a meeting in Zoom; returns ok|created|adopted|recreated.

        Records the outcome; raises the Zoom error after recording a failure."""
        plan = plan_for(self.store, self.company, row)
        recreate = False
        if row.status == MeetingStatus.CREATED and row.zoom_meeting_id:
            host = row.host_zoom_user_id or plan.host
            try:
                if verify_by_listing and host and self.index.lists(host, row.zoom_meeting_id):
                    return "ok"
                self.zoom.get_meeting(row.zoom_meeting_id)
                return "ok"
            except ZoomMeetingNotFound:
                pass
            # deleted in Zoom: make a new one (the old one cannot come back)
            events.record(
                self.store, self.company.id, "meeting.missing", str(row.zoom_meeting_id), bookings=plan.booking_ids
            )
            recreate = True
        else:
            found = self.adopt(plan)
            if found is not None:
                self._align(found, plan)
                self._record_created(plan, found)
                return "adopted"
        if plan.host is None:
            exc = self._no_host(plan)
            self._record_failure(plan, exc)
            raise exc
        self._create_now(plan)
        if recreate and plan.kind == "class":
            repo.reset_registrants(self.store, row.id)
        return "recreated" if recreate else "created"

    def _align(self, found: dict[str, Any], plan: Plan) -> None:
        """An adopted meeting made before a reschedule: move it to the booking's time."""
        if found.get("start_time") != plan.start_time or found.get("duration") != plan.body["duration"]:
            body = {k: plan.body[k] for k in ("start_time", "duration", "timezone")}
            self.zoom.update_meeting(found["id"], body)
            self._record_update(plan, found["id"])

    def _create_now(self, plan: Plan) -> None:
        try:
            answer = self.zoom.create_meeting(plan.host, plan.body)
        except ZoomctlError as exc:
            if isinstance(exc, MaybeApplied):
                outcome = RowOutcomes()
                self._settle_unsure(plan, exc, outcome)
                if plan.row.id in outcome.done:
                    return
                raise
            self._record_failure(plan, exc)
            raise
        self._record_created(plan, answer)

    # -- registrants of a class session's meeting
    def register(self, row: MeetingLink, *, recreate_on_missing: bool = True) -> list[int]:
        """Add the session's attendees who have no link yet; returns their booking ids.

        Registering an email twice gives the same registrant in Zoom, so a retry after an
        unanswered call is harmless."""
        todo = repo.registrants_to_add(self.store, row.id)
        if not todo or row.status != MeetingStatus.CREATED or not row.zoom_meeting_id:
            return []
        people = [_person(email, name) for _reg, email, name in todo]
        try:
            if len(people) == 1:
                answers = [{**self.zoom.add_registrant(row.zoom_meeting_id, people[0]), "email": people[0]["email"]}]
            else:
                answers = self.zoom.batch_registrants(row.zoom_meeting_id, people)
        except ZoomctlError as failure:
            exc = failure
            if isinstance(failure, ZoomBatchPartlyApplied):
                self._record_registrants(todo, failure.completed)
                exc = failure.cause
            if isinstance(exc, ZoomMeetingNotFound) and recreate_on_missing:
                plan = plan_for(self.store, self.company, row)
                self._create_now(plan)
                repo.reset_registrants(self.store, row.id)
                return self.register(row, recreate_on_missing=False)
            left = {r.id for r, _e, _n in repo.registrants_to_add(self.store, row.id)}
            for reg, _email, _name in todo:
                if reg.id in left:
                    repo.set_registrant_status(self.store, reg.id, RegistrantStatus.FAILED, _one_line(exc))
            if exc is failure:
                raise
            raise exc from failure  # what stopped the batch, not the batch's wrapper
        added = self._record_registrants(todo, answers)
        left_out = [(reg, email) for reg, email, _name in todo if reg.booking_id not in added]
        if left_out:
            failure = RegistrantsLeftOut(added, [reg.booking_id for reg, _e in left_out], [e for _r, e in left_out])
            for reg, _email in left_out:
                repo.set_registrant_status(self.store, reg.id, RegistrantStatus.FAILED, "left out of Zoom's answer")
            raise failure
        return added

    def _record_registrants(self, todo, answers: list[dict[str, Any]]) -> list[int]:
        """Save the links Zoom's answers hold; returns the booking ids that got one (only those)."""
        by_email = {str(a.get("email", "")).lower(): a for a in answers}
        added = []
        for reg, email, _name in todo:
            answer = by_email.get(email.lower())
            if answer is None:
                continue
            join_url = answer.get("join_url")
            rid = answer.get("registrant_id") or answer.get("id")
            if not join_url and rid:
                join_url = self._approve(reg.meeting_id, str(rid), email)
            if join_url:
                repo.set_registrant_created(self.store, reg.id, str(rid) if rid else None, join_url)
                added.append(reg.booking_id)
        return added

    def _approve(self, meeting_row_id: int, registrant_id: str, email: str) -> str | None:
        """A registrant Zoom knows but holds without a link (cancelled before): approve, ask again."""
        row = repo.meeting(self.store, meeting_row_id)
        assert row is not None and row.zoom_meeting_id
        self.zoom.update_registrant_status(row.zoom_meeting_id, "approve", [{"id": registrant_id, "email": email}])
        again = self.zoom.add_registrant(row.zoom_meeting_id, _person(email, None))
        return again.get("join_url")

    # -- updates and deletes
    def update_time(self, row: MeetingLink) -> Outcome[str]:
        """PATCH the meeting to the booking's (or session's) current time.

        The outcome's value is the action: updated, or recreated when Zoom had lost the
        meeting (then what was done so far is committed, and the error says if the new
        meeting or its registrations failed), or skipped when there is no meeting yet (sync
        creates it at the new time). A refused PATCH raises, with nothing committed."""
        if row.status != MeetingStatus.CREATED or not row.zoom_meeting_id:
            return Outcome("skipped")
        plan = plan_for(self.store, self.company, row)
        body = {k: plan.body[k] for k in ("start_time", "duration", "timezone")}
        try:
            self.zoom.update_meeting(row.zoom_meeting_id, body)
            self._record_update(plan, row.zoom_meeting_id)
            return Outcome("updated")
        except ZoomMeetingNotFound:
            pass
        self.store.checkpoint()
        try:
            self._create_now(plan)
            if plan.kind == "class":
                repo.reset_registrants(self.store, row.id)
                self.store.checkpoint()
                self.register(repo.meeting(self.store, row.id))  # type: ignore[arg-type]
        except ZoomctlError as exc:
            self.store.checkpoint()
            return Outcome("recreated" if plan.row.status == MeetingStatus.CREATED else "failed", exc)
        return Outcome("recreated")

    def delete(self, row: MeetingLink) -> bool:
        """Delete the row's meeting in Zoom (an unanswered create is looked for first).

        Returns whether Zoom had one. Does not write the row: the caller does."""
        zoom_id = row.zoom_meeting_id if row.status == MeetingStatus.CREATED else None
        if zoom_id is None and row.status in (MeetingStatus.PENDING, MeetingStatus.FAILED):
            zoom_id = self._orphan_id(row)
        if zoom_id is None:
            return False
        return self._delete_id(zoom_id)

    def _orphan_id(self, row: MeetingLink) -> int | None:
        hosts = [h for h in dict.fromkeys([row.host_zoom_user_id]) if h]
        if not hosts:
            return None
        plan = plan_for(self.store, self.company, row)
        for host in dict.fromkeys([*hosts, plan.host]):
            if host:
                found = self.index.find(host, row.marker, plan.topic, plan.start_time)
                if found is not None:
                    return int(found["id"])
        return None

    def _delete_id(self, zoom_id: int) -> bool:
        try:
            self.zoom.delete_meeting(zoom_id)
        except ZoomMeetingNotFound:
            return False
        return True

    def delete_many(
        self, rows: list[MeetingLink], advance: Advance | None = None
    ) -> tuple[list[tuple[MeetingLink, bool]], dict[int, BaseException]]:
        """Delete many rows' meetings (concurrently).

        Returns ``(row, Zoom had it)`` for every row that has no meeting in Zoom any more,
        and the failures by row id."""
        advance = advance or (lambda n=1: None)
        gone: list[tuple[MeetingLink, bool]] = []
        failed: dict[int, BaseException] = {}
        targets: list[tuple[MeetingLink, int]] = []
        for row in rows:
            if row.status == MeetingStatus.CREATED and row.zoom_meeting_id:
                targets.append((row, row.zoom_meeting_id))
                continue
            try:
                orphan = self._orphan_id(row) if row.status in (MeetingStatus.PENDING, MeetingStatus.FAILED) else None
            except ZoomctlError as exc:
                failed[row.id] = exc
                advance(1)
                continue
            if orphan is None:
                gone.append((row, False))
                advance(1)
            else:
                targets.append((row, orphan))
        for (row, _zid), had, error in parallel(targets, lambda t: self._delete_id(t[1]), workers=self.workers):
            if error is None:
                gone.append((row, bool(had)))
            else:
                failed[row.id] = error
            advance(1)
        return gone, failed


def _person(email: str, name: str | None) -> dict[str, str]:
    """A registrant body: Zoom needs a first name (at most 64 characters)."""
    words = (name or "").split()
    if words:
        first, last = words[0], " ".join(words[1:])
    else:
        first, last = email.split("@", 1)[0] or "Guest", ""
    person = {"email": email, "first_name": first[:64]}
    if last:
        person["last_name"] = last[:64]
    return person


# ------------------------------------------------------------------------- errors for users
def failure_error(outcome: RowOutcomes, *, what: str = "booking") -> MeetingError | None:
    """The one error a command ends with when some links could not be made (None if all were)."""
    if outcome.daily is not None:
        return link_error(outcome.daily, outcome.booking_ids(outcome.pending), what=what, host=outcome.daily_host)
    if outcome.failed:
        exc = next(iter(outcome.failed.values()))
        return link_error(exc, outcome.booking_ids(outcome.failed), count=len(outcome.failed), what=what)
    return None


def link_error(
    exc: BaseException,
    booking_ids: list[int],
    *,
    count: int = 1,
    what: str = "booking",
    host: str | None = None,
    doing: str = "create the meeting",
) -> MeetingError:
    """The error for bookings that are saved but lack their Zoom link because of ``exc``."""
    ids = sorted(set(booking_ids))
    if isinstance(exc, ZoomDailyLimit):
        return MeetingError(
            f"{daily_message(exc, host or '?')}; {what}(s) {_ids(ids)} are saved with their link pending",
            hint=f"run `zoomctl bookings sync --all` after the reset ({reset_time(exc)})",
            exit_code=ExitCode.RATE_LIMITED,
            cause=exc,
        )
    code = exc.exit_code if isinstance(exc, ZoomctlError) else ExitCode.ZOOM_ERROR
    if isinstance(exc, RegistrantsLeftOut):
        doing = "register the attendee(s)"
    more = f" ({count} meetings failed)" if count > 1 else ""
    target = f"`zoomctl bookings sync {ids[0]}`" if len(ids) == 1 else "`zoomctl bookings sync --all`"
    return MeetingError(
        f"{what}(s) {_ids(ids)} saved, but Zoom did not {doing}{more}: {_one_line(exc)}",
        hint=f"run {target} to try again" + _extra_hint(exc),
        exit_code=code,
        cause=exc,
    )


def _extra_hint(exc: BaseException) -> str:
    if isinstance(exc, Conflict) and exc.hint:
        return f" (first: {exc.hint.split(', then')[0]})"
    if isinstance(exc, ZoomctlError) and exc.exit_code == ExitCode.AUTH_REQUIRED:  # a login fixes it
        return " after `zoomctl auth login`"
    return ""


def _ids(ids: list[int]) -> str:
    if len(ids) <= 8:
        return ", ".join(map(str, ids))
    return ", ".join(map(str, ids[:8])) + f" and {len(ids) - 8} more"


# ------------------------------------------------------------------------- sync
@dataclass
class SyncItem:
    booking_ids: list[int]
    kind: str
    action: str  # ok | created | adopted | recreated | registered | failed | pending
    zoom_meeting_id: int | None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "bookings": self.booking_ids,
            "kind": self.kind,
            "action": self.action,
            "zoom_meeting_id": self.zoom_meeting_id,
            "error": self.error,
        }


def rows_to_sync(store: Store, company: Company, bookings: list[Booking]) -> list[MeetingLink]:
    """The meeting rows behind these bookings (one per session), creating missing rows.

    A booked, online booking with no meeting row (booked while the service was offline or
    the feature off) gets a pending row here."""
    rows: dict[int, MeetingLink] = {}
    for booking in bookings:
        if booking.status != BookingStatus.BOOKED or not booking.online:
            continue
        row = booking.meeting
        if row is None:
            if booking.kind == "class":
                row = repo.meeting_of_session(store, booking.session_id)  # type: ignore[arg-type]
            if row is None:
                row = repo.insert_meeting(
                    store,
                    company.id,
                    new_marker(booking.kind),
                    booking_id=booking.id if booking.kind == "service" else None,
                    session_id=booking.session_id if booking.kind == "class" else None,
                    host=booking.provider_zoom_user_id,
                )
        if booking.kind == "class" and booking.registration is None:
            repo.insert_registrant(store, row.id, booking.id)
        rows[row.id] = row
    return list(rows.values())


def sync(
    store: Store,
    company: Company,
    zoom: Any,
    bookings: list[Booking],
    *,
    advance: Advance | None = None,
) -> Outcome[list[SyncItem]]:
    """Retry pending and failed meetings and registrations, recreate meetings Zoom lost.

    Stops at once at Zoom's daily limit (the rest stay pending). The outcome holds the
    items, and the error the command ends with unless every link is there."""
    engine = Engine(store, company, zoom)
    advance = advance or (lambda n=1: None)
    rows = rows_to_sync(store, company, bookings)
    store.checkpoint()
    items: list[SyncItem] = []
    outcome = RowOutcomes()
    many = len(rows) > 1
    for index, row in enumerate(rows):
        plan = plan_for(store, company, row)
        outcome.plans[row.id] = plan
        try:
            action = engine.ensure(row, verify_by_listing=many)
            row = repo.meeting(store, row.id)  # type: ignore[assignment]
            if plan.kind == "class":
                added = engine.register(row)
                row = repo.meeting(store, row.id)  # type: ignore[assignment]
                if added and action == "ok":
                    action = "registered"
            items.append(SyncItem(plan.booking_ids, plan.kind, action, row.zoom_meeting_id))
        except ZoomctlError as exc:
            store.checkpoint()
            current = repo.meeting(store, row.id)
            if isinstance(exc, ZoomDailyLimit):
                outcome.daily, outcome.daily_host = exc, plan.host_label
                outcome.pending.append(row.id)
                items.append(SyncItem(plan.booking_ids, plan.kind, "pending", None, _one_line(exc)))
                for rest in rows[index + 1 :]:
                    outcome.plans[rest.id] = plan_for(store, company, rest)
                    outcome.pending.append(rest.id)
                    items.append(
                        SyncItem(
                            outcome.plans[rest.id].booking_ids,
                            outcome.plans[rest.id].kind,
                            "pending",
                            rest.zoom_meeting_id,
                            "not tried: stopped at the daily limit",
                        )
                    )
                advance(len(rows) - index)
                break
            outcome.failed[row.id] = exc
            zoom_id = current.zoom_meeting_id if current else None
            failed_ids = plan.booking_ids
            if isinstance(exc, RegistrantsLeftOut):  # only those Zoom answered for are registered
                failed_ids = exc.missing
                if exc.added:
                    items.append(SyncItem(exc.added, plan.kind, "registered", zoom_id))
            items.append(SyncItem(failed_ids, plan.kind, "failed", zoom_id, _one_line(exc)))
        store.checkpoint()
        advance(1)
    store.checkpoint()
    return Outcome(items, failure_error(outcome))


def delete_session_meeting(store: Store, company: Company, session_id: int, zoom: Callable[[], Any]) -> bool:
    """Delete a class session's meeting in Zoom (``zoom`` is called only if there is one);
    the row becomes ``deleted`` and its registrations ``cancelled``. Returns whether Zoom had it."""
    row = repo.meeting_of_session(store, session_id)
    if row is None or row.status not in MeetingStatus.not_deleted():
        return False
    with zoom() as z:
        had = Engine(store, company, z).delete(row)
    repo.set_meeting_status(store, row.id, MeetingStatus.DELETED, None)
    repo.cancel_registrants_of_meeting(store, row.id)
    events.record(store, company.id, "meeting.delete", str(row.zoom_meeting_id or row.marker), session=session_id)
    return had


def delete_future_meetings(store: Store, company: Company, zoom: Any) -> int:
    """Delete the company's meetings that have not started yet from Zoom (for `auth logout
    --delete-future-meetings`); their rows become ``deleted`` and booked attendees'
    registrations ``pending``. The bookings stay booked: `bookings sync` makes new meetings
    (and registers the attendees) after a new `auth login`. Returns how many meetings were deleted in Zoom.

    Raises the first Zoom error after recording what was deleted before it."""
    engine = Engine(store, company, zoom)
    rows = [r for r in repo.meetings_from(store, company.id, now_db()) if r.status in MeetingStatus.not_deleted()]
    gone, failed = engine.delete_many(rows)
    deleted = 0
    for row, had in gone:
        deleted += int(had)
        repo.set_meeting_status(store, row.id, MeetingStatus.DELETED, None)
        repo.reset_registrants(store, row.id)  # booked attendees wait for the new meeting's links
        events.record(store, company.id, "meeting.delete", str(row.zoom_meeting_id or row.marker), reason="logout")
    store.checkpoint()
    if failed:
        raise next(iter(failed.values()))
    return deleted
