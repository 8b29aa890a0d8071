"""Valid access tokens on demand: refresh near expiry, under a cross-process lock.

Rules (Zoom refresh tokens rotate, so a lost or raced refresh kills the grant):

* refresh only when the token expires within ``skew`` seconds, never on every call;
* refresh under ``refresh_lock`` and re-read the store after taking it: another process
  may have refreshed already, and then its tokens are used;
* the new pair is saved before the new access token is handed out;
* ``invalid_grant`` means the grant is dead (app removed in Zoom, or the refresh token
  rotated away): after one re-read of the store, ``on_reconnect_required()`` is called
  and ReconnectRequired raised. The stored tokens are left for the caller to inspect or
  delete. Any other failure leaves the store untouched.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from zoomctl import env
from zoomctl.errors import AuthRequired, StorageError
from zoomctl.zoom.errors import LOGIN_HINT, ReconnectRequired, ZoomOAuthError, ZoomUnreachable, zoom_trouble
from zoomctl.zoom.oauth import OAuthClient, TokenSet
from zoomctl.zoom.tokens import TokenStore, refresh_lock

log = logging.getLogger("zoomctl.tokens")


class TokenSource(Protocol):
    """What ZoomClient needs from a token manager."""

    def access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected_access_token: str) -> str: ...


#: a token with less time left than this is not used when a new one cannot be had
LAST_SECONDS = 60


class TokenManager:
    """Hands out valid access tokens for one stored grant (``store`` entry ``key``).

    ``lock_path``: the cross-process refresh lock file (None: an in-process lock only,
    fine for a MemoryTokenStore). ``s2s_account_id``: Server-to-Server mode, where a new
    token comes from ``oauth.account_credentials`` instead of a refresh token.
    """

    def __init__(
        self,
        store: TokenStore,
        key: str,
        oauth: OAuthClient | None = None,
        lock_path: str | os.PathLike[str] | None = None,
        *,
        skew: float = 300,
        clock: Callable[[], float] = time.time,
        on_reconnect_required: Callable[[], object] | None = None,
        s2s_account_id: str | None = None,
        lock_timeout: float = 30.0,
        lock: Callable[[], contextlib.AbstractContextManager] | None = None,
    ):
        self.store = store
        self.key = key
        self.oauth = oauth
        self.lock_path = lock_path
        self.skew = skew
        self.clock = clock
        self.on_reconnect_required = on_reconnect_required
        self.s2s_account_id = s2s_account_id
        self.lock_timeout = lock_timeout
        self.lock = lock  # a cross-process lock of the token store's own (a shared workspace's advisory lock)
        self._cached: TokenSet | None = None
        self._kept: str | None = None  # an access token kept in use after renewing it failed
        self._mutex = threading.RLock()
        #: how many times this manager obtained new tokens from Zoom (refresh or S2S)
        self.renewals = 0

    # -- public

    @property
    def location(self) -> str:
        return self.store.location

    def peek(self) -> TokenSet | None:
        """The stored tokens as they are (no refresh); for ``auth status``."""
        return self.store.load(self.key)

    def token_set(self) -> TokenSet:
        """A TokenSet whose access token is valid for more than ``skew`` seconds; or, when
        getting a new one fails for a passing reason (a 5xx, a 429, no answer), the current
        one while it has ``LAST_SECONDS`` left: the next command tries again."""
        with self._mutex:
            current = self._cached if self._cached is not None else self._load()
            if current is not None and self._fresh(current):
                self._cached = current
                return current
            if current is not None and current.access_token == self._kept and self._usable(current):
                return current  # renewing it failed a moment ago: not on every call
            try:
                return self._renew(self._fresh)
            except (ZoomOAuthError, ZoomUnreachable) as exc:
                if not zoom_trouble(exc) or current is None or not self._usable(current):
                    raise
                log.debug("renewing the Zoom token failed (%s); the current one is used meanwhile", exc.message)
                self._cached, self._kept = current, current.access_token
                return current

    def access_token(self) -> str:
        return self.token_set().access_token

    def refresh_after_rejection(self, rejected_access_token: str) -> str:
        """Zoom refused ``rejected_access_token`` (code 124): get another one.

        Under the lock, a stored token different from the rejected one (another process
        refreshed) is used as is; otherwise the grant is refreshed.
        """
        with self._mutex:

            def acceptable(stored: TokenSet) -> bool:
                return stored.access_token != rejected_access_token and stored.expires_in(self.clock()) > 0

            return self._renew(acceptable).access_token

    # -- internals

    def _fresh(self, tokens: TokenSet) -> bool:
        return tokens.expires_in(self.clock()) > self.skew

    def _usable(self, tokens: TokenSet) -> bool:
        return tokens.expires_in(self.clock()) > LAST_SECONDS

    def _load(self) -> TokenSet | None:
        stored = self.store.load(self.key)
        if stored is None and self.s2s_account_id is None:
            raise AuthRequired("not connected to Zoom", "run `zoomctl auth login` first")
        return stored

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        if self.lock is not None:
            with self.lock():
                yield
        elif self.lock_path is None:
            yield
        else:
            with refresh_lock(self.lock_path, self.lock_timeout):
                yield

    def _renew(self, acceptable: Callable[[TokenSet], bool]) -> TokenSet:
        with self._lock():
            stored = self._load()  # another process may have refreshed meanwhile
            if stored is not None and acceptable(stored):
                self._cached = stored
                return stored
            new, needs_save = self._obtain(stored, acceptable)
            if needs_save:
                self._save(new)
            self._cached = new
            return new

    def _obtain(self, stored: TokenSet | None, acceptable: Callable[[TokenSet], bool]) -> tuple[TokenSet, bool]:
        if self.s2s_account_id is not None:
            if self.oauth is None:
                raise AuthRequired(
                    "the Server-to-Server Zoom token expired and no app credentials are configured to get another",
                    "configure the Server-to-Server app's client ID and secret, then try again",
                )
            self.renewals += 1
            return self.oauth.account_credentials(self.s2s_account_id), True
        assert stored is not None
        if stored.kind == "s2s":
            raise AuthRequired(
                "the stored Server-to-Server Zoom token expired and no account ID is configured to get another",
                "configure the Server-to-Server app's account ID, or run `zoomctl auth login`",
            )
        if stored.kind == "env":
            raise AuthRequired("the stored Zoom token cannot be refreshed", LOGIN_HINT)
        if self.oauth is None or not stored.refresh_token:
            raise AuthRequired("the Zoom access token expired and cannot be refreshed here", LOGIN_HINT)
        try:
            return self._refresh(stored, stored.refresh_token), True
        except ZoomOAuthError as exc:
            if exc.error != "invalid_grant":
                raise
            first_failure = exc
        # The refresh token was refused. Another process (without our lock, or on an
        # older zoomctl) may have rotated it: look once more.
        again = self.store.load(self.key)
        if again is not None and again.refresh_token and again.refresh_token != stored.refresh_token:
            if acceptable(again):
                return again, False
            try:
                return self._refresh(again, again.refresh_token), True
            except ZoomOAuthError as exc:
                if exc.error != "invalid_grant":
                    raise
                first_failure = exc
        self._reconnect_required(first_failure)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refresh(self, stored: TokenSet, refresh_token: str) -> TokenSet:
        assert self.oauth is not None
        self.renewals += 1
        log.debug("refreshing the Zoom access token for %s", self.key)
        new = self.oauth.refresh(refresh_token)
        if new.refresh_token is None or new.api_url is None:
            new = TokenSet(
                access_token=new.access_token,
                refresh_token=new.refresh_token or refresh_token,
                expires_at=new.expires_at,
                scopes=new.scopes or stored.scopes,
                kind=new.kind,
                api_url=new.api_url or stored.api_url,
            )
        return new

    def _save(self, tokens: TokenSet) -> None:
        try:
            self.store.save(self.key, tokens)
            return
        except StorageError as exc:
            log.debug("saving new Zoom tokens failed once: %s", exc)
        try:
            self.store.save(self.key, tokens)
        except StorageError as exc:
            raise StorageError(
                f"Zoom issued new tokens but they could not be saved ({exc.message}); the previous ones no longer work",
                "fix the token storage, then run `zoomctl auth login` again",
            ) from exc

    def _reconnect_required(self, cause: ZoomOAuthError) -> None:
        if self.on_reconnect_required is not None:
            try:
                self.on_reconnect_required()
            except Exception:  # noqa: BLE001 - never hide the real problem
                log.warning("on_reconnect_required callback failed", exc_info=True)
        raise ReconnectRequired() from cause


class EnvTokenManager:
    """A token from ``ZOOMCTL_ZOOM_TOKEN``: used as is, never refreshed, never stored."""

    def __init__(self, token: str, *, variable: str = env.ZOOM_TOKEN):
        token = (token or "").strip()
        if not token:
            raise AuthRequired(
                f"{variable} is set but empty",
                f"put a Zoom access token in {variable}, or unset it and run `zoomctl auth login`",
            )
        self._token = token
        self.variable = variable

    @property
    def location(self) -> str:
        return f"environment variable {self.variable}"

    def __repr__(self) -> str:
        return f"EnvTokenManager(variable={self.variable!r}, token='***')"

    def peek(self) -> TokenSet:
        return self.token_set()

    def token_set(self) -> TokenSet:
        return TokenSet(access_token=self._token, expires_at=math.inf, kind="env")

    def access_token(self) -> str:
        return self._token

    def refresh_after_rejection(self, rejected_access_token: str) -> str:
        raise AuthRequired(
            f"Zoom rejected the token in {self.variable} (invalid or expired); it is never refreshed",
            f"put a fresh token in {self.variable}, or unset it and run `zoomctl auth login`",
        )
