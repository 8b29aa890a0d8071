"""Every Zoom call the bookings engine makes, on a mocked transport (pytest-httpx), each
request checked against Zoom's OpenAPI documents (path, query and JSON body)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from support import API, JOIN_ORIGIN, meeting_answer, parts

from zoomctl.core import bookings, catalog, companies, meetings, providers_zoom
from zoomctl.core.connection import ZoomAccess
from zoomctl.core.meetings import MeetingError
from zoomctl.errors import AuthRequired, Conflict
from zoomctl.exit_codes import ExitCode
from zoomctl.models import CatalogKind
from zoomctl.store import bookings as repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import companies as company_repo
from zoomctl.store.db import Store

ACCESS = ZoomAccess(profile="default", oauth_url="https://zoom.example", api_url=API)  # nothing from the environment

HOST = "HOST1"
HOST_EMAIL = "dana@zoom.example"


def url(path: str) -> re.Pattern:
    return re.compile(re.escape(API + path) + r"(\?.*)?$")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    yield s
    s.finish(commit=False)


@pytest.fixture
def acme(store):
    company = companies.create(store, "Acme Yoga", "Europe/Berlin")
    companies.set_feature(store, company, True)
    dana = catalog.add_provider(store, company, "Dana Smith", "dana@example.com")
    catalog_repo.set_provider_zoom_user(store, dana.id, HOST, HOST_EMAIL, 2)
    catalog.add_service(store, company, "Private lesson", 60, ["Dana Smith"])
    catalog.set_online(store, company, CatalogKind.SERVICE, "Private lesson", True)
    catalog.add_class(store, company, "Morning yoga", 45, 10)
    catalog.set_online(store, company, CatalogKind.CLASS, "Morning yoga", True)
    catalog.add_session(store, company, "Morning yoga", "2031-03-03T09:30", "Dana Smith")
    return company


@pytest.fixture
def checked(httpx_mock, spec):
    """At the end of the test, every request sent must be a valid Zoom API request."""
    yield httpx_mock
    for request in httpx_mock.get_requests():
        spec.check(request)


def lesson(store, acme, zoom_client, start="2031-03-01T09:30"):
    """(the booking, the error to end with)"""
    return parts(
        bookings.create_one(
            store,
            acme,
            service_ref="Private lesson",
            provider_ref="Dana",
            client_email="pat@example.com",
            client_name="Pat Lee",
            start=start,
            is_test=False,
            zoom=lambda: zoom_client,
        )
    )


def sent(httpx_mock, method: str) -> list[httpx.Request]:
    return [r for r in httpx_mock.get_requests() if r.method == method]


def body(request: httpx.Request) -> dict:
    return json.loads(request.content)


# --------------------------------------------------------------------------------- create
def test_create_sends_a_scheduled_meeting_in_utc_with_the_company_zone(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(1))
    booking, error = lesson(store, acme, zoom_client)
    assert error is None
    (request,) = sent(checked, "POST")
    sent_body = body(request)
    assert sent_body["type"] == 2
    assert sent_body["start_time"] == "2031-03-01T08:30:00Z"
    assert sent_body["duration"] == 60 and sent_body["timezone"] == "Europe/Berlin"
    assert sent_body["topic"] == "Private lesson: Pat Lee"
    assert re.match(r"^zoomctl-booking:[0-9a-f]{16}\n", sent_body["agenda"])
    assert sent_body["settings"] == {"approval_type": 2}
    assert booking.meeting.status == "created" and booking.meeting.zoom_meeting_id == 85746065001
    assert booking.client_link == f"{JOIN_ORIGIN}/j/85746065001?pwd=p1"
    assert booking.provider_link == f"{JOIN_ORIGIN}/s/85746065001"  # origin of the join_url, no token
    stored = store.one("SELECT * FROM meetings")
    assert "zak" not in json.dumps(dict(stored))


def test_an_unanswered_create_is_found_by_its_marker_and_adopted(store, acme, zoom_client, checked):
    checked.add_exception(httpx.ReadTimeout("no answer"), method="POST", url=url(f"/users/{HOST}/meetings"))
    posted = {}

    def listing(request: httpx.Request) -> httpx.Response:
        assert request.url.params["type"] == "scheduled"
        marker = body(sent(checked, "POST")[0])["agenda"].split("\n")[0]
        posted["marker"] = marker
        items = [
            {**meeting_answer(7, agenda="zoomctl-booking:someone-else"), "start_url": None},
            {**meeting_answer(8, agenda=f"{marker}\nPrivate lesson …"), "start_url": None},
        ]
        for item in items:
            item.pop("start_url")
            item.pop("password")
        return httpx.Response(
            200, json={"page_size": 300, "total_records": 2, "next_page_token": "", "meetings": items}
        )

    checked.add_callback(listing, method="GET", url=url(f"/users/{HOST}/meetings"))
    checked.add_callback(
        lambda r: httpx.Response(200, json=meeting_answer(8, agenda=posted["marker"])),
        method="GET",
        url=url("/meetings/85746065008"),
    )
    booking, error = lesson(store, acme, zoom_client)
    assert error is None
    assert booking.meeting.zoom_meeting_id == 85746065008 and booking.client_link.endswith("/j/85746065008?pwd=p8")
    assert len(sent(checked, "POST")) == 1  # never a second create


def test_listing_items_without_agenda_are_checked_one_by_one(store, acme, zoom_client, checked):
    checked.add_response(
        method="POST", url=url(f"/users/{HOST}/meetings"), status_code=502, json={"code": 502, "message": "Bad gateway"}
    )
    marker = {}

    def listing(request):
        marker["m"] = body(sent(checked, "POST")[0])["agenda"].split("\n")[0]
        same = {
            k: v
            for k, v in meeting_answer(3, topic="Private lesson: Pat Lee", start_time="2031-03-01T08:30:00Z").items()
            if k not in ("agenda", "start_url", "password")
        }
        other = {
            k: v
            for k, v in meeting_answer(4, topic="Something else").items()
            if k not in ("agenda", "start_url", "password")
        }
        return httpx.Response(200, json={"next_page_token": "", "meetings": [other, same]})

    checked.add_callback(listing, method="GET", url=url(f"/users/{HOST}/meetings"))
    checked.add_callback(
        lambda r: httpx.Response(200, json=meeting_answer(3, agenda=marker["m"] + "\n…")),
        method="GET",
        url=url("/meetings/85746065003"),
    )
    booking, error = lesson(store, acme, zoom_client)
    assert error is None and booking.meeting.zoom_meeting_id == 85746065003
    gets = [r.url.path for r in sent(checked, "GET")]
    assert gets == ["/v2/users/HOST1/meetings", "/v2/meetings/85746065003"]  # not the other candidate


def test_a_failed_create_is_recorded_then_sync_creates_it(store, acme, zoom_client, checked):
    checked.add_response(
        method="POST",
        url=url(f"/users/{HOST}/meetings"),
        status_code=500,
        json={"code": 500, "message": "Internal error"},
    )
    checked.add_response(
        method="GET", url=url(f"/users/{HOST}/meetings"), json={"next_page_token": "", "meetings": []}, is_reusable=True
    )
    booking, error = lesson(store, acme, zoom_client)
    assert isinstance(error, MeetingError) and error.exit_code == ExitCode.ZOOM_ERROR
    assert "bookings sync 1" in error.hint
    row = store.one("SELECT status, last_error FROM meetings")
    assert row["status"] == "failed" and "Zoom may have created it" in row["last_error"]

    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(2))
    items, error = parts(meetings.sync(store, acme, zoom_client, [bookings.get(store, acme, booking.id)]))
    assert error is None and [i.action for i in items] == ["created"]
    assert len(sent(checked, "POST")) == 2
    assert bookings.get(store, acme, booking.id).client_link.endswith("/j/85746065002?pwd=p2")


def test_the_daily_limit_leaves_the_meeting_pending_and_names_the_host(store, acme, zoom_client, checked):
    checked.add_response(
        method="POST",
        url=url(f"/users/{HOST}/meetings"),
        status_code=429,
        headers={"X-RateLimit-Type": "Daily-limit", "Retry-After": "2031-03-02T00:00:00Z"},
        json={
            "code": 429,
            "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
            "requests permitted for this particular user.",
        },
    )
    booking, error = lesson(store, acme, zoom_client)
    assert error.exit_code == ExitCode.RATE_LIMITED
    assert HOST_EMAIL in error.message and "00:00 UTC" in error.message + error.hint
    assert booking.meeting.status == "pending" and HOST_EMAIL in booking.meeting.last_error


def test_a_provider_without_a_zoom_user_is_refused_before_anything_is_sent(store, acme, zoom_client, checked):
    dana = catalog.provider(store, acme, "Dana")
    catalog_repo.set_provider_zoom_user(store, dana.id, None, None, None)
    with pytest.raises(Conflict, match="no Zoom user"):
        lesson(store, acme, zoom_client)
    assert store.one("SELECT COUNT(*) FROM bookings")[0] == 0
    assert checked.get_requests() == []


# -------------------------------------------------------------------------------- classes
def _class(store, acme, zoom_client, *emails):
    """(the bookings, the error to end with)"""
    return parts(
        bookings.create_class_bookings(
            store,
            acme,
            class_ref="Morning yoga",
            session_id=1,
            start=None,
            attendees=[bookings.Attendee(e, n) for e, n in emails],
            is_test=False,
            zoom=lambda: zoom_client,
        )
    )


def test_a_class_meeting_has_registration_and_one_attendee_is_added_alone(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(5))
    checked.add_response(
        method="POST",
        url=url("/meetings/85746065005/registrants"),
        status_code=201,
        json={
            "id": 85746065005,
            "registrant_id": "R1",
            "join_url": f"{JOIN_ORIGIN}/w/85746065005?tk=one",
            "topic": "Morning yoga",
            "start_time": "2031-03-03T08:30:00Z",
        },
    )
    made, error = _class(store, acme, zoom_client, ("ann@example.com", "Ann Marie Lee"))
    assert error is None
    meeting_body, registrant_body = (body(r) for r in sent(checked, "POST"))
    assert meeting_body["settings"] == {"approval_type": 0, "registration_type": 1}
    assert meeting_body["topic"] == "Morning yoga" and meeting_body["duration"] == 45
    assert meeting_body["agenda"].startswith("zoomctl-session:")
    assert registrant_body == {"email": "ann@example.com", "first_name": "Ann", "last_name": "Marie Lee"}
    assert made[0].client_link == f"{JOIN_ORIGIN}/w/85746065005?tk=one"
    assert made[0].registration.zoom_registrant_id == "R1"


def test_several_attendees_are_added_in_batches(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(6))

    def batch(request):
        people = body(request)["registrants"]
        return httpx.Response(
            201,
            json={
                "registrants": [
                    {"email": p["email"], "registrant_id": f"R{i}", "join_url": f"{JOIN_ORIGIN}/w/85746065006?tk={i}"}
                    for i, p in enumerate(people)
                ]
            },
        )

    checked.add_callback(batch, method="POST", url=url("/meetings/85746065006/batch_registrants"))
    made, error = _class(
        store, acme, zoom_client, ("a@example.com", None), ("b@example.com", "Bo"), ("c@example.com", None)
    )
    assert error is None
    request = sent(checked, "POST")[1]
    assert body(request) == {
        "auto_approve": True,
        "registrants": [
            {"email": "a@example.com", "first_name": "a"},
            {"email": "b@example.com", "first_name": "Bo"},
            {"email": "c@example.com", "first_name": "c"},
        ],
    }
    assert len({b.client_link for b in made}) == 3


def test_cancel_a_class_booking_cancels_the_registrant(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(5))
    checked.add_response(
        method="POST",
        url=url("/meetings/85746065005/registrants"),
        status_code=201,
        json={"id": 85746065005, "registrant_id": "R1", "join_url": f"{JOIN_ORIGIN}/w/1?tk=one"},
    )
    checked.add_response(method="PUT", url=url("/meetings/85746065005/registrants/status"), status_code=204)
    (made,), _ = _class(store, acme, zoom_client, ("ann@example.com", None))
    cancelled = bookings.cancel(store, acme, made.id, lambda: zoom_client)
    assert body(sent(checked, "PUT")[0]) == {
        "action": "cancel",
        "registrants": [{"email": "ann@example.com", "id": "R1"}],
    }
    assert cancelled.status == "cancelled" and cancelled.registration.status == "cancelled"


# ------------------------------------------------------------------------------- changes
def test_cancel_deletes_and_reschedule_patches(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(1))
    checked.add_response(method="PATCH", url=url("/meetings/85746065001"), status_code=204)
    checked.add_response(method="DELETE", url=url("/meetings/85746065001"), status_code=204)
    booking, _ = lesson(store, acme, zoom_client)
    outcome = bookings.reschedule(store, acme, booking.id, "2031-03-02T07:00", lambda: zoom_client)
    moved, action, error = outcome.value.booking, outcome.value.meeting_action, outcome.error
    assert (action, error) == ("updated", None)
    assert body(sent(checked, "PATCH")[0]) == {
        "start_time": "2031-03-02T06:00:00Z",
        "duration": 60,
        "timezone": "Europe/Berlin",
    }
    assert moved.client_link == booking.client_link
    cancelled = bookings.cancel(store, acme, booking.id, lambda: zoom_client)
    assert cancelled.meeting.status == "deleted" and len(sent(checked, "DELETE")) == 1


def test_sync_recreates_a_meeting_zoom_reports_missing(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(1))
    checked.add_response(
        method="GET",
        url=url("/meetings/85746065001"),
        status_code=404,
        json={"code": 3001, "message": "Meeting does not exist: 85746065001."},
    )
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(2))
    booking, _ = lesson(store, acme, zoom_client)
    items, error = parts(meetings.sync(store, acme, zoom_client, [bookings.get(store, acme, booking.id)]))
    assert error is None and items[0].action == "recreated" and items[0].zoom_meeting_id == 85746065002
    first, second = (body(r) for r in sent(checked, "POST"))
    assert first["agenda"] == second["agenda"]  # the same marker


def test_open_as_provider_gets_a_fresh_start_url_that_is_not_stored(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(1))
    fresh = {**meeting_answer(1), "start_url": f"{JOIN_ORIGIN}/s/85746065001?zak=fresh-token"}
    checked.add_response(method="GET", url=url("/meetings/85746065001"), json=fresh)
    booking, _ = lesson(store, acme, zoom_client)
    assert bookings.open_link(store, acme, booking.id, "provider", lambda: zoom_client).endswith("zak=fresh-token")
    dumped = "\n".join(store.conn.iterdump())
    assert "fresh-token" not in dumped and "secret1" not in dumped
    assert bookings.open_link(store, acme, booking.id, "client", lambda: zoom_client) == booking.client_link


def test_delete_future_meetings(store, acme, zoom_client, checked):
    for n in (1, 2):
        checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(n))
    lesson(store, acme, zoom_client, "2031-03-01T09:30")
    lesson(store, acme, zoom_client, "2031-03-01T11:30")
    checked.add_response(
        method="POST",
        url=url(f"/users/{HOST}/meetings"),
        status_code=400,
        json={"code": 300, "message": "Validation Failed."},
    )
    past = bookings.create_one(
        store,
        acme,
        service_ref="Private lesson",
        provider_ref="Dana",
        client_email="o@example.com",
        client_name=None,
        start="2031-01-01T10:00",
        is_test=False,
        zoom=lambda: zoom_client,
    ).value
    assert past.meeting.status == "failed"
    repo.move_booking(store, past.id, "2001-01-01T09:00:00Z", "2001-01-01T10:00:00Z")  # as if made long ago
    checked.add_response(method="DELETE", url=url("/meetings/85746065001"), status_code=204)
    checked.add_response(
        method="DELETE",
        url=url("/meetings/85746065002"),
        status_code=404,
        json={"code": 3001, "message": "Meeting does not exist."},
    )
    assert bookings.delete_future_meetings(store, acme, zoom_client) == 1
    statuses = [r[0] for r in store.all("SELECT status FROM meetings ORDER BY id")]
    assert statuses == ["deleted", "deleted", "failed"]  # the past one is left alone
    assert [r.url.path for r in sent(checked, "DELETE")] == ["/v2/meetings/85746065001", "/v2/meetings/85746065002"]


# ------------------------------------------------------------------------ users, assign
def test_zoom_users_follows_every_page(zoom_client, checked):
    def page(request):
        token = request.url.params.get("next_page_token")
        users = (
            [
                {
                    "id": "U3",
                    "email": "c@zoom.example",
                    "first_name": "C",
                    "last_name": "Z",
                    "type": 1,
                    "status": "active",
                }
            ]
            if token
            else [
                {"id": "U1", "email": "a@zoom.example", "display_name": "A Z", "type": 2, "status": "active"},
                {"id": "U2", "email": "b@zoom.example", "display_name": "B Z", "type": 99, "status": "active"},
            ]
        )
        return httpx.Response(200, json={"next_page_token": "" if token else "PAGE2", "page_size": 300, "users": users})

    checked.add_callback(page, method="GET", url=url("/users"), is_reusable=True)
    found = providers_zoom.list_users(lambda: zoom_client, "active")
    assert [(u.email, u.type_name, u.display_name) for u in found] == [
        ("a@zoom.example", "Licensed", "A Z"),
        ("b@zoom.example", "None", "B Z"),
        ("c@zoom.example", "Basic", "C Z"),
    ]
    assert [r.url.params.get("next_page_token") for r in checked.get_requests()] == [None, "PAGE2"]


def test_a_user_a_repeated_page_gives_again_is_listed_once(store, acme, zoom_client, checked):
    dana = {"id": "U1", "email": "a@zoom.example", "display_name": "A Z", "type": 2, "status": "active"}
    bo = {"id": "U2", "email": "b@zoom.example", "display_name": "B Z", "type": 2, "status": "active"}

    def page(request):
        second = request.url.params.get("next_page_token") == "PAGE2"
        users = [dana, bo] if second else [dana]  # the account changed while paging: U1 again
        return httpx.Response(200, json={"next_page_token": "" if second else "PAGE2", "page_size": 1, "users": users})

    checked.add_callback(page, method="GET", url=url("/users"), is_reusable=True)
    found = providers_zoom.list_users(lambda: zoom_client, "active")
    assert [u.id for u in found] == ["U1", "U2"]


@pytest.fixture
def user_level_login(store, acme):
    company_repo.save_connection(
        store,
        acme.id,
        kind="oauth",
        oauth_url="https://zoom.example",
        api_url=API,
        client_id="C",
        user_id="ME1",
        user_email="me@zoom.example",
        scopes=["meeting:write", "user:read"],
        can_act_for_others=False,
        token_location="keyring",
        status="connected",
        connected_at="2026-01-01T00:00:00Z",
        connected_by="t",
    )


def test_a_grant_for_itself_only_is_refused_for_another_user(store, acme, zoom_client, checked, user_level_login):
    with pytest.raises(AuthRequired) as refused:
        providers_zoom.assign(store, acme, ACCESS, "Dana", "other@zoom.example", lambda: zoom_client)
    assert "can act only for me@zoom.example" in refused.value.message
    assert "--shared-access" in refused.value.hint and "Server-to-Server" in refused.value.hint
    assert checked.get_requests() == []  # refused before asking Zoom

    checked.add_response(
        method="GET",
        url=url("/users/me"),
        json={"id": "ME1", "email": "me@zoom.example", "type": 1, "status": "active"},
    )
    done = providers_zoom.assign(store, acme, ACCESS, "Dana", "me", lambda: zoom_client)
    assert done.user.id == "ME1" and done.result == "assigned"
    assert "Basic" in done.warnings[0] and "40 minutes" in done.warnings[0]


def test_a_permission_refusal_from_zoom_gets_the_same_explanation(store, acme, zoom_client, checked, monkeypatch):
    monkeypatch.setenv("ZOOMCTL_ZOOM_TOKEN", "t")  # rights unknown to zoomctl: Zoom decides
    checked.add_response(
        method="GET",
        url=url("/users/other@zoom.example"),
        status_code=403,
        json={"code": 200, "message": "No permission."},
    )
    checked.add_response(  # is it an inactive user? the listings show none
        method="GET", url=url("/users"), json={"next_page_token": "", "users": []}, is_reusable=True
    )
    with pytest.raises(AuthRequired, match="can act only for") as refused:
        providers_zoom.assign(store, acme, ACCESS, "Dana", "other@zoom.example", lambda: zoom_client)
    assert refused.value.exit_code == ExitCode.AUTH_REQUIRED  # a limit of the authorization, not a conflict


def test_the_request_check_is_not_a_rubber_stamp(spec):
    bad = httpx.Request("POST", f"{API}/users/{HOST}/meetings", json={"type": 7, "topic": "x" * 201})
    with pytest.raises(AssertionError, match="does not match Zoom's schema"):
        spec.check(bad)
    unknown = httpx.Request("GET", f"{API}/users/{HOST}/meetings?kind=all")
    with pytest.raises(AssertionError, match="not in Zoom's spec"):
        spec.check(unknown)


def test_by_email_without_the_right_to_list_users_looks_each_email_up(
    store, acme, zoom_client, checked, user_level_login
):
    catalog.add_provider(store, acme, "Me Myself", "me@zoom.example")
    catalog.add_provider(store, acme, "Nobody", None)
    checked.add_response(
        method="GET",
        url=url("/users"),
        status_code=400,
        json={"code": 4711, "message": "Invalid access token, does not contain scopes:[user:read:admin]."},
    )
    checked.add_response(
        method="GET",
        url=url("/users/me@zoom.example"),
        json={"id": "ME1", "email": "me@zoom.example", "type": 2, "status": "active"},
    )
    results = {r.provider.name: r for r in providers_zoom.assign_all_by_email(store, acme, ACCESS, lambda: zoom_client)}
    assert results["Me Myself"].result == "assigned" and results["Me Myself"].user.id == "ME1"
    assert results["Nobody"].result == "no email"
    assert results["Dana Smith"].result == "refused" and "can act only for" in results["Dana Smith"].reason
    assert [r.url.path for r in checked.get_requests()] == ["/v2/users", "/v2/users/me@zoom.example"]


# ------------------------------------------------------------ a batch answer that leaves people out
def _answer_for_all_but(left_out: str, meeting_id: int):
    def batch(request):
        people = [p for p in body(request)["registrants"] if p["email"] != left_out]
        return httpx.Response(
            201,
            json={
                "registrants": [
                    {"email": p["email"], "registrant_id": f"R{i}", "join_url": f"{JOIN_ORIGIN}/w/{meeting_id}?tk={i}"}
                    for i, p in enumerate(people)
                ]
            },
        )

    return batch


def test_only_the_attendees_zoom_answered_for_are_registered(store, acme, zoom_client, checked):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(6))
    checked.add_callback(
        _answer_for_all_but("b@example.com", 85746065006),
        method="POST",
        url=url("/meetings/85746065006/batch_registrants"),
    )
    made, error = _class(
        store, acme, zoom_client, ("a@example.com", None), ("b@example.com", None), ("c@example.com", None)
    )
    a, b, c = made
    assert a.client_link and c.client_link
    assert b.client_link is None and b.registration.status == "failed"
    assert isinstance(error, MeetingError) and error.exit_code == ExitCode.ZOOM_ERROR
    assert f"booking(s) {b.id} saved" in error.message and "left out b@example.com" in error.message
    assert "2 of 3" in error.message


def test_sync_says_registered_only_for_those_zoom_answered_for_and_cancel_reaches_zoom(
    store, acme, zoom_client, checked
):
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=400, json={"code": 300})
    checked.add_response(
        method="GET", url=url(f"/users/{HOST}/meetings"), json={"next_page_token": "", "meetings": []}, is_reusable=True
    )
    made, error = _class(
        store, acme, zoom_client, ("a@example.com", None), ("b@example.com", None), ("c@example.com", None)
    )
    assert error is not None and all(m.client_link is None for m in made)
    checked.add_response(method="POST", url=url(f"/users/{HOST}/meetings"), status_code=201, json=meeting_answer(7))
    checked.add_callback(
        _answer_for_all_but("b@example.com", 85746065007),
        method="POST",
        url=url("/meetings/85746065007/batch_registrants"),
    )
    a, b, c = made
    synced = meetings.sync(store, acme, zoom_client, [bookings.get(store, acme, m.id) for m in made])
    by_action = {item.action: item.booking_ids for item in synced.value}
    assert by_action.get("registered") == [a.id, c.id], synced.value
    assert by_action.get("failed") == [b.id], synced.value
    assert synced.error is not None and synced.error.exit_code == ExitCode.ZOOM_ERROR
    assert f"booking(s) {b.id} saved" in synced.error.message

    checked.add_response(method="PUT", url=url("/meetings/85746065007/registrants/status"), status_code=204)
    cancelled = bookings.cancel(store, acme, b.id, lambda: zoom_client)
    assert body(sent(checked, "PUT")[0]) == {"action": "cancel", "registrants": [{"email": "b@example.com"}]}
    assert cancelled.status == "cancelled" and cancelled.registration.status == "cancelled"
