"""Rate limits: per-second by category, 100 meeting creates/updates per host per day."""

from __future__ import annotations

from datetime import UTC, datetime

from zoomctl.sandbox import Sandbox, SandboxOptions
from zoomctl.sandbox.limits import DAILY_MESSAGE, QPS_MESSAGE

from .testkit import Zoom, client_for

RATE_HEADERS = ("retry-after", "x-ratelimit-category", "x-ratelimit-type", "x-ratelimit-limit", "x-ratelimit-remaining")


def test_per_second_limit_by_category(zoom):
    zoom.sb.configure(rate_limits={"Light": 2, "Medium": 1})
    tokens = zoom.login()
    zoom.sb.clock.freeze()
    first = zoom.api("GET", "/users/me", tokens)
    assert first.headers["x-ratelimit-category"] == "Light"
    assert first.headers["x-ratelimit-type"] == "QPS"
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert zoom.api("GET", "/users/me", tokens).status_code == 200
    limited = zoom.api("GET", "/users/me", tokens)
    assert limited.status_code == 429
    assert limited.json() == {"code": 4001, "message": QPS_MESSAGE}  # the code the documents give
    assert limited.headers["retry-after"] == "1"
    assert limited.headers["x-ratelimit-type"] == "QPS"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    # Medium is counted separately
    medium = zoom.api("GET", "/users/me/meetings", tokens)
    assert medium.status_code == 200 and medium.headers["x-ratelimit-category"] == "Medium"
    assert zoom.api("GET", "/users/me/meetings", tokens).status_code == 429
    zoom.sb.clock.advance(1)
    assert zoom.api("GET", "/users/me", tokens).status_code == 200
    assert zoom.api("GET", "/users/me/meetings", tokens).status_code == 200


def test_heavy_category_for_batch_registrants(zoom):
    zoom.sb.configure(rate_limits={"Heavy": 1})
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    zoom.sb.clock.freeze()
    body = {"registrants": [{"email": "a@example.com", "first_name": "A"}]}
    path = f"/meetings/{meeting['id']}/batch_registrants"
    first = zoom.api("POST", path, tokens, json=body)
    assert first.status_code == 201 and first.headers["x-ratelimit-category"] == "Heavy"
    second = zoom.api("POST", path, tokens, json=body)
    assert second.status_code == 429


def test_per_second_limit_is_per_account_across_grants(zoom):
    zoom.sb.configure(rate_limits={"Light": 1})
    one, two = zoom.login("public"), zoom.s2s()
    zoom.sb.clock.freeze()
    assert zoom.api("GET", "/users/me", one).status_code == 200
    assert zoom.api("GET", "/users/me", two).status_code == 429


def test_daily_meeting_limit_per_host_resets_at_midnight_utc(zoom):
    zoom.sb.configure(daily_meeting_limit=3)
    zoom.sb.clock.set(datetime(2031, 6, 1, 22, 30, tzinfo=UTC))
    tokens = zoom.s2s()
    host = zoom.owner
    meeting = zoom.create_meeting(tokens, user=host["id"])
    zoom.create_meeting(tokens, user=host["id"])
    assert (
        zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"topic": "updates count too"}).status_code == 204
    )
    refused = zoom.api("POST", f"/users/{host['id']}/meetings", tokens, json={})
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "message": DAILY_MESSAGE.format(limit=3)}
    assert "daily rate limit (3) of Meeting Create/Update" in refused.json()["message"]
    assert refused.headers["x-ratelimit-type"] == "Daily-limit"
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["retry-after"] == "2031-06-02T00:00:00Z"
    update = zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"topic": "no"})
    assert update.status_code == 429
    # another host has their own quota; reads are not limited
    other = zoom.user(type=2, owner=False)
    assert zoom.api("POST", f"/users/{other['id']}/meetings", tokens, json={}).status_code == 201
    assert zoom.api("GET", f"/meetings/{meeting['id']}", tokens).status_code == 200
    # past 00:00 UTC of the sandbox clock the quota is back
    zoom.sb.clock.set(datetime(2031, 6, 2, 0, 0, 1, tzinfo=UTC))
    tokens = zoom.s2s()
    assert zoom.api("POST", f"/users/{host['id']}/meetings", tokens, json={}).status_code == 201


def test_rejected_requests_do_not_use_up_the_daily_quota(zoom):
    zoom.sb.configure(daily_meeting_limit=1)
    tokens = zoom.login()
    bad = zoom.api("POST", "/users/me/meetings", tokens, json={"duration": 0})
    assert bad.status_code == 400
    assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 201
    assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 429


def test_default_daily_limit_is_100(zoom):
    zoom.sb.configure(rate_limits={"Light": 1000})  # 101 quick calls would hit 30/s first
    tokens = zoom.s2s()
    for _ in range(100):
        assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 201
    answer = zoom.api("POST", "/users/me/meetings", tokens, json={})
    assert answer.status_code == 429 and "(100)" in answer.json()["message"]


def test_rate_limit_headers_can_be_switched_off():
    with (
        Sandbox(
            SandboxOptions(rate_limit_headers=False, daily_meeting_limit=1, rate_limits={"Light": 50, "Medium": 1})
        ) as sb,
        client_for(sb) as http,
    ):
        zoom = Zoom(sb, http)
        tokens = zoom.login()
        sb.clock.freeze()
        ok = zoom.api("POST", "/users/me/meetings", tokens, json={})
        daily = zoom.api("POST", "/users/me/meetings", tokens, json={})
        zoom.api("GET", "/users/me/meetings", tokens)
        qps = zoom.api("GET", "/users/me/meetings", tokens)
        assert (ok.status_code, daily.status_code, qps.status_code) == (201, 429, 429)
        for answer in (ok, daily, qps):
            assert not any(h in answer.headers for h in RATE_HEADERS)
        sb.configure(rate_limit_headers=True)
        sb.clock.advance(1)
        assert "x-ratelimit-limit" in zoom.api("GET", "/users/me", tokens).headers
