"""Meetings: create, get (fresh start_url), list (agenda), update, delete, validation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest


def test_create_meeting_answers_201_with_zoom_fields(zoom):
    tokens = zoom.login()
    answer = zoom.api(
        "POST",
        "/users/me/meetings",
        tokens,
        json={
            "topic": "Pilates",
            "type": 2,
            "start_time": "2031-05-06T07:08:09Z",
            "duration": 50,
            "timezone": "Europe/Berlin",
            "agenda": "zoomctl:booking=42",
            "settings": {"approval_type": 0, "join_before_host": True},
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert isinstance(body["id"], int) and 10 <= len(str(body["id"])) <= 11
    assert body["uuid"].endswith("==")
    assert body["host_id"] == zoom.owner["id"] and body["host_email"] == zoom.owner["email"]
    assert body["topic"] == "Pilates" and body["type"] == 2 and body["status"] == "waiting"
    assert body["start_time"] == "2031-05-06T07:08:09Z" and body["duration"] == 50
    assert body["timezone"] == "Europe/Berlin" and body["agenda"] == "zoomctl:booking=42"
    assert body["password"] and len(body["password"]) <= 10
    assert re.fullmatch(rf"{re.escape(zoom.sb.base_url)}/j/{body['id']}\?pwd=[\w-]+", body["join_url"])
    assert body["start_url"].startswith(f"{zoom.sb.base_url}/s/{body['id']}?zak=")
    assert body["registration_url"].startswith(zoom.sb.base_url + "/meeting/register/")
    assert body["settings"]["approval_type"] == 0
    assert body["settings"]["join_before_host"] is True
    assert zoom.http.get(body["join_url"]).status_code == 200
    assert zoom.http.get(body["registration_url"]).status_code == 200


def test_defaults_and_no_registration_url_without_registration(zoom):
    tokens = zoom.login()
    body = zoom.api("POST", "/users/me/meetings", tokens, json={}).json()
    assert body["type"] == 2 and body["duration"] == 60 and body["topic"] == "Zoom Meeting"
    assert body["timezone"] == zoom.owner["timezone"]
    assert "registration_url" not in body and body["settings"]["approval_type"] == 2
    assert "agenda" not in body


def test_local_start_time_is_read_in_the_given_timezone(zoom):
    tokens = zoom.login()
    body = zoom.create_meeting(tokens, start_time="2031-07-01T09:30:00", timezone="America/New_York")
    assert body["start_time"] == "2031-07-01T13:30:00Z"
    body = zoom.create_meeting(tokens, start_time="2031-07-01T09:30:00+02:00", timezone="UTC")
    assert body["start_time"] == "2031-07-01T07:30:00Z"


def test_meeting_ids_are_unique(zoom):
    tokens = zoom.s2s()
    ids = {zoom.create_meeting(tokens)["id"] for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    "body, field",
    [
        ({"start_time": "tomorrow"}, "start_time"),
        ({"start_time": "2031-13-01T10:00:00Z"}, "start_time"),
        ({"duration": 0}, "duration"),
        ({"duration": 1441}, "duration"),
        ({"duration": "long"}, "duration"),
        ({"type": 5}, "type"),
        ({"topic": "x" * 201}, "topic"),
        ({"agenda": "x" * 2001}, "agenda"),
        ({"password": "far-too-long-passcode"}, "password"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"settings": {"approval_type": 7}}, "settings.approval_type"),
        ({"settings": {"join_before_host": "yes"}}, "settings.join_before_host"),
    ],
)
def test_validation_errors_are_400_code_300_with_fields(zoom, body, field):
    tokens = zoom.login()
    answer = zoom.api("POST", "/users/me/meetings", tokens, json=body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["code"] == 300 and error["message"] == "Validation Failed."
    assert field in [e["field"] for e in error["errors"]]
    assert zoom.api("GET", "/users/me/meetings", tokens).json()["total_records"] == 0


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]"])
def test_body_must_be_a_json_object(zoom, content):
    tokens = zoom.login()
    answer = zoom.api(
        "POST", "/users/me/meetings", tokens, content=content, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json() == {"code": 300, "message": "Request Body should be a valid JSON object."}


def test_boundary_durations_are_accepted(zoom):
    tokens = zoom.login()
    assert zoom.create_meeting(tokens, duration=1)["duration"] == 1
    assert zoom.create_meeting(tokens, duration=1440)["duration"] == 1440


def test_get_meeting_returns_a_fresh_start_url_valid_two_hours(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    first = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert first.status_code == 200
    zoom.sb.clock.advance(1)
    second = zoom.api("GET", f"/meetings/{meeting['id']}", tokens).json()
    assert first.json()["start_url"] != second["start_url"] != meeting["start_url"]
    for key in ("id", "uuid", "join_url", "password", "topic", "host_id"):
        assert first.json()[key] == second[key] == meeting[key]
    start_url = second["start_url"]
    assert zoom.http.get(start_url).status_code == 200
    zoom.sb.clock.advance(2 * 3600 - 60)
    assert zoom.http.get(start_url).status_code == 200
    zoom.sb.clock.advance(61)
    assert zoom.http.get(start_url).status_code == 403
    tokens = zoom.refresh("public", tokens["refresh_token"]).json()
    fresh = zoom.api("GET", f"/meetings/{meeting['id']}", tokens).json()["start_url"]
    assert zoom.http.get(fresh).status_code == 200
    other = zoom.create_meeting(tokens)
    path = urlsplit(fresh)
    assert zoom.http.get(f"/s/{other['id']}?{path.query}").status_code == 403


def test_list_meetings_includes_agenda_and_pages(zoom):
    tokens = zoom.login()
    made = [
        zoom.create_meeting(tokens, agenda=f"marker-{i}", start_time=f"2031-01-{10 + i:02d}T10:00:00Z")
        for i in range(7)
    ]
    other_host = zoom.login("admin")
    zoom.create_meeting(other_host, user=zoom.user(type=2, owner=False)["id"])
    page = zoom.api("GET", "/users/me/meetings", tokens, params={"page_size": 4}).json()
    assert page["total_records"] == 7 and len(page["meetings"]) == 4
    rest = zoom.api(
        "GET", "/users/me/meetings", tokens, params={"page_size": 4, "next_page_token": page["next_page_token"]}
    ).json()
    assert rest["next_page_token"] == ""
    listed = page["meetings"] + rest["meetings"]
    assert [m["id"] for m in listed] == [m["id"] for m in made]
    assert [m["agenda"] for m in listed] == [f"marker-{i}" for i in range(7)]
    assert all(m["join_url"] == c["join_url"] for m, c in zip(listed, made, strict=False))


def test_list_meetings_types(zoom):
    tokens = zoom.login()
    now = zoom.sb.clock.now()
    past = now.replace(year=now.year - 1).strftime("%Y-%m-%dT%H:%M:%SZ")
    zoom.create_meeting(tokens, start_time=past, topic="past")
    zoom.create_meeting(tokens, topic="future")
    kinds = {
        kind: [
            m["topic"] for m in zoom.api("GET", "/users/me/meetings", tokens, params={"type": kind}).json()["meetings"]
        ]
        for kind in ("scheduled", "upcoming", "previous_meetings", "live")
    }
    assert kinds == {"scheduled": ["past", "future"], "upcoming": ["future"], "previous_meetings": ["past"], "live": []}
    assert zoom.api("GET", "/users/me/meetings", tokens, params={"type": "nope"}).status_code == 400


def test_update_meeting_is_204_and_changes_stick(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, agenda="a", settings={"approval_type": 2})
    answer = zoom.api(
        "PATCH",
        f"/meetings/{meeting['id']}",
        tokens,
        json={
            "topic": "Renamed",
            "start_time": "2032-02-02T02:02:00Z",
            "duration": 90,
            "agenda": "b",
            "password": "abc123",
            "settings": {"approval_type": 1},
        },
    )
    assert answer.status_code == 204 and answer.content == b""
    body = zoom.api("GET", f"/meetings/{meeting['id']}", tokens).json()
    assert body["topic"] == "Renamed" and body["start_time"] == "2032-02-02T02:02:00Z"
    assert body["duration"] == 90 and body["agenda"] == "b" and body["password"] == "abc123"
    assert body["settings"]["approval_type"] == 1 and "registration_url" in body
    assert body["join_url"] != meeting["join_url"]  # a new passcode changes the link
    assert zoom.http.get(meeting["join_url"]).status_code == 403
    assert zoom.http.get(body["join_url"]).status_code == 200
    bad = zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"duration": 0})
    assert bad.status_code == 400 and bad.json()["code"] == 300


def test_delete_meeting_is_204_then_3001(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    assert zoom.api("DELETE", f"/meetings/{meeting['id']}", tokens).status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        answer = zoom.api(method, f"/meetings/{meeting['id']}", tokens, json={} if method == "PATCH" else None)
        assert answer.status_code == 404
        assert answer.json() == {"code": 3001, "message": f"Meeting does not exist: {meeting['id']}."}
    assert zoom.http.get(meeting["join_url"]).status_code == 404


def test_missing_meeting_is_3001_for_every_meeting_operation(zoom):
    tokens = zoom.login()
    for method, path in [
        ("GET", "/meetings/12345678901"),
        ("GET", "/meetings/abc"),
        ("GET", "/meetings/12345678901/registrants"),
        ("POST", "/meetings/12345678901/registrants"),
        ("PUT", "/meetings/12345678901/registrants/status"),
        ("POST", "/meetings/12345678901/batch_registrants"),
    ]:
        answer = zoom.api(method, path, tokens, json={} if method != "GET" else None)
        assert answer.status_code == 404 and answer.json()["code"] == 3001, path


def test_inactive_host_cannot_get_meetings(zoom):
    tokens = zoom.s2s()
    inactive = zoom.user(status="inactive")
    answer = zoom.api("POST", f"/users/{inactive['id']}/meetings", tokens, json={})
    assert answer.status_code == 400 and answer.json()["code"] == 3161


def test_created_at_follows_the_sandbox_clock(zoom):
    zoom.sb.clock.set(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    tokens = zoom.login()
    assert zoom.create_meeting(tokens)["created_at"] == "2030-01-02T03:04:05Z"
