"""Fault injection: spec parsing, and every effect over real sockets."""

from __future__ import annotations

import time

import httpx
import pytest

from zoomctl.sandbox import FaultSpecError, Sandbox, SandboxOptions, parse_fault_spec
from zoomctl.sandbox.faults import parse_fault_specs

from .testkit import Zoom, client_for

# ------------------------------------------------------------------ parsing


def test_parse_fault_spec_examples():
    fault = parse_fault_spec("meetingCreate:3:status=500")
    assert (fault.operation, fault.nth, fault.repeat, fault.status) == ("meetingCreate", 3, False, 500)
    fault = parse_fault_spec("meetingCreate:1:drop=after")
    assert fault.drop == "after" and fault.status is None
    assert parse_fault_spec("meeting:drop").drop == "before"
    fault = parse_fault_spec("meeting:*:delay=2.5")
    assert fault.repeat and fault.nth == 1 and fault.delay == 2.5
    fault = parse_fault_spec("users:2+:status=429,retry_after=1")
    assert (fault.nth, fault.repeat, fault.retry_after) == (2, True, "1")
    fault = parse_fault_spec("token.refresh_token:1:body=html")
    assert fault.body == "html" and fault.status == 500
    fault = parse_fault_spec("meetingUpdate:status=500,code=3000,message=Busy: try later")
    assert (fault.nth, fault.code, fault.message) == (1, 3000, "Busy: try later")
    assert len(parse_fault_specs("users:1:status=500; meeting:2:drop=after")) == 2


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "meetingCreate",
        "nosuchop:1:status=500",
        "meeting:0:status=500",
        "meeting:x:status=500",
        "meeting:1:status=abc",
        "meeting:1:drop=sideways",
        "meeting:1:body=pdf",
        "meeting:1:frobnicate=1",
        "meeting:1:",
        "meeting:1:status=42",
    ],
)
def test_bad_fault_specs_are_refused(spec):
    with pytest.raises(FaultSpecError):
        parse_fault_specs(spec)


# ------------------------------------------------------------------ effects


def test_status_fault_fires_on_the_nth_call_only(zoom):
    tokens = zoom.login()
    zoom.create_meeting(tokens)  # calls before the fault is added do not count
    fault = zoom.sb.faults.add_spec("meetingCreate:2:status=500")[0]
    codes = [zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code for _ in range(3)]
    assert codes == [201, 500, 201]
    assert fault.seen == 3 and fault.fired == 1
    listed = zoom.api("GET", "/users/me/meetings", tokens).json()
    assert listed["total_records"] == 3  # the failed call created nothing


def test_status_fault_bodies_look_like_zooms(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add("meeting", status=503)
    zoom.sb.faults.add("user", status=401)
    zoom.sb.faults.add("meetings", status=429)
    zoom.sb.faults.add("users", status=500, code=3000, message="Something else")
    meeting = zoom.create_meeting(tokens)
    answer = zoom.api("GET", f"/meetings/{meeting['id']}", tokens)
    assert answer.status_code == 503
    assert answer.json() == {"code": 503, "message": "Service Unavailable."}
    assert zoom.api("GET", "/users/me", tokens).json() == {"code": 124, "message": "Invalid access token."}
    limited = zoom.api("GET", "/users/me/meetings", tokens)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert limited.headers["x-ratelimit-category"] == "Medium"
    admin = zoom.s2s()
    assert zoom.api("GET", "/users", admin).json() == {"code": 3000, "message": "Something else"}


def test_repeating_faults(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add_spec("user:2+:status=502")
    codes = [zoom.api("GET", "/users/me", tokens).status_code for _ in range(4)]
    assert codes == [200, 502, 502, 502]
    zoom.sb.faults.clear()
    zoom.sb.faults.add_spec("*:*:status=500")
    assert zoom.api("GET", "/users/me", tokens).status_code == 500
    assert zoom.refresh("public", tokens["refresh_token"]).status_code == 500


def test_drop_before_does_nothing_and_answers_nothing(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add_spec("meetingCreate:1:drop=before")
    with pytest.raises(httpx.RemoteProtocolError):
        zoom.api("POST", "/users/me/meetings", tokens, json={"topic": "lost"})
    assert zoom.api("GET", "/users/me/meetings", tokens).json()["total_records"] == 0
    assert zoom.api("POST", "/users/me/meetings", tokens, json={}).status_code == 201


def test_drop_after_takes_effect_but_the_answer_is_lost(zoom):
    """The case behind "no duplicate meeting": the create happened, the client never knew."""
    tokens = zoom.login()
    zoom.sb.faults.add_spec("meetingCreate:1:drop=after")
    with pytest.raises(httpx.RemoteProtocolError):
        zoom.api("POST", "/users/me/meetings", tokens, json={"topic": "Group class", "agenda": "zoomctl:session=7"})
    listed = zoom.api("GET", "/users/me/meetings", tokens).json()["meetings"]
    assert [m["agenda"] for m in listed] == ["zoomctl:session=7"]
    assert zoom.sb.stats()["meetingCreate"] == 1


def test_drop_after_on_a_refresh_still_rotates(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add_spec("token.refresh_token:1:drop=after")
    with pytest.raises(httpx.RemoteProtocolError):
        zoom.refresh("public", tokens["refresh_token"])
    again = zoom.refresh("public", tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_delay_slows_the_answer(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add("user", delay=0.4)
    started = time.monotonic()
    answer = zoom.api("GET", "/users/me", tokens)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.4
    zoom.sb.faults.add("user", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        zoom.api("GET", "/users/me", tokens, timeout=0.2)


@pytest.mark.parametrize(
    "body, content_type", [("xml", "application/xml"), ("html", "text/html"), ("text", "text/plain")]
)
def test_non_json_error_bodies(zoom, body, content_type):
    tokens = zoom.login()
    zoom.sb.faults.add("user", status=502, body=body)
    answer = zoom.api("GET", "/users/me", tokens)
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith(content_type)
    with pytest.raises(ValueError):
        answer.json()
    if body == "xml":
        assert "<code>502</code>" in answer.text


def test_empty_body_fault(zoom):
    tokens = zoom.login()
    zoom.sb.faults.add("user", body="empty", status=500)
    answer = zoom.api("GET", "/users/me", tokens)
    assert answer.status_code == 500 and answer.content == b""


def test_oauth_endpoint_faults(zoom):
    zoom.sb.faults.add_spec("token:1:status=503")
    code, verifier = zoom.authorize()
    failed = zoom.exchange("public", code, verifier)
    assert failed.status_code == 503
    assert failed.json() == {"reason": "Service Unavailable.", "error": "server_error"}
    assert zoom.exchange("public", code, verifier).status_code == 200  # the code survived
    zoom.sb.faults.add_spec("authorize:1:status=500")
    params, _ = zoom.authorize_params()
    page = zoom.http.get("/oauth/authorize", params=params)
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    zoom.sb.faults.add_spec("authorize.consent:1:drop")
    txn = zoom.consent_txn(zoom.http.get("/oauth/authorize", params=params))
    with pytest.raises(httpx.RemoteProtocolError):
        zoom.http.post("/oauth/authorize", data={"txn": txn, "decision": "allow", "user": zoom.owner["email"]})
    tokens = zoom.login()
    zoom.sb.faults.add_spec("revoke:1:status=500,body=xml")
    data, headers = zoom.client_auth("public", {"token": tokens["access_token"]})
    answer = zoom.http.post("/oauth/revoke", data=data, headers=headers)
    assert answer.status_code == 500 and answer.text.startswith("<?xml")
    assert zoom.api("GET", "/users/me", tokens).status_code == 200  # nothing was revoked


def test_faults_from_options_and_removal():
    with Sandbox(SandboxOptions(faults=["user:1:status=500", "users:1:status=500"])) as sb, client_for(sb) as http:
        zoom = Zoom(sb, http)
        assert len(sb.faults) == 2
        tokens = zoom.login()
        assert zoom.api("GET", "/users/me", tokens).status_code == 500
        fault_id = next(f["id"] for f in sb.faults.list() if f["operation"] == "users")
        assert sb.faults.remove(fault_id)
        assert zoom.api("GET", "/users", zoom.s2s()).status_code == 200
