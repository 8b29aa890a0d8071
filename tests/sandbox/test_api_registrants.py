"""Registrants: personal join links into one meeting, licensed hosts, approval, batches."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest


def _register(zoom, tokens, meeting_id, email, **extra):
    return zoom.api(
        "POST",
        f"/meetings/{meeting_id}/registrants",
        tokens,
        json={"email": email, "first_name": "Pat", "last_name": "Lee", **extra},
    )


def test_three_registrants_get_three_links_into_one_meeting(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    answers = [_register(zoom, tokens, meeting["id"], f"client{i}@example.com") for i in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    bodies = [a.json() for a in answers]
    links = [b["join_url"] for b in bodies]
    assert len(set(links)) == 3
    assert len({b["registrant_id"] for b in bodies}) == 3
    for body, link in zip(bodies, links, strict=False):
        assert body["id"] == meeting["id"]
        assert body["topic"] == meeting["topic"] and body["start_time"] == meeting["start_time"]
        parts = urlsplit(link)
        assert parts.path == f"/w/{meeting['id']}"
        assert parse_qs(parts.query)["tk"][0]
        landing = zoom.http.get(link)
        assert landing.status_code == 200 and str(meeting["id"]) in landing.text
    forged = links[0].replace("tk=", "tk=x")
    assert zoom.http.get(forged).status_code == 403
    listed = zoom.api("GET", f"/meetings/{meeting['id']}/registrants", tokens).json()
    assert listed["total_records"] == 3
    assert sorted(r["join_url"] for r in listed["registrants"]) == sorted(links)


def test_registering_the_same_email_again_returns_the_same_registrant(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    first = _register(zoom, tokens, meeting["id"], "same@example.com").json()
    again = _register(zoom, tokens, meeting["id"], "SAME@example.com").json()
    assert first == again


def test_basic_host_cannot_have_registrants(zoom):
    basic = zoom.user(type=1)
    tokens = zoom.login("public", user=basic["email"])
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    for method, path, body in [
        ("POST", "registrants", {"email": "a@example.com", "first_name": "A"}),
        ("GET", "registrants", None),
        ("POST", "batch_registrants", {"registrants": [{"email": "a@example.com", "first_name": "A"}]}),
        ("PUT", "registrants/status", {"action": "approve", "registrants": [{"id": "x"}]}),
    ]:
        answer = zoom.api(method, f"/meetings/{meeting['id']}/{path}", tokens, json=body)
        assert answer.status_code == 400, path
        assert answer.json() == {"code": 200, "message": f"Only available for paid users: {basic['email']}."}


def test_registration_must_be_enabled(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens)  # approval_type 2: no registration
    answer = _register(zoom, tokens, meeting["id"], "a@example.com")
    assert answer.status_code == 400 and answer.json()["code"] == 404
    assert (
        zoom.api("PATCH", f"/meetings/{meeting['id']}", tokens, json={"settings": {"approval_type": 0}}).status_code
        == 204
    )
    assert _register(zoom, tokens, meeting["id"], "a@example.com").status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"first_name": "A"}, "email"),
        ({"email": "not-an-email", "first_name": "A"}, "email"),
        ({"email": "a@example.com"}, "first_name"),
        ({"email": "a@example.com", "first_name": "A", "last_name": "x" * 65}, "last_name"),
    ],
)
def test_registrant_validation(zoom, body, field):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    answer = zoom.api("POST", f"/meetings/{meeting['id']}/registrants", tokens, json=body)
    assert answer.status_code == 400 and answer.json()["code"] == 300
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_manual_approval_then_status_changes(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 1})
    mid = meeting["id"]
    pending = _register(zoom, tokens, mid, "p@example.com").json()
    assert "join_url" not in pending  # Zoom omits it while approval is pending
    auto = _register(zoom, tokens, mid, "auto@example.com", auto_approve=True).json()
    assert "join_url" in auto

    def listed(status):
        return zoom.api("GET", f"/meetings/{mid}/registrants", tokens, params={"status": status}).json()["registrants"]

    assert [r["email"] for r in listed("pending")] == ["p@example.com"]
    assert [r["email"] for r in listed("approved")] == ["auto@example.com"]
    approve = zoom.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        tokens,
        json={"action": "approve", "registrants": [{"id": pending["registrant_id"]}]},
    )
    assert approve.status_code == 204
    approved = {r["email"]: r for r in listed("approved")}
    assert set(approved) == {"p@example.com", "auto@example.com"}
    link = approved["p@example.com"]["join_url"]
    assert zoom.http.get(link).status_code == 200
    cancel = zoom.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        tokens,
        json={"action": "cancel", "registrants": [{"email": "p@example.com"}]},
    )
    assert cancel.status_code == 204
    assert [r["email"] for r in listed("denied")] == ["p@example.com"]
    assert zoom.http.get(link).status_code == 403
    third = _register(zoom, tokens, mid, "d@example.com").json()
    zoom.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        tokens,
        json={"action": "deny", "registrants": [{"id": third["registrant_id"]}]},
    )
    assert {r["email"] for r in listed("denied")} == {"p@example.com", "d@example.com"}
    assert listed("pending") == []


def test_status_validation(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 1})
    path = f"/meetings/{meeting['id']}/registrants/status"
    for body in (
        {"action": "ban", "registrants": [{"id": "x"}]},
        {"action": "approve"},
        {"action": "approve", "registrants": [{"id": str(i)} for i in range(31)]},
    ):
        answer = zoom.api("PUT", path, tokens, json=body)
        assert answer.status_code == 400 and answer.json()["code"] == 300


def test_batch_registrants(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    people = [{"email": f"b{i}@example.com", "first_name": f"B{i}"} for i in range(30)]
    answer = zoom.api(
        "POST",
        f"/meetings/{meeting['id']}/batch_registrants",
        tokens,
        json={"auto_approve": True, "registrants": people},
    )
    assert answer.status_code == 201
    out = answer.json()["registrants"]
    assert [r["email"] for r in out] == [p["email"] for p in people]
    assert len({r["join_url"] for r in out}) == 30
    assert all(f"/w/{meeting['id']}?tk=" in r["join_url"] for r in out)
    too_many = people + [{"email": "x@example.com", "first_name": "X"}]
    refused = zoom.api("POST", f"/meetings/{meeting['id']}/batch_registrants", tokens, json={"registrants": too_many})
    assert refused.status_code == 400 and refused.json()["code"] == 300
    invalid = zoom.api(
        "POST", f"/meetings/{meeting['id']}/batch_registrants", tokens, json={"registrants": [{"email": "bad"}]}
    )
    assert invalid.status_code == 400
    assert {e["field"] for e in invalid.json()["errors"]} == {"registrants[0].email", "registrants[0].first_name"}


def test_batch_needs_a_scheduled_meeting_with_registration(zoom):
    tokens = zoom.login()
    recurring = zoom.create_meeting(tokens, type=3, settings={"approval_type": 0})
    body = {"registrants": [{"email": "a@example.com", "first_name": "A"}]}
    answer = zoom.api("POST", f"/meetings/{recurring['id']}/batch_registrants", tokens, json=body)
    assert answer.status_code == 400 and answer.json()["code"] == 303
    plain = zoom.create_meeting(tokens)
    answer = zoom.api("POST", f"/meetings/{plain['id']}/batch_registrants", tokens, json=body)
    assert answer.status_code == 400 and answer.json()["code"] == 404


def test_registrant_listing_pages(zoom):
    tokens = zoom.login()
    meeting = zoom.create_meeting(tokens, settings={"approval_type": 0})
    people = [{"email": f"r{i}@example.com", "first_name": "R"} for i in range(12)]
    zoom.api("POST", f"/meetings/{meeting['id']}/batch_registrants", tokens, json={"registrants": people})
    first = zoom.api("GET", f"/meetings/{meeting['id']}/registrants", tokens, params={"page_size": 10}).json()
    second = zoom.api(
        "GET",
        f"/meetings/{meeting['id']}/registrants",
        tokens,
        params={"page_size": 10, "next_page_token": first["next_page_token"]},
    ).json()
    emails = [r["email"] for r in first["registrants"] + second["registrants"]]
    assert emails == [p["email"] for p in people] and second["next_page_token"] == ""
