"""Fixtures for the `zoomctl doctor` tests: a sandbox, the installed zoomctl in subprocesses pointed at
it (no keyring: tokens in the 0600 file), and a studio connected to it through the workspace."""

from __future__ import annotations

import os
from types import SimpleNamespace

import httpx
import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from ..auth.authkit import FAIL_BACKEND, Zc


@pytest.fixture
def sb():
    with Sandbox(SandboxOptions(users=5)) as running:
        yield running


@pytest.fixture
def zx(zoomctl_exe, isolated, sb) -> Zc:
    env = dict(os.environ)  # already isolated: config and data dirs in tmp_path
    env.update(
        ZOOMCTL_ZOOM_OAUTH_URL=sb.oauth_base_url,
        ZOOMCTL_ZOOM_API_URL=sb.api_base_url,
        NO_COLOR="1",
        COLUMNS="200",
        PYTHON_KEYRING_BACKEND=FAIL_BACKEND,
    )
    for name in ("DBUS_SESSION_BUS_ADDRESS", "BROWSER", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    return Zc(zoomctl_exe, env)


def admin(sb, path: str, body: dict) -> dict:
    """POST to the sandbox's admin endpoint (as a test script would)."""
    answer = httpx.post(f"{sb.base_url}/_sandbox/{path}", json=body, trust_env=False, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def s2s_login(zx: Zc, sb) -> None:
    app = sb.apps["s2s"]
    zx(
        "auth",
        "login",
        "--server-to-server",
        "--account-id",
        app["account_id"],
        "--client-id",
        app["client_id"],
        "--client-secret-stdin",
        "--insecure-storage",
        input=app["client_secret"],
    ).ok()


def book(zx: Zc, provider: str, client: str, start: str):
    """`zoomctl bookings create --json` of the one-to-one service 'Private lesson'."""
    args = ("--service", "Private lesson", "--provider", provider, "--client", client, "--start", start)
    return zx("bookings", "create", *args, "--json")


@pytest.fixture
def studio(zx, sb):
    """acme-yoga connected to the sandbox (Server-to-Server, in the workspace): Dana and Sam, licensed
    and mapped to their Zoom users; the online service 'Private lesson' (both); the online class
    'Morning yoga' with a session taught by Dana; one booking of each, with their Zoom meetings."""
    with sb.world.lock:
        licensed = [dict(u) for u in sb.world.users.values() if u["type"] == 2 and u["status"] == "active"]
    dana, sam = licensed[0], licensed[1]
    zx("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use").ok()
    zx("feature", "enable").ok()
    s2s_login(zx, sb)
    zx("providers", "add", "Dana Smith", "--email", dana["email"]).ok()
    zx("providers", "add", "Sam Lee", "--email", sam["email"]).ok()
    zx("providers", "assign", "--all", "--by-email").ok()
    zx(
        "services", "add", "Private lesson", "--duration", "60", "--provider", "Dana Smith", "--provider", "Sam Lee"
    ).ok()
    zx("services", "online", "Private lesson", "--on").ok()
    zx("classes", "add", "Morning yoga", "--duration", "45", "--capacity", "5").ok()
    zx("classes", "online", "Morning yoga", "--on").ok()
    session = zx(
        "classes", "sessions", "add", "Morning yoga", "--start", "2031-03-03T09:30", "--provider", "Dana", "--json"
    ).ok()
    one = book(zx, "Sam", "pat@example.com", "2031-03-01T09:30").ok()
    group = zx(
        "bookings",
        "create",
        "--class",
        "Morning yoga",
        "--session",
        str(session.json()["id"]),
        "--client",
        "kim@example.com",
        "--json",
    ).ok()
    return SimpleNamespace(dana=dana, sam=sam, booking=one.json(), class_booking=group.json())
