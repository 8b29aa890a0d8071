"""Pacing under Zoom's per-second limits: categories, the pacer, and the hook the client is built with."""

from __future__ import annotations

import httpx
import pytest

from zoomctl.zoom.client import ZoomClient
from zoomctl.zoom.ratelimit import COST, Halted, Pacer, category


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_slots_are_evenly_spaced_and_heavier_calls_cost_more():
    clock = FakeClock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.wait()
    pacer.wait(3.0)  # a Heavy call takes three Light slots
    pacer.wait()
    assert clock.slept == [0.05, 0.05, 0.05, 0.15]


def test_no_calendar_second_gets_more_than_the_rate():
    clock = FakeClock()
    clock.now = 100.7
    pacer = Pacer(24, clock=clock, sleep=clock.sleep)
    seconds = []
    for _ in range(200):
        pacer.wait()
        seconds.append(int(clock.now))
    assert max(seconds.count(s) for s in set(seconds)) <= 25


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
    # each waited for its slot; the halted POST too, then gave up instead of being sent
    assert clock.slept == [0.05, COST["Medium"] / 20, 0.05, 0.05]
    assert [r.method for r in httpx_mock.get_requests()] == ["GET", "GET", "GET", "GET"]  # the halted POST: never sent


def test_a_client_without_a_pacer_sends_at_once(httpx_mock):
    httpx_mock.add_response(json={}, is_reusable=True)
    with httpx.Client() as http:
        client = ZoomClient("https://api.zoom.example/v2", Tokens(), http)
        assert client.pacer is None
        client.get_user("me")
        client.get_user("me")
    assert len(httpx_mock.get_requests()) == 2
