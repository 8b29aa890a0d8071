"""Who may call the API, for whom: tokens, scopes, shared access, admin grants."""

from __future__ import annotations

import pytest

INVALID = {"code": 124, "message": "Invalid access token."}
NO_PERMISSION = {"code": 200, "message": "No permission."}


def test_token_in_query_string_is_refused_with_124(zoom):
    tokens = zoom.login()
    answer = zoom.http.get("/v2/users/me", params={"access_token": tokens["access_token"]})
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == 124 and "not supported as query parameter string" in body["message"]
    both = zoom.api("GET", "/users/me", tokens, params={"access_token": tokens["access_token"]})
    assert both.status_code == 401 and both.json()["code"] == 124


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer nope", "Basic abc", "bearer eyJ.fake.token"])
def test_missing_or_unknown_token_is_124(zoom, header):
    headers = {"Authorization": header} if header is not None else {}
    answer = zoom.http.get("/v2/users/me", headers=headers)
    assert answer.status_code == 401 and answer.json() == INVALID


def test_refresh_token_is_not_an_access_token(zoom):
    tokens = zoom.login()
    answer = zoom.api("GET", "/users/me", tokens["refresh_token"])
    assert answer.status_code == 401 and answer.json() == INVALID


def test_old_access_token_still_works_after_a_refresh_until_it_expires(zoom):
    tokens = zoom.login()
    zoom.refresh("public", tokens["refresh_token"])
    assert zoom.api("GET", "/users/me", tokens).status_code == 200


def test_user_level_grant_acts_only_for_its_user(zoom):
    tokens = zoom.login("public")
    other = zoom.user(type=2, owner=False)
    assert zoom.api("GET", "/users/me", tokens).status_code == 200
    assert zoom.api("GET", f"/users/{zoom.owner['email']}", tokens).status_code == 200
    for method, path, body in [
        ("GET", f"/users/{other['id']}", None),
        ("GET", f"/users/{other['email']}/meetings", None),
        ("POST", f"/users/{other['id']}/meetings", {"topic": "x", "type": 2}),
    ]:
        answer = zoom.api(method, path, tokens, json=body)
        assert answer.status_code == 403, (method, path)
        assert answer.json() == NO_PERMISSION


def test_user_level_grant_cannot_touch_another_users_meeting(zoom):
    admin = zoom.login("admin")
    other = zoom.user(type=2, owner=False)
    meeting = zoom.create_meeting(admin, user=other["id"], settings={"approval_type": 0})
    mine = zoom.login("public")
    for method, path, body in [
        ("GET", f"/meetings/{meeting['id']}", None),
        ("PATCH", f"/meetings/{meeting['id']}", {"topic": "hijack"}),
        ("DELETE", f"/meetings/{meeting['id']}", None),
        ("GET", f"/meetings/{meeting['id']}/registrants", None),
        ("POST", f"/meetings/{meeting['id']}/registrants", {"email": "a@b.co", "first_name": "A"}),
    ]:
        answer = zoom.api(method, path, mine, json=body)
        assert answer.status_code == 403 and answer.json() == NO_PERMISSION, (method, path)
    assert zoom.api("GET", f"/meetings/{meeting['id']}", admin).json()["topic"] == "Yoga class"


def test_shared_access_lets_a_user_level_grant_act_for_active_users(zoom):
    tokens = zoom.login("public", shared=True)
    other = zoom.user(type=2, owner=False)
    created = zoom.api(
        "POST", f"/users/{other['email']}/meetings", tokens, json={"topic": "For a colleague", "type": 2}
    )
    assert created.status_code == 201 and created.json()["host_id"] == other["id"]
    meeting_id = created.json()["id"]
    assert zoom.api("GET", f"/meetings/{meeting_id}", tokens).status_code == 200
    assert zoom.api("DELETE", f"/meetings/{meeting_id}", tokens).status_code == 204
    inactive = zoom.user(status="inactive")
    refused = zoom.api("GET", f"/users/{inactive['id']}", tokens)
    assert refused.status_code == 403


@pytest.mark.parametrize("app", ["admin", "s2s"])
def test_admin_scoped_grants_act_for_any_user(zoom, app):
    tokens = zoom.s2s() if app == "s2s" else zoom.login("admin")
    for user in zoom.users():
        assert zoom.api("GET", f"/users/{user['id']}", tokens).status_code == 200
    basic = zoom.user(type=1)
    assert zoom.api("POST", f"/users/{basic['id']}/meetings", tokens, json={"type": 2}).status_code == 201


def test_user_level_grant_lacks_the_scope_to_list_users(zoom):
    for tokens in (zoom.login("public"), zoom.login("confidential")):
        answer = zoom.api("GET", "/users", tokens)
        assert answer.status_code == 400
        assert answer.json() == {
            "code": 4711,
            "message": "Invalid access token, does not contain scopes:[user:read:admin].",
        }


def test_shared_access_lets_a_user_level_grant_list_users(zoom):
    answer = zoom.api("GET", "/users", zoom.login("confidential", shared=True))
    assert answer.status_code == 200
    assert len(answer.json()["users"]) > 1


def test_me_email_and_id_resolve_and_unknown_user_is_1001(zoom):
    tokens = zoom.login("admin")
    owner = zoom.owner
    by_me = zoom.api("GET", "/users/me", tokens).json()
    by_id = zoom.api("GET", f"/users/{owner['id']}", tokens).json()
    by_email = zoom.api("GET", f"/users/{owner['email'].upper()}", tokens).json()
    assert by_me == by_id == by_email
    missing = zoom.api("GET", "/users/nobody@example.com", tokens)
    assert missing.status_code == 404
    assert missing.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}
    assert zoom.api("POST", "/users/nobody@example.com/meetings", tokens, json={}).json()["code"] == 1001
    assert zoom.api("GET", "/users/nobody/meetings", tokens).json()["code"] == 1001


def test_unknown_api_path_and_method(zoom):
    tokens = zoom.login()
    assert zoom.api("GET", "/webinars", tokens).status_code == 404
    answer = zoom.api("PUT", "/users/me", tokens)
    assert answer.status_code == 405
