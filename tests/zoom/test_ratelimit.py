"""Pacing under Zoom's per-second limits: categories, the pacer, and the hook the client is built with."""

from __future__ import annotations

import httpx
import pytest

from zoomctl.zoom.client import ZoomClient
from zoomctl.zoom.ratelimit import COST, HEADROOM, Halted, Pacer, category


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_each_category_starts_just_under_the_plan_s_documented_rate():
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)  # Pro
    assert [round(pacer.rate(c), 3) for c in ("Light", "Medium", "Heavy")] == [
        round(30 * HEADROOM, 3),
        round(20 * HEADROOM, 3),
        round(10 * HEADROOM, 3),
    ]
    assert round(Pacer(plan="Free").rate("Light"), 3) == round(4 * HEADROOM, 3)
    assert round(Pacer(plan="Business").rate("Heavy"), 3) == round(40 * HEADROOM, 3)


def test_slots_are_evenly_spaced_per_category():
    clock = FakeClock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)  # a ceiling of 20 Light calls a second
    for _ in range(3):
        pacer.wait("Light")
    pacer.wait("Heavy")  # its own lane: its first slot is now
    pacer.wait("Heavy")  # a Heavy call costs 3 Light ones: 20/3 a second
    assert clock.slept == [0.05, 0.05, 0.15]


def test_no_calendar_second_gets_more_than_the_limit():
    clock = FakeClock()
    clock.now = 100.7
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    seconds = []
    for _ in range(300):
        pacer.wait()
        seconds.append(int(clock.now))
    assert max(seconds.count(s) for s in set(seconds)) <= 30
    assert len(set(seconds)) <= 11  # and it is not much slower than the limit: 300 in ~10 s


def headers(limit=None, remaining=None, retry_after=None, kind="QPS", cat="Light"):
    out = {"X-RateLimit-Category": cat, "X-RateLimit-Type": kind}
    if limit is not None:
        out["X-RateLimit-Limit"] = str(limit)
    if remaining is not None:
        out["X-RateLimit-Remaining"] = str(remaining)
    if retry_after is not None:
        out["Retry-After"] = str(retry_after)
    return out


def test_the_stated_limit_is_followed_and_the_ceiling_stays_a_ceiling():
    pacer = Pacer(rng=lambda: 0.0)
    pacer.after_response("GET", "/users/me", 200, headers(limit=80, remaining=79))  # a Business account
    for _ in range(200):
        pacer.after_response("GET", "/users/me", 200, headers(limit=80, remaining=50))
    assert pacer.rate() == pytest.approx(80 * HEADROOM)
    capped = Pacer(12, rng=lambda: 0.0)
    for _ in range(200):
        capped.after_response("GET", "/users/me", 200, headers(limit=80, remaining=50))
    assert capped.rate() == 12
    assert capped.rate("Medium") == pytest.approx(12 / COST["Medium"])


def test_a_429_halves_the_rate_holds_the_lane_for_retry_after_then_it_climbs_back():
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, rng=lambda: 0.5)
    full = pacer.rate()
    pacer.after_response("POST", "/users/me/meetings", 429, headers(limit=30, remaining=0, retry_after=1))
    assert pacer.rate() == pytest.approx(full / 2)
    pacer.after_response("POST", "/users/me/meetings", 429, headers(limit=30, remaining=0, retry_after=1))
    assert pacer.rate() == pytest.approx(full / 2)  # in flight with the first: the same congestion
    pacer.wait()
    assert clock.slept == [pytest.approx(1 + 0.5 / (full / 2), abs=1e-5)]  # Retry-After plus jitter
    pacer.after_response("POST", "/users/me/meetings", 429, headers(limit=30, remaining=0, retry_after=1))
    assert pacer.rate() == pytest.approx(full / 4)  # a new one
    rates = []
    for _ in range(100):
        pacer.after_response("POST", "/users/me/meetings", 201, headers(limit=30, remaining=10))
        rates.append(pacer.rate())
    assert rates == sorted(rates) and rates[0] > full / 4  # climbing back, a step per answer
    assert rates[-1] == pytest.approx(full)  # and not past the cap
    assert pacer.rate("Medium") == pytest.approx(20 * HEADROOM)  # the other lanes never slowed


def test_without_headers_a_429_still_slows_and_holds_the_lane():
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, rng=lambda: 0.0)
    full = pacer.rate()
    pacer.after_response("POST", "/users/me/meetings", 429, {})
    assert pacer.rate() == pytest.approx(full / 2)
    pacer.wait()
    assert clock.slept == [pytest.approx(1.0, abs=1e-5)]  # one per-second window
    pacer.after_response("POST", "/users/me/meetings", 201, {})
    assert pacer.rate() > full / 2


def test_a_used_up_window_stops_the_climb():
    pacer = Pacer()
    pacer.after_response("GET", "/users/me", 429, headers(limit=30, remaining=0, retry_after=1))
    slow = pacer.rate()
    for _ in range(10):
        pacer.after_response("GET", "/users/me", 200, headers(limit=30, remaining=0))
    assert pacer.rate() == slow


def test_the_daily_limit_is_not_a_reason_to_slow_down():
    pacer = Pacer()
    full = pacer.rate()
    pacer.after_response(
        "POST", "/users/me/meetings", 429, headers(kind="Daily-limit", retry_after="2030-01-01T00:00:00Z")
    )
    assert pacer.rate() == full


def test_the_rate_never_falls_to_nothing():
    clock = FakeClock()
    pacer = Pacer(plan="Free", clock=clock, sleep=clock.sleep)
    for _ in range(50):
        clock.now += 20
        pacer.after_response("POST", "/users/me/meetings", 429, headers(retry_after=1))
    assert pacer.rate() > 0


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/users/me/meetings", "Light"),
        ("GET", "/users/me/meetings", "Medium"),
        ("GET", "/users", "Medium"),
        ("GET", "/users/abc", "Light"),
        ("DELETE", "/meetings/1", "Light"),
        ("PUT", "/meetings/1/registrants/status", "Medium"),
        ("POST", "/meetings/1/batch_registrants", "Heavy"),
        ("POST", "/meetings/1/registrants", "Light"),
    ],
)
def test_categories_follow_zoom_s_rate_limit_labels(method, path, expected):
    assert category(method, path) == expected


class Tokens:
    def access_token(self):
        return "token"

    def refresh_after_rejection(self, rejected):
        return "token"


def test_a_client_built_with_a_pacer_waits_for_each_request_s_slot_and_a_halt_stops_it(httpx_mock):
    clock = FakeClock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    clock.now = 0.0
    httpx_mock.add_response(json={}, is_reusable=True)
    with httpx.Client() as http:
        client = ZoomClient("https://api.zoom.example/v2", Tokens(), http, pacer=pacer)
        client.get_user("me")  # Light: the first slot is now
        list(client.iter_users())  # Medium: after the Light one
        client.get_user("me")
        pacer.halt()
        with pytest.raises(Halted):
            client.create_meeting("me", {"topic": "t"})
        pacer.resume()
        client.get_user("me")
    # the Light calls 1/20 s apart (Medium has a lane of its own); the halted POST gave up at once
    assert clock.slept == [0.05, 0.05]
    assert [r.method for r in httpx_mock.get_requests()] == ["GET", "GET", "GET", "GET"]  # the halted POST: never sent


def test_a_client_without_a_pacer_sends_at_once(httpx_mock):
    httpx_mock.add_response(json={}, is_reusable=True)
    with httpx.Client() as http:
        client = ZoomClient("https://api.zoom.example/v2", Tokens(), http)
        assert client.pacer is None
        client.get_user("me")
        client.get_user("me")
    assert len(httpx_mock.get_requests()) == 2


def test_a_429_goes_back_through_the_pacer_which_holds_the_lane(httpx_mock):
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, rng=lambda: 0.0)
    httpx_mock.add_response(status_code=429, json={"code": 4001, "message": "slow down"}, headers={"Retry-After": "1"})
    httpx_mock.add_response(json={"id": "u"})
    with httpx.Client() as http:
        client = ZoomClient("https://api.zoom.example/v2", Tokens(), http, pacer=pacer, sleep=clock.sleep)
        assert client.get_user("me") == {"id": "u"}
    assert len(httpx_mock.get_requests()) == 2
    assert clock.slept == [pytest.approx(1.0)]  # the pacer's hold, not a second wait of the client's
    assert pacer.rate() < 30 * HEADROOM
