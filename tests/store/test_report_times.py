"""The report's fast company-zone times and host start pages agree with the exact ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from zoomctl.models import host_start_page
from zoomctl.store.report import local_formatter

# zones with summer time, half-hour and 45-minute offsets, and a half-hour summer shift
ZONES = ["Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC", "Pacific/Apia"]


def exact(text: str, zone: str) -> str:
    return datetime.fromisoformat(text).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


@settings(max_examples=400, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    minutes=st.integers(min_value=0, max_value=6 * 366 * 24 * 60),
)
def test_local_time_matches_the_exact_conversion(zone, minutes):
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert local_formatter(zone)(text) == exact(text, zone)


def test_every_minute_around_a_summer_time_change():
    starts_local = local_formatter("Australia/Lord_Howe")  # moves by 30 minutes, at 15:00 UTC
    moment = datetime(2026, 4, 4, 13, 0, tzinfo=UTC)
    for _ in range(4 * 60):
        text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert starts_local(text) == exact(text, "Australia/Lord_Howe")
        moment += timedelta(minutes=1)


def urlsplit_start_page(join_url, meeting_id):
    parts = urlsplit(join_url)
    return f"{parts.scheme}://{parts.netloc}/s/{meeting_id}" if parts.scheme and parts.netloc else None


def test_host_start_page_reads_the_origin_as_urlsplit_does():
    for url in [
        "https://us06web.zoom.us/j/85746065?pwd=abc",
        "http://127.0.0.1:8765/j/1",
        "https://zoom.us?x=1",
        "https://zoom.us#frag",
        "HTTPS://Zoom.US/j/2",
        "https://user@host:99/w/1?tk=x",
    ]:
        assert host_start_page(url, 42) == urlsplit_start_page(url, 42), url
    for bad in ["", None, "not a url", "/j/1", "://host/j/1", "https:///j/1"]:
        assert host_start_page(bad, 42) is None, bad
    assert host_start_page("https://zoom.us/j/1", None) is None
