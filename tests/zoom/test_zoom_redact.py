from __future__ import annotations

import json

import pytest
from zoom_helpers import make_jwt

from zoomctl.zoom.client import redact  # re-exported where the HTTP logging lives

SECRET = "S3cr3tV4lue"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {SECRET}",
        f"authorization: Basic {SECRET}==",
        f"{{'Authorization': 'Bearer {SECRET}'}}",
        f"grant_type=refresh_token&refresh_token={SECRET}",
        f"grant_type=authorization_code&code={SECRET}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&code_verifier={SECRET}x",
        f"client_id=abc&client_secret={SECRET}",
        f"token={SECRET}",
        f"https://us06web.zoom.us/w/123?tk={SECRET}&uuid=WN_x",
        f"https://us06web.zoom.us/j/123?pwd={SECRET}",
        f"https://us06web.zoom.us/s/123?zak={SECRET}",
        json.dumps({"access_token": SECRET, "token_type": "bearer"}),
        json.dumps({"refresh_token": SECRET}),
        json.dumps({"password": SECRET, "id": 1}),
        json.dumps({"start_url": f"https://zoom.us/s/1?zak={SECRET}"}),
        f"GET /callback?code={SECRET}&state=xyz HTTP/1.1",
    ],
)
def test_secrets_are_masked(text):
    out = redact(text)
    assert SECRET not in out
    assert "***" in out


def test_jwts_anywhere_are_masked():
    jwt = make_jwt(700)
    out = redact(f"token was {jwt} (see logs)")
    assert jwt not in out and jwt[:30] not in out
    assert out == "token was *** (see logs)"


def test_cut_off_and_opaque_tokens_are_masked():
    jwt = make_jwt(900)
    assert jwt[:300] not in redact(f'{{"r":"{jwt[:300]}')  # a JWT cut by a split or a log limit
    assert jwt[400:700] not in redact(f"part {jwt[400:700]} end")  # no 'eyJ' prefix left
    opaque = "A1b2" * 20
    assert redact(f"x {opaque} y") == "x *** y"


def test_harmless_text_is_kept():
    text = "POST https://api.zoom.us/v2/users/me/meetings -> 201 in 120 ms grant_type=authorization_code"
    assert redact(text) == text
    long_path = "PUT https://api.zoom.us/v2/meetings/85746065123/registrants/status?occurrence_id=1648194360000"
    assert redact(long_path) == long_path
    body = json.dumps({"code": 124, "message": "Invalid access token."})
    assert redact(body) == body  # numeric error codes are not secrets
    assert redact("error_code=4709") == "error_code=4709"


def test_query_keeps_other_parameters():
    assert redact("https://x/j/1?pwd=abc&uuid=u1") == "https://x/j/1?pwd=***&uuid=u1"
