"""Connect a company's Zoom account, report on it, and disconnect it.

One Zoom account per company. Tokens live in the OS keyring (or, only when asked with
``--insecure-storage``, a 0600 file); the workspace keeps the connection's metadata only.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zoomctl.core import connection as conn
from zoomctl.core.models import Company
from zoomctl.core.timefmt import now_db
from zoomctl.errors import AuthRequired, Conflict, InvalidInput, NetworkError, StorageError, ZoomctlError
from zoomctl.store import companies as company_repo
from zoomctl.store import events

if TYPE_CHECKING:
    from zoomctl.app import App
    from zoomctl.zoom.oauth import OAuthClient, TokenSet

REMOVE_APP_HINT = "to remove the app on the Zoom side too: Zoom App Marketplace → Manage → Added Apps → Remove"


@dataclass
class LoginResult:
    company: str
    kind: str
    account_id: str | None
    user_id: str | None
    user_email: str | None
    scopes: list[str]
    can_act_for_others: bool
    token_location: str
    replaced: bool

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class LogoutResult:
    company: str
    was_connected: bool
    revoked: bool
    revoke_error: str | None = None
    meetings_deleted: int = 0
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ---- token storage -----------------------------------------------------------------------
def choose_token_store(app: App, insecure_storage: bool):
    """The keyring when it is secure; the 0600 file only when asked; otherwise an error."""
    from zoomctl.zoom.tokens import FileTokenStore, keyring_backend_name, keyring_is_secure

    if app.token_store is not None:
        return app.token_store
    if keyring_is_secure(conn.keyring_timeout()):
        return conn.keyring_store()
    if insecure_storage:
        return FileTokenStore(conn.insecure_token_file())
    raise StorageError(
        f"no secure token storage: the keyring backend is {keyring_backend_name(conn.keyring_timeout())}",
        hint=(
            "unlock or install a keyring (e.g. gnome-keyring), use Server-to-Server OAuth through the "
            "ZOOMCTL_ZOOM_ACCOUNT_ID/CLIENT_ID/CLIENT_SECRET variables, or pass --insecure-storage "
            "(tokens in a 0600 file)"
        ),
    )


def describe_location(location: str | None) -> str | None:
    """A connection's ``token_location`` ("keyring", "file:PATH", "memory") for people."""
    if location and location.startswith("file:"):
        return f"file {location[5:]} (insecure)"
    return location


def location_of(store) -> str:
    from zoomctl.zoom.tokens import FileTokenStore, KeyringTokenStore

    if isinstance(store, FileTokenStore):
        return f"file:{store.path}"
    return "keyring" if isinstance(store, KeyringTokenStore) else "memory"


# ---- login -------------------------------------------------------------------------------
def login_oauth(
    app: App,
    company: Company,
    *,
    client_id: str,
    client_secret: str | None,
    open_browser: bool,
    timeout: float,
    insecure_storage: bool,
    announce: Callable[[str, bool], None],
    launch: Callable[[str], bool] | None = None,
    on_bad_paste: Callable[[ZoomctlError], None] = lambda exc: None,
) -> LoginResult:
    """Authorization code + PKCE through a loopback redirect on 127.0.0.1.

    ``announce(url, opened)`` tells the user where to go; with ``open_browser`` False the
    final redirect address may also be pasted on stdin (a browser on another machine).
    """
    from zoomctl.zoom.loopback import LoopbackListener
    from zoomctl.zoom.oauth import OAuthClient, authorize_url, pkce_pair, random_state

    store = choose_token_store(app, insecure_storage)  # fail before the browser, not after
    oauth_url = app.settings.zoom_oauth_url.value or ""
    verifier, challenge = pkce_pair()
    state = random_state()
    with LoopbackListener() as listener:
        url = authorize_url(oauth_url, client_id, listener.redirect_uri, state, challenge)
        listener.start(state)  # answer the callback even while the browser launcher blocks
        opened = False
        if open_browser:
            opened = (launch or _open_in_browser)(url)
        announce(url, opened)
        code = _wait_for_code(listener, state, timeout, paste=not open_browser, on_bad_paste=on_bad_paste)
        redirect_uri = listener.redirect_uri
    oauth = OAuthClient(conn.http_client(), oauth_url, client_id, client_secret)
    tokens = oauth.exchange_code(code, redirect_uri, verifier)
    return _finish_login(app, company, oauth, tokens, store, kind="oauth", client_secret=client_secret)


def login_s2s(
    app: App, company: Company, *, account_id: str, client_id: str, client_secret: str, insecure_storage: bool
) -> LoginResult:
    from zoomctl.zoom.oauth import OAuthClient

    store = choose_token_store(app, insecure_storage)
    oauth = OAuthClient(conn.http_client(), app.settings.zoom_oauth_url.value or "", client_id, client_secret)
    tokens = oauth.account_credentials(account_id)
    return _finish_login(
        app, company, oauth, tokens, store, kind="s2s", client_secret=client_secret, account_id=account_id
    )


def _open_in_browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url, new=1)
    except webbrowser.Error:
        return False


def _wait_for_code(listener, state: str, timeout: float, paste: bool, on_bad_paste=lambda exc: None) -> str:
    """The code from the loopback callback, or (with ``paste``) from an address pasted on stdin."""
    if not paste:
        return listener.wait(timeout, state)
    from zoomctl.zoom.loopback import parse_pasted_redirect

    answers: queue.Queue[tuple[str, Any]] = queue.Queue()

    def from_listener() -> None:
        try:
            answers.put(("code", listener.wait(timeout, state)))
        except BaseException as exc:  # handed to the main thread
            answers.put(("error", exc))

    def from_stdin() -> None:
        while True:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                return
            if not line:
                return  # EOF: only the browser can answer now
            if line.strip():
                try:
                    answers.put(("code", parse_pasted_redirect(line, state)))
                    return
                except InvalidInput as exc:  # not an address at all: another paste may follow
                    answers.put(("pasted-error", exc))
                except ZoomctlError as exc:  # declined, or another login's address: final
                    answers.put(("error", exc))
                    return

    threading.Thread(target=from_listener, daemon=True, name="zoomctl-loopback").start()
    if sys.stdin is not None:
        threading.Thread(target=from_stdin, daemon=True, name="zoomctl-paste").start()
    deadline = time.monotonic() + timeout + 5
    while True:
        try:
            kind, value = answers.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            from zoomctl.zoom.errors import LoginFailed

            raise LoginFailed(
                f"no answer from the browser within {timeout:.0f} s", "run `zoomctl auth login` again", reason="timeout"
            ) from None
        if kind == "code":
            return value
        if kind == "pasted-error":  # a wrong paste: say so, and keep waiting for a right one
            on_bad_paste(value)
            continue
        raise value


def _finish_login(
    app: App,
    company: Company,
    oauth: OAuthClient,
    tokens: TokenSet,
    store,
    *,
    kind: str,
    client_secret: str | None,
    account_id: str | None = None,
) -> LoginResult:
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.errors import ZoomAPIError
    from zoomctl.zoom.session import TokenManager
    from zoomctl.zoom.tokens import MemoryTokenStore

    api_url = app.settings.zoom_api_url.value or ""
    scratch = MemoryTokenStore()
    scratch.save("new", tokens)
    manager = TokenManager(scratch, "new", oauth, s2s_account_id=account_id if kind == "s2s" else None)
    with ZoomClient(api_url, manager, conn.http_client()) as zoom:
        try:
            me = zoom.get_user("me")
        except ZoomAPIError:
            if kind != "s2s":
                raise
            me = {}  # a Server-to-Server app may have no "me"; the account id is known
        account_id = me.get("account_id") or account_id
        existing = company_repo.connection(app.store, company.id)
        if existing and existing.get("account_id") and account_id and existing["account_id"] != account_id:
            raise Conflict(
                f"{company.slug} is already connected to another Zoom account ({existing['account_id']}, "
                f"{existing.get('user_email') or 'unknown user'}); a company connects one Zoom account",
                hint="run `zoomctl auth logout` first, then log in with the other account",
            )
        can_act = probe_can_act_for_others(zoom, me.get("id"))

    key = conn.token_key(app.settings.profile.value or "default", company.slug)
    store.save(key, manager.token_set())  # the newest pair (the probe may have refreshed)
    if client_secret:
        store.save_client_secret(oauth.client_id, client_secret)
    location = location_of(store)
    company_repo.save_connection(
        app.store,
        company.id,
        kind=kind,
        oauth_url=app.settings.zoom_oauth_url.value,
        api_url=api_url,
        client_id=oauth.client_id,
        account_id=account_id,
        user_id=me.get("id"),
        user_email=me.get("email"),
        scopes=list(tokens.scopes),
        can_act_for_others=can_act,
        token_location=location,
        status="connected",
        status_reason=None,
        connected_at=now_db(),
        connected_by=events.os_user(),
    )
    events.record(
        app.store,
        company.id,
        "auth.login",
        account_id or "-",
        kind=kind,
        user=me.get("email"),
        can_act_for_others=can_act,
        token_location=location.split(":")[0],
    )
    return LoginResult(
        company=company.slug,
        kind=kind,
        account_id=account_id,
        user_id=me.get("id"),
        user_email=me.get("email"),
        scopes=list(tokens.scopes),
        can_act_for_others=can_act,
        token_location=location,
        replaced=existing is not None,
    )


def probe_can_act_for_others(zoom, my_user_id: str | None) -> bool:
    """Ask Zoom whether this grant can act for another user of the account.

    Lists a page of users and reads one other user's meetings: both must be allowed
    (admin scopes, or a user-level grant with shared access permissions).
    """
    from zoomctl.zoom.errors import ZoomAPIError

    try:
        other = next(
            (u["id"] for u in zoom.iter_users(status="active", page_size=30) if u.get("id") != my_user_id), None
        )
    except ZoomAPIError:
        return False
    if other is None:
        return False  # nobody else in the account
    try:
        next(iter(zoom.iter_meetings(other, page_size=1)), None)
    except ZoomAPIError:
        return False
    return True


# ---- status, token, logout ---------------------------------------------------------------
def status(app: App, company: Company, live: bool = True) -> dict[str, Any]:
    """What the company's Zoom connection is, where its token lives, and whether it works now."""
    info: dict[str, Any] = {
        "company": company.slug,
        "connected": False,
        "state": "not_connected",
        "source": None,
        "kind": None,
        "account_id": None,
        "user_id": None,
        "user_email": None,
        "scopes": [],
        "can_act_for_others": None,
        "token_location": None,
        "access_token_expires_at": None,
        "access_token_expires_in": None,
        "connected_at": None,
        "connected_by": None,
        "live_check": None,
        "problem": None,
        "fix": None,
    }
    row = company_repo.connection(app.store, company.id)
    if row:
        info.update(
            {
                k: row[k]
                for k in (
                    "kind",
                    "account_id",
                    "user_id",
                    "user_email",
                    "scopes",
                    "can_act_for_others",
                    "connected_at",
                    "connected_by",
                )
            }
        )
        info["token_location"] = row["token_location"]
        if row["status"] == "reconnect_required":
            info["token_location"] = describe_location(row["token_location"])
            info.update(
                state="reconnect_required",
                problem=row["status_reason"] or "Zoom refused the authorization",
                fix="run `zoomctl auth login` (the app may have been removed on the Zoom side)",
            )
            return info
    try:
        creds = conn.resolve(app, company)
    except AuthRequired as exc:
        info.update(problem=exc.message, fix=exc.hint)
        return info
    info.update(source=creds.source, kind=creds.kind, state="connected")
    if creds.kind == "s2s" and row is None:
        info["account_id"] = conn.s2s_from_env()[0]  # type: ignore[index]
    info["token_location"] = creds.tokens.location
    peek = _note_expiry(info, creds)
    if peek is not None and not info["scopes"]:
        info["scopes"] = list(peek.scopes)
    if not live:
        info["connected"] = True
        return info
    try:
        with conn.client(app, company, creds) as zoom:
            me = zoom.get_user("me") if creds.kind != "s2s" else next(iter(zoom.iter_users(page_size=1)), {})
            if row is None:
                info["can_act_for_others"] = (
                    probe_can_act_for_others(zoom, me.get("id")) if creds.kind != "s2s" else True
                )
        _note_expiry(info, creds)  # the live call may have refreshed it
        info["live_check"] = {"ok": True, "error": None}
        info["connected"] = True
    except ZoomctlError as exc:
        info.update(
            state=_failed_state(exc), problem=exc.message, fix=exc.hint, live_check={"ok": False, "error": exc.message}
        )
    return info


def _failed_state(exc: ZoomctlError) -> str:
    """The `auth status` state a failed live check leaves."""
    from zoomctl.zoom.errors import ReconnectRequired

    if isinstance(exc, ReconnectRequired):
        return "reconnect_required"
    if isinstance(exc, AuthRequired):
        return "not_authorized"
    return "unreachable" if isinstance(exc, NetworkError) else "error"


def _note_expiry(info: dict[str, Any], creds):
    """Put the stored access token's expiry into ``info``; returns the peeked TokenSet."""
    peek = creds.tokens.peek()
    if peek is not None and peek.expires_at != float("inf"):
        from datetime import UTC, datetime

        info["access_token_expires_at"] = datetime.fromtimestamp(peek.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        info["access_token_expires_in"] = int(peek.expires_in())
    return peek


def access_token(app: App, company: Company) -> str:
    creds = conn.resolve(app, company)
    return creds.tokens.access_token()


def logout(app: App, company: Company, *, before_forget: Callable[[Any], int] | None = None) -> LogoutResult:
    """Revoke at Zoom, delete the stored tokens, clear the connection metadata.

    If the revoke fails, the tokens are still forgotten locally and the result says so.
    ``before_forget(zoom)`` runs first with a live client (e.g. to delete future meetings).
    """
    from zoomctl.zoom.oauth import OAuthClient

    result = LogoutResult(company=company.slug, was_connected=False, revoked=False)
    row = company_repo.connection(app.store, company.id)
    if conn.s2s_from_env() or conn.env_token() is not None:
        result.notes.append(
            "credentials also come from the environment (ZOOMCTL_ZOOM_*): unset those variables to stop using them"
        )
    if row is None:
        return result
    result.was_connected = True
    store = app.token_store or conn.store_for_location(row["token_location"])
    key = conn.token_key(app.settings.profile.value or "default", company.slug)
    if before_forget is not None and row["status"] == "connected":
        with conn.client(app, company) as zoom:
            result.meetings_deleted = before_forget(zoom)
    try:
        tokens = store.load(key)
    except StorageError as exc:
        tokens = None
        result.revoke_error = f"the stored tokens could not be read ({exc.message})"
    secret = None
    if row["client_id"]:
        try:
            secret = store.load_client_secret(row["client_id"])
        except StorageError:
            secret = None
    if tokens is not None:
        oauth = OAuthClient(conn.http_client(), row["oauth_url"], row["client_id"] or "", secret)
        for candidate in (tokens.access_token, tokens.refresh_token):
            if not candidate:
                continue
            try:
                oauth.revoke(candidate)
                result.revoked, result.revoke_error = True, None
                break
            except ZoomctlError as exc:
                result.revoke_error = exc.message
    try:
        store.delete(key)
        if row["client_id"] and not _client_id_used_elsewhere(app, company, row["client_id"]):
            store.delete_client_secret(row["client_id"])
    except StorageError as exc:
        result.notes.append(f"the keyring entry could not be deleted ({exc.message}); delete 'zoomctl' entries by hand")
    company_repo.delete_connection(app.store, company.id)
    events.record(
        app.store,
        company.id,
        "auth.logout",
        row.get("account_id") or "-",
        revoked=result.revoked,
        meetings_deleted=result.meetings_deleted,
    )
    if not result.revoked:
        result.notes.append(REMOVE_APP_HINT)
    return result


def _client_id_used_elsewhere(app: App, company: Company, client_id: str) -> bool:
    row = app.store.one(
        "SELECT COUNT(*) FROM zoom_connections WHERE client_id = ? AND company_id <> ?", (client_id, company.id)
    )
    return bool(row[0])


def read_secret_from_stdin() -> str:
    secret = sys.stdin.readline().strip() if sys.stdin is not None else ""
    if not secret:
        raise InvalidInput(
            "no client secret on standard input", hint='pipe it in: printf %s "$SECRET" | zoomctl auth login …'
        )
    return secret
