"""``redact(text)``: remove credentials from anything about to be logged."""

from __future__ import annotations

import re

MASK = "***"

# Form fields / query parameters / JSON keys whose values are secrets. Longer names first.
SECRET_FIELDS = (
    "code_verifier",
    "client_secret",
    "refresh_token",
    "access_token",
    "id_token",
    "password",
    "token",
    "code",
    "pwd",
    "zak",
    "tk",
)
_names = "|".join(SECRET_FIELDS)

_AUTH_HEADER = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)([^\r\n\"',}]+)")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_JSON_FIELD = re.compile(rf"(?i)([\"'](?:{_names})[\"']\s*:\s*)([\"'])(?:\\.|(?!\2).)*\2")
_PAIR = re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_names})=)[^&\s\"'#<>]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_.-]{8,}")  # whole or cut-off JWTs
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_.~+-])[A-Za-z0-9_.~+-]{48,}")  # other long token-like runs


def redact(text: object) -> str:
    """``text`` with tokens, codes, secrets and passcodes replaced by ``***``."""
    out = str(text)
    out = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, out)
    out = _SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", out)
    out = _JSON_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", out)
    out = _PAIR.sub(lambda m: m.group(1) + MASK, out)
    out = _JWT.sub(MASK, out)
    out = _OPAQUE.sub(MASK, out)
    return out
