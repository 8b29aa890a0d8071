"""`zoomctl doctor`: what is wrong with a company's Zoom setup, and the command that fixes it.

Each check is a small function with a stable id that returns a ``Check`` (``ok``, ``warn``,
``fail`` or ``skip`` with a one-line detail and, unless ok, the fix). The checks that need
Zoom share one client and say ``skip`` with the reason when there is no connection or Zoom
cannot be reached; the others read only the workspace. Nothing here prints, and no check
puts a token, a secret or a ``start_url`` into its text.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from zoomctl import env
from zoomctl.core import connection as conn
from zoomctl.core.connection import ZoomAccess
from zoomctl.core.outcome import Outcome
from zoomctl.errors import AuthRequired, NetworkError, ZoomctlError
from zoomctl.exit_codes import ExitCode
from zoomctl.models import Company, TokenLocation
from zoomctl.store import companies as company_repo
from zoomctl.store import doctor as repo
from zoomctl.store.db import Store
from zoomctl.timefmt import to_db

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
SAMPLE = 20  # upcoming meetings looked up in Zoom without --deep
DAILY_LIMIT = 100  # Zoom's meeting creates/updates per host and day (UTC)
DAILY_WARN = 80
MAX_SKEW = 60  # seconds
SYNC_ALL = "zoomctl bookings sync --all"
LOGIN = "zoomctl auth login"

#: what the setup asks Zoom for, and the scopes (classic, then granular) that allow it (ZOOM-FACTS.md)
NEEDS: dict[str, tuple[str, ...]] = {
    "create meetings": ("meeting:write", "meeting:write:meeting"),
    "update meetings": ("meeting:write", "meeting:update:meeting"),
    "delete meetings": ("meeting:write", "meeting:delete:meeting"),
    "add registrants": ("meeting:write", "meeting:write:registrant"),
    "list users": ("user:read:admin", "user:read:list_users:admin"),
}


@dataclass
class Check:
    id: str
    title: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Diagnosis:
    company: str
    checks: list[Check]
    versions: dict[str, str] = field(default_factory=dict)

    def ok(self, strict: bool = False) -> bool:
        bad = {FAIL, WARN} if strict else {FAIL}
        return not any(c.status in bad for c in self.checks)

    def as_json(self, strict: bool = False) -> dict[str, Any]:
        return {"ok": self.ok(strict), "company": self.company, "checks": [c.as_json() for c in self.checks]}


def versions(access: ZoomAccess) -> dict[str, str]:
    """What a support ticket needs to know about this installation."""
    from zoomctl import version
    from zoomctl.zoom.tokens import keyring_backend_name

    backend = keyring_backend_name(min(access.timeout(), 5.0))
    return {
        "zoomctl": version(),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "keyring": backend,
    }


# ------------------------------------------------------------------------ the workspace's checks
def feature(company: Company) -> Check:
    title = '"Online video meetings" is on'
    if company.online_meetings_enabled:
        return Check("feature", title, OK, f"on for {company.slug}")
    return Check("feature", title, FAIL, f"off for {company.slug}", "zoomctl feature enable")


def unmapped_providers(store: Store, company: Company, now: str) -> Check:
    title = "every online provider has a Zoom user"
    missing = repo.unmapped_online_providers(store, company.id, now)
    if not missing:
        return Check("unmapped-providers", title, OK, "every provider of an online service or class has one")
    names = "; ".join(f"{m['provider']} ({', '.join(m['offerings'])})" for m in missing)
    first = missing[0]["provider"]
    return Check(
        "unmapped-providers",
        title,
        FAIL,
        f"{len(missing)} provider(s) without a Zoom user: {names}",
        f'zoomctl providers assign "{first}" --zoom-user EMAIL (or `zoomctl providers assign --all --by-email`)',
    )


def nothing_online(store: Store, company: Company) -> Check:
    title = "something is online"
    if not company.online_meetings_enabled:
        return Check("nothing-online", title, SKIP, "the feature is off")
    services, classes = repo.online_counts(store, company.id)
    if services or classes:
        return Check("nothing-online", title, OK, f"{services} online service(s), {classes} online class(es)")
    return Check(
        "nothing-online",
        title,
        WARN,
        "the feature is on but no service or class is online",
        'zoomctl services online "SERVICE" --on (or `zoomctl classes online "CLASS" --on`)',
    )


def meetings_pending(store: Store, company: Company, now: str) -> Check:
    title = "every upcoming booking has its meeting"
    found = repo.unlinked_bookings(store, company.id, now)
    pending, failed = found["pending"], found["failed"]
    if not pending and not failed:
        return Check("meetings-pending", title, OK, "no meeting is pending or failed")
    parts = [f"{len(ids)} {what} ({_ids(ids)})" for what, ids in (("failed", failed), ("pending", pending)) if ids]
    return Check(
        "meetings-pending",
        title,
        FAIL if failed else WARN,
        f"bookings whose meeting is {' and '.join(parts)}",
        SYNC_ALL,
    )


def zoom_events(store: Store, company: Company) -> Check:
    """What Zoom's webhook events said (`zoomctl webhooks listen`): meetings deleted in Zoom and not
    recreated yet, and meetings whose start Zoom moved away from their booking's (drift)."""
    from zoomctl.core import webhooks

    title = "Zoom's events agree with the bookings"
    found = webhooks.meeting_warnings(store, company)  # a removed app is the reconnect check's
    if not found:
        return Check("zoom-events", title, OK, "no meeting deleted or moved in Zoom (from webhook events)")
    fix = SYNC_ALL if any(deleted for _text, deleted in found) else None
    return Check("zoom-events", title, WARN, "; ".join(text for text, _deleted in found), fix)


def daily_limit(store: Store, company: Company, today: datetime) -> Check:
    title = f"Zoom's daily limit ({DAILY_LIMIT} meeting creates/updates per host)"
    midnight = today.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = repo.meeting_writes_since(store, company.id, to_db(midnight))
    if not counts:
        return Check("daily-limit", title, OK, "no meeting created or updated today (UTC)")
    used = ", ".join(f"{host} {n}/{DAILY_LIMIT}" for host, n in counts.most_common(3))
    top = counts.most_common(1)[0][1]
    detail = f"used today (UTC): {used}" + (f" and {len(counts) - 3} more host(s)" if len(counts) > 3 else "")
    fix = "wait for 00:00 UTC, then run `zoomctl bookings sync --all` (or spread bookings over more hosts)"
    if top >= DAILY_LIMIT:
        return Check("daily-limit", title, FAIL, detail, fix)
    if top >= DAILY_WARN:
        return Check("daily-limit", title, WARN, detail, fix)
    return Check("daily-limit", title, OK, detail)


# ------------------------------------------------------------------------ the connection's checks
@dataclass
class _Connection:
    row: dict[str, Any] | None
    creds: Any = None  # conn.Credentials when usable
    problem: Check | None = None


def _connection(store: Store, company: Company, access: ZoomAccess) -> tuple[_Connection, list[Check]]:
    """The ``connection``, ``token-storage`` checks, and what the Zoom checks go on."""
    row = company_repo.connection(store, company.id)
    title = "a Zoom connection exists"
    state = _Connection(row)
    try:
        state.creds = conn.resolve(store, company, access)
    except AuthRequired as exc:
        if row is None:
            return state, [
                Check("connection", title, FAIL, exc.message, LOGIN),
                Check("token-storage", "tokens are stored securely", SKIP, "no Zoom connection"),
            ]
        state.problem = Check("reconnect", "the connection does not need a reconnect", FAIL, exc.message, LOGIN)
    except ZoomctlError as exc:  # the keyring is locked or hung, a bad setting …
        return state, [
            Check("connection", title, FAIL if row is None else OK, _connection_detail(row, None)),
            Check("token-storage", "tokens are stored securely", FAIL, exc.message, exc.hint or LOGIN),
        ]
    checks = [Check("connection", title, OK, _connection_detail(row, state.creds))]
    checks.append(_token_storage(row, state.creds, access))
    return state, checks


def _connection_detail(row: dict[str, Any] | None, creds: Any) -> str:
    if creds is not None and creds.source != "workspace":
        return f"credentials from the {creds.source} (the {env.ZOOM_PREFIX}* variables)"
    if row is None:
        return "none"
    who = row.get("user_email") or row.get("account_id") or "?"
    how = "Server-to-Server" if row["kind"] == "s2s" else "OAuth"
    return f"{how} as {who}, connected {row['connected_at']} by {row['connected_by']}"


def _token_storage(row: dict[str, Any] | None, creds: Any, access: ZoomAccess) -> Check:
    title = "tokens are stored securely"
    if creds is None:
        location = TokenLocation.parse(row["token_location"]) if row and row.get("token_location") else None
        where = location.describe() if location else "unknown"
        return Check("token-storage", title, WARN if location and location.insecure else OK, where)
    where = creds.tokens.location
    if creds.kind == "env":
        return Check("token-storage", title, OK, f"{where}: never stored")
    if creds.insecure:
        return Check(
            "token-storage",
            title,
            WARN,
            f"{where}: readable by anyone who can read that file",
            "zoomctl auth logout, then `zoomctl auth login` with a working system keyring (no --insecure-storage)",
        )
    if creds.kind == "s2s" and creds.source != "workspace" and "memory" in where:
        return Check("token-storage", title, OK, "in memory only: no usable keyring, fetched again each run")
    return Check("token-storage", title, OK, where)


# ------------------------------------------------------------------------ the checks that ask Zoom
ZOOM_CHECKS = {
    "token-live": "the token works now",
    "reconnect": "the connection does not need a reconnect",
    "scopes": "the granted scopes cover the setup",
    "zoom-users": "every mapped Zoom user exists and is active",
    "licenses": "every mapped Zoom user can host",
    "meetings-missing": "Zoom still has the upcoming meetings",
    "clock-skew": "this machine's clock agrees with Zoom's",
}


def _skipped(reason: str, ids: list[str] | None = None) -> list[Check]:
    return [Check(i, ZOOM_CHECKS[i], SKIP, reason) for i in (ids or list(ZOOM_CHECKS))]


def _zoom_checks(
    store: Store, company: Company, state: _Connection, *, deep: bool, clock: Callable[[], datetime]
) -> list[Check]:
    if state.problem is not None:  # a reconnect is needed: Zoom is not asked
        skipped = _skipped("the connection needs a reconnect")
        return [skipped[0], state.problem, *skipped[2:]]
    if state.creds is None:
        return _skipped("no Zoom connection")
    from zoomctl.zoom.errors import ReconnectRequired, zoom_trouble

    creds, now = state.creds, clock()
    with conn.client(creds) as zoom:
        try:
            me = zoom.get_user("me") if creds.kind != "s2s" else next(iter(zoom.iter_users(page_size=1)), {})
        except NetworkError as exc:
            return _skipped(f"Zoom could not be reached: {exc.message}")
        except ReconnectRequired as exc:
            return [
                Check("token-live", ZOOM_CHECKS["token-live"], FAIL, exc.message, LOGIN),
                Check("reconnect", ZOOM_CHECKS["reconnect"], FAIL, "Zoom refused the stored authorization", LOGIN),
                *_skipped("the connection needs a reconnect")[2:],
            ]
        except ZoomctlError as exc:
            if zoom_trouble(exc):  # a 5xx or a rate limit says nothing of the token
                limited = getattr(exc, "status_code", None) == 429
                return _skipped(f"{'Zoom is limiting the calls' if limited else 'Zoom did not answer'}: {exc.message}")
            return [
                Check("token-live", ZOOM_CHECKS["token-live"], FAIL, exc.message, exc.hint or LOGIN),
                *_skipped("the token does not work")[1:],
            ]
        who = me.get("email") or me.get("id") or "the account"
        checks = [
            Check("token-live", ZOOM_CHECKS["token-live"], OK, f"Zoom answered for {who}"),
            Check("reconnect", ZOOM_CHECKS["reconnect"], OK, "Zoom accepts the authorization"),
            clock_skew(zoom.last_date, clock()),  # against the time that answer came
            scopes(store, company, state),
        ]
        try:
            checks += zoom_users(store, company, zoom, now)
            checks.append(meetings_missing(store, company, zoom, deep=deep, now=now))
        except NetworkError as exc:
            done = {c.id for c in checks}
            checks += _skipped(f"Zoom could not be reached: {exc.message}", [i for i in ZOOM_CHECKS if i not in done])
    return checks


def scopes(store: Store, company: Company, state: _Connection) -> Check:
    title = ZOOM_CHECKS["scopes"]
    creds = state.creds
    granted: set[str] = set()
    peek = creds.tokens.peek()
    if peek is not None:
        granted = set(peek.scopes)
    if not granted and state.row is not None and creds.source == "workspace":
        granted = set(str(state.row.get("scopes") or "").split())
    if not granted:
        return Check("scopes", title, SKIP, "Zoom did not say which scopes this token has")
    wanted = ["create meetings", "update meetings", "delete meetings"]
    if repo.has_online_class(store, company.id):
        wanted.append("add registrants")
    if _acts_for_others(store, company, state):
        wanted.append("list users")
    missing = uncovered(wanted, granted)
    style = scope_style(granted)
    if not missing:
        return Check("scopes", title, OK, f"{style} scopes allow: {', '.join(wanted)}")
    names = ", ".join(f"{what} ({' or '.join(NEEDS[what])})" for what in missing)
    return Check(
        "scopes",
        title,
        FAIL,
        f"the grant cannot {names}",
        f"add the scopes to the Zoom app in the App Marketplace, then `{LOGIN}` again",
    )


def uncovered(wanted: list[str], granted: set[str]) -> list[str]:
    """What of ``wanted`` (keys of NEEDS) no granted scope allows; a scope's ``:admin`` form allows it too."""
    return [what for what in wanted if not any(s in granted or f"{s}:admin" in granted for s in NEEDS[what])]


def scope_style(granted: set[str]) -> str:
    """``granular`` (``meeting:write:meeting``) or ``classic`` (``meeting:write``) scopes."""
    return "granular" if any(s.removesuffix(":admin").count(":") >= 2 for s in granted) else "classic"


def _acts_for_others(store: Store, company: Company, state: _Connection) -> bool:
    """Whether the setup schedules for Zoom users other than the one who authorized it."""
    if state.creds.kind == "s2s":
        return True
    if state.row is None or state.creds.source != "workspace":
        return False  # an access token from the environment: who it is for is not known
    mine = {(state.row.get("user_id") or "").lower(), (state.row.get("user_email") or "").lower()} - {""}
    now = to_db(datetime.now(UTC))
    return any((p["zoom_user_id"] or "").lower() not in mine for p in repo.mapped_providers(store, company.id, now))


def zoom_users(store: Store, company: Company, zoom: Any, now: datetime) -> list[Check]:
    """The ``zoom-users`` and ``licenses`` checks: each mapped provider's Zoom user, asked for once."""
    from zoomctl.zoom.errors import ZoomUserNotFound

    providers = repo.mapped_providers(store, company.id, to_db(now))
    if not providers:
        none = "no provider is mapped to a Zoom user"
        return [
            Check("zoom-users", ZOOM_CHECKS["zoom-users"], OK, none),
            Check("licenses", ZOOM_CHECKS["licenses"], OK, none),
        ]
    gone, inactive, unknown, basic_warn, cannot = [], [], [], [], []
    for p in providers:
        label = f"{p['name']} ({p['zoom_user_email'] or p['zoom_user_id']})"
        try:
            user = zoom.get_user(p["zoom_user_id"])
        except ZoomUserNotFound:
            gone.append(label)
            continue
        except NetworkError:
            raise
        except ZoomctlError as exc:
            unknown.append(f"{label}: {exc.message}")
            continue
        if (user.get("status") or "active") != "active":
            inactive.append(f"{label} is {user.get('status')}")
        kind = user.get("type")
        if kind == 1:
            (cannot if p["teaches_online_class"] else basic_warn).append(label)
        elif kind in (4, 99):
            cannot.append(f"{label} has no meeting license")
    users = Check("zoom-users", ZOOM_CHECKS["zoom-users"], OK, f"{len(providers)} mapped Zoom user(s) are active")
    if gone or inactive:
        parts = [f"deleted in Zoom: {', '.join(gone)}"] if gone else []
        parts += inactive
        first = (gone or inactive)[0].split(" (")[0]
        users = Check(
            "zoom-users",
            users.title,
            FAIL,
            "; ".join(parts),
            f'zoomctl providers assign "{first}" --zoom-user EMAIL (or activate the user in Zoom\'s admin pages)',
        )
    elif unknown:
        users = Check("zoom-users", users.title, WARN, "could not check " + "; ".join(unknown), LOGIN)
    licenses = Check("licenses", ZOOM_CHECKS["licenses"], OK, "every mapped Zoom user is licensed")
    fix = "give the user a Zoom license (Licensed), or `zoomctl providers assign PROVIDER --zoom-user EMAIL`"
    if cannot:
        detail = "cannot host what they teach: " + ", ".join(
            f"{c} (Basic: an online class needs a licensed host)" if "license" not in c else c for c in cannot
        )
        licenses = Check("licenses", licenses.title, FAIL, detail, fix)
    elif basic_warn:
        detail = f"Basic Zoom user(s), meetings end after 40 minutes: {', '.join(basic_warn)}"
        licenses = Check("licenses", licenses.title, WARN, detail, fix)
    return [users, licenses]


def meetings_missing(store: Store, company: Company, zoom: Any, *, deep: bool, now: datetime) -> Check:
    from zoomctl.zoom.errors import ZoomMeetingNotFound

    title = ZOOM_CHECKS["meetings-missing"]
    upcoming = repo.upcoming_meetings(store, company.id, to_db(now), None if deep else SAMPLE)
    if not upcoming:
        return Check("meetings-missing", title, OK, "no upcoming meeting to look up")
    missing: list[int] = []
    refused: ZoomctlError | None = None
    for meeting in upcoming:
        try:
            zoom.get_meeting(meeting["zoom_meeting_id"])
        except ZoomMeetingNotFound:
            missing.extend(meeting["booking_ids"])
        except NetworkError:
            raise
        except ZoomctlError as exc:  # not allowed to read it, or Zoom failed: the others are still asked
            refused = exc
    scope = f"all {len(upcoming)}" if deep else f"the next {len(upcoming)}"
    if refused is not None and not missing:
        return Check("meetings-missing", title, WARN, f"Zoom did not say: {refused.message}", refused.hint or SYNC_ALL)
    if not missing:
        more = "" if deep else " (all of them with --deep)"
        return Check("meetings-missing", title, OK, f"{scope} upcoming meeting(s) are in Zoom{more}")
    return Check(
        "meetings-missing",
        title,
        FAIL,
        f"Zoom no longer has the meeting of booking(s) {_ids(missing)} (looked up {scope})",
        SYNC_ALL if len(missing) > 1 else f"zoomctl bookings sync {missing[0]}",
    )


def clock_skew(date_header: str | None, now: datetime) -> Check:
    title = ZOOM_CHECKS["clock-skew"]
    if not date_header:
        return Check("clock-skew", title, SKIP, "Zoom's answer had no Date header")
    try:
        theirs = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return Check("clock-skew", title, SKIP, "Zoom's Date header could not be read")
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    skew = (now - theirs).total_seconds()
    where = "ahead of" if skew > 0 else "behind"
    detail = f"{abs(skew):.0f} s {where} Zoom" if abs(skew) >= 2 else "within 2 s of Zoom"
    if abs(skew) > MAX_SKEW:
        return Check(
            "clock-skew",
            title,
            WARN,
            f"{detail}: token expiry and start times depend on it",
            "turn on network time sync (e.g. `timedatectl set-ntp true`)",
        )
    return Check("clock-skew", title, OK, detail)


def _ids(ids: list[int], shown: int = 10) -> str:
    text = ", ".join(map(str, ids[:shown]))
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


# ------------------------------------------------------------------------ all of it
def diagnose(
    store: Store,
    company: Company,
    access: ZoomAccess,
    *,
    deep: bool = False,
    strict: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Outcome[Diagnosis]:
    """Every check, in a fixed order; a check that cannot run says ``skip`` with the reason. The
    outcome's error (exit code DOCTOR_FAILED) is set when a check failed, or warned with ``strict``."""
    access.timeout()  # a bad ZOOMCTL_KEYRING_TIMEOUT or ZOOMCTL_HTTP_TIMEOUT is refused before any check,
    access.http_seconds()  # as every command that reaches Zoom does
    now = clock()
    state, connection_checks = _connection(store, company, access)
    zoom_checks = {c.id: c for c in _zoom_checks(store, company, state, deep=deep, clock=clock)}
    checks = [
        feature(company),
        *connection_checks,
        zoom_checks["token-live"],
        zoom_checks["reconnect"],
        zoom_checks["scopes"],
        zoom_checks["zoom-users"],
        zoom_checks["licenses"],
        unmapped_providers(store, company, to_db(now)),
        nothing_online(store, company),
        meetings_pending(store, company, to_db(now)),
        zoom_checks["meetings-missing"],
        zoom_events(store, company),
        daily_limit(store, company, now),
        zoom_checks["clock-skew"],
    ]
    diagnosis = Diagnosis(company.slug, checks, versions(access))
    return Outcome(diagnosis, error=None if diagnosis.ok(strict) else _failed(diagnosis, strict))


def _failed(diagnosis: Diagnosis, strict: bool) -> ZoomctlError:
    failed = [c.id for c in diagnosis.checks if c.status == FAIL]
    warned = [c.id for c in diagnosis.checks if c.status == WARN]
    parts = [f"{len(failed)} check(s) failed ({', '.join(failed)})"] if failed else []
    if strict and warned:
        parts.append(f"{len(warned)} warned ({', '.join(warned)}; --strict)")
    return ZoomctlError(
        f"{diagnosis.company}: {' and '.join(parts)}",
        hint="run the fix under each failed line, then `zoomctl doctor` again",
        exit_code=ExitCode.DOCTOR_FAILED,
    )
