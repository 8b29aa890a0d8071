from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from zoom_helpers import OAUTH, make_jwt

from zoomctl.errors import ConfigError, ZoomctlError
from zoomctl.exit_codes import ExitCode
from zoomctl.zoom.errors import MaybeApplied, ZoomNoAnswer, ZoomOAuthError, ZoomUnreachable
from zoomctl.zoom.oauth import OAuthClient, TokenSet, authorize_url, pkce_challenge, pkce_pair, random_state

TOKEN_URL = f"{OAUTH}/oauth/token"
REVOKE_URL = f"{OAUTH}/oauth/revoke"
ACCESS, REFRESH = make_jwt(880), make_jwt(860)


def token_answer(**extra):
    body = {
        "access_token": ACCESS,
        "token_type": "bearer",
        "refresh_token": REFRESH,
        "expires_in": 3599,
        "scope": "meeting:write:meeting user:read:user",
        "api_url": "https://api.zoom.us",
    }
    body.update(extra)
    return body


def form(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    parsed = parse_qs(request.content.decode(), strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values())
    return {k: v[0] for k, v in parsed.items()}


def assert_no_query(request: httpx.Request):
    assert request.url.query == b"", "nothing may travel in the URL query"


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def http():
    with httpx.Client() as client:
        yield client


@pytest.fixture
def waits() -> list[float]:
    """The seconds the OAuth client slept between attempts (it never sleeps for real here)."""
    return []


@pytest.fixture
def public(http, clock, waits):
    return OAuthClient(http, OAUTH, "pub-id", clock=clock, sleep=waits.append)


@pytest.fixture
def confidential(http, clock, waits):
    return OAuthClient(http, OAUTH + "/", "conf-id", "conf-secret", clock=clock, sleep=waits.append)


# --------------------------------------------------------------------------- PKCE & URL


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9\-._~]+", verifier)
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected and "=" not in challenge
    assert pkce_pair()[0] != verifier


def test_pkce_rfc7636_appendix_b_vector():
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_random_state_is_unguessable():
    states = {random_state() for _ in range(50)}
    assert len(states) == 50 and all(len(s) >= 32 for s in states)


def test_authorize_url():
    url = authorize_url("https://zoom.us/", "cid", "http://127.0.0.1:5555/callback", "st", "ch")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "zoom.us", "/oauth/authorize")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["cid"],
        "redirect_uri": ["http://127.0.0.1:5555/callback"],
        "state": ["st"],
        "code_challenge": ["ch"],
        "code_challenge_method": ["S256"],
    }
    assert authorize_url("https://zoom.us/oauth", "c", "r", "s", "x").startswith("https://zoom.us/oauth/authorize?")


# --------------------------------------------------------------------------- TokenSet


def test_tokenset_round_trip_and_repr():
    ts = TokenSet(ACCESS, REFRESH, 1_700_003_599.0, ("a:b", "c:d"), "oauth", "https://api.zoom.us")
    assert TokenSet.from_json(ts.to_json()) == ts
    assert ACCESS not in repr(ts) and REFRESH not in repr(ts) and ACCESS not in str(ts)
    assert ts.expires_in(1_700_000_000.0) == 3599
    s2s = TokenSet("x", None, 5.0, (), "s2s")
    assert TokenSet.from_json(s2s.to_json()) == s2s
    assert '"r"' not in s2s.to_json()


@pytest.mark.parametrize("bad", ["", "[]", '{"k":"o"}', '{"a":"x","k":"?"}', "nope"])
def test_tokenset_from_json_rejects_garbage(bad):
    with pytest.raises(ValueError):
        TokenSet.from_json(bad)


# --------------------------------------------------------------------------- exchanges


def test_exchange_code_public(public, httpx_mock, clock):
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_answer())
    ts = public.exchange_code("the-code", "http://127.0.0.1:4000/callback", "the-verifier")
    request = httpx_mock.get_request()
    assert_no_query(request)
    assert "authorization" not in request.headers
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "http://127.0.0.1:4000/callback",
        "code_verifier": "the-verifier",
        "client_id": "pub-id",
    }
    assert ts == TokenSet(
        ACCESS, REFRESH, clock.now + 3599, ("meeting:write:meeting", "user:read:user"), "oauth", "https://api.zoom.us"
    )


def test_exchange_code_confidential(confidential, httpx_mock):
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_answer())
    confidential.exchange_code("c", "http://127.0.0.1:1/callback", "v")
    request = httpx_mock.get_request()
    assert_no_query(request)
    assert request.headers["authorization"] == basic("conf-id", "conf-secret")
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "http://127.0.0.1:1/callback",
        "code_verifier": "v",
    }


@pytest.mark.parametrize("kind", ["public", "confidential"])
def test_refresh(kind, request, httpx_mock, clock):
    client = request.getfixturevalue(kind)
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_answer(expires_in=100, api_url=None))
    ts = client.refresh("old-refresh")
    sent = httpx_mock.get_request()
    assert_no_query(sent)
    expected = {"grant_type": "refresh_token", "refresh_token": "old-refresh"}
    if kind == "public":
        expected["client_id"] = "pub-id"
        assert "authorization" not in sent.headers
    else:
        assert sent.headers["authorization"] == basic("conf-id", "conf-secret")
    assert form(sent) == expected
    assert ts.refresh_token == REFRESH and ts.expires_at == clock.now + 100 and ts.api_url is None


def test_account_credentials(confidential, httpx_mock):
    body = token_answer(scope="meeting:write:admin")
    del body["refresh_token"]
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=body)
    ts = confidential.account_credentials("acct-1")
    sent = httpx_mock.get_request()
    assert_no_query(sent)
    assert sent.headers["authorization"] == basic("conf-id", "conf-secret")
    assert form(sent) == {"grant_type": "account_credentials", "account_id": "acct-1"}
    assert ts.kind == "s2s" and ts.refresh_token is None and ts.scopes == ("meeting:write:admin",)


def test_account_credentials_needs_a_secret(public, httpx_mock):
    with pytest.raises(ConfigError) as info:
        public.account_credentials("acct")
    assert info.value.hint
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("kind", ["public", "confidential"])
def test_revoke(kind, request, httpx_mock):
    client = request.getfixturevalue(kind)
    httpx_mock.add_response(method="POST", url=REVOKE_URL, json={"status": "success"})
    client.revoke(ACCESS)
    sent = httpx_mock.get_request()
    assert_no_query(sent)
    expected = {"token": ACCESS}
    if kind == "public":
        expected["client_id"] = "pub-id"
    else:
        assert sent.headers["authorization"] == basic("conf-id", "conf-secret")
    assert form(sent) == expected


@pytest.mark.parametrize(
    ("first", "second", "done"),
    [
        ("503", "success", True),  # the first failed at Zoom: the second did it
        ("503", "invalid-token", True),  # the first did it before failing: Zoom no longer knows the token
        ("no-answer", "invalid-token", True),
        ("no-answer", "503", False),
        ("400", None, False),  # refused outright: not sent again
        ("503", "invalid-client", False),
    ],
)
def test_a_revoke_that_may_have_reached_zoom_is_sent_once_more(confidential, httpx_mock, first, second, done):
    answers = {
        "success": {"json": {"status": "success"}},
        "503": {"status_code": 503, "text": ""},
        "400": {"status_code": 400, "json": {"reason": "Invalid Token!", "error": "invalid_request"}},
        "invalid-token": {"status_code": 400, "json": {"reason": "Invalid Token!", "error": "invalid_request"}},
        "invalid-client": {"status_code": 400, "json": {"reason": "Invalid client", "error": "invalid_client"}},
    }
    if first == "no-answer":
        httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=REVOKE_URL)
    else:
        httpx_mock.add_response(url=REVOKE_URL, **answers[first])
    if second is not None:
        httpx_mock.add_response(url=REVOKE_URL, **answers[second])
    if done:
        confidential.revoke(ACCESS)
    else:
        with pytest.raises(ZoomctlError):
            confidential.revoke(ACCESS)
    assert len(httpx_mock.get_requests()) == (1 if second is None else 2)


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("call", ["exchange", "refresh", "s2s", "revoke"])
def test_invalid_grant(call, confidential, httpx_mock):
    httpx_mock.add_response(status_code=400, json={"reason": "Invalid Token!", "error": "invalid_grant"})
    with pytest.raises(ZoomOAuthError) as info:
        {
            "exchange": lambda: confidential.exchange_code("c", "r", "v"),
            "refresh": lambda: confidential.refresh("r"),
            "s2s": lambda: confidential.account_credentials("a"),
            "revoke": lambda: confidential.revoke("t"),
        }[call]()
    err = info.value
    assert (err.error, err.reason, err.status_code) == ("invalid_grant", "Invalid Token!", 400)
    assert err.hint


def test_invalid_client(confidential, httpx_mock):
    httpx_mock.add_response(
        status_code=401, json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    )
    with pytest.raises(ZoomOAuthError) as info:
        confidential.refresh("r")
    assert info.value.error == "invalid_client" and "client ID and secret" in info.value.hint


def test_non_json_error_body(public, httpx_mock):
    httpx_mock.add_response(status_code=400, text="<html><title>Bad Request</title></html>")
    with pytest.raises(ZoomOAuthError) as info:
        public.refresh("r")
    assert "Bad Request" in info.value.message and info.value.status_code == 400


def test_server_error(public, httpx_mock):
    httpx_mock.add_response(status_code=502, text="")
    with pytest.raises(ZoomOAuthError) as info:
        public.refresh("r")
    assert info.value.status_code == 502 and info.value.error == "server_error"


def test_success_without_access_token(public, httpx_mock):
    httpx_mock.add_response(status_code=200, text="<xml/>")
    with pytest.raises(ZoomOAuthError):
        public.exchange_code("c", "r", "v")


@pytest.mark.parametrize(
    ("exc", "maybe_sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("dropped"), True),
    ],
)
def test_network_failures(public, httpx_mock, exc, maybe_sent):
    httpx_mock.add_exception(exc, is_reusable=True)
    with pytest.raises(ZoomUnreachable) as info:
        public.refresh("r")
    assert isinstance(info.value, ZoomNoAnswer) is maybe_sent
    assert isinstance(info.value, MaybeApplied) is maybe_sent
    assert info.value.hint
    # a refresh that may have reached Zoom is never sent again (the refresh token may have rotated);
    # one that was never sent is tried three times in all
    assert len(httpx_mock.get_requests()) == (1 if maybe_sent else 3)


S2S_TOKEN = {"access_token": "s2s-token", "token_type": "bearer", "expires_in": 3599, "scope": "meeting:write:admin"}


@pytest.mark.parametrize(
    "first",
    [
        {"status_code": 503, "text": ""},
        {"status_code": 500, "text": "<html>oops</html>"},
        {"status_code": 429, "json": {"reason": "Too many requests"}},
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ConnectError("refused"),
    ],
    ids=["503", "500-html", "429", "read-timeout", "dropped", "refused"],
)
def test_server_to_server_token_is_asked_for_again(confidential, httpx_mock, waits, first):
    """A second S2S token request is harmless: a failure that may pass is tried again."""
    if isinstance(first, Exception):
        httpx_mock.add_exception(first)
    else:
        httpx_mock.add_response(method="POST", url=TOKEN_URL, **first)
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=S2S_TOKEN)
    assert confidential.account_credentials("acct-1").access_token == "s2s-token"
    assert len(httpx_mock.get_requests()) == 2 and len(waits) == 1 and 0 < waits[0] <= 1


def test_server_to_server_token_gives_up_after_three_tries(confidential, httpx_mock, waits):
    httpx_mock.add_response(method="POST", url=TOKEN_URL, status_code=503, text="", is_reusable=True)
    with pytest.raises(ZoomOAuthError) as info:
        confidential.account_credentials("acct-1")
    assert info.value.exit_code == ExitCode.ZOOM_ERROR and len(httpx_mock.get_requests()) == 3
    assert len(waits) == 2 and waits[0] < waits[1]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_refresh_is_not_sent_again_after_a_server_error(confidential, httpx_mock, waits, status):
    httpx_mock.add_response(method="POST", url=TOKEN_URL, status_code=status, text="")
    with pytest.raises(ZoomOAuthError):
        confidential.refresh("r")
    assert len(httpx_mock.get_requests()) == 1 and waits == []


@pytest.mark.parametrize(("retry_after", "again"), [("2", True), ("60", False)])
def test_a_429_is_tried_again_after_retry_after_when_short(confidential, httpx_mock, waits, retry_after, again):
    """Zoom did nothing with a 429, so even a refresh may be sent again; not past max_wait."""
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=429, headers={"Retry-After": retry_after}, json={"reason": "slow"}
    )
    if again:
        httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_answer())
        assert confidential.refresh("r").access_token
        assert waits == [2.0]
    else:
        with pytest.raises(ZoomOAuthError) as info:
            confidential.refresh("r")
        assert info.value.exit_code == ExitCode.RATE_LIMITED and "wait 60 s" in info.value.hint
        assert waits == []


def test_bad_base_url(http):
    client = OAuthClient(http, "zoom.us", "c")
    with pytest.raises(ConfigError):
        client.refresh("r")


def test_tokens_never_logged(confidential, httpx_mock, caplog):
    caplog.set_level("DEBUG", logger="zoomctl.http")
    httpx_mock.add_response(status_code=400, json={"reason": f"bad {REFRESH}", "error": "invalid_grant"})
    with pytest.raises(ZoomOAuthError):
        confidential.refresh(REFRESH)
    assert caplog.records, "the exchange is logged at DEBUG"
    assert REFRESH not in caplog.text and "conf-secret" not in caplog.text
