"""Every store function on both engines: a SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import workspace

from zoomctl.models import BookingStatus, CatalogKind, MeetingStatus, RegistrantStatus, SessionStatus
from zoomctl.store import bookings as sb
from zoomctl.store import catalog as sc
from zoomctl.store import companies as sco
from zoomctl.store import events
from zoomctl.store.migrations import MIGRATIONS
from zoomctl.store.report import ReportFilter, report_rows

NOW = "2026-01-01T00:00:00Z"


def _seed(store):
    acme = sco.insert(store, "acme-yoga", "Acme Yoga", "Europe/Berlin")
    dana = sc.add_provider(store, acme.id, "Dana Smith", "dana@example.com")
    lesson = sc.add_service(store, acme.id, "Private lesson", 60, [dana.id])
    yoga = sc.add_class(store, acme.id, "Morning yoga", 45, 12)
    pat = sc.add_client(store, acme.id, "pat@example.com", "Pat Lee")
    return acme, dana, lesson, yoga, pat


def test_companies_and_connections(engine):
    with workspace(engine) as store:
        acme = sco.insert(store, "acme-yoga", "Acme Yoga", "Europe/Berlin")
        other = sco.insert(store, "beta", "Beta", "UTC")
        assert sco.by_id(store, acme.id) == acme
        assert sco.by_slug(store, "beta") == other
        assert sco.by_slug(store, "nope") is None
        assert [c.slug for c in sco.all_companies(store)] == ["acme-yoga", "beta"]
        sco.set_feature(store, acme.id, True)
        assert sco.by_id(store, acme.id).online_meetings_enabled is True
        assert sco.connection(store, acme.id) is None
        fields = dict(kind="oauth", oauth_url="o", api_url="a", client_id="cid", scopes=["a:b", "c:d"])
        sco.save_connection(store, acme.id, connected_at=NOW, connected_by="me", can_act_for_others=True, **fields)
        sco.save_connection(store, other.id, connected_at=NOW, connected_by="me", **fields)
        saved = sco.connection(store, acme.id)
        assert saved["scopes"] == ["a:b", "c:d"] and saved["can_act_for_others"] is True
        assert sco.client_id_used_elsewhere(store, acme.id, "cid")
        sco.set_connection_status(store, acme.id, "needs_reconnect", "gone")
        assert sco.connection(store, acme.id)["status_reason"] == "gone"
        sco.delete_connection(store, other.id)
        assert not sco.client_id_used_elsewhere(store, acme.id, "cid")


def test_catalog(engine):
    with workspace(engine) as store:
        acme, dana, lesson, yoga, pat = _seed(store)
        assert [r["name"] for r in sc.candidates(store, CatalogKind.PROVIDER, acme.id, "dana")] == ["Dana Smith"]
        assert [r[1] for r in sc.candidates(store, CatalogKind.PROVIDER, acme.id, str(dana.id))] == ["Dana Smith"]
        assert sc.candidates(store, CatalogKind.PROVIDER, acme.id, "da%") == []  # % is not a wildcard
        assert sc.name_taken(store, CatalogKind.SERVICE, acme.id, "private LESSON")
        assert sc.provider(store, dana.id) == dana and sc.providers(store, acme.id) == [dana]
        sc.set_provider_zoom_user(store, dana.id, "u1", "dana@zoom.example", 2)
        assert sc.provider(store, dana.id).zoom_user_id == "u1"
        assert sc.service(store, lesson.id).name == "Private lesson"
        assert [s.id for s in sc.services(store, acme.id)] == [lesson.id]
        sc.set_online(store, CatalogKind.SERVICE, lesson.id, True)
        assert sc.service(store, lesson.id).online is True
        assert sc.class_def(store, yoga.id) == yoga and sc.classes(store, acme.id) == [yoga]
        session = sc.add_session(store, yoga.id, dana.id, "2030-01-01T09:00:00Z")
        assert sc.session(store, session.id, acme.id).starts_at == "2030-01-01T09:00:00Z"
        assert [s.id for s in sc.sessions(store, acme.id, yoga.id)] == [session.id]
        assert sc.future_sessions(store, NOW, class_id=yoga.id) == [session.id]
        assert sc.future_sessions(store, NOW, provider_id=dana.id) == [session.id]
        sc.set_session_status(store, session.id, SessionStatus.CANCELLED)
        assert sc.sessions(store, acme.id) == [] and len(sc.sessions(store, acme.id, include_cancelled=True)) == 1
        assert sc.client_by_email(store, acme.id, "pat@example.com") == pat and sc.clients(store, acme.id) == [pat]
        sc.remove_named(store, CatalogKind.PROVIDER, dana.id)
        assert not sc.name_taken(store, CatalogKind.PROVIDER, acme.id, "Dana Smith")


def test_bookings_meetings_and_registrants(engine):
    with workspace(engine) as store:
        acme, dana, lesson, yoga, pat = _seed(store)
        start, end = "2030-01-01T09:00:00Z", "2030-01-01T10:00:00Z"
        bid = sb.insert_booking(
            store, acme.id, provider_id=dana.id, client_id=pat.id, starts_at=start, ends_at=end, service_id=lesson.id
        )
        assert sb.booking(store, acme.id, bid).status == BookingStatus.BOOKED
        assert [b.id for b in sb.bookings(store, acme.id, since=NOW, is_test=False, ids=[bid])] == [bid]
        assert sb.bookings(store, acme.id, ids=[]) == []
        assert sb.provider_busy(store, dana.id, "2030-01-01T09:30:00Z", "2030-01-01T11:00:00Z") == f"booking {bid}"
        assert sb.provider_busy(store, dana.id, start, end, exclude_booking_id=bid) is None
        assert sc.future_bookings_of_provider(store, dana.id, NOW) == 1
        assert sc.future_service_bookings_of_provider(store, dana.id, NOW) == [bid]
        assert sc.future_bookings_of_service(store, lesson.id, NOW) == 1
        meeting = sb.insert_meeting(store, acme.id, "zoomctl:1", booking_id=bid, host="u1")
        big_id = 98_765_432_101  # Zoom meeting ids need more than 32 bits
        sb.set_meeting_created(store, meeting.id, big_id, None, "https://j", "pw")
        assert sb.meeting(store, meeting.id).zoom_meeting_id == big_id
        assert sb.meeting(store, meeting.id).host_zoom_user_id == "u1"
        assert [m.id for m in sb.meetings_from(store, acme.id, NOW)] == [meeting.id]
        assert sb.future_meetings_on_host(store, dana.id, "u1", NOW) == 1
        sb.set_meeting_status(store, meeting.id, MeetingStatus.FAILED, "boom", host="u2")
        assert sb.meeting(store, meeting.id).host_zoom_user_id == "u2"
        assert [b.id for b in sb.bookings(store, acme.id, link_status=MeetingStatus.FAILED)] == [bid]
        sb.move_booking(store, bid, "2030-01-02T09:00:00Z", "2030-01-02T10:00:00Z")
        assert sb.busy_intervals(store, dana.id, NOW) == [("2030-01-02T09:00:00Z", "2030-01-02T10:00:00Z")]
        assert sb.cancel_future_bookings_of_provider(store, dana.id, NOW) == 1
        sb.set_booking_status(store, bid, BookingStatus.BOOKED)

        session = sc.add_session(store, yoga.id, dana.id, "2030-02-01T09:00:00Z")
        assert sb.session_at(store, yoga.id, "2030-02-01T09:00:00Z") == session.id
        cb = sb.insert_booking(
            store,
            acme.id,
            provider_id=dana.id,
            client_id=pat.id,
            starts_at=session.starts_at,
            ends_at="2030-02-01T09:45:00Z",
            class_session_id=session.id,
        )
        assert sb.session_client_ids(store, session.id) == {pat.id}
        assert sb.provider_busy(store, dana.id, "2030-02-01T09:10:00Z", "2030-02-01T09:20:00Z") == f"booking {cb}"
        class_meeting = sb.insert_meeting(store, acme.id, "zoomctl:s", session_id=session.id)
        assert sb.meeting_of_session(store, session.id).id == class_meeting.id
        rid = sb.insert_registrant(store, class_meeting.id, cb)
        [(registration, email, name)] = sb.registrants_to_add(store, class_meeting.id)
        assert (registration.id, email, name) == (rid, "pat@example.com", "Pat Lee")
        sb.set_registrant_created(store, rid, "r1", "https://r")
        assert sb.registrants_to_add(store, class_meeting.id) == []
        sb.set_registrant_status(store, rid, RegistrantStatus.FAILED, "x")
        sb.reset_registrants(store, class_meeting.id)
        sb.cancel_registrants_of_meeting(store, class_meeting.id)
        sb.move_session(store, session.id, "2030-02-02T09:00:00Z", "2030-02-02T09:45:00Z")
        assert sb.booking(store, acme.id, cb).starts_at == "2030-02-02T09:00:00Z"
        assert sb.cancel_session_bookings(store, session.id) == 1
        sb.delete_bookings(store, [cb])
        assert sb.booking(store, acme.id, cb) is None

        for n in (3, 12):
            sc.add_client(store, acme.id, f"test+{n}@example.test", None)
        assert sb.max_test_client_number(store, acme.id, "example.test") == 12
        assert sb.delete_unused_test_clients(store, acme.id, "example.test") == 2


def test_events(engine):
    with workspace(engine) as store:
        acme = sco.insert(store, "acme-yoga", "Acme Yoga", "UTC")
        events.record(store, acme.id, "provider.add", "Dana", email="d@example.com")
        events.record(store, acme.id, "service.add", "Lesson")
        events.record(store, None, "company.create", "acme-yoga")
        recent = events.recent(store, acme.id)
        assert [e["action"] for e in recent] == ["service.add", "provider.add"]
        assert recent[1]["details"] == {"email": "d@example.com"}
        assert [e["subject"] for e in events.recent(store, acme.id, action_prefix="prov")] == ["Dana"]
        listed = events.listing(store, None, "2000-01-01T00:00:00Z", 10)
        assert [(e["company"], e["subject"]) for e in listed] == [
            ("acme-yoga", "Dana"),
            ("acme-yoga", "Lesson"),
            (None, "acme-yoga"),
        ]
        assert listed[0]["host"] == events.host_name() and listed[0]["zoomctl_version"] == events.zoomctl_version()
        assert [e["subject"] for e in events.listing(store, acme.id, None, 1)] == ["Lesson"]
        assert events.listing(store, acme.id, "2999-01-01T00:00:00Z", 10) == []


def test_report_streams_rows(engine):
    with workspace(engine) as store:
        acme, dana, lesson, _yoga, pat = _seed(store)
        sc.set_online(store, CatalogKind.SERVICE, lesson.id, True)
        for day in range(1, 8):
            sb.insert_booking(
                store,
                acme.id,
                provider_id=dana.id,
                client_id=pat.id,
                starts_at=f"2030-01-0{day}T09:00:00Z",
                ends_at=f"2030-01-0{day}T10:00:00Z",
                service_id=lesson.id,
            )
        window = ReportFilter(starts_from=datetime(2030, 1, 2, tzinfo=UTC), client_email="pat@example.com")
        rows = list(report_rows(store, acme.id, acme.timezone, window, batch=2))
        assert [r["starts_at"][:10] for r in rows] == [f"2030-01-0{d}" for d in range(2, 8)]
        assert rows[0]["starts_local"] == "2030-01-02 10:00 CET"


def test_a_failed_transaction_writes_nothing_and_checkpoint_keeps(engine):
    with workspace(engine) as store:
        sco.insert(store, "kept", "Kept", "UTC")
    from zoomctl.store.db import Store

    store = Store(engine)
    sco.insert(store, "first", "First", "UTC")
    store.checkpoint()
    sco.insert(store, "second", "Second", "UTC")
    store.finish(commit=False)
    with workspace(engine) as store:
        assert [c.slug for c in sco.all_companies(store)] == ["first", "kept"]


def test_a_new_workspace_gets_every_migration(engine):
    from zoomctl.store.db import Store, schema_state

    store = Store(engine)
    try:
        state = schema_state(store.conn, store.dialect)
        assert (state.version, state.pending) == (len(MIGRATIONS), 0)
        assert {"companies", "bookings", "events"} <= set(store.dialect.tables(store.conn))
    finally:
        store.finish(commit=False)


def test_duplicate_names_are_refused_by_the_schema(engine):
    with workspace(engine) as store:
        acme = sco.insert(store, "acme-yoga", "Acme Yoga", "UTC")
        sc.add_provider(store, acme.id, "Dana", None)
    with pytest.raises(Exception) as caught, workspace(engine) as store:
        sc.add_provider(store, acme.id, "Dana", None)
    assert "unique" in str(caught.value).lower()


@pytest.mark.parametrize("start", range(len(MIGRATIONS)))
def test_migrations_from_every_earlier_version(engine, start):
    """A database at each earlier version (0: empty) upgrades to the latest in one go, and works."""
    from zoomctl.store.db import Store, schema_state, upgrade

    raw = Store(engine, upgrade_on_open=False)
    for step in range(start):
        for statement in raw.dialect.statements(MIGRATIONS[step]):
            raw.conn.execute(statement)
    if start:
        raw.dialect.set_schema_version(raw.conn, start)
    raw.finish(commit=True)
    raw = Store(engine, upgrade_on_open=False)
    conn = raw.dialect.connect()
    try:
        assert schema_state(conn, raw.dialect).pending == len(MIGRATIONS) - start
        assert upgrade(conn, raw.dialect) == len(MIGRATIONS)
        assert schema_state(conn, raw.dialect).pending == 0
    finally:
        conn.close()
    with workspace(engine) as store:
        assert sco.insert(store, "after", "After", "UTC").slug == "after"


def _set_version(engine, version: int) -> None:
    from zoomctl.store.db import Store

    store = Store(engine)
    store.dialect.set_schema_version(store.conn, version)
    store.finish(commit=True)


def test_a_newer_schema_is_refused_on_both_engines(engine):
    from zoomctl.errors import ConfigError
    from zoomctl.store.db import Store

    _set_version(engine, len(MIGRATIONS) + 1)
    with pytest.raises(ConfigError) as caught:
        Store(engine).conn  # noqa: B018
    assert "newer than this zoomctl" in str(caught.value) and "upgrade zoomctl" in caught.value.hint


@pytest.mark.postgres
def test_an_older_shared_schema_is_refused_until_db_upgrade(pg_url):
    from zoomctl.errors import ConfigError
    from zoomctl.store.db import Store

    _set_version(pg_url, len(MIGRATIONS) - 1)
    with pytest.raises(ConfigError) as caught:
        Store(pg_url).conn  # noqa: B018
    assert "older than this zoomctl" in str(caught.value) and "`zoomctl db upgrade`" in caught.value.hint


def test_an_older_sqlite_file_keeps_migrating_on_open(tmp_path):
    from zoomctl.store.db import Store

    path = str(tmp_path / "w.db")
    raw = Store(path, upgrade_on_open=False)
    for script in MIGRATIONS[:-1]:
        for statement in raw.dialect.statements(script):
            raw.conn.execute(statement)
    raw.dialect.set_schema_version(raw.conn, len(MIGRATIONS) - 1)
    raw.finish(commit=True)
    with workspace(path) as store:
        assert store.dialect.schema_version(store.conn) == len(MIGRATIONS)
