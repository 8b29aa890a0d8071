"""The seeded world: deterministic, Zoom-looking, and shaped as the issue asks."""

from __future__ import annotations

import re

import pytest

from zoomctl.sandbox import EMAIL_DOMAIN, SandboxClock, World
from zoomctl.sandbox.world import ADMIN_SCOPES, USER_SCOPES, seed_world

ZOOM_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


def test_same_seed_same_world_different_seed_different_ids():
    a, b, c = seed_world("zoomctl", 5), seed_world("zoomctl", 5), seed_world("other", 5)
    assert list(a["users"]) == list(b["users"])
    assert a["account"] == b["account"]
    assert {k: v["client_id"] for k, v in a["apps"].items()} == {k: v["client_id"] for k, v in b["apps"].items()}
    assert a["apps"]["confidential"]["client_secret"] == b["apps"]["confidential"]["client_secret"]
    assert set(a["users"]).isdisjoint(c["users"])
    assert a["account"]["id"] != c["account"]["id"]


@pytest.mark.parametrize("count", [1, 5, 12])
def test_account_owner_plus_users_with_one_inactive(count):
    world = seed_world("zoomctl", count)
    users = list(world["users"].values())
    assert len(users) == count + 1
    owner = world["users"][world["account"]["owner_id"]]
    assert owner["type"] == 2 and owner["status"] == "active" and owner["role_name"] == "Owner"
    assert sum(u["status"] == "inactive" for u in users) == 1
    for user in users:
        assert ZOOM_ID.match(user["id"])
        assert user["email"].endswith("@" + EMAIL_DOMAIN)
        assert user["type"] in (1, 2)
        assert user["account_id"] == world["account"]["id"]
    assert len({u["email"] for u in users}) == len(users)


def test_default_world_mixes_licensed_and_basic_active_users():
    users = [u for u in seed_world("zoomctl", 5)["users"].values() if u["status"] == "active"]
    assert {u["type"] for u in users} == {1, 2}


def test_apps_and_scopes():
    apps = seed_world("zoomctl", 5)["apps"]
    assert set(apps) == {"public", "confidential", "admin", "s2s"}
    assert apps["public"]["client_secret"] is None
    for key in ("confidential", "admin", "s2s"):
        assert re.fullmatch(r"[A-Za-z0-9]{32}", apps[key]["client_secret"])
    assert apps["public"]["scopes"] == apps["confidential"]["scopes"] == USER_SCOPES
    assert apps["admin"]["scopes"] == apps["s2s"]["scopes"] == ADMIN_SCOPES
    assert all(s.endswith(":admin") for s in ADMIN_SCOPES)
    assert not any(s.endswith(":admin") for s in USER_SCOPES)


def test_world_events_change_state():
    world = World(SandboxClock(), users=5)
    victim = next(u for u in world.users.values() if u["role_id"] == "2")
    world.set_user_type(victim["email"], 1)
    assert world.find_user(victim["id"])["type"] == 1
    world.delete_user(victim["email"].upper())
    assert world.find_user(victim["id"]) is None
    assert victim["id"] in world.data["deleted_users"]
    with pytest.raises(ValueError):
        world.delete_user(world.account["owner_id"])
    with pytest.raises(KeyError):
        world.uninstall_app("nope")
