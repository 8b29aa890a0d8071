"""The doctor's checks that need no process: scopes (classic and granular), the bounded sample of
meetings looked up in Zoom, the clock skew, and the text rendering."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from zoomctl.core import catalog, companies, doctor
from zoomctl.models import CatalogKind
from zoomctl.store.db import Store
from zoomctl.ui import UI
from zoomctl.zoom.errors import ZoomMeetingNotFound, ZoomPermissionDenied

ALL = ["create meetings", "update meetings", "delete meetings", "add registrants", "list users"]


@pytest.mark.parametrize(
    "granted",
    [
        {"meeting:write", "user:read:admin"},
        {"meeting:write:admin", "user:read:admin"},
        {
            "meeting:write:meeting",
            "meeting:update:meeting",
            "meeting:delete:meeting",
            "meeting:write:registrant",
            "user:read:list_users:admin",
        },
        {
            "meeting:write:meeting:admin",
            "meeting:update:meeting:admin",
            "meeting:delete:meeting:admin",
            "meeting:write:registrant:admin",
            "user:read:list_users:admin",
        },
    ],
)
def test_classic_or_granular_scopes_cover_the_setup(granted):
    assert doctor.uncovered(ALL, granted) == []


def test_scope_style():
    assert doctor.scope_style({"meeting:write", "user:read:admin"}) == "classic"
    assert doctor.scope_style({"meeting:write:meeting:admin"}) == "granular"


@pytest.mark.parametrize(
    ("granted", "missing"),
    [
        ({"meeting:read", "user:read"}, ALL),
        ({"meeting:write:meeting", "meeting:update:meeting"}, ["delete meetings", "add registrants", "list users"]),
        ({"meeting:write", "user:read"}, ["list users"]),  # reading one user is not listing them
        (
            {"meeting:write:meeting", "meeting:update:meeting", "meeting:delete:meeting"},
            ["add registrants", "list users"],
        ),
    ],
)
def test_missing_scopes_are_named(granted, missing):
    assert doctor.uncovered(ALL, granted) == missing


# ---------------------------------------------------------------------------------- meetings Zoom lost
@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    yield s
    s.finish(commit=False)


def upcoming(store, n: int):
    company = companies.create(store, "Acme Yoga", "Europe/Berlin")
    companies.set_feature(store, company, True)
    dana = catalog.add_provider(store, company, "Dana Smith", "dana@example.com")
    catalog.add_service(store, company, "Private lesson", 60, ["Dana Smith"])
    catalog.set_online(store, company, CatalogKind.SERVICE, "Private lesson", True)
    client = catalog.add_client(store, company, "pat@example.com", None)
    service = store.one("SELECT id FROM services")[0]
    for i in range(n):
        start = f"2031-03-{i + 1:02d}T08:00:00Z"
        booking = store.insert(
            "INSERT INTO bookings (company_id, service_id, provider_id, client_id, starts_at, ends_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (company.id, service, dana.id, client.id, start, start.replace("08:", "09:"), "2026-01-01T00:00:00Z"),
        )
        store.insert(
            "INSERT INTO meetings (company_id, booking_id, zoom_meeting_id, marker, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'created', ?, ?)",
            (company.id, booking, 1000 + i, f"m{i}", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        )
    return company


class LookupZoom:
    def __init__(self, gone: set[int], refused: set[int] = frozenset()):
        self.gone, self.refused = gone, refused
        self.asked: list[int] = []

    def get_meeting(self, meeting_id):
        self.asked.append(meeting_id)
        if meeting_id in self.gone:
            raise ZoomMeetingNotFound("Meeting does not exist", "x", status_code=404, code=3001)
        if meeting_id in self.refused:
            raise ZoomPermissionDenied("no permission", "add the scope", status_code=403, code=4711)
        return {"id": meeting_id}


NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_bounded_sample_of_the_soonest_meetings_is_looked_up(store):
    acme = upcoming(store, 25)
    zoom = LookupZoom(gone={1024})  # the last one: outside the sample
    check = doctor.meetings_missing(store, acme, zoom, deep=False, now=NOW)
    assert zoom.asked == list(range(1000, 1000 + doctor.SAMPLE))
    assert check.status == "ok" and "the next 20" in check.detail and "--deep" in check.detail


def test_deep_looks_up_every_upcoming_meeting(store):
    acme = upcoming(store, 25)
    zoom = LookupZoom(gone={1024, 1003})
    check = doctor.meetings_missing(store, acme, zoom, deep=True, now=NOW)
    assert len(zoom.asked) == 25
    assert check.status == "fail" and "booking(s) 4, 25" in check.detail and "all 25" in check.detail
    assert check.fix == "zoomctl bookings sync --all"


def test_a_refused_lookup_warns_and_the_others_are_still_asked(store):
    acme = upcoming(store, 3)
    zoom = LookupZoom(gone=set(), refused={1000})
    check = doctor.meetings_missing(store, acme, zoom, deep=False, now=NOW)
    assert zoom.asked == [1000, 1001, 1002]
    assert check.status == "warn" and "no permission" in check.detail and check.fix == "add the scope"
    zoom = LookupZoom(gone={1002}, refused={1000})
    assert doctor.meetings_missing(store, acme, zoom, deep=False, now=NOW).status == "fail"


def test_meetings_that_ended_are_not_looked_up(store):
    acme = upcoming(store, 3)
    zoom = LookupZoom(gone=set())
    check = doctor.meetings_missing(store, acme, zoom, deep=True, now=datetime(2031, 3, 2, 12, tzinfo=UTC))
    assert zoom.asked == [1002] and check.status == "ok"


# ---------------------------------------------------------------------------------- clock skew
@pytest.mark.parametrize(("offset", "status"), [(0, "ok"), (59, "ok"), (-59, "ok"), (61, "warn"), (-3600, "warn")])
def test_clock_skew_warns_past_a_minute_either_way(offset, status):
    zoom_time = NOW + timedelta(seconds=offset)
    check = doctor.clock_skew(format_datetime(zoom_time, usegmt=True), NOW)
    assert check.status == status
    if status == "warn":
        assert ("behind" if offset > 0 else "ahead of") in check.detail and check.fix


@pytest.mark.parametrize("header", [None, "", "yesterday-ish"])
def test_clock_skew_without_a_readable_date_skips(header):
    assert doctor.clock_skew(header, NOW).status == "skip"


# ---------------------------------------------------------------------------------- rendering
CHECKS = [
    doctor.Check("feature", "the feature is on", "ok", "on"),
    doctor.Check("scopes", "the scopes cover it", "warn", "hmm", "zoomctl auth login"),
    doctor.Check("zoom-users", "users exist", "fail", "gone", "zoomctl providers assign X --zoom-user E"),
    doctor.Check("clock-skew", "the clock", "skip", "no Zoom connection"),
]


def render(tty: bool) -> list[str]:
    out = io.StringIO()
    UI(stdout=out, stderr=io.StringIO(), force_tty=tty).checks(["header"], CHECKS)
    return out.getvalue().splitlines()


def test_plain_words_without_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert render(False) == [
        "header",
        "ok   the feature is on: on",
        "warn the scopes cover it: hmm",
        "     fix: zoomctl auth login",
        "fail users exist: gone",
        "     fix: zoomctl providers assign X --zoom-user E",
        "skip the clock: no Zoom connection",
        "1 fail, 1 warn, 1 ok, 1 skip",
    ]


def test_symbols_on_a_terminal_and_words_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in render(True)]
    assert [line.split()[0] for line in lines[1:-1] if not line.startswith(" ")] == ["✓", "!", "✗", "-"]
    assert "     fix: zoomctl auth login" in lines
    monkeypatch.setenv("NO_COLOR", "1")
    assert render(True) == render(False)


def test_strict_turns_a_warning_into_a_failure():
    diagnosis = doctor.Diagnosis("acme", CHECKS[:2])
    assert diagnosis.ok() and not diagnosis.ok(strict=True)
    assert diagnosis.as_json(strict=True)["ok"] is False
    assert not doctor.Diagnosis("acme", CHECKS).ok()
