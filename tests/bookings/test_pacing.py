"""Pacing under Zoom's per-second limits, and the thread pool that makes only Zoom calls."""

from __future__ import annotations

import threading
import time

import pytest

from zoomctl.core.pacing import Halted, Pacer, category, paced, parallel


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


class Client:
    def __init__(self):
        self.sent = []

    def request(self, method, path, **kwargs):
        self.sent.append((method, path))
        return {}


def test_paced_wraps_once_and_halting_stops_waiting_requests():
    client = Client()
    assert paced(client, 1000) is paced(client, 5000)
    assert client._zoomctl_pacer.rate == 1000  # a second call never raises the rate
    client.request("GET", "/users/me")
    client._zoomctl_pacer.halt()
    with pytest.raises(Halted):
        client.request("POST", "/users/me/meetings")
    client._zoomctl_pacer.resume()
    client.request("GET", "/users/me")
    assert client.sent == [("GET", "/users/me"), ("GET", "/users/me")]


def test_parallel_yields_on_the_calling_thread_and_stop_starts_nothing_more():
    main = threading.get_ident()
    started = []
    lock = threading.Lock()

    def work(n):
        with lock:
            started.append(n)
        time.sleep(0.01)
        if n == 3:
            raise ValueError("boom")
        return n * 10

    runner = parallel(range(40), work, workers=2)
    seen = {}
    for item, result, error in runner:
        assert threading.get_ident() == main
        seen[item] = (result, error)
        if error is not None:
            runner.stop()
    assert isinstance(seen[3][1], ValueError)
    assert all(seen[n] == (n * 10, None) for n in seen if n != 3)
    assert len(started) < 40 and set(started) == set(seen)  # whatever started was reported
    assert sorted([*seen, *runner.not_started]) == list(range(40))
