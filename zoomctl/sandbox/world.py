"""The sandbox's world: Zoom accounts and their users, the apps, grants, tokens and meetings.

The first account is the one every app works with by default; more accounts (``accounts``
at seeding, or ``World.add_account``) each have their own owner, users and
Server-to-Server app, so "one Zoom account per company" can be tried. The user-level and
admin apps are Marketplace apps any account's users can authorize.

The whole world is one JSON-able dict (``World.data``) so it can be persisted as is.
With a ``state_path`` it is written after every mutation, atomically (temporary file in
the same directory, then ``os.replace``), and re-read before a request whenever another
process changed the file, under an advisory file lock: several sandbox processes, or a
restarted one, share one world.

Seeding is deterministic: the same ``seed`` and ``users`` give the same account, users,
apps and ids. Tokens and codes are random, and only their SHA-256 is stored.

Callers hold ``World.lock`` (re-entrant) while reading or changing ``data``; the server
wraps each request in ``World.transaction()``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zoomctl.sandbox import ids
from zoomctl.sandbox.clock import SandboxClock

try:  # POSIX advisory locks; elsewhere a single process is assumed
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STATE_VERSION = 1
EMAIL_DOMAIN = "sandbox.zoomctl.test"
ACCOUNT_NAME = "Sandbox Booking Co."
#: Upper bounds of what one sandbox seeds: users besides each account's owner, and accounts.
MAX_USERS = 1000
MAX_ACCOUNTS = 20

USER_SCOPES = ["meeting:read", "meeting:write", "user:read"]
ADMIN_SCOPES = ["meeting:read:admin", "meeting:write:admin", "user:read:admin"]

_NAMES = [
    ("Ava", "Fischer"),
    ("Liam", "Okafor"),
    ("Mia", "Tanaka"),
    ("Noah", "Berg"),
    ("Zoe", "Moreau"),
    ("Ethan", "Silva"),
    ("Lena", "Kowalski"),
    ("Omar", "Haddad"),
    ("Ines", "Romero"),
    ("Jonas", "Lindqvist"),
    ("Priya", "Nair"),
    ("Kai", "Yamamoto"),
    ("Sara", "Conti"),
    ("Mateo", "Garcia"),
    ("Freya", "Nielsen"),
    ("Yusuf", "Demir"),
]
_TIMEZONES = ["America/New_York", "Europe/Berlin", "UTC", "America/Los_Angeles", "Asia/Tokyo", "Europe/London"]
_ROLES = {"0": "Owner", "1": "Admin", "2": "Member"}
_EPOCH = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)


def iso(ts: float | datetime) -> str:
    """Zoom's timestamp format: ``yyyy-MM-ddTHH:mm:ssZ`` in UTC."""
    if isinstance(ts, datetime):
        dt = ts.astimezone(UTC)
    else:
        dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- seeding


def _user(seed: str, index: int, account: dict, *, user_type: int, role_id: str, status: str, number: int = 1) -> dict:
    first, last = _NAMES[index % len(_NAMES)]
    suffix = "" if index < len(_NAMES) else str(index // len(_NAMES) + 1)
    email = f"{first.lower()}.{last.lower()}{suffix}@{account_domain(number)}"
    parts = () if number == 1 else (f"account{number}",)  # the first account keeps its historic ids
    uid = ids.zoom_id(seed, *parts, "user", index)
    pmi = ids.number(seed, 2_000_000_000, 9_999_999_999, *parts, "pmi", index)
    created = iso(_EPOCH + timedelta(days=index, minutes=7 * index))
    return {
        "id": uid,
        "first_name": first,
        "last_name": last + suffix,
        "display_name": f"{first} {last}{suffix}",
        "email": email,
        "type": user_type,
        "role_id": role_id,
        "role_name": _ROLES[role_id],
        "pmi": pmi,
        "use_pmi": False,
        "personal_meeting_url": f"/j/{pmi}",
        "timezone": _TIMEZONES[index % len(_TIMEZONES)],
        "verified": 1,
        "dept": "",
        "created_at": created,
        "user_created_at": created,
        "last_login_time": iso(_EPOCH + timedelta(days=30 + index)),
        "last_client_version": "6.2.5.51239(mac)",
        "language": "en-US",
        "phone_number": "",
        "status": status,
        "account_id": account["id"],
        "account_number": account["number"],
        "jid": f"{uid.lower().replace('-', '').replace('_', '')}@xmpp.zoom.us",
        "cluster": "us06",
        "group_ids": [],
        "im_group_ids": [],
        "login_types": [100],
    }


def account_domain(number: int) -> str:
    """The email domain of the ``number``-th account's users (1: sandbox.zoomctl.test)."""
    return EMAIL_DOMAIN if number == 1 else f"account{number}.{EMAIL_DOMAIN}"


def check_sizes(users: int, accounts: int = 1) -> None:
    """Refuse a world too big to seed (``ValueError`` naming the bound)."""
    if not 0 <= users <= MAX_USERS:
        raise ValueError(f"users must be 0 to {MAX_USERS}")
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise ValueError(f"accounts must be 1 to {MAX_ACCOUNTS}")


def seed_account(seed: str, number: int, users: int) -> tuple[dict, list[dict], dict]:
    """The ``number``-th account (1 is the first): the account, its users and its S2S app.

    Its owner is Licensed; the ``users`` more users alternate Licensed (type 2) and Basic
    (type 1), starting Licensed; the first is an admin; the last is the one inactive user.
    """
    check_sizes(users)
    parts = () if number == 1 else (number,)
    account = {
        "id": ids.zoom_id(seed, "account", *parts),
        "number": ids.number(seed, 10_000_000, 99_999_999, "account-number", *parts),
        "name": ACCOUNT_NAME if number == 1 else f"{ACCOUNT_NAME} #{number}",
        "plan": "Pro",
    }
    people = [_user(seed, 0, account, user_type=2, role_id="0", status="active", number=number)]
    for i in range(1, users + 1):
        people.append(
            _user(
                seed,
                i,
                account,
                user_type=2 if i % 2 == 1 else 1,
                role_id="1" if i == 1 else "2",
                status="inactive" if i == users else "active",
                number=number,
            )
        )
    account["owner_id"] = people[0]["id"]
    key = "s2s" if number == 1 else f"s2s-{number}"
    s2s = {
        "key": key,
        "name": "zoomctl (Server-to-Server OAuth)" + ("" if number == 1 else f", {account['name']}"),
        "kind": "s2s",
        "account_id": account["id"],
        "client_id": ids.zoom_id(seed, "app", key),
        "client_secret": ids.alnum(seed, 32, "secret", key),
        "redirect_uris": [],
        "scopes": list(ADMIN_SCOPES),
    }
    return account, people, s2s


def seed_world(seed: str = "zoomctl", users: int = 5, accounts: int = 1) -> dict:
    """A fresh world: ``accounts`` Zoom accounts (see ``seed_account``) and the apps."""
    check_sizes(users, accounts)
    account, people, s2s = seed_account(seed, 1, users)
    redirect = f"https://app.{EMAIL_DOMAIN}/oauth/callback"
    apps = {
        "public": {
            "key": "public",
            "name": "zoomctl (public client, PKCE)",
            "kind": "user",
            "client_id": ids.zoom_id(seed, "app", "public"),
            "client_secret": None,
            "redirect_uris": [redirect],
            "scopes": list(USER_SCOPES),
        },
        "confidential": {
            "key": "confidential",
            "name": "zoomctl (confidential client)",
            "kind": "user",
            "client_id": ids.zoom_id(seed, "app", "confidential"),
            "client_secret": ids.alnum(seed, 32, "secret", "confidential"),
            "redirect_uris": [redirect],
            "scopes": list(USER_SCOPES),
        },
        "admin": {
            "key": "admin",
            "name": "zoomctl (admin-managed)",
            "kind": "admin",
            "client_id": ids.zoom_id(seed, "app", "admin"),
            "client_secret": ids.alnum(seed, 32, "secret", "admin"),
            "redirect_uris": [redirect],
            "scopes": list(ADMIN_SCOPES),
        },
        "s2s": s2s,
    }
    data = {
        "version": STATE_VERSION,
        "seed": seed,
        "key": secrets.token_hex(32),
        "account": account,
        "other_accounts": [],
        "users": {u["id"]: u for u in people},
        "deleted_users": {},
        "apps": apps,
        "grants": {},
        "tokens": {},
        "codes": {},
        "meetings": {},
        "daily": {"date": None, "counts": {}},
        "counters": {"meeting": 0, "grant": 0, "registrant": 0},
        "clock": {"offset": 0.0, "frozen_at": None},
    }
    for number in range(2, accounts + 1):
        _add_account(data, seed_account(seed, number, users))
    return data


def _add_account(data: dict, seeded: tuple[dict, list[dict], dict]) -> None:
    account, people, s2s = seeded
    data.setdefault("other_accounts", []).append(account)
    data["users"].update({u["id"]: u for u in people})
    data["apps"][s2s["key"]] = s2s


# --------------------------------------------------------------------------- world


class World:
    """The live state plus its persistence. See the module docstring."""

    def __init__(
        self,
        clock: SandboxClock,
        *,
        state_path: str | os.PathLike | None = None,
        seed: str = "zoomctl",
        users: int = 5,
        accounts: int = 1,
    ):
        self.lock = threading.RLock()
        self.clock = clock
        self.state_path = Path(state_path) if state_path else None
        self._file_sig: tuple | None = None
        self._dirty = False
        self._depth = 0
        lock_path = self._lock_path()
        had_lock = lock_path is None or lock_path.exists()
        try:
            with self.lock, self._file_lock():
                if self.state_path is not None and self.state_path.exists():
                    self._read()
                else:
                    self.data = seed_world(seed, users, accounts)
                    self.clock.load_dict(self.data["clock"])
                    self._write()
        except BaseException:
            if not had_lock:  # a refused state file leaves nothing beside it
                with contextlib.suppress(OSError):
                    lock_path.unlink()
            raise
        clock.on_change = self._clock_changed

    # -- convenient views ---------------------------------------------------------------
    @property
    def key(self) -> bytes:
        return bytes.fromhex(self.data["key"])

    @property
    def account(self) -> dict:
        return self.data["account"]

    @property
    def accounts(self) -> list[dict]:
        """Every account, the first one first."""
        return [self.data["account"], *self.data.get("other_accounts", [])]

    def account_by_id(self, account_id: str) -> dict | None:
        return next((a for a in self.accounts if a["id"] == account_id), None)

    def account_of_grant(self, grant: dict) -> str:
        """The id of the account a grant belongs to (its user's)."""
        user = self.users.get(grant["user_id"])
        return user["account_id"] if user else self.account["id"]

    def add_account(self, users: int = 5) -> dict:
        """Seed one more account (its owner, ``users`` more users, its S2S app); returns it."""
        number = len(self.accounts) + 1
        check_sizes(users, number)
        seeded = seed_account(self.data["seed"], number, users)
        _add_account(self.data, seeded)
        self.changed()
        return seeded[0]

    @property
    def users(self) -> dict[str, dict]:
        return self.data["users"]

    @property
    def apps(self) -> dict[str, dict]:
        return self.data["apps"]

    @property
    def grants(self) -> dict[str, dict]:
        return self.data["grants"]

    @property
    def tokens(self) -> dict[str, dict]:
        return self.data["tokens"]

    @property
    def codes(self) -> dict[str, dict]:
        return self.data["codes"]

    @property
    def meetings(self) -> dict[str, dict]:
        return self.data["meetings"]

    def next_number(self, counter: str) -> int:
        counters = self.data["counters"]
        counters[counter] = counters.get(counter, 0) + 1
        return counters[counter]

    # -- look-ups -----------------------------------------------------------------------
    def find_user(self, ref: str) -> dict | None:
        """A user by id or email (case-insensitive); deleted users are not found."""
        if ref in self.users:
            return self.users[ref]
        lowered = ref.lower()
        for user in self.users.values():
            if user["email"].lower() == lowered:
                return user
        return None

    def owner(self) -> dict:
        return self.users[self.account["owner_id"]]

    def app_by_client_id(self, client_id: str | None) -> dict | None:
        if not client_id:
            return None
        for app in self.apps.values():
            if app["client_id"] == client_id:
                return app
        return None

    def find_meeting(self, meeting_id: str | int) -> dict | None:
        return self.meetings.get(str(meeting_id))

    # -- events (what happens "on the Zoom side") ---------------------------------------
    def uninstall_app(self, app_key: str, user_ref: str | None = None) -> int:
        """The app is removed on the Zoom side: its grants (for one user, or all) die."""
        if app_key not in self.apps:
            raise KeyError(f"no app {app_key!r}")
        user_id = None
        if user_ref is not None:
            user = self.find_user(user_ref)
            if user is None:
                raise KeyError(f"no user {user_ref!r}")
            user_id = user["id"]
        killed = 0
        for grant in self.grants.values():
            if grant["app"] == app_key and grant["alive"] and (user_id is None or grant["user_id"] == user_id):
                grant["alive"] = False
                grant["ended"] = "uninstalled"
                killed += 1
        self.changed()
        return killed

    def delete_user(self, user_ref: str) -> dict:
        """The user is deleted: id and email give 1001, their grants and meetings go."""
        user = self.find_user(user_ref)
        if user is None:
            raise KeyError(f"no user {user_ref!r}")
        if user["id"] == self.account["owner_id"]:
            raise ValueError("the account owner cannot be deleted")
        del self.users[user["id"]]
        self.data["deleted_users"][user["id"]] = user["email"]
        for grant in self.grants.values():
            if grant["user_id"] == user["id"] and grant["alive"]:
                grant["alive"] = False
                grant["ended"] = "user_deleted"
        for key in [k for k, m in self.meetings.items() if m["host_id"] == user["id"]]:
            del self.meetings[key]
        self.changed()
        return user

    def set_user_type(self, user_ref: str, user_type: int) -> dict:
        """Downgrade to Basic (1) or upgrade to Licensed (2)."""
        user = self.find_user(user_ref)
        if user is None:
            raise KeyError(f"no user {user_ref!r}")
        user["type"] = int(user_type)
        self.changed()
        return user

    def set_user_status(self, user_ref: str, status: str) -> dict:
        user = self.find_user(user_ref)
        if user is None:
            raise KeyError(f"no user {user_ref!r}")
        if status not in ("active", "inactive", "pending"):
            raise ValueError(f"bad status {status!r}")
        user["status"] = status
        self.changed()
        return user

    def delete_meeting(self, meeting_id: str | int) -> dict:
        meeting = self.meetings.pop(str(meeting_id), None)
        if meeting is None:
            raise KeyError(f"no meeting {meeting_id}")
        self.changed()
        return meeting

    # -- daily meeting create/update counters ------------------------------------------
    def daily_counts(self) -> dict[str, int]:
        """Per-host counts for the current UTC day of the sandbox clock."""
        today = self.clock.now().strftime("%Y-%m-%d")
        daily = self.data["daily"]
        if daily.get("date") != today:
            daily["date"] = today
            daily["counts"] = {}
        return daily["counts"]

    # -- persistence --------------------------------------------------------------------
    def changed(self) -> None:
        """Mark the world modified: written now, or when the transaction ends."""
        with self.lock:
            if self._depth:
                self._dirty = True
            else:
                with self._file_lock():
                    self._write()

    def save(self) -> None:
        """Write the state file now (no-op without ``state_path``)."""
        with self.lock, self._file_lock():
            self._write()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[World]:
        """Hold the world for one request: fresh from disk, written back if changed."""
        with self.lock:
            with self._file_lock():
                if self._depth == 0:
                    self._reload_if_changed()
                    self._dirty = False
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                    if self._depth == 0 and self._dirty:
                        self._dirty = False
                        self._write()

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the state (token and code keys are hashes already)."""
        with self.lock:
            data = json.loads(json.dumps(self.data))
            data["clock"] = self.clock.to_dict()
            return data

    def _clock_changed(self) -> None:
        self.changed()

    def _stat(self) -> tuple | None:
        try:
            st = os.stat(self.state_path)  # type: ignore[arg-type]
        except (OSError, TypeError):
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _lock_path(self) -> Path | None:
        if self.state_path is None or fcntl is None:
            return None
        return self.state_path.with_name(self.state_path.name + ".lock")

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        lock_path = self._lock_path()
        if lock_path is None or self._depth:
            yield
            return
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _reload_if_changed(self) -> None:
        if self.state_path is None:
            return
        sig = self._stat()
        if sig is not None and sig != self._file_sig:
            self._read()

    def _read(self) -> None:
        assert self.state_path is not None
        with open(self.state_path, encoding="utf-8") as handle:
            data = json.load(handle)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"{self.state_path} is not a zoomctl sandbox state file")
        self.data = data
        self.clock.load_dict(data.get("clock"))
        self._file_sig = self._stat()

    def _write(self) -> None:
        self.data["clock"] = self.clock.to_dict()
        if self.state_path is None:
            return
        directory = self.state_path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.state_path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.data, handle, indent=1)  # insertion order matters (listings)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.state_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._file_sig = self._stat()
