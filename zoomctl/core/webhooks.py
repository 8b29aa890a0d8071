"""Zoom webhooks: verifying a delivery exactly as Zoom documents it, storing it, and what each event does.

Verification (Zoom's "Verify webhook events"): ``x-zm-signature`` must equal ``v0=`` +
hex(HMAC-SHA256(secret, ``v0:{x-zm-request-timestamp}:{raw body}``)), compared in constant time;
a timestamp more than five minutes from now is a replay and refused. ``endpoint.url_validation``
is answered with ``{"plainToken", "encryptedToken": hex(HMAC-SHA256(secret, plainToken))}``.

A verified delivery is stored first (raw body, event name, ``event_ts``, the body's SHA-256),
answered, and processed after: ``accept`` then ``process``. The same body twice is one event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from zoomctl.store import webhooks as repo
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db

#: Zoom's bodies are small; anything larger is refused before it is read
MAX_BODY = 1024 * 1024
#: how far the request timestamp may be from now (Zoom: five minutes)
MAX_SKEW_SECONDS = 5 * 60
URL_VALIDATION = "endpoint.url_validation"


class Refused(Exception):
    """A delivery refused: the HTTP status to answer and why (never the secret)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``x-zm-signature`` Zoom sends for ``body`` at ``timestamp``."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def url_validation_answer(secret: str, plain_token: str) -> dict[str, str]:
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> dict[str, Any]:
    """The delivery's JSON when Zoom signed it just now; raises ``Refused`` otherwise.

    ``headers``: lower-case names. The signature is checked before the body is parsed, so an
    unsigned request learns nothing about what would be accepted."""
    if len(body) > MAX_BODY:
        raise Refused(413, f"body over {MAX_BODY} bytes")
    signature = headers.get("x-zm-signature")
    timestamp = headers.get("x-zm-request-timestamp")
    if not signature or not timestamp:
        raise Refused(401, "no x-zm-signature / x-zm-request-timestamp header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(401, "x-zm-request-timestamp is not a number") from None
    if not hmac.compare_digest(signature.encode(), sign(secret, timestamp, body).encode()):
        raise Refused(401, "signature does not match")
    if abs(now - sent_at) > MAX_SKEW_SECONDS:
        raise Refused(401, f"timestamp more than {MAX_SKEW_SECONDS // 60} minutes off (a replay?)")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str) or not data["event"]:
        raise Refused(400, "body is not a Zoom event (no event name)")
    if data["event"] == URL_VALIDATION:
        plain = (data.get("payload") or {}).get("plainToken") if isinstance(data.get("payload"), dict) else None
        if not isinstance(plain, str) or not plain:
            raise Refused(400, "endpoint.url_validation without a plainToken")
    return data


@dataclass
class Accepted:
    """A verified delivery once stored: its id, or None for a duplicate."""

    event: str
    event_id: int | None
    event_ts: int | None

    @property
    def duplicate(self) -> bool:
        return self.event_id is None


def accept(store: Store, data: dict[str, Any], body: bytes) -> Accepted:
    """Store a verified event (before it is answered); a body seen before changes nothing."""
    event_ts = data.get("event_ts")
    event_ts = event_ts if isinstance(event_ts, int) and not isinstance(event_ts, bool) else None
    event_id = repo.insert_event(
        store,
        body_sha256=hashlib.sha256(body).hexdigest(),
        event=data["event"][:200],
        event_ts=event_ts,
        received_at=now_db(),
        body=body.decode("utf-8"),
    )
    return Accepted(data["event"], event_id, event_ts)


# ------------------------------------------------------------------ processing
@dataclass
class Processed:
    """What an event did: the company it concerned (None: not a connected company) and how it ended."""

    event_id: int
    event: str
    company: str | None
    status: str  # processed | unmatched | ignored
    outcome: str
    repair: list[int] = field(default_factory=list)  # bookings whose meeting to recreate now

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "event": self.event,
            "company": self.company,
            "status": self.status,
            "outcome": self.outcome,
        }


def pending(store: Store) -> list[int]:
    """Events stored but not processed yet (the listener stopped in between): processed at start."""
    return [int(r[0]) for r in store.all("SELECT id FROM webhook_events WHERE status = 'received' ORDER BY id")]


def process(store: Store, event_id: int, access: Any = None) -> Processed:
    """Apply what a stored event says to the workspace, once; returns what it did.

    ``access`` (a ZoomAccess) reaches the token store, for ``app_deauthorized``."""
    row = repo.event(store, event_id)
    if row is None:
        raise LookupError(event_id)
    data = json.loads(row["body"])
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    company_id = _company_of(store, payload)
    handler = _HANDLERS.get(row["event"])
    if company_id is None:
        account = payload.get("account_id")
        status, outcome = "unmatched", f"no company here is connected to Zoom account {str(account)[:64]!r}; kept"
    elif handler is None:
        status, outcome = "ignored", "not an event zoomctl acts on"
    else:
        status, outcome = handler(Context(store, company_id, payload, data.get("event_ts"), access))
    repo.set_outcome(store, event_id, company_id, status, outcome)
    slug = _slug(store, company_id)
    return Processed(event_id, row["event"], slug, status, outcome)


def bookings_to_repair(store: Store, event_id: int) -> list[int]:
    """The booked bookings whose meeting a processed ``meeting.deleted`` marked deleted."""
    row = repo.event(store, event_id)
    obj = (json.loads(row["body"]).get("payload") or {}).get("object") if row is not None else None
    meeting_id = _int(obj.get("id")) if isinstance(obj, dict) else None
    if meeting_id is None or row["company_id"] is None:
        return []
    return repo.bookings_of_deleted_meeting(store, row["company_id"], meeting_id)


def _slug(store: Store, company_id: int | None) -> str | None:
    if company_id is None:
        return None
    row = store.one("SELECT slug FROM companies WHERE id = ?", (company_id,))
    return row[0] if row is not None else None


def _company_of(store: Store, payload: dict[str, Any]) -> int | None:
    """The company an event concerns: the one holding its meeting, else the one connected to its account."""
    obj = payload.get("object") if isinstance(payload.get("object"), dict) else {}
    meeting_id = _int(obj.get("id"))
    if meeting_id is not None:
        found = repo.meetings_with_zoom_id(store, meeting_id)
        if found:
            return int(found[0]["company_id"])
    account = payload.get("account_id")
    return repo.company_of_account(store, account) if isinstance(account, str) and account else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def list_events(store: Store, since: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    return repo.events(store, since, name)


@dataclass
class Context:
    store: Store
    company_id: int
    payload: dict[str, Any]
    event_ts: Any
    access: Any

    @property
    def object(self) -> dict[str, Any]:
        obj = self.payload.get("object")
        return obj if isinstance(obj, dict) else {}

    def time(self, *values: Any) -> str:
        """The first of ``values`` that is a Zoom time, as the workspace stores times; else the event's time."""
        from datetime import UTC, datetime

        from zoomctl.timefmt import to_db

        for value in values:
            if isinstance(value, str) and value:
                try:
                    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    continue
                return to_db(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        if isinstance(self.event_ts, int) and not isinstance(self.event_ts, bool):
            return to_db(datetime.fromtimestamp(self.event_ts / 1000, UTC))
        return now_db()

    def meetings(self) -> list[dict[str, Any]]:
        meeting_id = _int(self.object.get("id"))
        if meeting_id is None:
            return []
        return [m for m in repo.meetings_with_zoom_id(self.store, meeting_id) if m["company_id"] == self.company_id]


Result = tuple[str, str]


def _deauthorized(ctx: Context) -> Result:
    """The app was removed in Zoom: the connection needs a reconnect and its tokens are gone."""
    from zoomctl.core import connection as conn
    from zoomctl.errors import ZoomctlError
    from zoomctl.models import ConnectionStatus, TokenLocation
    from zoomctl.store import companies as company_repo
    from zoomctl.store import events

    store, payload = ctx.store, ctx.payload
    row = company_repo.connection(store, ctx.company_id)
    if row is None:
        return "ignored", "the company has no stored Zoom connection"
    at = ctx.time(payload.get("deauthorization_time"))
    company_repo.set_connection_status(
        store, ctx.company_id, ConnectionStatus.RECONNECT_REQUIRED, f"the Zoom app was removed in Zoom at {at}"
    )
    notes = ["connection needs a reconnect"]
    company = company_repo.by_id(store, ctx.company_id)
    if ctx.access is not None and row["token_location"] and company is not None:
        try:
            conn.store_at(ctx.access, TokenLocation.parse(row["token_location"])).delete(
                conn.company_token_key(ctx.access, company)
            )
            notes.append("tokens deleted")
        except ZoomctlError as exc:
            notes.append(f"the tokens could not be deleted ({exc.message})")
    retention = payload.get("user_data_retention")
    if retention == "false":
        changed = repo.forget_zoom_user(store, ctx.company_id, payload.get("user_id"))
        notes.append(f"Zoom user data removed (connection user, {changed} provider mapping(s))")
    events.record(store, ctx.company_id, "zoom.app_deauthorized", str(payload.get("account_id") or "-"))
    return "processed", "; ".join(notes)


def _deleted(ctx: Context) -> Result:
    found = [m for m in ctx.meetings() if m["status"] == "created"]
    if not found:
        return "ignored", "no meeting of a booking here (or zoomctl deleted it itself)"
    at = ctx.time()
    for meeting in found:
        repo.mark_deleted_in_zoom(ctx.store, meeting["id"], at)
    return "processed", "meeting marked deleted in Zoom; `bookings sync` recreates it"


def _updated(ctx: Context) -> Result:
    start = ctx.object.get("start_time")
    found = ctx.meetings()
    if not found or not isinstance(start, str) or not start:
        return "ignored", "no start time change of a meeting here"
    new_start = ctx.time(start)
    notes = []
    for meeting in found:
        booked = repo.booking_starts(ctx.store, meeting)
        drift = None if new_start == booked else new_start
        repo.set_zoom_start(ctx.store, meeting["id"], drift)
        notes.append(f"drift: Zoom says {new_start}, the booking {booked}" if drift else "start agrees again")
    return "processed", "; ".join(notes)


def _started(ctx: Context) -> Result:
    found = ctx.meetings()
    if not found:
        return "ignored", "no meeting of a booking here"
    at = ctx.time(ctx.object.get("start_time"))
    for meeting in found:
        repo.set_host_started(ctx.store, meeting["id"], at)
    return "processed", f"host started at {at}"


def _ended(ctx: Context) -> Result:
    found = ctx.meetings()
    if not found:
        return "ignored", "no meeting of a booking here"
    at = ctx.time(ctx.object.get("end_time"))
    for meeting in found:
        repo.set_ended(ctx.store, meeting["id"], at)
        _recount(ctx.store, meeting["id"])
    return "processed", f"meeting ended at {at}"


def _participant(ctx: Context, joined: bool) -> Result:
    found = ctx.meetings()
    person = ctx.object.get("participant")
    if not found or not isinstance(person, dict):
        return "ignored", "no meeting of a booking here"
    meeting = found[0]
    host = ctx.object.get("host_id")
    if host and host in (person.get("id"), person.get("user_id")) and not person.get("registrant_id"):
        return "processed", "the host"
    key = str(
        person.get("participant_uuid") or person.get("id") or person.get("user_id") or person.get("email") or "?"
    )[:200]
    if joined:
        booking_id = _booking_of(ctx.store, meeting, person)
        at = ctx.time(person.get("join_time"))
        repo.add_join(ctx.store, meeting["id"], booking_id, key, at)
        if booking_id is None:
            return "processed", "a participant who is not a client of a booking joined"
        _recount(ctx.store, meeting["id"])
        return "processed", f"booking {booking_id}: client joined at {at}"
    at = ctx.time(person.get("leave_time"))
    booking_id = repo.end_join(ctx.store, meeting["id"], key, at)
    if booking_id is None:
        return "processed", "a participant who is not a client of a booking left"
    _recount(ctx.store, meeting["id"])
    return "processed", f"booking {booking_id}: client left at {at}"


def _booking_of(store: Store, meeting: dict[str, Any], person: dict[str, Any]) -> int | None:
    """Whose booking a participant is: by registrant id (class attendees), else by email, else the
    one client of a one-to-one meeting (Zoom may send an empty email)."""
    registrant = person.get("registrant_id")
    if isinstance(registrant, str) and registrant:
        found = repo.booking_of_registrant(store, meeting["id"], registrant)
        if found is not None:
            return found
    email = person.get("email")
    if isinstance(email, str) and email.strip():
        found = repo.booking_of_email(store, meeting, email.strip().lower())
        if found is not None:
            return found
    if meeting["booking_id"] is not None:
        return int(meeting["booking_id"])
    return None


def _recount(store: Store, meeting_id: int) -> None:
    """Each booking's first join and minutes attended, from its joins (several joins summed)."""
    from zoomctl.timefmt import from_db

    totals: dict[int, tuple[str, int]] = {}
    for join in repo.joins_of_meeting(store, meeting_id):
        first, seconds = totals.get(join["booking_id"], (join["joined_at"], 0))
        if join["left_at"] is not None:
            seconds += max(0, int((from_db(join["left_at"]) - from_db(join["joined_at"])).total_seconds()))
        totals[join["booking_id"]] = (min(first, join["joined_at"]), seconds)
    for booking_id, (first, seconds) in totals.items():
        repo.save_attendance(store, booking_id, first, seconds)


_HANDLERS: dict[str, Any] = {
    "app_deauthorized": _deauthorized,
    "meeting.deleted": _deleted,
    "meeting.updated": _updated,
    "meeting.started": _started,
    "meeting.ended": _ended,
    "meeting.participant_joined": lambda ctx: _participant(ctx, True),
    "meeting.participant_left": lambda ctx: _participant(ctx, False),
}


# ------------------------------------------------------------------ the secret token
def _secret_entry(profile: str) -> str:
    return f"webhook-secret/{profile}"


def check_secret(secret: str) -> str:
    from zoomctl.errors import InvalidInput

    secret = secret.strip()
    if not secret or len(secret) > 512 or any(ch.isspace() or not ch.isprintable() for ch in secret):
        raise InvalidInput(
            "the webhook secret token is empty or not one word",
            hint="copy the Secret Token from the Feature page of your Zoom app",
        )
    return secret


def save_secret(access: Any, secret: str) -> None:
    """Keep the secret token in the OS keyring (never in config.toml)."""
    from zoomctl.core.connection import keyring_store

    keyring_store(access).set_value(_secret_entry(access.profile), check_secret(secret))


def delete_secret(access: Any) -> bool:
    from zoomctl.core.connection import keyring_store

    return keyring_store(access).delete_value(_secret_entry(access.profile))


def find_secret(access: Any, from_env: str | None, from_stdin: str | None) -> tuple[str, str]:
    """The secret token and where it came from: stdin, then the environment, then the keyring."""
    from zoomctl import env
    from zoomctl.core.connection import keyring_store
    from zoomctl.errors import AuthRequired, StorageError

    if from_stdin is not None:
        return check_secret(from_stdin), "stdin"
    if from_env:
        return check_secret(from_env), env.WEBHOOK_SECRET
    try:
        stored = keyring_store(access).get_value(_secret_entry(access.profile))
        where = ""
    except StorageError as exc:
        stored, where = None, f" (the keyring cannot be read: {exc.message})"
    if stored:
        return stored, "keyring"
    raise AuthRequired(
        f"no webhook secret token{where}",
        hint=f"run `zoomctl webhooks secret set`, set {env.WEBHOOK_SECRET}, or pipe it to --secret-stdin",
    )


def parse_since(text: str) -> str:
    """``--since``: a UTC date or time (2026-12-01, 2026-12-01T09:30) as the workspace stores times."""
    from datetime import UTC, datetime

    from zoomctl.errors import InvalidInput
    from zoomctl.timefmt import to_db

    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"--since {text[:40]!r} is not a date or time", hint="give a UTC date or time, e.g. 2026-12-01T09:30"
        ) from None
    return to_db(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def check_event_name(name: str) -> str:
    from zoomctl.errors import InvalidInput

    if not name or len(name) > 100 or not all(ch.isalnum() or ch in "._" for ch in name):
        raise InvalidInput(
            f"--event {name[:40]!r} is not a Zoom event name", hint="give a name such as meeting.deleted"
        )
    return name


def doctor_warnings(store: Store, company: Any) -> list[str]:
    """What `doctor` warns about from webhook events: a connection removed in Zoom, meetings Zoom
    deleted (not recreated yet), meetings whose start Zoom moved (drift). Each a warning line."""
    from zoomctl.models import ConnectionStatus
    from zoomctl.store import companies as company_repo

    warnings = []
    row = company_repo.connection(store, company.id)
    if row is not None and row["status"] == ConnectionStatus.RECONNECT_REQUIRED:
        warnings.append(f"the Zoom connection needs a reconnect: {row['status_reason']} (run `zoomctl auth login`)")
    return warnings + [text for text, _deleted in meeting_warnings(store, company)]


def meeting_warnings(store: Store, company: Any) -> list[tuple[str, bool]]:
    """Upcoming meetings Zoom's events said were deleted (True: `bookings sync` recreates them)
    or moved away from their booking's start (False: drift), each with its warning line."""
    found = []
    for m in repo.meetings_needing_attention(store, company.id, now_db()):
        if m["status"] == "deleted":
            text = (
                f"Zoom meeting {m['zoom_meeting_id']} was deleted in Zoom at {m['deleted_in_zoom_at']}:"
                " run `zoomctl bookings sync --all` to recreate it"
            )
        else:
            text = (
                f"Zoom meeting {m['zoom_meeting_id']} starts at {m['zoom_start_time']} in Zoom but its booking at"
                f" {m['starts_at']}: move it back in Zoom, or reschedule the booking"
            )
        found.append((text, m["status"] == "deleted"))
    return found


def attendance(store: Store, booking_id: int) -> dict[str, Any]:
    """host_started_at, client_joined_at, attended_minutes, no_show, drift of a booking."""
    return repo.attendance(store, booking_id)
