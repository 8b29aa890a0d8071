"""Small request and reply types shared by the OAuth, API, admin and page handlers.

Handlers take a ``Call`` and return a ``Reply``; only ``server.py`` touches sockets.
Error bodies follow Zoom: the REST API answers ``{"code": N, "message": "…"}`` (plus
``errors: [{field, message}]`` for validation failures), the OAuth server answers
``{"reason": "…", "error": "…"}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit


class BadBody(ValueError):
    """The request body is not what the endpoint accepts."""


@dataclass
class Call:
    """One HTTP request, already read."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body (first value of each field)."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadBody("the body is not UTF-8") from exc
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def json(self) -> Any:
        if not self.body.strip():
            raise BadBody("empty body")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadBody("not JSON") from exc


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, "application/json;charset=UTF-8", dict(headers or {}))


def empty_reply(status: int = 204, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, b"", None, dict(headers or {}))


def html_reply(status: int, html: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, html.encode("utf-8"), "text/html;charset=utf-8", dict(headers or {}))


def redirect(location: str) -> Reply:
    return Reply(302, b"", None, {"Location": location, "Cache-Control": "no-store"})


def api_error(
    status: int, code: int, message: str, errors: list[dict] | None = None, headers: dict[str, str] | None = None
) -> Reply:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return json_reply(status, body, headers)


def oauth_error(status: int, error: str, reason: str) -> Reply:
    return json_reply(status, {"reason": reason, "error": error}, {"Cache-Control": "no-store"})


def add_query(url: str, params: dict[str, str | None]) -> str:
    """``url`` with ``params`` appended to its query (``None`` values left out)."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
