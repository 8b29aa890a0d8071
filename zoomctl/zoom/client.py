"""An httpx client for Zoom's REST API (``https://api.zoom.us/v2`` or any compatible URL).

Retry policy of ``ZoomClient.request``:

* 401 / code 124: ask the token source for another token once, retry once;
* 429 per-second: wait (with a pacer: the pacer holds the category's lane for ``Retry-After``
  and slows it down; without one: ``Retry-After`` if given, else jittered exponential backoff,
  each wait capped at ``max_wait``), at most ``max_retries`` times, then raise
  ZoomRateLimited; 429 daily: raise ZoomDailyLimit at once;
* 5xx and transport failures: retried (jittered) for GET, PUT, PATCH, DELETE only. A POST
  is never sent again once it may have reached Zoom (a second create could duplicate a
  meeting): a 5xx raises ZoomMaybeApplied, a read timeout or dropped connection raises
  ZoomNoAnswer. A connect failure happens before anything was sent, so it is retried for
  every method.

Pacing is a hook the client is built with: ``pacer.before_request(method, path)`` runs
before each attempt and ``pacer.after_response(method, path, status, headers)`` after each
answer (see ``zoomctl.zoom.ratelimit``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from zoomctl.errors import InvalidInput, ZoomctlError
from zoomctl.zoom.errors import (
    TOKEN_INVALID_CODE,
    ZoomAPIError,
    ZoomBatchPartlyApplied,
    ZoomDailyLimit,
    ZoomMaybeApplied,
    ZoomRateLimited,
    ZoomTokenInvalid,
    error_from_response,
)
from zoomctl.zoom.oauth import MAYBE_SENT_ERRORS, transport_error
from zoomctl.zoom.ratelimit import Pacer
from zoomctl.zoom.redact import redact
from zoomctl.zoom.session import TokenSource

__all__ = ["ZoomClient", "redact", "BATCH_LIMIT"]

BATCH_LIMIT = 30  # batch_registrants and registrants/status take at most 30 at once
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
REGISTRANT_ACTIONS = ("approve", "cancel", "deny")
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _segment(value: object) -> str:
    """One URL path segment (user ids may be emails; keep ``@`` readable)."""
    text = str(value)
    if not text:
        raise InvalidInput("an empty Zoom ID was given", "pass a Zoom user or meeting ID")
    return quote(text, safe="@")


def _bool(value: bool) -> str:
    return "true" if value else "false"


class ZoomClient:
    """Zoom REST calls with bearer auth, bounded retries and redacted debug logging."""

    def __init__(
        self,
        api_base_url: str,
        tokens: TokenSource,
        http: httpx.Client | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 10.0,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        logger: logging.Logger | None = None,
        user_agent: str = "zoomctl",
        pacer: Pacer | None = None,
    ):
        self.api_base_url = api_base_url.rstrip("/")
        self.tokens = tokens
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=timeout)
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.backoff = backoff
        self.sleep = sleep
        self.rng = rng
        self.log = logger or logging.getLogger("zoomctl.http")
        self.user_agent = user_agent
        #: spaces requests under Zoom's per-second limits (None: unpaced)
        self.pacer = pacer
        #: the ``Date`` header of Zoom's latest answer (for a clock-skew check), if it sent one
        self.last_date: str | None = None

    # -- lifecycle

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> ZoomClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one request method

    def _backoff_wait(self, attempt: int) -> float:
        """Jittered exponential backoff: between half and all of base·2^attempt, capped."""
        ceiling = min(self.max_wait, self.backoff * (2**attempt))
        return ceiling / 2 + self.rng() * ceiling / 2

    def _rate_limit_wait(self, err: ZoomRateLimited, attempt: int) -> float:
        if err.retry_after is not None:
            return err.retry_after + self.rng() * 0.25
        return self._backoff_wait(attempt)

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any] | None:
        """Send one API request; the decoded JSON object, or None for an empty answer."""
        method = method.upper()
        if self.pacer is not None:
            self.pacer.before_request(method, path)
        url = f"{self.api_base_url}/{path.lstrip('/')}"
        idempotent = method in IDEMPOTENT
        refreshed = False
        rate_limited = 0
        failures = 0
        while True:
            token = self.tokens.access_token()
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": self.user_agent,
            }
            started = time.monotonic()
            try:
                response = self.http.request(method, url, params=params, json=json, headers=headers)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                self.log.debug(
                    "%s %s failed after %.0f ms: %s",
                    method,
                    redact(url),
                    (time.monotonic() - started) * 1000,
                    type(exc).__name__,
                )
                retryable = isinstance(exc, _NOT_SENT) or (idempotent and isinstance(exc, MAYBE_SENT_ERRORS))
                if retryable and failures < self.max_retries:
                    self.sleep(self._backoff_wait(failures))
                    failures += 1
                    continue
                raise transport_error(exc, "Zoom") from exc
            elapsed = (time.monotonic() - started) * 1000
            self.log.debug(
                "%s %s -> %s in %.0f ms",
                method,
                redact(str(response.request.url)),
                response.status_code,
                elapsed,
            )
            status = response.status_code
            self.last_date = response.headers.get("Date") or self.last_date
            if self.pacer is not None:
                self.pacer.after_response(method, path, status, response.headers)
            if status < 400:
                return self._decode(response)
            self.log.debug("response body: %s", redact(response.text[:500]))
            err = error_from_response(response, oauth=False)
            assert isinstance(err, ZoomAPIError)

            if isinstance(err, ZoomTokenInvalid) or err.code == TOKEN_INVALID_CODE:
                if refreshed:
                    err.message = f"Zoom rejected the access token even after a refresh ({err.zoom_message})"
                    raise err
                refreshed = True
                self.tokens.refresh_after_rejection(token)
                continue
            if isinstance(err, ZoomDailyLimit):
                raise err
            if isinstance(err, ZoomRateLimited):
                wait = self._rate_limit_wait(err, rate_limited)
                if rate_limited >= self.max_retries or (
                    err.retry_after is not None and err.retry_after > self.max_wait
                ):
                    raise err
                rate_limited += 1
                if self.pacer is not None:  # it holds this category for every thread (Retry-After, jitter)
                    self.pacer.before_request(method, path)
                else:
                    self.sleep(min(wait, self.max_wait))
                continue
            if status >= 500:
                if idempotent and failures < self.max_retries:
                    self.sleep(self._backoff_wait(failures))
                    failures += 1
                    continue
                if not idempotent:
                    raise ZoomMaybeApplied.after(err)
            raise err

    def _decode(self, response: httpx.Response) -> dict[str, Any] | None:
        if not response.content or not response.content.strip():
            return None
        try:
            data = response.json()
        except ValueError:
            raise ZoomAPIError(
                f"Zoom answered {response.request.method} {response.request.url.path} "
                f"with something that is not JSON (HTTP {response.status_code})",
                "check the Zoom API base URL in your profile; run again with --debug",
                status_code=response.status_code,
                method=response.request.method,
                path=response.request.url.path,
            ) from None
        if isinstance(data, dict):
            return data
        return {"items": data}

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        params = {k: v for k, v in params.items() if v is not None}
        seen: set[str] = set()
        while True:
            page = self.request("GET", path, params=params) or {}
            items = page.get(key) or []
            yield from items
            token = page.get("next_page_token")
            if not token or token in seen:
                return
            seen.add(token)
            params = {**params, "next_page_token": token}

    # -- users

    def get_user(self, user_id: str = "me") -> dict[str, Any]:
        return self.request("GET", f"/users/{_segment(user_id)}") or {}

    def iter_users(self, status: str = "active", page_size: int = 300) -> Iterator[dict[str, Any]]:
        return self._pages("/users", "users", {"status": status, "page_size": page_size})

    # -- meetings

    def create_meeting(self, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /users/{userId}/meetings (201). Never retried once it may have been sent."""
        return self.request("POST", f"/users/{_segment(user_id)}/meetings", json=body) or {}

    def get_meeting(self, meeting_id: int | str) -> dict[str, Any]:
        """GET /meetings/{meetingId}: the meeting with a fresh ``start_url``."""
        return self.request("GET", f"/meetings/{_segment(meeting_id)}") or {}

    def update_meeting(self, meeting_id: int | str, body: dict[str, Any]) -> None:
        self.request("PATCH", f"/meetings/{_segment(meeting_id)}", json=body)

    def delete_meeting(
        self,
        meeting_id: int | str,
        *,
        schedule_for_reminder: bool | None = None,
        cancel_meeting_reminder: bool | None = None,
    ) -> None:
        params: dict[str, str] = {}
        if schedule_for_reminder is not None:
            params["schedule_for_reminder"] = _bool(schedule_for_reminder)
        if cancel_meeting_reminder is not None:
            params["cancel_meeting_reminder"] = _bool(cancel_meeting_reminder)
        self.request("DELETE", f"/meetings/{_segment(meeting_id)}", params=params or None)

    def iter_meetings(
        self,
        user_id: str = "me",
        type: str = "scheduled",
        page_size: int = 300,  # noqa: A002
    ) -> Iterator[dict[str, Any]]:
        return self._pages(
            f"/users/{_segment(user_id)}/meetings",
            "meetings",
            {"type": type, "page_size": page_size},
        )

    # -- registrants

    def add_registrant(self, meeting_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /meetings/{id}/registrants (needs ``email`` and ``first_name``)."""
        return self.request("POST", f"/meetings/{_segment(meeting_id)}/registrants", json=body) or {}

    def batch_registrants(
        self,
        meeting_id: int | str,
        registrants: Iterable[dict[str, Any]],
        auto_approve: bool = True,
        *,
        registrants_confirmation_email: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Add registrants 30 at a time; the combined ``registrants`` answers, in order.

        If a later chunk fails, ZoomBatchPartlyApplied carries the answers for the chunks
        that went through (``completed``) and the failure (``cause``).
        """
        done: list[dict[str, Any]] = []
        items = list(registrants)
        for start in range(0, len(items), BATCH_LIMIT):
            body: dict[str, Any] = {
                "auto_approve": auto_approve,
                "registrants": items[start : start + BATCH_LIMIT],
            }
            if registrants_confirmation_email is not None:
                body["registrants_confirmation_email"] = registrants_confirmation_email
            try:
                page = self.request("POST", f"/meetings/{_segment(meeting_id)}/batch_registrants", json=body)
            except ZoomctlError as exc:
                if done:
                    raise ZoomBatchPartlyApplied(list(done), exc) from exc
                raise
            done.extend((page or {}).get("registrants") or [])
        return done

    def update_registrant_status(
        self, meeting_id: int | str, action: str, registrants: Iterable[dict[str, Any]]
    ) -> None:
        """PUT /meetings/{id}/registrants/status, 30 registrants ({id, email}) per call."""
        if action not in REGISTRANT_ACTIONS:
            raise InvalidInput(
                f"unknown registrant action {action!r}",
                f"use one of: {', '.join(REGISTRANT_ACTIONS)}",
            )
        items = list(registrants)
        for start in range(0, len(items), BATCH_LIMIT):
            self.request(
                "PUT",
                f"/meetings/{_segment(meeting_id)}/registrants/status",
                json={"action": action, "registrants": items[start : start + BATCH_LIMIT]},
            )

    def iter_registrants(
        self, meeting_id: int | str, status: str = "approved", page_size: int = 300
    ) -> Iterator[dict[str, Any]]:
        return self._pages(
            f"/meetings/{_segment(meeting_id)}/registrants",
            "registrants",
            {"status": status, "page_size": page_size},
        )
