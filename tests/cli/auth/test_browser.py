"""A real browser: headless Chromium completes `zoomctl auth login --no-browser` against the
sandbox (auto-approve) through zoomctl's real loopback listener. FAILS (never skips) when
Chromium is missing: scripts/test installs it."""

from __future__ import annotations

import os
import subprocess

import pytest

from .authkit import FILE, member

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(tmp_path):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"headless Chromium is needed at {CHROMIUM} (scripts/test installs it: scripts/system-deps)")

    def load(url: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    return load


def test_headless_chromium_completes_the_login(zx, company, sb, chromium):
    user = member(sb, index=1)
    sb.configure(auto_approve=user)
    proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE, "--timeout", "60", "--json")
    try:
        loaded = chromium(proc.url())
        run = proc.finish(timeout=30)
    finally:
        proc.kill()
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "zoomctl is connected to Zoom" in loaded.stdout  # the page Chromium ended on
    assert run.exit_code == 0, run.stderr
    assert run.json()["user_email"] == user
    assert sb.stats()["token.authorization_code"] == 1

    status = zx("auth", "status", "--json").ok().json()
    assert status["connected"] is True and status["user_email"] == user
    assert status["live_check"]["ok"] is True
