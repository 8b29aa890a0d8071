"""Tokens shaped like Zoom's: JWT-looking strings of realistic length.

Zoom's OAuth access and refresh tokens are HS512-signed JWTs of roughly 600 to 900
characters; clients must store them as opaque strings (one keyring backend in zoomctl has
a 2,560-byte entry limit, so the size matters). The sandbox never parses its tokens: it
stores only their SHA-256 and looks them up by it, so the state file holds no usable
token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid

from zoomctl.sandbox.ids import b64url

REFRESH_TOKEN_JWT_LIFETIME = 15 * 365 * 24 * 3600  # what Zoom puts in ``exp`` (not enforced)


def token_hash(token: str) -> str:
    """The key under which a token (or code) is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _jwt(key: bytes, payload: dict) -> str:
    header = {"alg": "HS512", "v": "2.0", "kid": str(uuid.uuid4())}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(payload, separators=(",", ":")).encode())
    )
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha512).digest()
    return signing_input + "." + b64url(signature)


def mint_oauth_token(
    key: bytes,
    *,
    kind: str,
    client_id: str,
    user_id: str,
    account_id: str,
    issued_at: float,
    expires_at: float | None,
    grant_id: str,
) -> str:
    """An access or refresh token (``kind`` is ``"access"`` or ``"refresh"``)."""
    iat = int(issued_at)
    exp = int(expires_at) if expires_at is not None else iat + REFRESH_TOKEN_JWT_LIFETIME
    payload = {
        "ver": 10,
        "auid": hashlib.sha256(f"{grant_id}|{user_id}".encode()).hexdigest(),
        "code": secrets.token_urlsafe(24),
        "iss": f"zm:cid:{client_id}",
        "gno": 0,
        "type": 0 if kind == "access" else 1,
        "tid": secrets.randbelow(1000),
        "aud": "https://oauth.zoom.us",
        "uid": user_id,
        "nbf": iat,
        "exp": exp,
        "iat": iat,
        "aid": account_id,
        "jti": str(uuid.uuid4()),
    }
    if kind == "refresh":
        payload["rtv"] = 1
    return _jwt(key, payload)


def mint_start_token(key: bytes, *, meeting_id: int, user_id: str, issued_at: float, expires_at: float) -> str:
    """The host token carried in a ``start_url`` (``zak=``); valid for two hours."""
    payload = {
        "aud": "clientsm",
        "uid": user_id,
        "iss": "web",
        "sk": "0",
        "sty": 100,
        "wcd": "us06",
        "clt": 0,
        "mnum": str(meeting_id),
        "exp": int(expires_at),
        "iat": int(issued_at),
        "aid": b64url(hashlib.sha256(user_id.encode()).digest()[:16]),
        "cid": "",
    }
    return _jwt(key, payload)


def read_start_token(key: bytes, token: str) -> dict | None:
    """The payload of a start token if its signature is ours, else None."""
    try:
        head, body, sig = token.split(".")
        expected = hmac.new(key, f"{head}.{body}".encode("ascii"), hashlib.sha512).digest()
        if not hmac.compare_digest(b64url(expected), sig):
            return None
        padded = body + "=" * (-len(body) % 4)
        return json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return None


def authorization_code() -> str:
    """A one-time authorization code, shaped like Zoom's (~33 URL-safe characters)."""
    return secrets.token_urlsafe(24) + "_" + secrets.token_urlsafe(6)


def registrant_token() -> str:
    """The personal ``tk=`` value in a registrant's join_url."""
    return secrets.token_urlsafe(48) + ".DQMAAAA" + secrets.token_urlsafe(18)
