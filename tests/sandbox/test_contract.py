"""Contract tests: sandbox traffic checked against Zoom's own OpenAPI documents (their
committed extract, tests/contract/zoom-openapi-extract.json).

Every implemented operation's responses, successes and errors, are validated with
openapi-core: meeting and registrant paths against meetings-openapi.json, ``GET /users``
and ``GET /users/{userId}`` against combined-2023-openapi.json. Where a document does not
list a status for an operation (401 almost everywhere, 403 on most, 400 on ``GET
/users``), ``Contract.check`` validates the body against Zoom's generic error shape
``{"code": int, "message": str, "errors"?: [{field, message}]}`` instead and records that
it did (``…:generic-error``). Documented error statuses have no body schema in the
documents, so their bodies get the generic shape check too.

Request bodies the tests send are validated against the documents as well.
"""

from __future__ import annotations

import pytest
from openapi_core.validation.request.exceptions import InvalidRequestBody


def _send(zoom, contract, method, path, token, body=None, params=None):
    """Validate the request against the spec, send it, validate the response."""
    query = ""
    if params:
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items())
    contract.check_request(method, path + query, body)
    answer = zoom.api(method, path, token, json=body, params=params)
    contract.check(answer)
    return answer


MEETING = {
    "topic": "Contract class",
    "type": 2,
    "start_time": "2031-04-05T06:07:08Z",
    "duration": 30,
    "timezone": "UTC",
    "agenda": "zoomctl:contract",
    "settings": {"approval_type": 0, "join_before_host": False, "waiting_room": False},
}


def test_request_bodies_are_checked_against_the_spec(contract):
    contract.check_request("POST", "/users/me/meetings", MEETING)
    contract.check_request(
        "PUT", "/meetings/85746065/registrants/status", {"action": "approve", "registrants": [{"id": "abc"}]}
    )
    with pytest.raises(InvalidRequestBody):
        contract.check_request("POST", "/users/me/meetings", {"duration": 3000})
    with pytest.raises(InvalidRequestBody):
        contract.check_request("PUT", "/meetings/85746065/registrants/status", {"action": "ban"})


def test_users_list(zoom, contract):
    s2s = zoom.s2s()
    first = _send(zoom, contract, "GET", "/users", s2s, params={"page_size": 2})
    assert first.status_code == 200 and first.json()["next_page_token"]
    page = _send(
        zoom,
        contract,
        "GET",
        "/users",
        s2s,
        params={"page_size": 2, "next_page_token": first.json()["next_page_token"]},
    )
    assert page.status_code == 200
    assert _send(zoom, contract, "GET", "/users", s2s, params={"status": "inactive"}).status_code == 200
    # 400 (missing scope, bad page token) and 401 are not listed for GET /users
    assert contract.check(zoom.api("GET", "/users", zoom.login())) == "combined:generic-error"
    assert contract.check(zoom.api("GET", "/users", s2s, params={"next_page_token": "x.y"}))
    assert contract.check(zoom.api("GET", "/users", "bogus")) == "combined:generic-error"


def test_user_get(zoom, contract):
    tokens = zoom.login()
    assert _send(zoom, contract, "GET", "/users/me", tokens).status_code == 200
    admin = zoom.login("admin")
    for user in zoom.users():
        assert _send(zoom, contract, "GET", f"/users/{user['id']}", admin).status_code == 200
    missing = _send(zoom, contract, "GET", "/users/ghost@example.com", admin)
    assert missing.status_code == 404 and contract.checked[-1][3] == "combined:schema"
    other = zoom.user(type=1)
    forbidden = zoom.api("GET", f"/users/{other['id']}", tokens)
    assert forbidden.status_code == 403
    assert contract.check(forbidden) == "combined:generic-error"


def test_meeting_create_and_errors(zoom, contract):
    tokens = zoom.login()
    created = _send(zoom, contract, "POST", "/users/me/meetings", tokens, MEETING)
    assert created.status_code == 201
    minimal = _send(zoom, contract, "POST", "/users/me/meetings", tokens, {})
    assert minimal.status_code == 201
    recurring = _send(zoom, contract, "POST", "/users/me/meetings", tokens, {"type": 3})
    assert recurring.status_code == 201
    invalid = zoom.api("POST", "/users/me/meetings", tokens, json={"start_time": "soon"})
    assert invalid.status_code == 400 and contract.check(invalid) == "meetings:schema"
    admin = zoom.login("admin")
    missing = _send(zoom, contract, "POST", "/users/ghost@example.com/meetings", admin, {})
    assert missing.status_code == 404
    zoom.sb.configure(daily_meeting_limit=3)
    daily = _send(zoom, contract, "POST", "/users/me/meetings", tokens, {})
    assert daily.status_code == 429
    expired_token = zoom.login()
    zoom.sb.clock.advance(3600)
    unauthorized = zoom.api("POST", "/users/me/meetings", expired_token, json={})
    assert unauthorized.status_code == 401
    assert contract.check(unauthorized) == "meetings:generic-error"


def test_meeting_get_update_delete(zoom, contract):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, **MEETING)
    path = f"/meetings/{meeting['id']}"
    assert _send(zoom, contract, "GET", path, tokens).status_code == 200
    update = {"topic": "Renamed", "duration": 60, "agenda": "zoomctl:contract:2", "settings": {"approval_type": 1}}
    assert _send(zoom, contract, "PATCH", path, tokens, update).status_code == 204
    after = _send(zoom, contract, "GET", path, tokens)
    assert after.json()["topic"] == "Renamed"
    bad = zoom.api("PATCH", path, tokens, json={"start_time": "2031-99-99T00:00:00Z"})
    assert bad.status_code == 400 and contract.check(bad) == "meetings:schema"
    assert _send(zoom, contract, "DELETE", path, tokens).status_code == 204
    for method, body in (("GET", None), ("PATCH", {"topic": "x"}), ("DELETE", None)):
        answer = _send(zoom, contract, method, path, tokens, body)
        assert answer.status_code == 404
    other_host = zoom.create_meeting(zoom.login("admin"), user=zoom.user(type=1)["id"])
    forbidden = zoom.api("GET", f"/meetings/{other_host['id']}", tokens)
    assert forbidden.status_code == 403
    assert contract.check(forbidden) == "meetings:generic-error"
    patch_401 = zoom.api("PATCH", path, "bogus", json={})
    assert contract.check(patch_401) == "meetings:schema"  # 401 is listed for PATCH


def test_meetings_list(zoom, contract):
    tokens = zoom.login()
    for i in range(3):
        zoom.create_meeting(tokens, agenda=f"marker-{i}")
    zoom.create_meeting(tokens, type=3)
    first = _send(zoom, contract, "GET", "/users/me/meetings", tokens, params={"page_size": 2})
    assert first.status_code == 200
    rest = _send(
        zoom,
        contract,
        "GET",
        "/users/me/meetings",
        tokens,
        params={"page_size": 2, "next_page_token": first.json()["next_page_token"]},
    )
    assert len(first.json()["meetings"] + rest.json()["meetings"]) == 4
    for kind in ("upcoming", "previous_meetings", "live"):
        assert _send(zoom, contract, "GET", "/users/me/meetings", tokens, params={"type": kind}).status_code == 200
    other = zoom.user(type=2, owner=False)
    forbidden = _send(zoom, contract, "GET", f"/users/{other['id']}/meetings", tokens)
    assert forbidden.status_code == 403 and contract.checked[-1][3] == "meetings:schema"
    missing = _send(zoom, contract, "GET", "/users/ghost@example.com/meetings", zoom.login("admin"))
    assert missing.status_code == 404
    zoom.sb.configure(rate_limits={"Medium": 1})
    zoom.sb.clock.freeze()
    zoom.api("GET", "/users/me/meetings", tokens)
    limited = _send(zoom, contract, "GET", "/users/me/meetings", tokens)
    assert limited.status_code == 429


def test_registrants(zoom, contract):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 1})
    base = f"/meetings/{meeting['id']}"
    person = {"email": "pat@example.com", "first_name": "Pat", "last_name": "Lee"}
    pending = _send(zoom, contract, "POST", f"{base}/registrants", tokens, person)
    assert pending.status_code == 201 and "join_url" not in pending.json()
    approved = _send(
        zoom,
        contract,
        "POST",
        f"{base}/registrants",
        tokens,
        {"email": "sam@example.com", "first_name": "Sam", "auto_approve": True},
    )
    assert approved.status_code == 201 and "join_url" in approved.json()
    for status in ("pending", "approved", "denied"):
        listed = _send(zoom, contract, "GET", f"{base}/registrants", tokens, params={"status": status, "page_size": 1})
        assert listed.status_code == 200
    status_body = {"action": "approve", "registrants": [{"id": pending.json()["registrant_id"]}]}
    assert _send(zoom, contract, "PUT", f"{base}/registrants/status", tokens, status_body).status_code == 204
    bad_status = zoom.api("PUT", f"{base}/registrants/status", tokens, json={"action": "ban"})
    assert bad_status.status_code == 400 and contract.check(bad_status)
    batch = {
        "auto_approve": True,
        "registrants": [{"email": f"b{i}@example.com", "first_name": "B", "last_name": str(i)} for i in range(3)],
    }
    created = _send(zoom, contract, "POST", f"{base}/batch_registrants", tokens, batch)
    assert created.status_code == 201 and len(created.json()["registrants"]) == 3
    invalid = zoom.api("POST", f"{base}/registrants", tokens, json={"first_name": "No email"})
    assert invalid.status_code == 400 and contract.check(invalid) == "meetings:schema"
    # a Basic host, and a meeting without registration: 400s with Zoom's codes
    basic = zoom.user(type=1)
    basic_tokens = zoom.login("public", user=basic["email"])
    basic_meeting = zoom.create_meeting(basic_tokens, settings={"approval_type": 0})
    refused = _send(zoom, contract, "POST", f"/meetings/{basic_meeting['id']}/registrants", basic_tokens, person)
    assert refused.status_code == 400
    closed = zoom.create_meeting(tokens)
    for method, tail, body in (
        ("GET", "registrants", None),
        ("POST", "registrants", person),
        ("POST", "batch_registrants", batch),
        ("PUT", "registrants/status", status_body),
    ):
        answer = _send(zoom, contract, method, f"/meetings/{closed['id']}/{tail}", tokens, body)
        assert answer.status_code == 400
        answer = _send(zoom, contract, method, f"/meetings/12345678901/{tail}", tokens, body)
        assert answer.status_code == 404


def test_injected_server_errors_have_zoom_error_bodies(zoom, contract):
    tokens = zoom.login()
    for status in (500, 502, 503):
        zoom.sb.faults.add("meetingCreate", status=status)
        answer = zoom.api("POST", "/users/me/meetings", tokens, json={})
        assert answer.status_code == status
        assert contract.check(answer) == "meetings:generic-error"
    zoom.sb.faults.add("meeting", status=429)
    meeting = zoom.create_meeting(tokens)
    limited = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert limited.status_code == 429 and contract.check(limited) == "meetings:schema"


def test_a_per_second_limit_on_a_meeting_update_carries_the_documented_code(zoom, contract, openapi_documents):
    documented = openapi_documents["meetings"]["paths"]["/meetings/{meetingId}"]["patch"]["responses"]["429"]
    assert documented["x-error-codes"] == [4001]
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    zoom.sb.configure(rate_limits={"Light": 1})
    zoom.sb.clock.freeze()
    answers = [zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"topic": "x"}) for _ in range(2)]
    limited = answers[-1]
    assert limited.status_code == 429 and limited.json()["code"] == 4001
    assert contract.check(limited) == "meetings:schema"
    zoom.sb.clock.advance(1)
    zoom.sb.faults.add("meetingUpdate", status=429)  # an injected 429 has the documented code too
    injected = zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"topic": "y"})
    assert injected.status_code == 429 and injected.json()["code"] == 4001
    assert contract.check(injected) == "meetings:schema"


def test_the_rate_limit_code_check_is_not_a_rubber_stamp(zoom, contract):
    import httpx

    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    request = httpx.Request("PATCH", f"{zoom.sb.api_base_url}/meetings/{meeting['id']}", json={})
    fake = httpx.Response(429, json={"code": 429, "message": "Too many requests."}, request=request)
    with pytest.raises(AssertionError, match="not one the document lists"):
        contract.check(fake)


def test_error_shape_check_is_not_a_rubber_stamp(contract, zoom):
    """The generic error check fails on a non-Zoom error body."""
    from jsonschema import ValidationError

    tokens = zoom.login()
    zoom.sb.faults.add("meeting", status=500, body="text")
    meeting = zoom.create_meeting(tokens)
    answer = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    with pytest.raises(ValueError):
        contract.check(answer)
    zoom.sb.faults.add("meeting", status=500, code=None, message="")
    answer = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert answer.json()["message"]  # default message filled in
    import httpx

    fake = httpx.Response(500, json={"error": "nope"}, request=answer.request)
    with pytest.raises(ValidationError):
        contract.check(fake)


def test_success_checks_are_not_rubber_stamps(contract, zoom):
    """A success body that breaks the documented schema is caught."""
    import httpx
    from openapi_core.validation.response.exceptions import InvalidData

    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)
    good = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert contract.check(good) == "meetings:schema"
    for key, value in (("id", str(meeting["id"])), ("type", 99), ("status", "sleeping")):
        broken = dict(good.json(), **{key: value})
        fake = httpx.Response(200, json=broken, request=good.request)
        with pytest.raises(InvalidData):
            contract.check(fake)
    me = zoom.api("GET", "/users/me", tokens)
    fake = httpx.Response(200, json=dict(me.json(), type="Licensed"), request=me.request)
    with pytest.raises(InvalidData):
        contract.check(fake)


OPERATIONS = {  # operationId: (document, path, method)
    "users": ("combined", "/users", "get"),
    "user": ("combined", "/users/{userId}", "get"),
    "meetings": ("meetings", "/users/{userId}/meetings", "get"),
    "meetingCreate": ("meetings", "/users/{userId}/meetings", "post"),
    "meeting": ("meetings", "/meetings/{meetingId}", "get"),
    "meetingUpdate": ("meetings", "/meetings/{meetingId}", "patch"),
    "meetingDelete": ("meetings", "/meetings/{meetingId}", "delete"),
    "meetingRegistrants": ("meetings", "/meetings/{meetingId}/registrants", "get"),
    "meetingRegistrantCreate": ("meetings", "/meetings/{meetingId}/registrants", "post"),
    "meetingRegistrantStatus": ("meetings", "/meetings/{meetingId}/registrants/status", "put"),
    "addBatchRegistrants": ("meetings", "/meetings/{meetingId}/batch_registrants", "post"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_rate_limit_category_and_scopes_match_the_documents(openapi_documents, operation):
    from zoomctl.sandbox.api import SCOPES
    from zoomctl.sandbox.limits import CATEGORIES

    document, path, method = OPERATIONS[operation]
    op = openapi_documents[document]["paths"][path][method]
    assert op["operationId"] == operation
    assert CATEGORIES[operation] == op["x-rate-limit-label"].capitalize()
    assert set(SCOPES[operation]) == set(op["x-extensions"]["x-macro-scopes"])
