"""Things that happen on the Zoom side: uninstall, user deleted/downgraded, meeting deleted."""

from __future__ import annotations

import pytest

INVALID_GRANT = {"reason": "Invalid Token!", "error": "invalid_grant"}


def test_app_uninstalled_kills_refresh_and_api(zoom):
    tokens = zoom.login("public")
    other_app = zoom.login("confidential")
    result = zoom.sb.uninstall_app("public")
    assert result["grants_ended"] == 1
    assert zoom.refresh("public", tokens["refresh_token"]).json() == INVALID_GRANT
    answer = zoom.api("GET", "/users/me", tokens)
    assert answer.status_code == 401 and answer.json()["code"] == 124
    assert zoom.api("GET", "/users/me", other_app).status_code == 200
    # installing again works (a new grant)
    assert zoom.api("GET", "/users/me", zoom.login("public")).status_code == 200


def test_app_uninstalled_for_one_user_only(zoom):
    basic = zoom.user(type=1)
    owner_tokens = zoom.login("public")
    basic_tokens = zoom.login("public", user=basic["email"])
    zoom.sb.event("app_uninstalled", app=zoom.sb.apps["public"]["client_id"], user=basic["email"])
    assert zoom.api("GET", "/users/me", basic_tokens).status_code == 401
    assert zoom.api("GET", "/users/me", owner_tokens).status_code == 200


def test_s2s_uninstall_ends_its_tokens(zoom):
    tokens = zoom.s2s()
    zoom.sb.uninstall_app("s2s")
    assert zoom.api("GET", "/users", tokens).json()["code"] == 124
    assert zoom.api("GET", "/users", zoom.s2s()).status_code == 200


def test_user_deleted(zoom):
    admin = zoom.login("admin")
    victim = zoom.user(type=2, owner=False)
    victim_tokens = zoom.login("public", user=victim["email"])
    meeting = zoom.create_meeting(admin, user=victim["id"])
    zoom.sb.delete_user(victim["email"])
    for ref in (victim["id"], victim["email"]):
        answer = zoom.api("GET", f"/users/{ref}", admin)
        assert answer.status_code == 404 and answer.json()["code"] == 1001
        assert zoom.api("POST", f"/users/{ref}/meetings", admin, json={}).json()["code"] == 1001
    assert zoom.api("GET", f"/meetings/{meeting['id']}", admin).json()["code"] == 3001
    assert zoom.api("GET", "/users/me", victim_tokens).json()["code"] == 124
    assert zoom.refresh("public", victim_tokens["refresh_token"]).json() == INVALID_GRANT
    listed = zoom.api("GET", "/users", admin).json()["users"]
    assert victim["id"] not in [u["id"] for u in listed]


def test_user_downgraded_to_basic_loses_registrants(zoom):
    host = zoom.user(type=2, owner=False)
    tokens = zoom.login("public", user=host["email"])
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    path = f"/meetings/{meeting['id']}/registrants"
    body = {"email": "a@example.com", "first_name": "A"}
    assert zoom.api("POST", path, tokens, json=body).status_code == 201
    zoom.sb.downgrade_user(host["id"])
    assert zoom.api("GET", "/users/me", tokens).json()["type"] == 1
    refused = zoom.api("POST", path, tokens, json={"email": "b@example.com", "first_name": "B"})
    assert refused.status_code == 400 and refused.json()["code"] == 200
    assert zoom.api("GET", f"/meetings/{meeting['id']}", tokens).status_code == 200
    zoom.sb.upgrade_user(host["id"])
    assert zoom.api("POST", path, tokens, json={"email": "b@example.com", "first_name": "B"}).status_code == 201


def test_meeting_deleted_in_zoom(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    zoom.sb.delete_meeting(meeting["id"])
    answer = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert answer.status_code == 404 and answer.json()["code"] == 3001


def test_user_deactivated_and_activated(zoom):
    admin = zoom.s2s()
    user = zoom.user(type=1)
    zoom.sb.event("user_deactivated", user=user["email"])
    assert zoom.api("POST", f"/users/{user['id']}/meetings", admin, json={}).json()["code"] == 3161
    zoom.sb.event("user_activated", user=user["email"])
    assert zoom.api("POST", f"/users/{user['id']}/meetings", admin, json={}).status_code == 201


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "volcano"},
        {"type": "user_deleted"},
        {"type": "user_deleted", "user": "ghost@example.com"},
        {"type": "app_uninstalled", "app": "nope"},
        {"type": "meeting_deleted", "meeting_id": 1},
    ],
)
def test_bad_events_raise(zoom, kwargs):
    with pytest.raises((KeyError, ValueError)):
        zoom.sb.event(**kwargs)


def test_the_owner_cannot_be_deleted(zoom):
    with pytest.raises(ValueError):
        zoom.sb.delete_user(zoom.owner["email"])
