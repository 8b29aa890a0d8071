"""More than one Zoom account in one sandbox: ``accounts=N`` at start, or ``POST
/_sandbox/accounts`` on a running one. Each account sees only its own users and meetings."""

from __future__ import annotations

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions, describe, describe_text
from zoomctl.sandbox.world import MAX_ACCOUNTS, MAX_USERS

from .testkit import Zoom, client_for


@pytest.fixture
def two():
    with Sandbox(SandboxOptions(users=3, accounts=2)) as sandbox, client_for(sandbox) as http:
        yield Zoom(sandbox, http)


def _accounts(zoom: Zoom) -> list[dict]:
    return zoom.http.get("/_sandbox/accounts").json()["accounts"]


def test_each_account_has_its_owner_users_and_server_to_server_app(two):
    first, second = _accounts(two)
    assert first["id"] != second["id"]
    assert (first["s2s_app"], second["s2s_app"]) == ("s2s", "s2s-2")
    assert second["owner_email"].endswith("@account2.sandbox.zoomctl.test")
    info = describe(two.sb)
    assert info["accounts"] == [first, second] and info["account"] == first
    assert info["apps"]["s2s-2"]["account_id"] == second["id"]
    assert sum(u["account_id"] == second["id"] for u in info["users"]) == 4  # the owner and 3 more
    assert second["owner_email"] in describe_text(info)


def test_an_account_sees_only_its_own_users_and_meetings(two):
    first, second = _accounts(two)
    mine = two.s2s("s2s-2")
    listed = two.api("GET", "/users", mine, params={"page_size": 300}).json()["users"]
    assert {u["email"] for u in listed} == {
        u["email"] for u in two.users() if u["account_id"] == second["id"] and u["status"] == "active"
    }
    assert two.api("GET", "/users/me", mine).json()["account_id"] == second["id"]
    theirs = two.s2s("s2s")
    assert two.api("GET", "/users/me", theirs).json()["account_id"] == first["id"]
    # across the account boundary: no such user, no such meeting (even with admin scopes)
    outside = two.api("GET", f"/users/{second['owner_email']}", theirs)
    assert (outside.status_code, outside.json()["code"]) == (404, 1001)
    meeting = two.create_meeting(mine)
    hidden = two.api("GET", f"/meetings/{meeting['id']}", theirs)
    assert (hidden.status_code, hidden.json()["code"]) == (404, 3001)
    assert two.api("GET", f"/meetings/{meeting['id']}", mine).status_code == 200


def test_a_user_level_login_belongs_to_the_users_account(two):
    second = _accounts(two)[1]
    tokens = two.login("public", user=second["owner_email"])
    me = two.api("GET", "/users/me", tokens).json()
    assert (me["email"], me["account_id"]) == (second["owner_email"], second["id"])


def test_the_admin_endpoint_adds_an_account_to_a_running_sandbox(zoom, tmp_path):
    assert len(_accounts(zoom)) == 1
    added = zoom.http.post("/_sandbox/accounts", json={"users": 2})
    assert added.status_code == 201
    body = added.json()
    assert body["account"]["s2s_app"] == "s2s-2" and len(body["users"]) == 3
    assert body["app"] == zoom.sb.apps["s2s-2"] and body["app"]["account_id"] == body["account"]["id"]
    tokens = zoom.s2s("s2s-2")
    assert zoom.api("GET", "/users/me", tokens).json()["email"] == body["account"]["owner_email"]
    assert [a["id"] for a in _accounts(zoom)][1] == body["account"]["id"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"users": MAX_USERS + 1}, f"users must be 0 to {MAX_USERS}"),
        ({"users": -1}, f"users must be 0 to {MAX_USERS}"),
        ({"users": "many"}, "users must be a whole number"),
        ({"colour": "red"}, "unknown account field(s): colour"),
    ],
)
def test_the_admin_endpoint_refuses_bad_account_requests(zoom, body, message):
    answer = zoom.http.post("/_sandbox/accounts", json=body)
    assert answer.status_code == 400 and answer.json() == {"error": message}
    assert len(_accounts(zoom)) == 1


def test_at_most_max_accounts(tmp_path):
    with pytest.raises(ValueError, match=f"1 to {MAX_ACCOUNTS}"):
        Sandbox(SandboxOptions(accounts=MAX_ACCOUNTS + 1))
    with Sandbox(SandboxOptions(users=0, accounts=MAX_ACCOUNTS)) as full, client_for(full) as http:
        answer = http.post("/_sandbox/accounts", json={"users": 0})
        assert answer.status_code == 400 and f"1 to {MAX_ACCOUNTS}" in answer.json()["error"]


def test_added_accounts_survive_a_restart_and_the_first_account_keeps_its_ids(tmp_path):
    state = tmp_path / "world.json"
    with Sandbox(SandboxOptions(state_path=str(state))) as sandbox, client_for(sandbox) as http:
        http.post("/_sandbox/accounts", json={"users": 1})
        before = describe(sandbox)["accounts"]
    with Sandbox(SandboxOptions(state_path=str(state))) as again:
        assert describe(again)["accounts"] == before
    with Sandbox(SandboxOptions()) as single, Sandbox(SandboxOptions(accounts=3)) as several:
        assert describe(several)["accounts"][0] == describe(single)["accounts"][0]
        assert several.apps["s2s"] == single.apps["s2s"]
        assert len({a["id"] for a in describe(several)["accounts"]}) == 3
