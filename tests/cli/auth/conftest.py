"""Fixtures for the `zoomctl auth …` tests: a sandbox per test, the installed zoomctl in
subprocesses pointed at it, and a browser stand-in.

Token storage of the subprocesses: by default the ``fail`` keyring backend (so a
subprocess never touches a real keyring) and ``--insecure-storage`` for logins; the
``kr`` fixture instead gives processes that share the real Secret Service of
``dbus-run-session -- scripts/with-keyring``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from .authkit import FAIL_BACKEND, Browser, LoginProcess, Run, SecretServiceItems, Zc, require_secret_service


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Override in a test module (or parametrize) for other sandbox settings."""
    return SandboxOptions()


@pytest.fixture
def sb(sandbox_options):
    # a seed of its own: account, user and client ids differ from every other test's, so
    # entries in a shared real keyring (keyed by client id / account id) never collide
    options = sandbox_options
    if options.seed == "zoomctl":
        options.seed = f"auth-{uuid.uuid4().hex[:10]}"
    with Sandbox(options) as sandbox:
        yield sandbox


@pytest.fixture
def config_dir(isolated) -> Path:
    return isolated / "config"


@pytest.fixture
def data_dir(isolated) -> Path:
    return isolated / "data"


@pytest.fixture
def base_env(isolated, sb) -> dict[str, str]:
    env = dict(os.environ)  # already isolated: HOME, XDG_*, ZOOMCTL_CONFIG_DIR/DATA_DIR in tmp_path
    env.update(
        ZOOMCTL_ZOOM_OAUTH_URL=sb.oauth_base_url,
        ZOOMCTL_ZOOM_API_URL=sb.api_base_url,
        NO_COLOR="1",
        COLUMNS="200",
        PYTHONUNBUFFERED="1",
    )
    for name in ("BROWSER", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    return env


@pytest.fixture
def zx(zoomctl_exe, base_env) -> Zc:
    """zoomctl subprocesses with NO usable keyring (the ``fail`` backend, no D-Bus)."""
    env = dict(base_env, PYTHON_KEYRING_BACKEND=FAIL_BACKEND)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return Zc(zoomctl_exe, env)


@pytest.fixture
def zi(zc, base_env, monkeypatch):
    """zoomctl in-process (tests/conftest.py's ``zc``) on the same dirs and sandbox as the
    subprocesses: for follow-up checks where a separate process adds nothing but time.
    (Its keyring is the in-memory test one; file-store connections read the same file.)"""
    for name in ("ZOOMCTL_ZOOM_OAUTH_URL", "ZOOMCTL_ZOOM_API_URL"):
        monkeypatch.setenv(name, base_env[name])

    def run(*args: str, input: str | None = None) -> Run:
        result = zc(*args, input=input)
        return Run(tuple(args), result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def quick_login(zi, sb, monkeypatch):
    """Log in IN-PROCESS (for tests about what comes after a login: refresh, logout): the
    same consent page and loopback listener, the browser opened through a patched
    ``webbrowser.open``, the tokens in the same 0600 file the subprocesses use (this
    process's keyring is switched to the ``fail`` backend, so --insecure-storage applies)."""
    import threading
    import webbrowser

    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # tests/conftest.py's `isolated` restores it
    errors: list[BaseException] = []

    def do(app: str = "public", *, user: str | None = None, shared_access: bool = False) -> dict:
        creds = sb.apps[app]

        def open_browser(url: str, new: int = 0) -> bool:
            def play() -> None:
                b = Browser()
                try:
                    b.login(url, user=user, shared_access=shared_access)
                except BaseException as exc:  # reported by the test
                    errors.append(exc)
                finally:
                    b.close()

            threading.Thread(target=play, daemon=True).start()
            return True

        monkeypatch.setattr(webbrowser, "open", open_browser)
        args = ["auth", "login", "--client-id", creds["client_id"], "--insecure-storage", "--timeout", "20", "--json"]
        stdin = None
        if "client_secret" in creds:
            args.append("--client-secret-stdin")
            stdin = creds["client_secret"] + "\n"
        else:
            args.append("--public")
        run = zi(*args, input=stdin)
        assert not errors, errors
        return run.ok().json()

    return do


@pytest.fixture
def company(zc) -> str:
    """A current company, like tests/conftest.py's (made in-process: same dirs, faster)."""
    assert zc("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use").exit_code == 0
    assert zc("feature", "enable").exit_code == 0
    return "acme-yoga"


@pytest.fixture
def kr(zoomctl_exe, base_env, sb, zc):
    """zoomctl subprocesses on the real Secret Service, with a company of their own (a
    unique slug: the keyring is shared by every test of the session). Entries of this
    test are deleted afterwards."""
    require_secret_service()
    env = dict(base_env)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    procs = Zc(zoomctl_exe, env)
    name = f"Kr {uuid.uuid4().hex[:10]}"
    assert zc("company", "create", name, "--timezone", "UTC", "--use").exit_code == 0
    procs.slug = name.lower().replace(" ", "-")  # type: ignore[attr-defined]
    yield procs
    with SecretServiceItems() as items:
        ids = {app["client_id"] for app in sb.apps.values()}
        mine = [n for n in items.entries() if procs.slug in n or any(i in n for i in ids)]  # type: ignore[attr-defined]
        items.delete(mine)


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture
def login(sb, browser):
    """Log in through the consent page: ``login(zc, "public", user=…, shared_access=…)``.

    Runs `zoomctl auth login --no-browser` as a subprocess, plays the browser, and
    returns the finished Run (plus the LoginProcess as ``run.process``)."""
    started: list[LoginProcess] = []

    def do(
        zc: Zc,
        app: str = "public",
        *extra: str,
        user: str | None = None,
        shared_access: bool = False,
        allow: bool = True,
        json_out: bool = True,
    ):
        creds = sb.apps[app]
        args = ["--client-id", creds["client_id"], "--timeout", "30", *extra]
        stdin = None
        if "client_secret" in creds and "--public" not in args:
            args.append("--client-secret-stdin")
            stdin = creds["client_secret"]
        elif "--public" not in args:
            args.append("--public")
        if json_out:
            args.append("--json")
        proc = zc.login(*args, stdin=stdin)
        started.append(proc)
        page = browser.login(proc.url(), user=user, shared_access=shared_access, allow=allow)
        run = proc.finish()
        run.page = page  # type: ignore[attr-defined]
        run.process = proc  # type: ignore[attr-defined]
        return run

    yield do
    for proc in started:
        proc.kill()
