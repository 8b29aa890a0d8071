"""Zoom's OAuth server: PKCE, the authorize URL, token exchanges and revocation.

The OAuth base URL is the server's origin (``https://zoom.us``, a sandbox, a mock); the
endpoints are ``/oauth/authorize``, ``/oauth/token`` and ``/oauth/revoke`` under it.
Tokens travel only in form bodies and headers, never in a URL query.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from zoomctl.errors import ConfigError, ZoomctlError
from zoomctl.zoom.errors import (
    ZoomNoAnswer,
    ZoomOAuthError,
    ZoomUnreachable,
    error_from_response,
    retry_after_seconds,
)
from zoomctl.zoom.redact import redact

TokenKind = Literal["oauth", "s2s", "env"]
_KIND_CODES = {"oauth": "o", "s2s": "s", "env": "e"}
_CODE_KINDS = {v: k for k, v in _KIND_CODES.items()}
DEFAULT_EXPIRES_IN = 3599


# --------------------------------------------------------------------------- PKCE


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge: BASE64URL(SHA256(ASCII(verifier))), unpadded."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_pair() -> tuple[str, str]:
    """A fresh ``(verifier, challenge)``; the verifier is 86 unreserved characters."""
    verifier = _b64url(_random.token_bytes(64))
    return verifier, pkce_challenge(verifier)


def random_state() -> str:
    """An unguessable ``state`` value for one authorization request."""
    return _random.token_urlsafe(32)


def _oauth_root(oauth_base_url: str) -> str:
    root = oauth_base_url.rstrip("/")
    if root.endswith("/oauth"):
        root = root[: -len("/oauth")]
    return root


def authorize_url(
    oauth_base: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    *,
    extra: dict[str, str] | None = None,
) -> str:
    """The URL to open in the browser (authorization code + PKCE S256)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(extra or {})
    return f"{_oauth_root(oauth_base)}/oauth/authorize?{urlencode(params)}"


# --------------------------------------------------------------------------- TokenSet


@dataclass(frozen=True)
class TokenSet:
    """One grant's tokens. ``repr`` never shows a token."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float = 0.0  # epoch seconds
    scopes: tuple[str, ...] = ()
    kind: TokenKind = "oauth"
    api_url: str | None = None

    def expires_in(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def __repr__(self) -> str:
        return (
            f"TokenSet(kind={self.kind!r}, access_token='***', "
            f"refresh_token={'***' if self.refresh_token else None!r}, "
            f"expires_at={self.expires_at!r}, scopes={self.scopes!r}, api_url={self.api_url!r})"
        )

    __str__ = __repr__

    def to_json(self) -> str:
        """Compact JSON with one-letter keys (it must fit small keyring entries)."""
        data: dict[str, Any] = {"k": _KIND_CODES[self.kind], "a": self.access_token}
        if self.refresh_token:
            data["r"] = self.refresh_token
        data["e"] = int(self.expires_at)
        if self.scopes:
            data["s"] = " ".join(self.scopes)
        if self.api_url:
            data["u"] = self.api_url
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        """Inverse of ``to_json``; raises ValueError on anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("a"), str):
            raise ValueError("not a stored token set")
        kind = _CODE_KINDS.get(data.get("k", "o"))
        if kind is None:
            raise ValueError("unknown token kind")
        scopes = data.get("s") or ""
        return cls(
            access_token=data["a"],
            refresh_token=data.get("r") or None,
            expires_at=float(data.get("e", 0)),
            scopes=tuple(scopes.split()),
            kind=kind,  # type: ignore[arg-type]
            api_url=data.get("u") or None,
        )


# --------------------------------------------------------------------------- client


NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)
#: failures that may come after the request reached the server (sent again only when that is harmless)
MAYBE_SENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def transport_error(exc: Exception, what: str) -> ZoomctlError:
    """Map an httpx failure to ZoomUnreachable (nothing sent), ZoomNoAnswer (maybe sent) or ConfigError."""
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return ConfigError(
            f"the address configured for {what} is not a valid http(s) URL ({exc})",
            "fix the Zoom base URL in your profile or flags (it must start with https://)",
        )
    not_sent = isinstance(exc, NOT_SENT_ERRORS)
    if isinstance(exc, httpx.TimeoutException):
        reason = "connection timed out" if not_sent else "no answer in time"
    else:
        reason = redact(str(exc))[:200] or type(exc).__name__
    if not_sent:
        return ZoomUnreachable(f"could not reach {what}: {reason}")
    return ZoomNoAnswer(f"{what} did not answer ({reason}); the request may have reached Zoom")


class OAuthClient:
    """Token endpoint calls for one Zoom app.

    Public clients (no ``client_secret``) put ``client_id`` in the form and send no
    Authorization header; confidential clients authenticate with HTTP Basic.

    Retries (at most ``max_retries``, jittered backoff): a request that was never sent, and a
    429 (Zoom did nothing; ``Retry-After`` is honoured up to ``max_wait``), for every call; a
    5xx, a read timeout or a dropped connection only for the Server-to-Server token, which is
    harmless to ask for twice (and, once, for a revoke: see ``revoke``). A code exchange or a
    refresh is never sent again once it may have reached Zoom: refresh tokens rotate, so a
    second refresh could end the grant.
    """

    def __init__(
        self,
        http: httpx.Client,
        oauth_base_url: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 2,
        max_wait: float = 10.0,
    ):
        self.http = http
        self.sleep = sleep
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.oauth_base_url = _oauth_root(oauth_base_url)
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.clock = clock
        self.log = logger or logging.getLogger("zoomctl.http")

    def _post(self, endpoint: str, form: dict[str, str], *, repeatable: bool = False) -> httpx.Response:
        """POST to one OAuth endpoint; ``repeatable``: sending it twice is harmless (see the class)."""
        url = f"{self.oauth_base_url}/oauth/{endpoint}"
        headers = {"Accept": "application/json"}
        form = dict(form)
        if self.client_secret is None:
            form["client_id"] = self.client_id
        else:
            pair = f"{self.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            started = time.monotonic()
            try:
                response = self.http.post(url, data=form, headers=headers)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                self.log.debug("POST %s failed: %s", redact(url), type(exc).__name__)
                again = isinstance(exc, NOT_SENT_ERRORS) or (repeatable and isinstance(exc, MAYBE_SENT_ERRORS))
                if again and not last and not isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
                    self.sleep(self._backoff(attempt))
                    continue
                raise transport_error(exc, "Zoom's OAuth server") from exc
            status = response.status_code
            self.log.debug("POST %s -> %s in %.0f ms", redact(url), status, (time.monotonic() - started) * 1000)
            if status < 400:
                return response
            self.log.debug("response body: %s", redact(response.text[:500]))
            wait = self._wait_before_retry(response, attempt, repeatable)
            if wait is None or last:
                raise error_from_response(response, oauth=True)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return min(self.max_wait, 0.5 * 2**attempt + _random.randbelow(250) / 1000)

    def _wait_before_retry(self, response: httpx.Response, attempt: int, repeatable: bool) -> float | None:
        """Seconds to wait before sending a refused request again, or None: do not send it again."""
        if response.status_code == 429:
            told = retry_after_seconds(response.headers.get("Retry-After"))
            if told is None:
                return self._backoff(attempt)
            return told if told <= self.max_wait else None
        if response.status_code >= 500 and repeatable:
            return self._backoff(attempt)
        return None

    def _token_set(self, response: httpx.Response, kind: TokenKind) -> TokenSet:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ZoomOAuthError(
                "Zoom's OAuth server answered without an access token",
                "run the command again with --debug to see the answer",
                status_code=response.status_code,
            )
        try:
            expires_in = float(data.get("expires_in", DEFAULT_EXPIRES_IN))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        scope = data.get("scope") or ""
        return TokenSet(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token") or None,
            expires_at=self.clock() + expires_in,
            scopes=tuple(scope.split()) if isinstance(scope, str) else tuple(scope),
            kind=kind,
            api_url=data.get("api_url") or None,
        )

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        response = self._post(
            "token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        return self._token_set(response, "oauth")

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new pair. Refresh tokens rotate: store the result before using it."""
        response = self._post("token", {"grant_type": "refresh_token", "refresh_token": refresh_token})
        return self._token_set(response, "oauth")

    def account_credentials(self, account_id: str) -> TokenSet:
        """Server-to-Server OAuth: a 1-hour token, no refresh token."""
        if self.client_secret is None:
            raise ConfigError(
                "Server-to-Server OAuth needs the app's client secret",
                "provide the client secret of the Server-to-Server app (stdin, the keyring, "
                "or the CI environment variable), then try again",
            )
        form = {"grant_type": "account_credentials", "account_id": account_id}
        response = self._post("token", form, repeatable=True)
        return self._token_set(response, "s2s")

    def revoke(self, token: str) -> None:
        """Revoke a token (this also uninstalls the app for that Zoom user).

        Harmless twice, so a revoke that may have reached Zoom (a 5xx, or no answer) is sent
        once more; Zoom then refusing the token (HTTP 400) means the first one did it."""
        try:
            self._post("revoke", {"token": token})
            return
        except ZoomOAuthError as exc:
            if exc.status_code is None or exc.status_code < 500:
                raise
        except ZoomNoAnswer:
            pass
        try:
            self._post("revoke", {"token": token})
        except ZoomOAuthError as exc:
            if exc.status_code != 400 or exc.error == "invalid_client":
                raise
