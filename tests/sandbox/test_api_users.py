"""GET /users (pagination, status filter) and GET /users/{userId}."""

from __future__ import annotations

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from .testkit import Zoom, client_for


@pytest.fixture
def big():
    """A sandbox with 13 active users (owner + 12, one of them inactive)."""
    with Sandbox(SandboxOptions(users=13)) as sb, client_for(sb) as http:
        yield Zoom(sb, http)


def test_pagination_walks_every_active_user_once(big):
    tokens = big.s2s()
    seen, token, pages = [], None, 0
    while True:
        params = {"page_size": 5}
        if token:
            params["next_page_token"] = token
        answer = big.api("GET", "/users", tokens, params=params)
        assert answer.status_code == 200
        body = answer.json()
        pages += 1
        assert body["page_size"] == 5 and body["total_records"] == 13
        assert body["page_count"] == 3 and body["page_number"] == pages
        assert len(body["users"]) == (5 if pages < 3 else 3)
        seen += [u["id"] for u in body["users"]]
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 3
    active = [u["id"] for u in big.users() if u["status"] == "active"]
    assert seen == active


def test_status_filter_and_defaults(big):
    tokens = big.s2s()
    default = big.api("GET", "/users", tokens).json()
    assert default["page_size"] == 30 and default["next_page_token"] == ""
    assert all(u["status"] == "active" for u in default["users"])
    inactive = big.api("GET", "/users", tokens, params={"status": "inactive"}).json()
    assert [u["status"] for u in inactive["users"]] == ["inactive"]
    pending = big.api("GET", "/users", tokens, params={"status": "pending"}).json()
    assert pending["users"] == [] and pending["total_records"] == 0
    bad = big.api("GET", "/users", tokens, params={"status": "deleted"})
    assert bad.status_code == 400 and bad.json()["code"] == 300


def test_page_size_is_capped_at_300_and_must_be_positive(big):
    tokens = big.s2s()
    assert big.api("GET", "/users", tokens, params={"page_size": 1000}).json()["page_size"] == 300
    for value in ("0", "-3", "ten"):
        answer = big.api("GET", "/users", tokens, params={"page_size": value})
        assert answer.status_code == 400 and answer.json()["code"] == 300


def test_page_token_is_checked_and_expires_after_15_minutes(big):
    tokens = big.s2s()
    token = big.api("GET", "/users", tokens, params={"page_size": 5}).json()["next_page_token"]
    forged = big.api("GET", "/users", tokens, params={"next_page_token": token[:-2] + "xx"})
    assert forged.status_code == 400 and forged.json()["code"] == 300
    other_listing = big.api("GET", "/users", tokens, params={"next_page_token": token, "status": "inactive"})
    assert other_listing.status_code == 400
    big.sb.clock.advance(16 * 60)
    fresh = big.s2s()
    expired = big.api("GET", "/users", fresh, params={"next_page_token": token})
    assert expired.status_code == 400


def test_get_user_fields(zoom):
    tokens = zoom.login("admin")
    basic = zoom.user(type=1)
    body = zoom.api("GET", f"/users/{basic['id']}", tokens).json()
    assert body["id"] == basic["id"] and body["email"] == basic["email"]
    assert body["type"] == 1 and body["status"] == "active"
    assert body["account_id"] == zoom.sb.world.account["id"]
    assert body["personal_meeting_url"].startswith(zoom.sb.base_url + "/j/")
    assert isinstance(body["pmi"], int)


def test_inactive_user_is_visible_with_its_status(zoom):
    tokens = zoom.s2s()
    inactive = zoom.user(status="inactive")
    answer = zoom.api("GET", f"/users/{inactive['email']}", tokens)
    assert answer.status_code == 200 and answer.json()["status"] == "inactive"
