"""Deterministic, Zoom-looking identifiers derived from the world's seed.

Every id is ``sha256(seed | kind | n)`` shaped like its Zoom counterpart, so the same seed
always yields the same account, users, apps and meeting ids (handy for snapshots and
docs), while different seeds never collide in practice.
"""

from __future__ import annotations

import base64
import hashlib

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def digest(seed: str, *parts: object) -> bytes:
    """32 bytes that depend only on ``seed`` and ``parts``."""
    text = "|".join([seed, *(str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).digest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def zoom_id(seed: str, *parts: object) -> str:
    """A 22-character base64url id, like Zoom user, account, client and registrant ids."""
    return b64url(digest(seed, *parts)[:16])


def alnum(seed: str, length: int, *parts: object) -> str:
    """``length`` letters and digits (client secrets, passcodes)."""
    out: list[str] = []
    counter = 0
    while len(out) < length:
        for byte in digest(seed, *parts, counter):
            if byte < 248:  # 248 = 4 * 62: keeps the choice unbiased
                out.append(_ALNUM[byte % 62])
                if len(out) == length:
                    break
        counter += 1
    return "".join(out)


def number(seed: str, low: int, high: int, *parts: object) -> int:
    """An integer in ``[low, high)``."""
    value = int.from_bytes(digest(seed, *parts)[:8], "big")
    return low + value % (high - low)


def meeting_id(seed: str, n: int) -> int:
    """An 11-digit meeting number (Zoom's are 9 to 11 digits; int64 in the API)."""
    return number(seed, 81_000_000_000, 99_999_999_999, "meeting", n)


def meeting_uuid(seed: str, n: int) -> str:
    """A meeting UUID: standard base64 of 16 bytes, as Zoom shows them (``…==``)."""
    return base64.b64encode(digest(seed, "meeting-uuid", n)[:16]).decode("ascii")
