"""The event log: every change a command makes is logged with when, what and which OS user."""

from __future__ import annotations

import json

import pytest
from support import UTC_RE, add_booking, dump, rows

from zoomctl.exit_codes import ExitCode
from zoomctl.store import events

OS_USER = "test-admin"


@pytest.fixture(autouse=True)
def os_user(monkeypatch):
    """getpass.getuser() reads LOGNAME first: the log must show whoever ran the command."""
    monkeypatch.setenv("LOGNAME", OS_USER)
    return OS_USER


def log(db):
    return [
        dict(r) for r in rows(db, "SELECT company_id, at, os_user, action, subject, details FROM events ORDER BY id")
    ]


def run_and_get_new_events(zc, db, *args):
    before = len(log(db)) if db.exists() else 0
    result = zc(*args)
    assert result.exit_code == 0, result.stderr
    return log(db)[before:]


@pytest.mark.parametrize(
    "args, action, subject",
    [
        (("feature", "disable"), "feature.disable", "online-video-meetings"),
        (("providers", "add", "Alex Kim", "--email", "alex@example.com"), "provider.add", "Alex Kim"),
        (("providers", "remove", "Dana Smith", "--force"), "provider.remove", "Dana Smith"),
        (("services", "add", "Intro", "--duration", "20"), "service.add", "Intro"),
        (("services", "remove", "Private lesson"), "service.remove", "Private lesson"),
        (("services", "online", "Private lesson", "--on"), "service.online", "Private lesson"),
        (("classes", "add", "Evening flow", "--duration", "60", "--capacity", "20"), "class.add", "Evening flow"),
        (("classes", "remove", "Morning yoga"), "class.remove", "Morning yoga"),
        (("classes", "online", "Morning yoga", "--on"), "class.online", "Morning yoga"),
        (
            ("classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana"),
            "session.add",
            "Morning yoga #1",
        ),
        (("clients", "add", "kim@example.com"), "client.add", "kim@example.com"),
    ],
)
def test_each_mutating_command_logs_one_event(zc, catalog, db, args, action, subject):
    new = run_and_get_new_events(zc, db, *args)
    assert [(e["action"], e["subject"]) for e in new] == [(action, subject)]
    event = new[0]
    assert event["os_user"] == OS_USER
    assert event["company_id"] == 1
    assert UTC_RE.match(event["at"])


def test_company_create_is_logged(zc, db):
    new = run_and_get_new_events(zc, db, "company", "create", "Acme Yoga", "--timezone", "Europe/Berlin")
    assert [(e["action"], e["subject"], e["os_user"]) for e in new] == [("company.create", "acme-yoga", OS_USER)]
    assert json.loads(new[0]["details"]) == {"name": "Acme Yoga", "timezone": "Europe/Berlin"}


def test_feature_enable_is_logged(zc, db):
    assert zc("company", "create", "Acme Yoga", "--timezone", "UTC", "--use").exit_code == 0
    new = run_and_get_new_events(zc, db, "feature", "enable")
    assert [(e["action"], e["os_user"]) for e in new] == [("feature.enable", OS_USER)]


def test_details_say_what_changed(zc, catalog, db):
    new = run_and_get_new_events(zc, db, "services", "online", "Private lesson", "--on")
    assert json.loads(new[0]["details"]) == {"online": True}
    new = run_and_get_new_events(zc, db, "services", "add", "Intro", "--duration", "20", "--provider", "Dana")
    assert json.loads(new[0]["details"]) == {"duration": 20, "providers": ["Dana Smith"]}


def test_session_cancel_is_logged(zc, catalog, db):
    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana").exit_code
        == 0
    )
    new = run_and_get_new_events(zc, db, "classes", "sessions", "cancel", "1")
    assert [(e["action"], e["subject"]) for e in new] == [("session.cancel", "Morning yoga #1")]


def test_forced_provider_removal_logs_what_it_cancelled(zc, catalog, client_id, db):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1)
    new = run_and_get_new_events(zc, db, "providers", "remove", "Dana", "--force")
    assert [e["action"] for e in new] == ["booking.cancel", "provider.remove"]  # each cancellation is logged too
    assert json.loads(new[-1]["details"]) == {"forced": True, "bookings_cancelled": 1}


def test_no_event_when_nothing_changed(zc, catalog, db):
    assert run_and_get_new_events(zc, db, "feature", "enable") == []
    assert run_and_get_new_events(zc, db, "services", "online", "Private lesson", "--off") == []
    for listing in (("providers", "list"), ("services", "list", "--json"), ("company", "show"), ("feature", "status")):
        assert run_and_get_new_events(zc, db, *listing) == []


def test_a_failed_command_logs_nothing(zc, catalog, db):
    before = dump(db)
    assert zc("providers", "add", "Dana Smith").exit_code == ExitCode.CONFLICT
    assert zc("services", "add", "Long", "--duration", "2000").exit_code == ExitCode.INVALID_INPUT
    assert dump(db) == before


def test_recent_reads_the_log_newest_first(zc, catalog, db):
    from zoomctl.store.db import Store

    store = Store(db)
    try:
        latest = events.recent(store, 1, limit=2)
        assert [e["action"] for e in latest] == ["class.add", "service.add"]
        assert latest[0]["details"] == {"capacity": 12, "duration": 45}
        assert [e["action"] for e in events.recent(store, 1, action_prefix="provider.")] == ["provider.add"]
    finally:
        store.finish(commit=False)


def test_os_user_falls_back_when_there_is_no_login_name(monkeypatch):
    import getpass

    def no_user():
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert events.os_user() == "unknown"


# ---- `zoomctl events`: who did what -------------------------------------------------------
def test_events_record_the_host_and_the_zoomctl_version(zc, db, company):
    import socket

    from zoomctl import version

    made = zc("providers", "add", "Dana Smith", "--email", "dana@example.com")
    assert made.exit_code == 0, made.stderr
    last = rows(db, "SELECT host, zoomctl_version, os_user FROM events ORDER BY id DESC LIMIT 1")[0]
    assert (last["host"], last["zoomctl_version"], last["os_user"]) == (socket.gethostname(), version(), OS_USER)


def test_the_events_command_filters_by_company_and_time(zc, db, company):
    assert zc("company", "create", "Other Co", "--timezone", "UTC").exit_code == 0
    assert zc("providers", "add", "Dana Smith").exit_code == 0
    assert zc("--company", "other-co", "providers", "add", "Lee Park").exit_code == 0
    everything = zc("events", "--json")
    assert everything.exit_code == 0, everything.stderr
    subjects = [e["subject"] for e in everything.json()]
    assert "Dana Smith" in subjects and "Lee Park" in subjects
    mine = zc("events", "--company", "acme-yoga", "--json").json()
    assert {e["company"] for e in mine} == {"acme-yoga"} and "Lee Park" not in [e["subject"] for e in mine]
    first = mine[0]
    assert set(first) >= {"at", "company", "os_user", "host", "zoomctl_version", "action", "subject", "details"}
    assert UTC_RE.match(first["at"])
    assert zc("events", "--since", "2999-01-01T00:00", "--json").json() == []
    assert len(zc("events", "--limit", "1", "--json").json()) == 1
    table = zc("events", "--company", "acme-yoga")
    assert table.exit_code == 0 and "Dana Smith" in table.stdout and OS_USER in table.stdout


@pytest.mark.parametrize(
    "args, code, text",
    [
        (("--since", "yesterday"), ExitCode.INVALID_INPUT, "as a time"),
        (("--limit", "0"), ExitCode.INVALID_INPUT, "--limit"),
        (("--company", "nope"), ExitCode.NOT_FOUND, "nope"),
    ],
)
def test_the_events_command_refuses_bad_input(fails_cleanly, company, args, code, text):
    result = fails_cleanly(code, "events", *args)
    assert text in result.stderr
