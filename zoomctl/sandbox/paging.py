"""Zoom-style pagination: ``page_size`` (default 30, at most 300) and ``next_page_token``.

A page token is opaque to clients: here it is the offset, the listing it belongs to and
its issue time, signed with the world's key. Like Zoom's, it expires after 15 minutes
(of the sandbox clock). The last page has ``next_page_token: ""``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math

from zoomctl.sandbox.ids import b64url

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
TOKEN_LIFETIME = 15 * 60


class PageError(ValueError):
    """A bad ``page_size``, ``page_number`` or ``next_page_token``."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def page_size(raw: str | None) -> int:
    """The page size asked for; values above 300 are treated as 300, as Zoom does."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise PageError("page_size", "Invalid field.") from None
    if size < 1:
        raise PageError("page_size", "Invalid field.")
    return min(size, MAX_PAGE_SIZE)


def make_token(key: bytes, listing: str, offset: int, now: float) -> str:
    body = b64url(json.dumps({"l": listing, "o": offset, "t": int(now)}, separators=(",", ":")).encode())
    sig = b64url(hmac.new(key, body.encode(), hashlib.sha256).digest()[:12])
    return f"{body}.{sig}"


def read_token(key: bytes, listing: str, token: str, now: float) -> int:
    """The offset a page token stands for; PageError if forged, foreign or expired."""
    body, _, sig = token.partition(".")
    expected = b64url(hmac.new(key, body.encode(), hashlib.sha256).digest()[:12])
    if not body or not hmac.compare_digest(expected, sig):
        raise PageError("next_page_token", "The next page token is invalid or expired.")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):
        raise PageError("next_page_token", "The next page token is invalid or expired.") from None
    if data.get("l") != listing or now - data.get("t", 0) > TOKEN_LIFETIME:
        raise PageError("next_page_token", "The next page token is invalid or expired.")
    return int(data.get("o", 0))


def paginate(
    key: bytes,
    listing: str,
    items: list,
    query_size: str | None,
    query_token: str | None,
    query_number: str | None,
    now: float,
) -> tuple[list, dict]:
    """One page of ``items`` and Zoom's paging fields for it."""
    size = page_size(query_size)
    if query_token:
        offset = read_token(key, listing, query_token, now)
    elif query_number:
        try:
            number = int(query_number)
        except ValueError:
            raise PageError("page_number", "Invalid field.") from None
        if number < 1:
            raise PageError("page_number", "Invalid field.")
        offset = (number - 1) * size
    else:
        offset = 0
    total = len(items)
    page = items[offset : offset + size]
    more = offset + size < total
    fields = {
        "page_count": math.ceil(total / size) if total else 0,
        "page_number": offset // size + 1,
        "page_size": size,
        "total_records": total,
        "next_page_token": make_token(key, listing, offset + size, now) if more else "",
    }
    return page, fields
