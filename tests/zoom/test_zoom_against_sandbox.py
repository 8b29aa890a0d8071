"""The Zoom layer against zoomctl's own Zoom emulator over loopback: a contract check
between the two (real sockets, real PKCE, real refresh-token rotation)."""

from __future__ import annotations

import threading
import urllib.request

import httpx
import pytest

sandbox = pytest.importorskip("zoomctl.sandbox")

from zoomctl.zoom.client import ZoomClient  # noqa: E402
from zoomctl.zoom.errors import ReconnectRequired, ZoomDailyLimit, ZoomMeetingNotFound, ZoomNotFound, ZoomRateLimited  # noqa: E402
from zoomctl.zoom.loopback import LoopbackListener  # noqa: E402
from zoomctl.zoom.oauth import OAuthClient, authorize_url, pkce_pair, random_state  # noqa: E402
from zoomctl.zoom.session import TokenManager  # noqa: E402
from zoomctl.zoom.tokens import MemoryTokenStore  # noqa: E402

pytestmark = pytest.mark.timeout(60)
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def sb():
    with sandbox.Sandbox(sandbox.SandboxOptions(users=3)) as running:
        yield running


@pytest.fixture
def http():
    with httpx.Client() as client:
        yield client


def licensed_email(sb, http, tmp_path) -> str:
    app = sb.apps["s2s"]
    oauth = OAuthClient(http, sb.oauth_base_url, app["client_id"], app["client_secret"])
    tm = TokenManager(MemoryTokenStore(), "s2s", oauth, tmp_path / "s2s.lock", s2s_account_id=app["account_id"])
    users = list(ZoomClient(sb.api_base_url, tm, http).iter_users(page_size=2))
    assert len(users) == 3  # followed next_page_token
    return next(u["email"] for u in users if u.get("type") == 2)


def browser_login(sb, oauth: OAuthClient, client_id: str):
    verifier, challenge = pkce_pair()
    state = random_state()
    with LoopbackListener() as listener:
        url = authorize_url(sb.oauth_base_url, client_id, listener.redirect_uri, state, challenge)
        browser = threading.Thread(target=lambda: _opener.open(url, timeout=10).read())
        browser.start()
        code = listener.wait(10, state)
        browser.join()
    return oauth.exchange_code(code, listener.redirect_uri, verifier)


def test_public_client_login_use_refresh_and_reconnect(sb, http, tmp_path):
    sb.configure(auto_approve=licensed_email(sb, http, tmp_path))
    app = sb.apps["public"]
    oauth = OAuthClient(http, sb.oauth_base_url, app["client_id"])
    store = MemoryTokenStore()
    store.save("acme", browser_login(sb, oauth, app["client_id"]))
    reconnects = []
    tm = TokenManager(store, "acme", oauth, tmp_path / "acme.lock", on_reconnect_required=lambda: reconnects.append(1))
    client = ZoomClient(sb.api_base_url, tm, http, sleep=lambda s: None)

    assert client.get_user()["type"] == 2
    created = client.create_meeting(
        "me",
        {
            "topic": "Yoga",
            "type": 2,
            "start_time": "2030-05-01T09:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 0},
        },
    )
    added = client.batch_registrants(
        created["id"], [{"email": f"p{i}@example.com", "first_name": f"P{i}"} for i in range(33)]
    )
    assert len(added) == 33 and len({r["join_url"] for r in added}) == 33
    client.update_registrant_status(
        created["id"], "cancel", [{"id": added[0]["registrant_id"], "email": added[0]["email"]}]
    )
    assert len(list(client.iter_registrants(created["id"]))) == 32
    client.update_meeting(created["id"], {"topic": "Yoga 2"})
    assert client.get_meeting(created["id"])["topic"] == "Yoga 2"

    first_refresh = store.load("acme").refresh_token
    sb.clock.advance(3600)  # Zoom's clock moves on: the access token is refused with 124
    assert client.get_user()["type"] == 2
    assert tm.renewals == 1 and store.load("acme").refresh_token != first_refresh

    client.delete_meeting(created["id"])
    with pytest.raises(ZoomNotFound) as info:
        client.get_meeting(created["id"])
    assert isinstance(info.value, ZoomMeetingNotFound)

    sb.uninstall_app("public")
    with pytest.raises(ReconnectRequired):
        client.get_user()
    assert reconnects == [1]


def test_confidential_client_daily_limit_and_revoke(sb, http, tmp_path):
    sb.configure(auto_approve=licensed_email(sb, http, tmp_path), daily_meeting_limit=1)
    app = sb.apps["confidential"]
    oauth = OAuthClient(http, sb.oauth_base_url, app["client_id"], app["client_secret"])
    store = MemoryTokenStore()
    store.save("acme", browser_login(sb, oauth, app["client_id"]))
    tm = TokenManager(store, "acme", oauth, tmp_path / "acme.lock")
    client = ZoomClient(sb.api_base_url, tm, http, sleep=lambda s: None)

    client.create_meeting("me", {"topic": "One", "type": 2, "duration": 30})
    with pytest.raises(ZoomRateLimited) as info:
        client.create_meeting("me", {"topic": "Two", "type": 2, "duration": 30})
    assert isinstance(info.value, ZoomDailyLimit) and info.value.resets_at is not None

    oauth.revoke(store.load("acme").access_token)
    with pytest.raises(ReconnectRequired):
        client.get_user()


@pytest.mark.parametrize("app_name", ["s2s", "confidential", "public"])
def test_a_bad_client_is_http_400_invalid_client_and_asks_to_check_the_credentials(sb, http, app_name):
    """Zoom answers a bad client at the token endpoint with HTTP 400 invalid_client; zoomctl
    names the cause and the fix, and exits with the authentication code."""
    from zoomctl.exit_codes import ExitCode
    from zoomctl.zoom.errors import ZoomOAuthError

    app = sb.apps[app_name]
    if app_name == "public":  # no secret to get wrong: an unknown client id
        oauth = OAuthClient(http, sb.oauth_base_url, "not-a-client-id")
        call = lambda: oauth.refresh("x")  # noqa: E731
    elif app_name == "s2s":
        oauth = OAuthClient(http, sb.oauth_base_url, app["client_id"], "not-the-secret")
        call = lambda: oauth.account_credentials(app["account_id"])  # noqa: E731
    else:
        oauth = OAuthClient(http, sb.oauth_base_url, app["client_id"], "not-the-secret")
        call = lambda: oauth.refresh("x")  # noqa: E731
    with pytest.raises(ZoomOAuthError) as refused:
        call()
    err = refused.value
    assert (err.status_code, err.error, err.reason) == (400, "invalid_client", "Invalid client_id or client_secret")
    assert err.exit_code == ExitCode.AUTH_REQUIRED
    assert "invalid_client" in str(err) and "client ID and secret" in err.hint
