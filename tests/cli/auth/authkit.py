"""Helpers for the `zoomctl auth …` end-to-end tests.

* ``Zc``: runs the real installed ``zoomctl`` in a subprocess with one test's environment
  (config/data dirs in tmp_path, the sandbox's URLs, a chosen token storage).
* ``LoginProcess``: a running ``zoomctl auth login --no-browser`` whose stderr is read as
  it comes, so a test can take the authorize URL and play the browser while it waits.
* ``Browser``: an httpx client that plays the user's browser on the sandbox's consent page.
* Secret Service helpers: the real keyring under ``dbus-run-session -- scripts/with-keyring``.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import queue
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

FAIL_BACKEND = "keyring.backends.fail.Keyring"
NULL_BACKEND = "keyring.backends.null.Keyring"
KEYRING_SERVICE = "zoomctl"
MAX_ENTRY_BYTES = 2560  # Windows Credential Manager's limit (UTF-16)
WAIT = 20.0  # upper bound for any single wait on a subprocess
FILE = ("--insecure-storage",)  # login flag: tokens in the 0600 file (the subprocesses have no keyring)


@dataclass
class Run:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    def ok(self) -> Run:
        assert self.exit_code == 0, f"zoomctl {' '.join(self.args)} → {self.exit_code}\n{self.stderr}"
        return self

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = query_of(url)
    params.update(changes)
    return urlunsplit(parts._replace(query=urlencode(params)))


class Zc:
    """The installed zoomctl in separate processes, sharing one environment."""

    def __init__(self, exe: str, env: dict[str, str]):
        self.exe = exe
        self.env = env

    def with_env(self, **changes: str | None) -> Zc:
        env = dict(self.env)
        for name, value in changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return Zc(self.exe, env)

    def argv(self, *args: str) -> list[str]:
        return [self.exe, *map(str, args)]

    def __call__(self, *args: str, input: str | None = None, timeout: float = WAIT) -> Run:
        done = subprocess.run(
            self.argv(*args),
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Run(tuple(args), done.returncode, done.stdout, done.stderr)

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    def login(self, *args: str, stdin: str | None = None, root: tuple[str, ...] = ()) -> LoginProcess:
        """Start `zoomctl [ROOT…] auth login --no-browser ARGS…` (``root``: e.g. ("--debug",))."""
        return LoginProcess(self, (*root, "auth", "login", "--no-browser", *args), stdin)


class LoginProcess:
    """`zoomctl auth login --no-browser …` running; stdin stays open for a pasted address."""

    def __init__(self, zc: Zc, args: tuple[str, ...], stdin: str | None = None):
        self.args = args
        self.proc = subprocess.Popen(
            zc.argv(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=zc.env,
            bufsize=1,
        )
        self._err: list[str] = []
        self._out: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err, True), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        if stdin is not None:
            self.paste(stdin)
        self._url: str | None = None

    def _pump(self, stream, sink: list[str], announce: bool) -> None:
        for line in stream:
            sink.append(line)
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, timeout: float = WAIT) -> str:
        """The authorize URL zoomctl printed on stderr (waits for it)."""
        if self._url:
            return self._url
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"zoomctl printed no authorize URL within {timeout} s:\n{''.join(self._err)}"
                ) from None
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=5)
                raise AssertionError(
                    f"zoomctl ended ({self.proc.returncode}) without an authorize URL:\n{''.join(self._err)}"
                )
            if "/oauth/authorize?" in line:
                self._url = line.strip()
                return self._url

    @property
    def redirect_uri(self) -> str:
        return query_of(self.url())["redirect_uri"]

    @property
    def state(self) -> str:
        return query_of(self.url())["state"]

    @property
    def port(self) -> int:
        return urlsplit(self.redirect_uri).port  # type: ignore[return-value]

    def paste(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text if text.endswith("\n") else text + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = WAIT) -> Run:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"zoomctl auth login did not end within {timeout} s:\n{''.join(self._err)}") from None
        for reader in self._readers:
            reader.join(timeout=5)
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        stderr = "".join(self._err)
        assert "Traceback" not in stderr, stderr
        return Run(self.args, self.proc.returncode, "".join(self._out), stderr)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


class Browser:
    """Plays the user's browser: the consent page, the form post, the loopback redirect."""

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=10, follow_redirects=False, trust_env=False)
        self.last_code: str | None = None

    def close(self) -> None:
        self.http.close()

    def consent_page(self, url: str) -> tuple[str, list[str], bool]:
        """GET the authorize URL: the form's ``txn``, the users offered, whether the
        shared-access checkbox is there."""
        page = self.http.get(url)
        assert page.status_code == 200, page.text
        txn = re.search(r'name="txn" value="([^"]*)"', page.text)
        assert txn, page.text
        users = [html.unescape(u) for u in re.findall(r'<option value="([^"]*)"', page.text)]
        return html.unescape(txn.group(1)), users, 'name="shared_access"' in page.text

    def decide(self, url: str, *, user: str | None = None, shared_access: bool = False, allow: bool = True) -> str:
        """Submit the consent form; returns where Zoom redirects (the loopback callback)."""
        txn, users, has_shared = self.consent_page(url)
        form = {"txn": txn, "user": user or users[0], "decision": "allow" if allow else "deny"}
        if shared_access:
            assert has_shared, "the consent page offers no shared-access checkbox"
            form["shared_access"] = "1"
        action = urlsplit(url)._replace(query="").geturl()
        answer = self.http.post(action, data=form)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        self.last_code = query_of(location).get("code")
        return location

    def follow(self, location: str) -> httpx.Response:
        """The browser following the redirect to zoomctl's loopback listener."""
        return self.http.get(location)

    def login(self, url: str, **decision) -> httpx.Response:
        return self.follow(self.decide(url, **decision))


# ----------------------------------------------------------------------------- storage


def token_file(config_dir: Path) -> Path:
    return config_dir / "tokens-insecure.json"


def file_tokens(config_dir: Path, key: str) -> dict | None:
    path = token_file(config_dir)
    if not path.exists():
        return None
    return json.loads(path.read_text()).get("tokens", {}).get(key)


#: read at import time: the autouse ``isolated`` fixture removes every ZOOMCTL_* variable
SECRET_SERVICE_FLAG = os.environ.get("ZOOMCTL_TEST_SECRET_SERVICE")


def require_secret_service() -> None:
    """Fail (never skip) when the real Secret Service is not there."""
    hint = (
        "this test needs a real Secret Service keyring: run it through scripts/test, or "
        "`dbus-run-session -- scripts/with-keyring python -m pytest …`"
    )
    if SECRET_SERVICE_FLAG != "1" or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail(f"no Secret Service: ZOOMCTL_TEST_SECRET_SERVICE/DBUS_SESSION_BUS_ADDRESS unset; {hint}")
    try:
        import secretstorage

        conn = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(conn)
            if collection.is_locked():
                pytest.fail(f"the Secret Service default collection is locked; {hint}")
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - any failure here means: no usable keyring
        pytest.fail(f"the Secret Service does not answer ({type(exc).__name__}: {exc}); {hint}")


class SecretServiceItems:
    """Direct access to the Secret Service items of service ``zoomctl`` (secretstorage)."""

    def __enter__(self) -> SecretServiceItems:
        import secretstorage

        self.conn = secretstorage.dbus_init()
        self.collection = secretstorage.get_default_collection(self.conn)
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()

    def entries(self, prefix: str = "") -> dict[str, str]:
        """``username → secret`` of every zoomctl item whose username starts with ``prefix``."""
        out = {}
        for item in self.collection.search_items({"service": KEYRING_SERVICE}):
            name = item.get_attributes().get("username", "")
            if name.startswith(prefix):
                out[name] = item.get_secret().decode("utf-8")
        return out

    def delete(self, names) -> None:
        for item in list(self.collection.search_items({"service": KEYRING_SERVICE})):
            if item.get_attributes().get("username") in names:
                item.delete()


def assemble(entries: dict[str, str], name: str) -> str | None:
    """A keyring value as zoomctl stores it: whole, or split into ``name#1…#n`` parts."""
    header = entries.get(name)
    if header is None or not header.startswith("zoomctl-chunks:v1:"):
        return header
    count = int(header.split(":")[2])
    return "".join(entries[f"{name}#{i}"] for i in range(1, count + 1))


def utf16_size(value: str) -> int:
    return len(value.encode("utf-16-le"))


def listening_addresses(port: int) -> list[str]:
    """Local addresses with a TCP socket LISTENing on ``port`` (from /proc/net/tcp{,6})."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.append(address)
    return found


def wait_until(predicate, timeout: float = WAIT, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def member(sb, *, admin: bool = False, index: int = 0) -> str:
    """The email of an active user of the sandbox account (an admin/owner, or a plain member)."""
    users = [u for u in sb.world.users.values() if u["status"] == "active" and (u["role_id"] in ("0", "1")) == admin]
    return users[index]["email"]


def sandbox_token(sb, token: str) -> dict | None:
    """The sandbox's record of a token (``alive``, ``kind``, ``grant``), by its hash."""
    from zoomctl.sandbox.tokens import token_hash

    with sb.world.lock:
        record = sb.world.tokens.get(token_hash(token))
        return dict(record) if record else None


def refresh_token_works(sb, token: str) -> bool:
    """Whether the sandbox would still accept ``token`` as a refresh token (checked without
    using it up)."""
    record = sandbox_token(sb, token)
    if record is None or record["kind"] != "refresh" or not record["alive"]:
        return False
    with sb.world.lock:
        grant = sb.world.grants.get(record["grant"])
        return bool(grant and grant["alive"])


def api_status(sb, access_token: str) -> tuple[int, object]:
    """GET /users/me with ``access_token``: (HTTP status, Zoom's code)."""
    r = httpx.get(
        f"{sb.api_base_url}/users/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=10, trust_env=False
    )
    return r.status_code, (r.json().get("code") if r.status_code >= 400 else None)
