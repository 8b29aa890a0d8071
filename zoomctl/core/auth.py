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

from zoomctl import env
from zoomctl.core import connection as conn
from zoomctl.core.connection import ZoomAccess
from zoomctl.core.outcome import Outcome
from zoomctl.errors import AuthRequired, Conflict, InvalidInput, NetworkError, StorageError, ZoomctlError
from zoomctl.models import Company, ConnectionStatus, TokenLocation
from zoomctl.store import companies as company_repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.timefmt import now_db

if TYPE_CHECKING:
    from zoomctl.zoom.oauth import OAuthClient, TokenSet
    from zoomctl.zoom.tokens import TokenStore

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
    token_location: TokenLocation
    replaced: bool

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "token_location": str(self.token_location)}


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
def choose_token_store(access: ZoomAccess, insecure_storage: bool) -> TokenStore:
    """The keyring when it is secure; the 0600 file only when asked; otherwise an error."""
    from zoomctl.zoom.tokens import FileTokenStore, keyring_backend_name, keyring_is_secure

    if access.token_store is not None:
        getattr(access.token_store, "ready", lambda: None)()  # a shared workspace: its key is at hand
        return access.token_store
    if keyring_is_secure(access.timeout()):
        return conn.keyring_store(access)
    if insecure_storage:
        return FileTokenStore(conn.insecure_token_file())
    raise StorageError(
        f"no secure token storage: the keyring backend is {keyring_backend_name(access.timeout())}",
        hint=(
            "unlock or install a keyring (e.g. gnome-keyring), use Server-to-Server OAuth through the "
            f"{env.ZOOM_ACCOUNT_ID}/CLIENT_ID/CLIENT_SECRET variables, or pass --insecure-storage "
            "(tokens in a 0600 file)"
        ),
    )


# ---- login -------------------------------------------------------------------------------
@dataclass
class LoginRequest:
    """The Zoom app a login uses, every value resolved (flag, environment, profile, prompt)."""

    client_id: str
    client_secret: str | None
    account_id: str | None = None  # Server-to-Server only


def login_request(
    access: ZoomAccess,
    *,
    client_id: str | None,
    account_id: str | None,
    server_to_server: bool,
    public: bool,
    secret_from_stdin: bool,
    prompt: Callable[[str], str] | None,
) -> LoginRequest:
    """What ``auth login`` logs in with: the flags' values, else the configuration's.

    The client secret comes from stdin, the environment or ``prompt`` (None: zoomctl may
    not ask), never from the command line."""
    client_id = client_id or access.client_id
    if not client_id:
        raise InvalidInput(
            "no Zoom client id",
            hint="pass --client-id (from your Zoom app's App Credentials), or `zoomctl config set zoom_client_id ID`",
        )
    secret = _client_secret(access, secret_from_stdin, public, server_to_server, prompt)
    if not server_to_server:
        return LoginRequest(client_id, secret)
    account_id = account_id or access.env.account_id
    if not account_id:
        raise InvalidInput("Server-to-Server OAuth needs the Zoom account id", hint="pass --account-id ID")
    if not secret:
        raise InvalidInput(
            "Server-to-Server OAuth needs the client secret",
            hint=f"pipe it to --client-secret-stdin or set {env.ZOOM_CLIENT_SECRET}",
        )
    return LoginRequest(client_id, secret, account_id)


def _client_secret(
    access: ZoomAccess, from_stdin: bool, public: bool, server_to_server: bool, prompt: Callable[[str], str] | None
) -> str | None:
    if public and not server_to_server:
        if from_stdin:
            raise InvalidInput("--public and --client-secret-stdin contradict each other", hint="drop one of them")
        return None  # a public client sends no secret, whatever the environment holds
    if from_stdin:
        return read_secret_from_stdin()
    if access.env.client_secret:
        return access.env.client_secret
    if prompt is not None:
        return (
            prompt("Client secret" if server_to_server else "Client secret (leave empty for a public client)") or None
        )
    if server_to_server:
        return None  # login_request names what is missing
    raise InvalidInput(
        "no client secret, and zoomctl may not ask for one here (--no-input, or no terminal)",
        hint=f"pipe it to --client-secret-stdin, set {env.ZOOM_CLIENT_SECRET}, or pass --public for a public client",
    )


def login_oauth(
    store: Store,
    company: Company,
    access: ZoomAccess,
    request: LoginRequest,
    open_browser: bool,
    timeout: float,
    insecure_storage: bool,
    announce: Callable[[str, bool], None],
    launch: Callable[[str], bool] | None = None,
    on_bad_paste: Callable[[ZoomctlError], None] = lambda exc: None,
    confirm_replace: ConfirmReplace | None = None,
) -> LoginResult:
    """Authorization code + PKCE through a loopback redirect on 127.0.0.1.

    ``announce(url, opened)`` tells the user where to go; with ``open_browser`` False the
    final redirect address may also be pasted on stdin (a browser on another machine).
    """
    from zoomctl.zoom.loopback import LoopbackListener
    from zoomctl.zoom.oauth import authorize_url, pkce_pair, random_state

    tokens_at = choose_token_store(access, insecure_storage)  # fail before the browser, not after
    oauth_url = access.oauth_url
    verifier, challenge = pkce_pair()
    state = random_state()
    with LoopbackListener() as listener:
        url = authorize_url(oauth_url, request.client_id, listener.redirect_uri, state, challenge)
        listener.start(state)  # answer the callback even while the browser launcher blocks
        opened = False
        if open_browser:
            opened = (launch or _open_in_browser)(url)
        announce(url, opened)
        code = _wait_for_code(listener, state, timeout, paste=not open_browser, on_bad_paste=on_bad_paste)
        redirect_uri = listener.redirect_uri
    oauth = conn.oauth_client(access, oauth_url, request.client_id, request.client_secret)
    tokens = oauth.exchange_code(code, redirect_uri, verifier)
    return _finish_login(
        store, company, access, oauth, tokens, tokens_at, kind="oauth", request=request, confirm_replace=confirm_replace
    )


def login_s2s(
    store: Store, company: Company, access: ZoomAccess, request: LoginRequest, *, insecure_storage: bool
) -> LoginResult:
    """Server-to-Server OAuth (CI): a token for the account, no browser."""

    assert request.account_id is not None
    tokens_at = choose_token_store(access, insecure_storage)
    oauth = conn.oauth_client(access, access.oauth_url, request.client_id, request.client_secret)
    tokens = oauth.account_credentials(request.account_id)
    return _finish_login(store, company, access, oauth, tokens, tokens_at, kind="s2s", request=request)


def _open_in_browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url, new=1)
    except webbrowser.Error:
        return False


PASTE_TIMEOUT_HINT = (
    "run `zoomctl auth login --no-browser` again and paste the final address sooner "
    "(or give it more time with --timeout)"
)


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
                f"no answer from the browser within {timeout:.0f} s", PASTE_TIMEOUT_HINT, reason="timeout"
            ) from None
        if kind == "code":
            return value
        if kind == "pasted-error":  # a wrong paste: say so, and keep waiting for a right one
            on_bad_paste(value)
            continue
        if getattr(value, "reason", None) == "timeout":  # --no-browser was given: do not suggest it
            value.hint = PASTE_TIMEOUT_HINT
        raise value


def _finish_login(
    store: Store,
    company: Company,
    access: ZoomAccess,
    oauth: OAuthClient,
    tokens: TokenSet,
    tokens_at: TokenStore,
    *,
    kind: str,
    request: LoginRequest,
    confirm_replace: ConfirmReplace | None = None,
) -> LoginResult:
    """Check the new grant, then make it the company's connection. A grant that is not kept
    (another account, a replacement not confirmed, any failure) is revoked at Zoom; so is the
    grant the new one replaces, unless Zoom holds both as one (the same user of the same app)."""
    from zoomctl.zoom.session import TokenManager
    from zoomctl.zoom.tokens import MemoryTokenStore

    scratch = MemoryTokenStore()
    scratch.save("new", tokens)
    manager = TokenManager(scratch, "new", oauth, s2s_account_id=request.account_id if kind == "s2s" else None)
    key = conn.company_token_key(access, company)
    existing = company_repo.connection(store, company.id)
    try:
        me, account_id, can_act = _check_new_grant(store, company, access, manager, kind, request, confirm_replace)
        previous = _replaced_grant(access, key, existing, oauth.client_id, me.get("id"), kind)
        tokens_at.save(key, manager.token_set())  # the newest pair (the probe may have refreshed)
    except BaseException:
        if kind != "s2s":
            _revoke_quietly(oauth, manager.token_set())
        raise
    if request.client_secret:
        tokens_at.save_client_secret(oauth.client_id, request.client_secret)
    location = conn.location_of(tokens_at)
    company_repo.save_connection(
        store,
        company.id,
        kind=kind,
        oauth_url=access.oauth_url,
        api_url=access.api_url,
        client_id=oauth.client_id,
        account_id=account_id,
        user_id=me.get("id"),
        user_email=me.get("email"),
        scopes=list(tokens.scopes),
        can_act_for_others=can_act,
        token_location=str(location),
        status=ConnectionStatus.CONNECTED,
        status_reason=None,
        connected_at=now_db(),
        connected_by=events.os_user(),
    )
    events.record(
        store,
        company.id,
        "auth.login",
        account_id or "-",
        kind=kind,
        user=me.get("email"),
        can_act_for_others=can_act,
        token_location=location.kind,
    )
    if previous is not None:  # the connection it replaced is written over: end its grant at Zoom
        _revoke_quietly(*previous)
    if existing is not None and existing.get("token_location") not in (None, str(location)):
        _forget_old_copy(store, company, access, key, existing, tokens_at)
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


ConfirmReplace = Callable[[str], bool]  # asked before another user's login replaces the connection


def _check_new_grant(
    store: Store,
    company: Company,
    access: ZoomAccess,
    manager,
    kind: str,
    request: LoginRequest,
    confirm_replace: ConfirmReplace | None,
) -> tuple[dict[str, Any], str | None, bool]:
    """Who the new grant is, its account and whether it may act for others; refuses another
    Zoom account, and another user of the same account unless ``confirm_replace`` says yes."""
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.errors import ZoomAPIError

    with ZoomClient(access.api_url, manager, conn.http_client(access.http_seconds())) as zoom:
        try:
            me = zoom.get_user("me")
        except ZoomAPIError:
            if kind != "s2s":
                raise
            me = {}  # a Server-to-Server app may have no "me"; the account id is known
        account_id = me.get("account_id") or request.account_id
        existing = company_repo.connection(store, company.id)
        if existing and existing.get("account_id") and account_id and existing["account_id"] != account_id:
            raise Conflict(
                f"{company.slug} is already connected to another Zoom account ({existing['account_id']}, "
                f"{existing.get('user_email') or 'unknown user'}); a company connects one Zoom account",
                hint="run `zoomctl auth logout` first, then log in with the other account",
            )
        if existing and existing.get("user_id") and me.get("id") and existing["user_id"] != me["id"]:
            _confirm_other_user(company, existing, me, confirm_replace)
        return me, account_id, probe_can_act_for_others(zoom, me.get("id"))


def _confirm_other_user(
    company: Company, existing: dict[str, Any], me: dict[str, Any], confirm: ConfirmReplace | None
) -> None:
    was, now = existing.get("user_email") or existing["user_id"], me.get("email") or me["id"]
    question = (
        f"{company.slug} is connected to Zoom as {was}; replace the connection with {now}? "
        f"Meetings made from now on are scheduled by {now}"
    )
    if confirm is None:
        raise InvalidInput(
            f"{company.slug} is connected to Zoom as {was}, not {now}: replacing the connection needs confirmation",
            hint="run `zoomctl auth login` again with --yes to replace it (or sign in as the same user)",
        )
    if not confirm(question):
        raise Conflict(
            f"the connection as {was} is kept: the login as {now} was not confirmed",
            hint="pass --yes to replace the connection without the question",
        )


def _replaced_grant(
    access: ZoomAccess, key: str, existing: dict[str, Any] | None, client_id: str, user_id: str | None, kind: str
) -> tuple[OAuthClient, TokenSet] | None:
    """The app and tokens of the connection a new login replaces, when they are a grant of
    their own at Zoom: not for the same user of the same app (Zoom holds one authorization
    for them, and revoking the old token would end the new one too), not for Server-to-Server."""

    if existing is None or existing.get("kind") == "s2s" or kind == "s2s":
        return None
    if existing.get("client_id") == client_id and existing.get("user_id") == user_id:
        return None
    try:
        old_store = conn.store_at(access, TokenLocation.parse(existing["token_location"]))
        tokens = old_store.load(key)
        secret = old_store.load_client_secret(existing["client_id"]) if existing.get("client_id") else None
    except (ZoomctlError, KeyError, ValueError):
        return None
    if tokens is None:
        return None
    return conn.oauth_client(access, existing["oauth_url"], existing.get("client_id"), secret), tokens


def _forget_old_copy(
    store: Store, company: Company, access: ZoomAccess, key: str, existing: dict[str, Any], kept_at: TokenStore
) -> None:
    """The new login keeps its tokens somewhere else than the connection it replaces: delete
    the old copy (a file's is plain text), and its client secret unless another company uses it."""
    try:
        old_at = conn.store_at(access, TokenLocation.parse(existing["token_location"]))
        if old_at is kept_at:
            return
        old_at.delete(key)
        client_id = existing.get("client_id")
        if client_id and not company_repo.client_id_used_elsewhere(store, company.id, client_id):
            old_at.delete_client_secret(client_id)
    except (ZoomctlError, KeyError, ValueError):
        return  # the login stands; the old copy stays where it was


def _revoke_quietly(oauth: OAuthClient, tokens: TokenSet | None) -> None:
    """Revoke a grant zoomctl does not keep; a failure to revoke does not change the outcome."""
    for token in (tokens.access_token, tokens.refresh_token) if tokens is not None else ():
        if not token:
            continue
        try:
            oauth.revoke(token)
            return
        except (ZoomctlError, OSError):
            continue


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
def status(store: Store, company: Company, access: ZoomAccess, live: bool = True) -> Outcome[dict[str, Any]]:
    """What the company's Zoom connection is, where its token lives, and whether it works now
    (a failed check is part of the answer, not an error)."""
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
    row = company_repo.connection(store, company.id)
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
        if row["status"] == ConnectionStatus.RECONNECT_REQUIRED:
            info["token_location"] = TokenLocation.parse(row["token_location"]).describe()
            info.update(
                state="reconnect_required",
                problem=row["status_reason"] or "Zoom refused the authorization",
                fix="run `zoomctl auth login` (the app may have been removed on the Zoom side)",
            )
            return Outcome(info)
    try:
        creds = conn.resolve(store, company, access)
    except AuthRequired as exc:
        info.update(problem=exc.message, fix=exc.hint)
        return Outcome(info)
    info.update(source=creds.source, kind=creds.kind, state="connected")
    if creds.kind == "s2s" and row is None:
        info["account_id"] = access.env.account_id
    info["token_location"] = creds.tokens.location
    peek = _note_expiry(info, creds)
    if peek is not None and not info["scopes"]:
        info["scopes"] = list(peek.scopes)
    if not live:
        info["connected"] = True
        return Outcome(info, warnings=creds.warnings)
    try:
        with conn.client(creds) as zoom:
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
    return Outcome(info, warnings=creds.warnings)


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


def access_token(store: Store, company: Company, access: ZoomAccess) -> Outcome[str]:
    creds = conn.resolve(store, company, access)
    return Outcome(creds.tokens.access_token(), warnings=creds.warnings)


def logout(
    store: Store, company: Company, access: ZoomAccess, *, before_forget: Callable[[Any], int] | None = None
) -> Outcome[LogoutResult]:
    """Revoke at Zoom, delete the stored tokens, clear the connection metadata.

    If the revoke fails, the tokens are still forgotten locally and the result says so.
    ``before_forget(zoom)`` runs first with a live client (e.g. to delete future meetings).
    """

    result = LogoutResult(company=company.slug, was_connected=False, revoked=False)
    row = company_repo.connection(store, company.id)
    if access.env.any:
        result.notes.append(
            f"credentials also come from the environment ({env.ZOOM_PREFIX}*): unset those variables to stop using them"
        )
    if row is None:
        return Outcome(result)
    result.was_connected = True
    warnings: list[str] = []
    tokens_at = conn.store_at(access, TokenLocation.parse(row["token_location"]))
    key = conn.company_token_key(access, company)
    if before_forget is not None and row["status"] == ConnectionStatus.CONNECTED:
        creds = conn.resolve(store, company, access)
        warnings = creds.warnings
        with conn.client(creds) as zoom:
            result.meetings_deleted = before_forget(zoom)
    try:
        tokens = tokens_at.load(key)
    except StorageError as exc:
        tokens = None
        result.revoke_error = f"the stored tokens could not be read ({exc.message})"
    secret = None
    if row["client_id"]:
        try:
            secret = tokens_at.load_client_secret(row["client_id"])
        except StorageError:
            secret = None
    if tokens is not None:
        oauth = conn.oauth_client(access, row["oauth_url"], row["client_id"], secret)
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
        tokens_at.delete(key)
        if row["client_id"] and not company_repo.client_id_used_elsewhere(store, company.id, row["client_id"]):
            tokens_at.delete_client_secret(row["client_id"])
    except StorageError as exc:
        result.notes.append(f"the keyring entry could not be deleted ({exc.message}); delete 'zoomctl' entries by hand")
    company_repo.delete_connection(store, company.id)
    events.record(
        store,
        company.id,
        "auth.logout",
        row.get("account_id") or "-",
        revoked=result.revoked,
        meetings_deleted=result.meetings_deleted,
    )
    if not result.revoked:
        result.notes.append(REMOVE_APP_HINT)
    return Outcome(result, warnings=warnings)


def read_secret_from_stdin() -> str:
    secret = sys.stdin.readline().strip() if sys.stdin is not None else ""
    if not secret:
        raise InvalidInput(
            "no client secret on standard input", hint='pipe it in: printf %s "$SECRET" | zoomctl auth login …'
        )
    return secret
