"""Errors raised by the Zoom layer, all inside the project's one exception tree.

``error_from_response`` turns any non-2xx answer from Zoom's API or OAuth server into one
of these, whatever the body looks like (JSON, XML, HTML, empty): never a traceback.
Callers dispatch on the class (``isinstance``), never on attributes. The hierarchy::

    ZoomctlError (zoomctl.errors)
    ├── ZoomAPIError                 the REST API refused or failed a request
    │   ├── ZoomMaybeApplied         a POST failed with a 5xx: Zoom may have carried it out  [MaybeApplied]
    │   ├── ZoomTokenInvalid         401 / code 124: the access token was refused
    │   ├── ZoomPermissionDenied     403, codes 4700/4711: a scope or permission is missing
    │   ├── ZoomNotFound             404
    │   │   ├── ZoomUserNotFound     code 1001: no such user
    │   │   └── ZoomMeetingNotFound  code 3001: no such meeting (deleted in Zoom)
    │   └── ZoomRateLimited          429, the per-second limit (``retry_after``, ``category``)
    │       └── ZoomDailyLimit       429, the host's daily meeting create/update limit (``resets_at``)
    ├── ZoomBatchPartlyApplied       a batch failed after some of its chunks went through
    │                                (``completed``: their answers; ``cause``: the failure)
    ├── ZoomOAuthError               the OAuth server (/oauth/token, /oauth/revoke) refused
    ├── AuthRequired (zoomctl.errors)
    │   ├── ReconnectRequired        the grant is dead: log in again
    │   └── LoginFailed              the browser sign-in gave no authorization code (``reason``)
    └── NetworkError (zoomctl.errors)
        └── ZoomUnreachable          Zoom could not be reached: nothing was sent
            └── ZoomNoAnswer         sent, but no answer came (read timeout, dropped)  [MaybeApplied]

``MaybeApplied`` marks the two errors after which the request may have done its work in
Zoom: a create must then be looked for before it is sent again.

Messages and hints follow the house style (a lowercase start unless a name comes first,
no closing period); callers that know more (core, cli) may replace ``.hint``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from zoomctl.errors import AuthRequired, NetworkError, ZoomctlError
from zoomctl.exit_codes import ExitCode

if TYPE_CHECKING:  # pragma: no cover
    import httpx

LOGIN_HINT = "run `zoomctl auth login` to connect Zoom again"
DEBUG_HINT = "run the command again with --debug to see the exchange with Zoom"

TOKEN_INVALID_CODE = 124
USER_MISSING_CODE = 1001
MEETING_MISSING_CODE = 3001
_PERMISSION_CODES = {4700, 4711}


class MaybeApplied:
    """Mixin: the request may have reached Zoom and done its work although it failed."""


class ZoomAPIError(ZoomctlError):
    """Zoom's REST API refused or failed a request."""

    exit_code = ExitCode.ZOOM_ERROR

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status_code: int | None = None,
        code: int | None = None,
        zoom_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        exit_code: ExitCode | None = None,
    ):
        super().__init__(message, hint, exit_code)
        self.status_code = status_code
        self.code = code
        self.zoom_message = zoom_message
        self.method = method
        self.path = path
        #: validation details Zoom sent (``[{"field": …, "message": …}]``), possibly empty
        self.errors = list(errors or [])

    def details(self) -> dict[str, Any]:
        """What Zoom answered, as keyword arguments for another ZoomAPIError."""
        return {
            "status_code": self.status_code,
            "code": self.code,
            "zoom_message": self.zoom_message,
            "method": self.method,
            "path": self.path,
            "errors": self.errors,
        }


class ZoomMaybeApplied(ZoomAPIError, MaybeApplied):
    """A non-idempotent request (POST) failed with a 5xx: Zoom may have carried it out
    anyway, so check before sending it again."""

    @classmethod
    def after(cls, err: ZoomAPIError) -> ZoomMaybeApplied:
        return cls(
            err.message,
            "Zoom may have carried out the request anyway: check in Zoom before trying again",
            **err.details(),
        )


class ZoomTokenInvalid(ZoomAPIError):
    """401 / code 124: the access token was refused (after one refresh, if possible)."""

    exit_code = ExitCode.AUTH_REQUIRED


class ZoomNotFound(ZoomAPIError):
    """404: a user (code 1001), a meeting (code 3001) or something else is missing."""

    exit_code = ExitCode.NOT_FOUND


class ZoomUserNotFound(ZoomNotFound):
    """404 with code 1001: no such user in the account."""


class ZoomMeetingNotFound(ZoomNotFound):
    """404 with code 3001: no such meeting (it was deleted in Zoom, or never existed)."""


class ZoomPermissionDenied(ZoomAPIError):
    """403, or a missing scope (codes 4700/4711): the grant does not allow this call."""


class ZoomRateLimited(ZoomAPIError):
    """429: Zoom's per-second rate limit (``retry_after`` seconds, when Zoom said)."""

    exit_code = ExitCode.RATE_LIMITED

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        retry_after: float | None = None,
        category: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(message, hint, **kwargs)
        self.retry_after = retry_after
        self.category = category


class ZoomDailyLimit(ZoomRateLimited):
    """429: the host's daily limit of meeting creates/updates; it resets at ``resets_at`` (UTC)."""

    def __init__(self, message: str, hint: str | None = None, *, resets_at: datetime | None = None, **kwargs: Any):
        super().__init__(message, hint, **kwargs)
        self.resets_at = resets_at


class ZoomBatchPartlyApplied(ZoomctlError):
    """A batch of requests failed after some of it went through.

    ``completed`` holds Zoom's answers for the part that was applied; ``cause`` is the
    error that stopped the rest (its message, hint and exit code are this error's)."""

    def __init__(self, completed: list[dict[str, Any]], cause: ZoomctlError):
        super().__init__(cause.message, cause.hint, cause.exit_code)
        self.completed = completed
        self.cause = cause


class ZoomOAuthError(ZoomctlError):
    """Zoom's OAuth server (``/oauth/token``, ``/oauth/revoke``) refused a request."""

    exit_code = ExitCode.AUTH_REQUIRED

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        error: str | None = None,
        reason: str | None = None,
        status_code: int | None = None,
        exit_code: ExitCode | None = None,
    ):
        super().__init__(message, hint, exit_code)
        self.error = error  # "invalid_grant", "invalid_client", … or None
        self.reason = reason  # Zoom's own words, e.g. "Invalid Token!"
        self.status_code = status_code


class ReconnectRequired(AuthRequired):
    """The grant is dead: the app was removed in Zoom or the refresh token rotated away."""

    def __init__(self, message: str | None = None, hint: str | None = None):
        super().__init__(
            message
            or "the Zoom connection is no longer valid: the app was removed in Zoom, or its authorization was replaced",
            hint or "reconnect with `zoomctl auth login`",
        )


class LoginFailed(AuthRequired):
    """The browser sign-in did not produce an authorization code.

    ``reason`` is one of "declined", "state_mismatch", "timeout", "zoom_error",
    "no_code", "garbage".
    """

    def __init__(self, message: str, hint: str | None = None, *, reason: str):
        super().__init__(message, hint)
        self.reason = reason


class ZoomUnreachable(NetworkError):
    """Zoom could not be reached: the request was not sent."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint or "check your network connection (and proxy settings), then try again")


class ZoomNoAnswer(ZoomUnreachable, MaybeApplied):
    """The request may have reached Zoom, but no answer came (read timeout, connection
    dropped after sending): a create may have happened, so do not blindly send it again."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint or "check whether the change happened in Zoom before trying again")


_NOT_FOUND_BY_CODE: dict[int, type[ZoomNotFound]] = {
    USER_MISSING_CODE: ZoomUserNotFound,
    MEETING_MISSING_CODE: ZoomMeetingNotFound,
}

# --------------------------------------------------------------------------- parsing

_MAX_TEXT = 200


def _clean(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _parse_body(response: httpx.Response) -> dict[str, Any]:
    """Best effort: a dict with any of code, message, error, reason, errors."""
    try:
        raw = response.content
    except Exception:  # a streamed response that was never read
        return {}
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    if data is not None:
        return {"message": _clean(text)}
    # XML, e.g. <error><code>124</code><message>Invalid access token.</message></error>
    out: dict[str, Any] = {"_non_json": True}
    for tag in ("code", "message", "error", "reason"):
        m = re.search(rf"<{tag}>\s*(.*?)\s*</{tag}>", text, re.S | re.I)
        if m:
            out[tag] = _clean(re.sub(r"<[^>]+>", "", m.group(1)))
    if "message" not in out:
        m = re.search(r"<title>\s*(.*?)\s*</title>", text, re.S | re.I)
        if m:
            out["message"] = _clean(m.group(1))
    return out


def _request_info(response: httpx.Response) -> tuple[str | None, str | None, bool]:
    try:
        request = response.request
    except RuntimeError:
        return None, None, False
    path = request.url.path
    return request.method, path, "/oauth/" in path


def zoom_trouble(exc: BaseException) -> bool:
    """A failure of Zoom's own, which says nothing of the request or the credentials: Zoom
    unreachable or silent, a 5xx, a 429 (from the API or the OAuth server)."""
    if isinstance(exc, ZoomUnreachable):
        return True
    status = exc.status_code if isinstance(exc, ZoomAPIError | ZoomOAuthError) else None
    return status is not None and (status >= 500 or status == 429)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, an HTTP date or an ISO date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN guard
    now = now or datetime.now(UTC)
    when: datetime | None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def next_utc_midnight(now: datetime | None = None) -> datetime:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def _oauth_hint(error: str | None, code: int | None, status: int, wait: float | None = None) -> str:
    if status == 429:
        return f"wait {wait:g} s and run the command again" if wait else "wait a few seconds and run the command again"
    if status >= 500:
        return "Zoom's sign-in service failed; wait a minute and try again"
    if error == "invalid_client":
        return (
            "check the Zoom app's client ID and secret (Zoom App Marketplace → your app → "
            "App Credentials), then run `zoomctl auth login` again"
        )
    if code == 4709 or error == "redirect_uri_mismatch":
        return (
            "add http://127.0.0.1/callback to the Zoom app's redirect URLs and allow list, "
            "then run `zoomctl auth login` again"
        )
    if error == "unsupported_grant_type":
        return (
            "this Zoom app type does not allow this sign-in: use a user-managed OAuth app "
            "for `zoomctl auth login`, a Server-to-Server OAuth app for CI"
        )
    return LOGIN_HINT


def _oauth_error(response: httpx.Response, body: dict[str, Any], status: int) -> ZoomOAuthError:
    error = body.get("error") if isinstance(body.get("error"), str) else None
    reason = body.get("reason") or body.get("error_description") or body.get("message")
    reason = _clean(reason) if reason else None
    code = _as_int(body.get("code"))
    if body.get("_non_json") and not reason:
        reason = "an answer that is not JSON"
    detail = reason or error or "no details"
    what = f"{error}: {detail}" if error and reason else detail
    message = f"Zoom's OAuth server refused the request ({what}; HTTP {status})"
    # its rate limit is no reason to sign in again: the same credentials work once it passes
    exit_code = ExitCode.ZOOM_ERROR if status >= 500 else ExitCode.RATE_LIMITED if status == 429 else None
    wait = retry_after_seconds(response.headers.get("Retry-After")) if status == 429 else None
    return ZoomOAuthError(
        message,
        _oauth_hint(error, code, status, wait),
        error=error or ("server_error" if status >= 500 else None),
        reason=reason,
        status_code=status,
        exit_code=exit_code,
    )


def error_from_response(
    response: httpx.Response, *, oauth: bool | None = None, now: datetime | None = None
) -> ZoomAPIError | ZoomOAuthError:
    """The exception for a failed Zoom answer; parses the body defensively.

    ``oauth`` forces the OAuth-server interpretation; by default it is chosen from the
    request path (``/oauth/…``) or a body shaped like ``{"error": "…", "reason": …}``.
    """
    status = response.status_code
    body = _parse_body(response)
    method, path, is_oauth_path = _request_info(response)
    if oauth is None:
        oauth = is_oauth_path or (isinstance(body.get("error"), str) and "code" not in body)
    if oauth:
        return _oauth_error(response, body, status)

    code = _as_int(body.get("code"))
    zoom_message = body.get("message") or body.get("reason")
    if isinstance(zoom_message, (dict, list)):
        zoom_message = json.dumps(zoom_message)
    zoom_message = _clean(zoom_message) if zoom_message else None
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    errors = [e for e in errors if isinstance(e, dict)]
    if not zoom_message:
        if body.get("_non_json"):
            zoom_message = "Zoom answered with a body that is not JSON"
        else:
            zoom_message = response.reason_phrase or "no details"
    if errors:
        details = "; ".join(_clean(f"{e.get('field', '?')}: {e.get('message', '')}", 80) for e in errors[:3])
        zoom_message = f"{zoom_message} ({details})"

    where = f" {method} {path}" if method and path else ""
    tail = f"HTTP {status}" + (f", code {code}" if code is not None else "")
    message = f"Zoom refused{where}: {zoom_message} ({tail})"
    common = dict(
        status_code=status,
        code=code,
        zoom_message=zoom_message,
        method=method,
        path=path,
        errors=errors,
    )

    if status == 429:
        headers = response.headers
        now = now or datetime.now(UTC)
        limit_type = (headers.get("X-RateLimit-Type") or "").lower()
        daily = "daily" in limit_type or "daily" in (zoom_message or "").lower()
        category = headers.get("X-RateLimit-Category")
        retry_after = retry_after_seconds(headers.get("Retry-After"), now)
        if daily:
            resets_at = next_utc_midnight(now)
            left = resets_at - now
            hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
            return ZoomDailyLimit(
                f"Zoom's daily limit for creating and updating this host's meetings is used "
                f"up{where and ' (' + where.strip() + ')'}: {zoom_message} ({tail})",
                f"the limit resets at 00:00 UTC (in {hours} h {minutes} min); try again then",
                retry_after=retry_after,
                resets_at=resets_at,
                category=category,
                **common,
            )
        return ZoomRateLimited(
            f"Zoom's rate limit was hit{where and ' (' + where.strip() + ')'}: {zoom_message} ({tail})",
            "wait a few seconds and run the command again",
            retry_after=retry_after,
            category=category,
            **common,
        )
    if status == 403 or code in _PERMISSION_CODES or "does not contain scopes" in (zoom_message or ""):
        return ZoomPermissionDenied(
            message,
            "the Zoom authorization lacks a scope or permission for this: check the app's "
            "scopes, then run `zoomctl auth login` again (add --shared-access to act for "
            "other users)",
            **common,
        )
    if status == 401 or code == TOKEN_INVALID_CODE:
        return ZoomTokenInvalid(message, LOGIN_HINT, **common)
    if status == 404:
        missing = _NOT_FOUND_BY_CODE.get(code, ZoomNotFound) if code is not None else ZoomNotFound
        return missing(message, "check the ID; it may have been deleted in Zoom", **common)
    if status >= 500:
        return ZoomAPIError(message, "Zoom had a problem; wait a minute and try again", **common)
    return ZoomAPIError(message, DEBUG_HINT, **common)
