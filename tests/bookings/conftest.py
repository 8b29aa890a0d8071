"""Fixtures for the bookings tests: a sandbox with the CLI connected to it (Server-to-Server
credentials from the environment), a studio set up on it, and for unit tests a workspace
plus a ZoomClient whose HTTP is mocked by pytest-httpx and checked against Zoom's OpenAPI."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from support import zoom_openapi

from zoomctl.sandbox import Sandbox, SandboxOptions

from .helpers import API, FakeTokens, load_spec_checker, workspace  # noqa: F401


# ------------------------------------------------------------------------------- sandbox
@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Override in a module for other sandbox settings."""
    return SandboxOptions(users=5)


@pytest.fixture
def sb(sandbox_options):
    with Sandbox(sandbox_options) as running:
        yield running


@pytest.fixture
def s2s_env(sb, monkeypatch) -> dict[str, str]:
    """The CLI (in-process and subprocesses) talks to the sandbox with its S2S app."""
    app = sb.apps["s2s"]
    env = {
        "ZOOMCTL_ZOOM_OAUTH_URL": sb.oauth_base_url,
        "ZOOMCTL_ZOOM_API_URL": sb.api_base_url,
        "ZOOMCTL_ZOOM_ACCOUNT_ID": app["account_id"],
        "ZOOMCTL_ZOOM_CLIENT_ID": app["client_id"],
        "ZOOMCTL_ZOOM_CLIENT_SECRET": app["client_secret"],
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _users(sb) -> list[dict]:
    with sb.world.lock:
        return [dict(u) for u in sb.world.users.values()]


@pytest.fixture
def studio(company, sb, s2s_env, isolated):
    """acme-yoga connected to the sandbox: providers Dana (licensed account owner), Sam
    (licensed) and Lee (Basic), each mapped to their Zoom user (as `providers assign` does;
    that command has tests of its own); the online service 'Private lesson' (60 min, Dana
    and Sam); the online class 'Morning yoga' (45 min, 3 places) with session 1 taught by
    Dana on 2031-03-03 09:30 Berlin time."""
    from zoomctl.core import catalog, companies
    from zoomctl.store import catalog as catalog_repo

    users = _users(sb)
    licensed = [u for u in users if u["type"] == 2 and u["status"] == "active"]
    basic = next(u for u in users if u["type"] == 1 and u["status"] == "active")
    dana, sam = licensed[0], licensed[1]
    with workspace(isolated) as store:
        acme = companies.get(store, company)
        for name, user in (("Dana Smith", dana), ("Sam Lee", sam), ("Lee Basic", basic)):
            provider = catalog.add_provider(store, acme, name, user["email"])
            catalog_repo.set_provider_zoom_user(store, provider.id, user["id"], user["email"], user["type"])
        catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith", "Sam Lee"])
        catalog.set_online(store, acme, "services", "Private lesson", True)
        catalog.add_class(store, acme, "Morning yoga", 45, 3)
        catalog.set_online(store, acme, "classes", "Morning yoga", True)
        catalog.add_session(store, acme, "Morning yoga", "2031-03-03T09:30", "Dana Smith")
    return SimpleNamespace(dana=dana, sam=sam, basic=basic, users=users, company=company)


# ---------------------------------------------------------------------------- unit tests
@pytest.fixture(scope="session")
def spec():
    return load_spec_checker(zoom_openapi())


@pytest.fixture
def zoom_client():
    """A ZoomClient on a mocked transport (pytest-httpx), never sleeping."""
    from zoomctl.zoom.client import ZoomClient

    with httpx.Client() as http:
        yield ZoomClient(API, FakeTokens(), http, sleep=lambda s: None, rng=lambda: 0.5)
