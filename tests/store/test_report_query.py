"""The report's query (zoomctl.store.report) and its summary (zoomctl.core.report)."""

from __future__ import annotations

import sqlite3
import tracemalloc
from contextlib import closing
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from support import default_db, workspace

from zoomctl.core import bookings as core_bookings
from zoomctl.core import catalog, companies
from zoomctl.core.report import ReportSummary, report
from zoomctl.models import CatalogKind
from zoomctl.report_output import write_csv, write_json
from zoomctl.store import bookings as repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store.report import FIELDS, ReportFilter, local_formatter, report_rows, report_sql
from zoomctl.timefmt import local

from .report_data import populate

JOIN = "https://us06web.zoom.example"
BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> str:
    """A Berlin wall-clock time as stored UTC text."""
    moment = datetime.fromisoformat(text).replace(tzinfo=BERLIN)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def book(store, acme, *, provider, client, start, service=None, session=None, minutes=60, test=False) -> int:
    starts = datetime.fromisoformat(at(start))
    return repo.insert_booking(
        store,
        acme.id,
        provider_id=provider.id,
        client_id=client.id,
        starts_at=at(start),
        ends_at=(starts + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        service_id=service.id if service else None,
        class_session_id=session.id if session else None,
        is_test=test,
    )


def created_meeting(store, acme, number: int, host: str, *, booking_id=None, session_id=None):
    row = repo.insert_meeting(store, acme.id, f"zm-{number}", booking_id=booking_id, session_id=session_id, host=host)
    repo.set_meeting_created(store, row.id, number, host, f"{JOIN}/j/{number}?pwd=pw{number}", f"pw{number}")
    return row


@pytest.fixture
def world(company, isolated):
    """acme-yoga (Europe/Berlin) with every kind of booking the report must tell apart."""
    ids = SimpleNamespace()
    with workspace(default_db(isolated)) as store:
        acme = companies.get(store, company)
        dana = catalog.add_provider(store, acme, "Dana Smith", "dana@example.com")
        sam = catalog.add_provider(store, acme, "Sam Lee", "sam@example.com")
        kim = catalog.add_provider(store, acme, "Kim Offline", None)
        catalog_repo.set_provider_zoom_user(store, dana.id, "Z-DANA", "dana@zoom.example", 2)
        catalog_repo.set_provider_zoom_user(store, sam.id, "Z-SAM", "sam@zoom.example", 2)
        lesson = catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith", "Sam Lee"])
        catalog.set_online(store, acme, CatalogKind.SERVICE, "Private lesson", True)
        massage = catalog.add_service(store, acme, "Massage", 60, ["Kim Offline"])
        coaching = catalog.add_service(store, acme, "Coaching", 30, ["Dana Smith"])
        catalog.set_online(store, acme, CatalogKind.SERVICE, "Coaching", True)
        yoga = catalog.add_class(store, acme, "Morning yoga", 45, 12)
        catalog.set_online(store, acme, CatalogKind.CLASS, "Morning yoga", True)
        pilates = catalog.add_class(store, acme, "Pilates", 45, 12)
        session = catalog.add_session(store, acme, "Morning yoga", "2031-03-03T09:30", "Dana Smith")
        later = catalog.add_session(store, acme, "Morning yoga", "2031-05-05T09:30", "Sam Lee")
        pilates_session = catalog.add_session(store, acme, "Pilates", "2031-03-04T18:00", "Sam Lee")
        pat = catalog.add_client(store, acme, "pat@example.com", "Pat Lee")
        alex = catalog.add_client(store, acme, "alex@example.com", "Alex Müller")
        ana = catalog.add_client(store, acme, "ana@example.com", None)
        tester = catalog.add_client(store, acme, "test+1@example.com", "Test")

        ids.created = book(store, acme, provider=dana, client=pat, service=lesson, start="2031-03-01T09:00")
        created_meeting(store, acme, 111, "Z-DANA", booking_id=ids.created)
        ids.pending = book(store, acme, provider=sam, client=alex, service=lesson, start="2031-03-02T10:00")
        repo.insert_meeting(store, acme.id, "zm-p", booking_id=ids.pending, host="Z-SAM")
        ids.failed = book(store, acme, provider=sam, client=pat, service=lesson, start="2031-04-01T10:00")
        failed = repo.insert_meeting(store, acme.id, "zm-f", booking_id=ids.failed, host="Z-SAM")
        repo.set_meeting_status(store, failed.id, "failed", "Zoom refused: the host is not licensed")
        ids.cancelled = book(store, acme, provider=dana, client=alex, service=lesson, start="2031-03-05T11:00")
        gone = created_meeting(store, acme, 444, "Z-DANA", booking_id=ids.cancelled)
        repo.set_meeting_status(store, gone.id, "deleted")
        repo.set_booking_status(store, ids.cancelled, "cancelled")
        ids.test = book(store, acme, provider=dana, client=tester, service=lesson, start="2031-03-06T12:00", test=True)
        created_meeting(store, acme, 555, "Z-DANA", booking_id=ids.test)
        ids.offline = book(store, acme, provider=kim, client=pat, service=massage, start="2031-03-07T09:00")
        ids.was_online = book(store, acme, provider=dana, client=ana, service=coaching, start="2031-03-08T09:00")
        created_meeting(store, acme, 777, "Z-DANA", booking_id=ids.was_online)
        catalog.set_online(store, acme, CatalogKind.SERVICE, "Coaching", False)
        ids.no_meeting = book(store, acme, provider=dana, client=ana, service=lesson, start="2031-03-09T09:00")
        ids.other_host = book(store, acme, provider=sam, client=ana, service=lesson, start="2031-03-10T09:00")
        created_meeting(store, acme, 1010, "Z-DANA", booking_id=ids.other_host)  # hosted by Dana's Zoom user
        ids.past = book(store, acme, provider=dana, client=pat, service=lesson, start="2020-01-10T09:00")
        created_meeting(store, acme, 2020, "Z-DANA", booking_id=ids.past)

        meeting = created_meeting(store, acme, 333, "Z-DANA", session_id=session.id)
        ids.attendees = []
        for client, outcome in ((pat, "created"), (alex, "failed"), (ana, "cancelled")):
            bid = book(store, acme, provider=dana, client=client, session=session, start="2031-03-03T09:30", minutes=45)
            reg = repo.insert_registrant(store, meeting.id, bid)
            if outcome == "created":
                repo.set_registrant_created(store, reg, f"reg-{bid}", f"{JOIN}/w/333?tk=personal-{client.id}")
            elif outcome == "failed":
                repo.set_registrant_status(store, reg, "failed", "Zoom refused the registrant")
            else:
                repo.set_registrant_status(store, reg, "cancelled")
                repo.set_booking_status(store, bid, "cancelled")
            ids.attendees.append(bid)
        ids.later_attendee = book(
            store, acme, provider=sam, client=pat, session=later, start="2031-05-05T09:30", minutes=45
        )
        ids.pilates = book(
            store, acme, provider=sam, client=pat, session=pilates_session, start="2031-03-04T18:00", minutes=45
        )

        other = companies.create(store, "Other Studio", "America/New_York")
        theirs = catalog.add_provider(store, other, "Olga", None)
        their_service = catalog.add_service(store, other, "Private lesson", 60, ["Olga"])
        catalog.set_online(store, other, CatalogKind.SERVICE, "Private lesson", True)
        their_client = catalog.add_client(store, other, "pat@example.com", "Pat Lee")
        ids.other_company = book(
            store, other, provider=theirs, client=their_client, service=their_service, start="2031-03-01T09:00"
        )
        ids.company = acme
        ids.other = other
        ids.dana, ids.sam, ids.kim = dana, sam, kim
        ids.lesson, ids.coaching, ids.massage = lesson, coaching, massage
        ids.yoga, ids.pilates_class = yoga, pilates
        ids.session, ids.later = session, later
    return ids


def run(isolated, company, where: ReportFilter | None = None) -> list[dict]:
    with workspace(default_db(isolated)) as store:
        return list(report_rows(store, company.id, company.timezone, where))


def ids_of(rows) -> list[int]:
    return [r["booking_id"] for r in rows]


def window(start: str, end: str) -> dict:
    return {
        "starts_from": datetime.fromisoformat(start).replace(tzinfo=BERLIN),
        "starts_to": datetime.fromisoformat(end).replace(tzinfo=BERLIN),
    }


# ------------------------------------------------------------------------------ the rows
def test_one_row_per_online_booking_with_the_documented_fields(world, isolated):
    rows = run(isolated, world.company)
    for row in rows:
        assert tuple(row) == FIELDS
    expected = {
        world.created,
        world.pending,
        world.failed,
        world.cancelled,
        world.was_online,
        world.no_meeting,
        world.other_host,
        world.past,
        *world.attendees,
        world.later_attendee,
    }
    assert set(ids_of(rows)) == expected
    assert len(rows) == len(expected)
    starts = [(r["starts_at"], r["booking_id"]) for r in rows]
    assert starts == sorted(starts)


def test_not_online_and_other_companies_and_test_bookings_are_left_out(world, isolated):
    found = set(ids_of(run(isolated, world.company)))
    assert world.offline not in found  # an offline service, no meeting
    assert world.pilates not in found  # an offline class, no meeting
    assert world.other_company not in found
    assert world.test not in found


def test_a_service_switched_off_keeps_its_booked_meeting_in_the_report(world, isolated):
    (row,) = [r for r in run(isolated, world.company) if r["booking_id"] == world.was_online]
    assert row["service"] == "Coaching"
    assert row["meeting_status"] == "created"
    assert row["zoom_meeting_id"] == 777
    assert row["client_link"] == f"{JOIN}/j/777?pwd=pw777"


def test_an_online_booking_without_a_meeting_row_shows_no_meeting(world, isolated):
    (row,) = [r for r in run(isolated, world.company) if r["booking_id"] == world.no_meeting]
    assert (row["meeting_status"], row["zoom_meeting_id"], row["client_link"], row["provider_link"]) == (
        None,
        None,
        None,
        None,
    )


def test_service_row_values(world, isolated):
    (row,) = [r for r in run(isolated, world.company) if r["booking_id"] == world.created]
    assert row == {
        "booking_id": world.created,
        "starts_at": "2031-03-01T08:00:00Z",
        "starts_local": "2031-03-01 09:00 CET",
        "kind": "service",
        "service": "Private lesson",
        "class": None,
        "session_id": None,
        "provider": "Dana Smith",
        "client_email": "pat@example.com",
        "client_name": "Pat Lee",
        "zoom_host_email": "dana@zoom.example",
        "zoom_meeting_id": 111,
        "client_link": f"{JOIN}/j/111?pwd=pw111",
        "provider_link": f"{JOIN}/s/111",
        "booking_status": "booked",
        "meeting_status": "created",
        "last_error": None,
        "host_started_at": None,
        "client_joined_at": None,
        "attended_minutes": None,
        "no_show": False,
        "drift": None,
    }


def test_failed_and_pending_rows_carry_no_links_and_the_last_error(world, isolated):
    rows = {r["booking_id"]: r for r in run(isolated, world.company)}
    failed, pending = rows[world.failed], rows[world.pending]
    assert failed["meeting_status"] == "failed"
    assert failed["last_error"] == "Zoom refused: the host is not licensed"
    assert pending["meeting_status"] == "pending"
    assert pending["zoom_host_email"] == "sam@zoom.example"
    for row in (failed, pending):
        assert row["client_link"] is None and row["provider_link"] is None and row["zoom_meeting_id"] is None


def test_cancelled_rows_show_the_deleted_meeting_without_links(world, isolated):
    rows = {r["booking_id"]: r for r in run(isolated, world.company)}
    row = rows[world.cancelled]
    assert (row["booking_status"], row["meeting_status"], row["zoom_meeting_id"]) == ("cancelled", "deleted", 444)
    assert row["client_link"] is None and row["provider_link"] is None


def test_class_attendees_get_a_row_each_with_their_own_link_and_the_same_meeting(world, isolated):
    rows = {r["booking_id"]: r for r in run(isolated, world.company)}
    booked, failing, cancelled = (rows[b] for b in world.attendees)
    for row in (booked, failing, cancelled):
        assert row["kind"] == "class"
        assert row["class"] == "Morning yoga" and row["service"] is None
        assert row["session_id"] == world.session.id
        assert row["zoom_meeting_id"] == 333
        assert row["zoom_host_email"] == "dana@zoom.example"
        assert row["starts_local"] == "2031-03-03 09:30 CET"
    assert booked["client_link"].startswith(f"{JOIN}/w/333?tk=personal-")
    assert booked["provider_link"] == f"{JOIN}/s/333"
    assert booked["meeting_status"] == "created"
    assert (failing["meeting_status"], failing["client_link"]) == ("failed", None)
    assert failing["last_error"] == "Zoom refused the registrant"
    assert failing["provider_link"] == f"{JOIN}/s/333"  # the session's meeting itself is there
    assert (cancelled["booking_status"], cancelled["meeting_status"]) == ("cancelled", "cancelled")
    assert cancelled["client_link"] is None and cancelled["provider_link"] is None
    assert rows[world.later_attendee]["meeting_status"] is None  # that session has no meeting yet


def test_the_host_email_of_a_meeting_hosted_by_another_providers_zoom_user(world, isolated):
    rows = {r["booking_id"]: r for r in run(isolated, world.company)}
    assert rows[world.other_host]["provider"] == "Sam Lee"
    assert rows[world.other_host]["zoom_host_email"] == "dana@zoom.example"


def test_provider_links_are_host_start_pages_without_tokens(world, isolated):
    rows = run(isolated, world.company, ReportFilter(include_test=True))
    links = [r["provider_link"] for r in rows if r["provider_link"]]
    assert len(links) >= 5
    for link in links:
        assert "zak=" not in link and "tk=" not in link and "?" not in link
        assert link.startswith(f"{JOIN}/s/")


def test_rows_agree_with_bookings_show(world, isolated):
    """Links, statuses and times are those `bookings show --json` gives for the same booking."""
    with workspace(default_db(isolated)) as store:
        acme = world.company
        rows = list(report_rows(store, acme.id, acme.timezone, ReportFilter(include_test=True)))
        assert len(rows) > 10
        for row in rows:
            shown = core_bookings.get(store, acme, row["booking_id"])
            data = shown.as_json()
            assert row["client_link"] == data["client_link"]
            assert row["provider_link"] == data["provider_link"]
            assert row["meeting_status"] == shown.link_status
            assert row["starts_local"] == data["starts_local"]
            assert row["zoom_meeting_id"] == (shown.meeting.zoom_meeting_id if shown.meeting else None)
            assert (row["kind"], row["service"], row["class"], row["session_id"]) == (
                data["kind"],
                data["service"],
                data["class"],
                data["session_id"],
            )
            assert (row["provider"], row["client_email"], row["client_name"]) == (
                data["provider"],
                data["client_email"],
                data["client_name"],
            )


def test_local_times_follow_daylight_saving_like_bookings_show():
    to_local = local_formatter("Europe/Berlin")
    for text in ("2031-03-30T00:59:59Z", "2031-03-30T01:00:00Z", "2031-10-26T00:30:00Z", "2031-10-26T01:30:00Z"):
        assert to_local(text) == local(text, "Europe/Berlin")
    assert to_local("2031-03-30T01:00:00Z") == "2031-03-30 03:00 CEST"
    assert local_formatter("America/New_York")("2031-01-01T12:00:00Z") == "2031-01-01 07:00 EST"


# ------------------------------------------------------------------------------ filters
def test_window_from_and_to_are_inclusive(world, isolated):
    rows = run(isolated, world.company, ReportFilter(**window("2031-03-02T10:00", "2031-03-05T11:00")))
    assert ids_of(rows) == [world.pending, *world.attendees, world.cancelled]


def test_from_alone_and_to_alone(world, isolated):
    after = ids_of(run(isolated, world.company, ReportFilter(starts_from=datetime(2031, 1, 1, tzinfo=UTC))))
    assert world.past not in after and world.created in after
    before = ids_of(run(isolated, world.company, ReportFilter(starts_to=datetime(2031, 1, 1, tzinfo=UTC))))
    assert before == [world.past]


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ReportFilter(starts_from=datetime(2031, 1, 1))


def test_filter_by_service(world, isolated):
    rows = run(isolated, world.company, ReportFilter(service_id=world.coaching.id))
    assert ids_of(rows) == [world.was_online]
    rows = run(isolated, world.company, ReportFilter(service_id=world.massage.id))
    assert rows == []  # offline and never had a meeting


def test_filter_by_class(world, isolated):
    rows = run(isolated, world.company, ReportFilter(class_id=world.yoga.id))
    assert ids_of(rows) == [*world.attendees, world.later_attendee]
    rows = run(isolated, world.company, ReportFilter(class_id=world.yoga.id, **window("2031-04-01", "2031-12-31")))
    assert ids_of(rows) == [world.later_attendee]
    assert run(isolated, world.company, ReportFilter(class_id=world.pilates_class.id)) == []


def test_filter_by_provider(world, isolated):
    rows = run(isolated, world.company, ReportFilter(provider_id=world.sam.id))
    assert ids_of(rows) == [world.pending, world.other_host, world.failed, world.later_attendee]
    assert run(isolated, world.company, ReportFilter(provider_id=world.kim.id)) == []


def test_filter_by_client_email(world, isolated):
    rows = run(isolated, world.company, ReportFilter(client_email="Alex@Example.com"))
    assert ids_of(rows) == [world.pending, world.attendees[1], world.cancelled]
    assert {r["client_email"] for r in rows} == {"alex@example.com"}
    assert run(isolated, world.company, ReportFilter(client_email="nobody@example.com")) == []


def test_filter_by_client_stays_in_the_company(world, isolated):
    """pat@example.com is a client of both companies."""
    rows = run(isolated, world.other, ReportFilter(client_email="pat@example.com"))
    assert ids_of(rows) == [world.other_company]
    assert world.other_company not in ids_of(run(isolated, world.company, ReportFilter(client_email="pat@example.com")))


@pytest.mark.parametrize("status", ["booked", "cancelled", "all"])
def test_filter_by_booking_status(world, isolated, status):
    rows = run(isolated, world.company, ReportFilter(status=status))
    assert {r["booking_status"] for r in rows} == ({"booked", "cancelled"} if status == "all" else {status})
    cancelled = {world.cancelled, world.attendees[2]}
    assert (cancelled <= set(ids_of(rows))) is (status != "booked")
    assert (world.created in ids_of(rows)) is (status != "cancelled")


@pytest.mark.parametrize(
    ("meeting_status", "expected"),
    [
        ("created", lambda w: [w.created, w.attendees[0], w.was_online, w.other_host]),
        ("pending", lambda w: [w.pending]),
        ("failed", lambda w: [w.attendees[1], w.failed]),
        ("deleted", lambda w: [w.cancelled]),
        ("cancelled", lambda w: [w.attendees[2]]),
    ],
)
def test_filter_by_meeting_status(world, isolated, meeting_status, expected):
    where = ReportFilter(meeting_status=meeting_status, starts_from=datetime(2031, 1, 1, tzinfo=UTC))
    rows = run(isolated, world.company, where)
    assert ids_of(rows) == expected(world)
    assert {r["meeting_status"] for r in rows} == {meeting_status}


def test_test_bookings_only_on_request(world, isolated):
    assert world.test not in ids_of(run(isolated, world.company))
    rows = run(isolated, world.company, ReportFilter(include_test=True))
    assert world.test in ids_of(rows)
    assert len(rows) == len(run(isolated, world.company)) + 1


def test_filters_combine(world, isolated):
    where = ReportFilter(
        provider_id=world.dana.id,
        client_email="pat@example.com",
        status="booked",
        meeting_status="created",
        **window("2031-01-01", "2031-12-31"),
    )
    assert ids_of(run(isolated, world.company, where)) == [world.created, world.attendees[0]]


@pytest.mark.parametrize("bad", [{"status": "open"}, {"meeting_status": "ok"}])
def test_unknown_statuses_are_refused(bad):
    with pytest.raises(ValueError):
        ReportFilter(**bad)


def test_hostile_filter_values_are_parameters(world, isolated):
    sql, params = report_sql(world.company.id, ReportFilter(client_email="x' OR 1=1 --"))
    assert "x'" not in sql and "x' or 1=1 --" in params
    assert run(isolated, world.company, ReportFilter(client_email="x' OR 1=1 --")) == []


# ------------------------------------------------------------------------------ summary
def test_summary_counts_while_the_rows_stream(world, isolated):
    with workspace(default_db(isolated)) as store:
        rows, summary = report(store, world.company)
        assert summary.rows == 0
        seen = list(rows)
    assert summary.rows == len(seen) == 12
    assert summary.as_json() == {
        "rows": 12,
        "meeting_status": {"cancelled": 1, "created": 5, "deleted": 1, "failed": 2, "none": 2, "pending": 1},
        # booked and not created: pending, failed, the failed attendee, and two without a meeting row
        "needs_sync": 5,
    }


def test_summary_rules():
    summary = ReportSummary()
    for booking_status, meeting_status in [
        ("booked", "created"),
        ("booked", "pending"),
        ("booked", "failed"),
        ("booked", "deleted"),
        ("booked", None),
        ("cancelled", "deleted"),
        ("cancelled", "failed"),
    ]:
        summary.add({"booking_status": booking_status, "meeting_status": meeting_status})
    assert summary.needs_sync == 4
    assert summary.as_json()["meeting_status"] == {"created": 1, "deleted": 2, "failed": 2, "none": 1, "pending": 1}


# ------------------------------------------------------------------------------ one query, streamed
def test_one_query_for_the_whole_report(world, isolated):
    with workspace(default_db(isolated)) as store:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        rows = list(report_rows(store, world.company.id, world.company.timezone, batch=2))
        store.conn.set_trace_callback(None)
    assert len(rows) == 12
    assert len(statements) == 1 and statements[0].lstrip().startswith("SELECT")


def test_rows_are_fetched_in_batches_not_all_at_once(world, isolated):
    with workspace(default_db(isolated)) as store:
        rows = report_rows(store, world.company.id, world.company.timezone, batch=3)
        first = next(rows)
        assert first["booking_id"] == world.past
        rows.close()  # a consumer that stops early closes the cursor


# ------------------------------------------------------------------------------ indexes and plans
PLAN_CASES = [
    ({}, "bookings_company_start (company_id=?)"),
    (window("2031-03-01", "2031-03-08"), "bookings_company_start (company_id=? AND starts_at>? AND starts_at<?)"),
    ({"starts_from": datetime(2031, 1, 1, tzinfo=UTC)}, "bookings_company_start (company_id=? AND starts_at>?)"),
    ({"service_id": 1, **window("2031-03-01", "2031-03-08")}, "bookings_service_start (service_id=? AND starts_at>?"),
    (
        {"provider_id": 1, **window("2031-03-01", "2031-03-08")},
        "bookings_provider_start (provider_id=? AND starts_at>?",
    ),
    ({"client_email": "c1@example.com"}, "bookings_client_start (client_id=?)"),
    ({"class_id": 1, **window("2031-03-01", "2031-03-08")}, "bookings_session (class_session_id=?)"),
    (
        {"meeting_status": "failed", "status": "booked", "include_test": True, **window("2031-03-01", "2031-03-08")},
        "bookings_company_start (company_id=? AND starts_at>? AND starts_at<?)",
    ),
]


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """5,000 generated bookings, migrated through the Store, never ANALYZEd (as in a workspace)."""
    from zoomctl.store.db import Store

    path = tmp_path_factory.mktemp("report") / "big.db"
    store = Store(path)
    store.insert("INSERT INTO companies (slug, name, timezone, created_at) VALUES ('big', 'Big', 'Europe/Berlin', 'x')")
    populate(store.conn, 1, 5000)
    store.finish(commit=True)
    return path


@pytest.mark.parametrize(("filters", "index"), PLAN_CASES)
def test_query_plan_uses_an_index_for_the_filters(big_db, filters, index):
    sql, params = report_sql(1, ReportFilter(**filters))
    with closing(sqlite3.connect(big_db)) as conn:
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(step.startswith("SEARCH b USING INDEX " + index) for step in plan), plan


@pytest.mark.parametrize("filters", [{}, window("2031-03-01", "2031-03-08"), {"provider_id": 1}, {"service_id": 1}])
def test_date_ordered_filters_need_no_sort(big_db, filters):
    sql, params = report_sql(1, ReportFilter(**filters))
    with closing(sqlite3.connect(big_db)) as conn:
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert not [step for step in plan if "TEMP B-TREE" in step], plan


def test_migration_adds_the_report_indexes(big_db):
    with closing(sqlite3.connect(big_db)) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "bookings_company_start",
        "bookings_service_start",
        "bookings_client_start",
        "bookings_session",
        "class_sessions_class",
    } <= names


def test_plan_filters_return_the_generated_rows(big_db):
    """The big database's rows through the same filters (the plans above are for real results)."""
    from zoomctl.store.db import Store

    store = Store(big_db)
    try:
        rows = list(report_rows(store, 1, "Europe/Berlin", ReportFilter(**window("2031-01-01", "2031-01-01T23:59"))))
        assert [r["starts_local"] for r in rows][:2] == ["2031-01-01 09:00 CET", "2031-01-01 10:00 CET"]
        assert len(rows) == 15  # the generated bookings start hourly at 08:00Z; Berlin's day ends at 22:59Z
        for_client = list(report_rows(store, 1, "Europe/Berlin", ReportFilter(client_email="c1@example.com")))
        assert {r["client_email"] for r in for_client} == {"c1@example.com"}
        assert len(for_client) == 4  # the 1st, 1251st, 2501st and 3751st bookings; none a test one
    finally:
        store.finish(commit=False)


# ------------------------------------------------------------------------------ memory
def test_streaming_a_large_report_keeps_memory_flat(tmp_path):
    """50,000 bookings from the query into the CSV and JSON writers: the traced peak (about
    1 MB: one fetchmany batch) stays far below what holding the rows would take (about 2 kB
    a row, 100 MB here)."""
    from zoomctl.store.db import Store

    path = tmp_path / "many.db"
    store = Store(path)
    store.insert("INSERT INTO companies (slug, name, timezone, created_at) VALUES ('big', 'Big', 'Europe/Berlin', 'x')")
    populate(store.conn, 1, 50_000)
    store.finish(commit=True)

    for writer in (write_csv, write_json):
        store = Store(path)
        try:
            with open(tmp_path / "out", "w", encoding="utf-8", newline="") as out:
                store.one("SELECT 1")  # opened (and migrated) before measuring
                tracemalloc.start()
                try:
                    count = writer(report_rows(store, 1, "Europe/Berlin", ReportFilter(include_test=True)), FIELDS, out)
                    _, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
        finally:
            store.finish(commit=False)
        assert count == 50_000
        assert peak < 3_000_000, f"{writer.__name__}: peak {peak} bytes"
