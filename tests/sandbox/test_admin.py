"""The /_sandbox admin endpoint and describe()."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from zoomctl.sandbox import describe, describe_text
from zoomctl.sandbox.tokens import token_hash


def test_describe_lists_urls_apps_and_users(sb, zoom):
    info = describe(sb)
    json.dumps(info)  # JSON-able
    assert info["oauth_base_url"] == sb.base_url
    assert info["api_base_url"] == sb.base_url + "/v2"
    assert info["token_url"] == sb.base_url + "/oauth/token"
    assert info["apps"]["s2s"]["account_id"] == info["account"]["id"]
    assert "client_secret" not in info["apps"]["public"]
    assert {u["email"] for u in info["users"]} == {u["email"] for u in zoom.users()}
    assert info["account"]["owner_email"] == zoom.owner["email"]
    text = describe_text(info)
    assert sb.apps["confidential"]["client_secret"] in text
    assert zoom.owner["email"] in text and sb.api_base_url in text
    assert zoom.http.get("/_sandbox").json() == info


def test_admin_stats(zoom):
    tokens = zoom.login()
    zoom.refresh("public", tokens["refresh_token"])
    stats = zoom.http.get("/_sandbox/stats").json()
    assert stats["token.refresh_token"] == 1 and stats["token.authorization_code"] == 1
    assert stats["token"] == 2 and stats["authorize"] == 1 and stats["authorize.consent"] == 1
    assert stats == zoom.sb.stats()
    assert zoom.http.delete("/_sandbox/stats").status_code == 200
    assert zoom.sb.stats() == {}


def test_admin_faults(zoom):
    tokens = zoom.login()
    added = zoom.http.post("/_sandbox/faults", json={"spec": "user:1:status=500"})
    assert added.status_code == 201
    zoom.http.post("/_sandbox/faults", json={"operation": "meetings", "nth": 1, "status": 503})
    zoom.http.post("/_sandbox/faults", json={"specs": ["users:1:status=502"]})
    listed = zoom.http.get("/_sandbox/faults").json()["faults"]
    assert [f["operation"] for f in listed] == ["user", "meetings", "users"]
    assert zoom.api("GET", "/users/me", tokens).status_code == 500
    one = listed[1]["id"]
    assert zoom.http.delete(f"/_sandbox/faults?id={one}").status_code == 200
    assert zoom.api("GET", "/users/me/meetings", tokens).status_code == 200
    assert zoom.http.delete("/_sandbox/faults").json() == {"faults": []}
    bad = zoom.http.post("/_sandbox/faults", json={"spec": "nope:1:status=500"})
    assert bad.status_code == 400 and "unknown operation" in bad.json()["error"]
    assert zoom.http.post("/_sandbox/faults", json={"operation": "user", "colour": "red"}).status_code == 400


def test_admin_clock(zoom):
    tokens = zoom.login()
    before = zoom.sb.clock.now()
    answer = zoom.http.post("/_sandbox/clock", json={"advance": 3600})
    assert answer.status_code == 200
    now = datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))
    assert 3599 < (now - before).total_seconds() < 3700
    assert zoom.api("GET", "/users/me", tokens).status_code == 401  # expired
    frozen = zoom.http.post("/_sandbox/clock", json={"set": "2031-01-01T00:00:00Z", "freeze": True}).json()
    assert frozen["frozen"] and frozen["now"].startswith("2031-01-01T00:00:00")
    assert zoom.sb.clock.now() == datetime(2031, 1, 1, tzinfo=UTC)
    assert zoom.http.post("/_sandbox/clock", json={"freeze": False}).json()["frozen"] is False
    assert zoom.http.post("/_sandbox/clock", json={"jump": 1}).status_code == 400


def test_admin_events(zoom):
    tokens = zoom.login()
    answer = zoom.http.post("/_sandbox/events", json={"type": "app_uninstalled", "app": "public"})
    assert answer.status_code == 200 and answer.json()["grants_ended"] == 1
    assert zoom.api("GET", "/users/me", tokens).status_code == 401
    basic = zoom.user(type=1)
    zoom.http.post("/_sandbox/events", json={"type": "user_upgraded", "user": basic["email"]})
    assert zoom.sb.world.find_user(basic["id"])["type"] == 2
    assert zoom.http.post("/_sandbox/events", json={"type": "nope"}).status_code == 400
    assert zoom.http.post("/_sandbox/events", content=b"{").status_code == 400


def test_admin_config(zoom):
    owner = zoom.owner["email"]
    answer = zoom.http.post(
        "/_sandbox/config",
        json={
            "auto_approve": owner,
            "auto_approve_shared_access": True,
            "access_token_ttl": 120,
            "rate_limit_headers": False,
            "rate_limits": {"light": 5},
            "daily_meeting_limit": 7,
        },
    )
    assert answer.status_code == 200
    config = zoom.http.get("/_sandbox/config").json()
    assert config["auto_approve"] == owner and config["access_token_ttl"] == 120
    assert config["rate_limits"]["Light"] == 5 and config["daily_meeting_limit"] == 7
    params, verifier = zoom.authorize_params()
    redirect = zoom.http.get("/oauth/authorize", params=params)
    assert redirect.status_code == 302
    assert zoom.http.post("/_sandbox/config", json={"unknown": 1}).status_code == 400
    assert zoom.http.post("/_sandbox/config", json={"access_token_ttl": 0}).status_code == 400


def test_admin_state_holds_no_usable_tokens(zoom):
    tokens = zoom.login()
    state = zoom.http.get("/_sandbox/state").json()
    text = json.dumps(state)
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
    assert token_hash(tokens["access_token"]) in state["tokens"]
    assert set(state["users"]) == {u["id"] for u in zoom.users()}


def test_admin_unknown_path(zoom):
    assert zoom.http.get("/_sandbox/nothing").status_code == 404
    assert zoom.http.put("/_sandbox/faults").status_code == 405


def test_sandbox_binds_loopback_by_default(sb):
    assert sb.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.2:{sb.port}/_sandbox", timeout=1)


def test_serve_forever_blocks_until_stopped():
    import threading

    from zoomctl.sandbox import Sandbox, SandboxOptions

    sb = Sandbox(SandboxOptions())
    runner = threading.Thread(target=sb.serve_forever, daemon=True)
    runner.start()
    for _ in range(200):
        if sb.config.base_url:
            break
        threading.Event().wait(0.01)
    assert httpx.get(sb.base_url + "/_sandbox/clock", timeout=5).status_code == 200
    assert runner.is_alive()
    sb.stop()
    runner.join(timeout=5)
    assert not runner.is_alive()
