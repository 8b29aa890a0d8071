"""A throw-away PostgreSQL cluster for the tests: initdb into a fresh temporary directory, a
server on a private port of 127.0.0.1 (and a unix socket in that directory) with fsync off,
a test role and database, and a password-protected role; stopped and removed afterwards.

Used two ways, with the same code:
  * ``scripts/with-postgres COMMAND…`` (``python3 tests/pgcluster.py COMMAND…``) starts a
    cluster, runs COMMAND with the ``ZOOMCTL_TEST_PG_*`` variables set, then stops and removes it;
  * the ``pg_cluster`` fixture in tests/conftest.py reads those variables, or starts a cluster of
    its own for the session when they are not set (pytest run by hand).

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user
(created by Debian's ``postgresql`` package) via ``runuser``; otherwise as the current user.
Standard library only: the script runs before any virtual environment exists.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: the variables ``with-postgres`` exports (none holds a password except ..._PASSWORD)
ENV_URL = "ZOOMCTL_TEST_PG_URL"
ENV_SUPERUSER_URL = "ZOOMCTL_TEST_PG_SUPERUSER_URL"
ENV_PASSWORD_URL = "ZOOMCTL_TEST_PG_PASSWORD_URL"
ENV_PASSWORD = "ZOOMCTL_TEST_PG_PASSWORD"

SUPERUSER = "postgres"
ROLE = "zoomctl_test"
PASSWORD_ROLE = "zoomctl_test_pw"
DATABASE = "zoomctl_test"
SERVER_USER = "postgres"  # the system user the server runs as when we are root

HINT = "install PostgreSQL with scripts/system-deps (Debian's postgresql package), then run scripts/with-postgres"


class ClusterError(RuntimeError):
    """The throw-away cluster could not be set up (message says why and what to do)."""


@dataclass(frozen=True)
class ClusterInfo:
    """How to reach a running test cluster. URLs carry no password."""

    url: str  # the test role (trust on loopback), owner of the test database
    superuser_url: str
    password_url: str  # a role that needs ``password`` (PGPASSWORD, .pgpass)
    password: str

    def environ(self) -> dict[str, str]:
        return {
            ENV_URL: self.url,
            ENV_SUPERUSER_URL: self.superuser_url,
            ENV_PASSWORD_URL: self.password_url,
            ENV_PASSWORD: self.password,
        }

    def url_for(self, database: str, *, role: str = ROLE) -> str:
        """The URL of another database (and role) on the same server."""
        return f"postgresql://{role}@{self.url.split('@', 1)[1].rsplit('/', 1)[0]}/{database}"

    @classmethod
    def from_environ(cls, environ=os.environ) -> ClusterInfo | None:
        if not environ.get(ENV_URL):
            return None
        missing = [name for name in (ENV_SUPERUSER_URL, ENV_PASSWORD_URL, ENV_PASSWORD) if not environ.get(name)]
        if missing:
            raise ClusterError(
                f"{ENV_URL} is set but {', '.join(missing)} not: run the tests under scripts/with-postgres"
            )
        return cls(environ[ENV_URL], environ[ENV_SUPERUSER_URL], environ[ENV_PASSWORD_URL], environ[ENV_PASSWORD])


def find_bindir(installed: str = "/usr/lib/postgresql/*/bin") -> Path:
    """The directory of initdb/pg_ctl: ``pg_config --bindir``, else the highest /usr/lib/postgresql/N/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/([\d.]+)/bin$", path)
        return tuple(int(part) for part in match.group(1).split(".") if part) if match else ()

    candidates += [Path(p) for p in sorted(glob.glob(installed), key=version, reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise ClusterError(f"no PostgreSQL server binaries (initdb, pg_ctl) found; {HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One throw-away cluster. ``with Cluster() as info:`` starts it and always removes it."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        self.as_user = SERVER_USER if os.geteuid() == 0 else None
        self.root: Path | None = None
        self.port = 0
        self.started = False
        self.seconds_to_start = 0.0

    # -- running programs ---------------------------------------------------------------
    def _pg(self, program: str, *args: str) -> list[str]:
        """A PostgreSQL server program (initdb, pg_ctl), run as the server's user."""
        prefix = ["runuser", "-u", self.as_user, "--"] if self.as_user else []
        return [*prefix, str(self.bindir / program), *args]

    def _run(self, cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
        out = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, **kwargs)
        if out.returncode != 0:
            raise ClusterError(f"{what} failed (exit {out.returncode}): {(out.stderr or out.stdout).strip()[-2000:]}")
        return out

    def _psql(self, *statements: str) -> None:
        """Run statements as the superuser, each in its own transaction (CREATE DATABASE needs that)."""
        connect = ["-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres"]
        commands = [arg for sql in statements for arg in ("-c", sql)]
        self._run([str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *connect, *commands], "psql")

    # -- life cycle -----------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    def _make_root(self) -> None:
        owner = None
        if self.as_user:
            try:
                entry = pwd.getpwnam(self.as_user)
            except KeyError:
                raise ClusterError(
                    f"running as root, but there is no {self.as_user!r} system user to run the server as; {HINT}"
                ) from None
            owner = (entry.pw_uid, entry.pw_gid)
        # as root /tmp explicitly: a TMPDIR below /root would not be reachable by the server's user
        self.root = Path(tempfile.mkdtemp(prefix="zoomctl-pg-", dir="/tmp" if owner else None))
        for path in (self.root, self.data_dir, self.socket_dir):
            path.mkdir(mode=0o700, exist_ok=True)
            if owner:
                os.chown(path, *owner)

    def start(self) -> ClusterInfo:
        began = time.monotonic()
        self._make_root()
        self._run(
            self._pg("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "--no-sync", "--locale=C")
            + ["--encoding=UTF8"],
            "initdb",
        )
        password = secrets.token_urlsafe(18)
        hba = (
            f"local all all trust\n"
            f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
            f"host all all 127.0.0.1/32 trust\n"
        )
        (self.data_dir / "pg_hba.conf").write_text(hba)  # the file keeps its owner (the server's user)
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# zoomctl throw-away test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._run(
                    self._pg(
                        "pg_ctl",
                        "start",
                        "-w",
                        "-t",
                        "60",
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.root / "server.log"),
                        "-o",
                        f"-p {self.port}",
                    ),
                    "starting the PostgreSQL server",
                    start_new_session=True,  # Ctrl-C in the terminal reaches the tests, not the server
                )
                break
            except ClusterError as exc:
                log = self.root / "server.log"
                text = log.read_text(errors="replace") if log.exists() else ""
                if attempt == 2 or "could not bind" not in text:
                    raise ClusterError(f"{exc}\n{text[-2000:]}") from None
        self.started = True
        self._psql(
            f"CREATE ROLE {ROLE} LOGIN CREATEDB",
            f"CREATE DATABASE {DATABASE} OWNER {ROLE}",
            f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{password}'",
            f"GRANT ALL ON DATABASE {DATABASE} TO {PASSWORD_ROLE}",
        )
        self.seconds_to_start = time.monotonic() - began
        base = f"127.0.0.1:{self.port}/{DATABASE}"
        return ClusterInfo(
            url=f"postgresql://{ROLE}@{base}",
            superuser_url=f"postgresql://{SUPERUSER}@{base}",
            password_url=f"postgresql://{PASSWORD_ROLE}@{base}",
            password=password,
        )

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the directory; safe to call more than once."""
        if self.root is None:
            return
        try:
            if self.started:
                stopped = subprocess.run(
                    self._pg("pg_ctl", "stop", "-w", "-t", "30", "-m", "immediate", "-D", str(self.data_dir)),
                    cwd=self.root,
                    capture_output=True,
                )
                if stopped.returncode != 0:
                    self._kill_postmaster()
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass

    def __enter__(self) -> ClusterInfo:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    """``with-postgres COMMAND…``: run COMMAND against a throw-away cluster; exit with its status."""
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: scripts/with-postgres COMMAND [ARG…]", file=sys.stderr)
        return 2
    child: subprocess.Popen | None = None

    def on_signal(signum, _frame):
        if child is None or child.poll() is not None:
            raise SystemExit(128 + signum)  # still starting: give up, the cluster is removed
        if signum != signal.SIGINT:  # Ctrl-C reaches the command through the terminal already
            child.send_signal(signum)

    # a handler, not SIG_IGN: an ignored signal would stay ignored in the command too
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        cluster = Cluster()
        with cluster as info:
            print(f"with-postgres: {info.url} ready in {cluster.seconds_to_start:.1f}s", file=sys.stderr)
            child = subprocess.Popen(argv, env={**os.environ, **info.environ()})
            code = child.wait()
    except ClusterError as exc:
        print(f"with-postgres: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"with-postgres: {exc}", file=sys.stderr)
        return 127
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
