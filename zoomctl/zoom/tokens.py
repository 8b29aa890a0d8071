"""Where Zoom tokens and client secrets live, and the cross-process refresh lock.

Stores: ``KeyringTokenStore`` (the OS keyring; every call runs in a worker thread with a
timeout, so a hung D-Bus cannot hang zoomctl), ``FileTokenStore`` (a 0600 JSON file for
``--insecure-storage``) and ``MemoryTokenStore`` (tests, one-shot use).

Keyring entries (service ``zoomctl`` by default):

* ``token:{key}``          the compact ``TokenSet.to_json()`` of one grant
* ``client-secret:{id}``   an OAuth app's client secret

Windows Credential Manager holds at most 2,560 bytes per entry, stored as UTF-16 (so
about 1,280 characters), and two Zoom JWTs are ~1,800 characters. A value that does not
fit is split transparently: the main entry then holds ``zoomctl-chunks:v1:{n}:{digest}``
and the parts live in ``{name}#1`` … ``{name}#{n}``. Parts are written before the header
and the digest is checked on read, so a reader never accepts a half-written value.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from zoomctl.errors import StorageError
from zoomctl.zoom.oauth import TokenSet

log = logging.getLogger("zoomctl.tokens")

T = TypeVar("T")

#: CRED_MAX_CREDENTIAL_BLOB_SIZE in wincred.h; measured as UTF-16 (the strictest encoding).
MAX_ENTRY_BYTES = 2560
CHUNK_PREFIX = "zoomctl-chunks:v1:"
INSECURE_HINT = (
    "unlock or start the system keyring (e.g. gnome-keyring, KWallet, Keychain), or pass "
    "--insecure-storage to keep tokens in a 0600 file instead"
)
RELOGIN_HINT = "run `zoomctl auth logout`, then `zoomctl auth login` to store fresh tokens"


@runtime_checkable
class TokenStore(Protocol):
    """What every token store offers. ``location`` is for humans (``auth status``)."""

    insecure: bool

    @property
    def location(self) -> str: ...

    def load(self, key: str) -> TokenSet | None: ...

    def save(self, key: str, tokens: TokenSet) -> None: ...

    def delete(self, key: str) -> bool: ...

    def load_client_secret(self, client_id: str) -> str | None: ...

    def save_client_secret(self, client_id: str, secret: str) -> None: ...

    def delete_client_secret(self, client_id: str) -> bool: ...


def decode_tokens(raw: str | None, where: str) -> TokenSet | None:
    if raw is None:
        return None
    try:
        return TokenSet.from_json(raw)
    except (ValueError, TypeError, KeyError):
        raise StorageError(f"the Zoom tokens stored in {where} are unreadable", RELOGIN_HINT) from None


# --------------------------------------------------------------------------- memory


class MemoryTokenStore:
    """Tokens in a dict, serialized like the real stores. Nothing survives the process."""

    insecure = False

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.saves = 0

    @property
    def location(self) -> str:
        return "memory"

    def load(self, key: str) -> TokenSet | None:
        return decode_tokens(self.values.get(f"token:{key}"), "memory")

    def save(self, key: str, tokens: TokenSet) -> None:
        self.values[f"token:{key}"] = tokens.to_json()
        self.saves += 1

    def delete(self, key: str) -> bool:
        return self.values.pop(f"token:{key}", None) is not None

    def load_client_secret(self, client_id: str) -> str | None:
        return self.values.get(f"client-secret:{client_id}")

    def save_client_secret(self, client_id: str, secret: str) -> None:
        self.values[f"client-secret:{client_id}"] = secret

    def delete_client_secret(self, client_id: str) -> bool:
        return self.values.pop(f"client-secret:{client_id}", None) is not None


# --------------------------------------------------------------------------- keyring


def _call_with_timeout(fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
    """Run ``fn(*args)`` in a daemon thread; raise TimeoutError if it takes too long.

    A daemon thread (not a pool) so that a call stuck forever cannot block interpreter exit.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name="zoomctl-keyring").start()
    if not done.wait(timeout):
        raise TimeoutError
    if "error" in box:
        raise box["error"]
    return box["value"]


def backend_is_secure(backend: Any) -> bool:
    """False for keyring's ``fail`` and ``null`` backends, plaintext files, and a chainer
    with no secure backend behind it."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(backend_is_secure(b) for b in backend.backends)
    if type(backend).__name__ in {"PlaintextKeyring", "UncryptedFileKeyring"}:
        return False
    return True


def backend_name(backend: Any) -> str:
    name = getattr(type(backend), "name", None)
    return name if isinstance(name, str) and name else type(backend).__name__


def inspect_keyring(timeout: float = 5.0) -> tuple[Any, bool, str]:
    """``(backend, is_secure, name)`` of the active keyring, found in a worker thread
    (backend discovery may talk to D-Bus); StorageError if that takes over ``timeout``."""
    import keyring

    def inspect() -> tuple[Any, bool, str]:
        backend = keyring.get_keyring()
        return backend, backend_is_secure(backend), backend_name(backend)

    try:
        return _call_with_timeout(inspect, (), timeout)
    except TimeoutError:
        raise StorageError(f"the system keyring did not answer within {timeout:g} s", INSECURE_HINT) from None


def keyring_is_secure(timeout: float = 5.0) -> bool:
    """Whether the active keyring backend really stores secrets (False if it hangs)."""
    try:
        return inspect_keyring(timeout)[1]
    except StorageError:
        return False


def keyring_backend_name(timeout: float = 5.0) -> str:
    """The active keyring backend, e.g. "SecretService Keyring" ("unresponsive" if hung)."""
    try:
        return inspect_keyring(timeout)[2]
    except StorageError:
        return "unresponsive"


def _split(value: str, budget: int) -> list[str]:
    """Split into parts whose UTF-16 (and UTF-8) size is at most ``budget`` bytes."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for ch in value:
        width = max(len(ch.encode("utf-16-le")), len(ch.encode("utf-8")))
        if size + width > budget:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def entry_size(value: str) -> int:
    """The bytes one keyring entry needs on the strictest backend (Windows: UTF-16)."""
    return max(len(value.encode("utf-16-le")), len(value.encode("utf-8")))


class KeyringTokenStore:
    """Tokens and client secrets in the OS keyring, with timeouts and transparent chunking."""

    insecure = False

    def __init__(
        self,
        service: str = "zoomctl",
        timeout: float = 5.0,
        *,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
        require_secure: bool = True,
    ):
        self.service = service
        self.timeout = timeout
        self.max_entry_bytes = max_entry_bytes
        self.require_secure = require_secure
        self._backend: Any = None
        self._backend_name = ""
        self._hung = False

    # -- backend plumbing

    def backend(self) -> Any:
        if self._backend is None:
            backend, secure, name = inspect_keyring(self.timeout)
            if self.require_secure and not secure:
                raise StorageError(f"no secure token storage: the keyring backend is {name}", INSECURE_HINT)
            self._backend, self._backend_name = backend, name
        return self._backend

    @property
    def location(self) -> str:
        try:
            self.backend()
            return f"keyring ({self._backend_name})"
        except StorageError:
            return "keyring (unavailable)"

    def _call(self, what: str, method: str, *args: str) -> Any:
        """One keyring call, within the timeout. A failure of the backend's own (not a lock,
        not a missing keyring) is tried once more: a Secret Service busy with several
        processes at once can fail one of them (every call here is harmless twice)."""
        from keyring import errors as kerr

        if self._hung:
            raise StorageError("the system keyring stopped answering earlier in this command", INSECURE_HINT)
        backend = self.backend()
        for attempt in (1, 2):
            try:
                return _call_with_timeout(getattr(backend, method), args, self.timeout)
            except TimeoutError:
                self._hung = True
                raise StorageError(
                    f"the system keyring did not answer within {self.timeout:g} s ({what})",
                    INSECURE_HINT,
                ) from None
            except StorageError:
                raise
            except Exception as exc:
                final = attempt == 2 or isinstance(
                    exc, kerr.KeyringLocked | kerr.NoKeyringError | kerr.PasswordDeleteError
                )
                if final:
                    raise self._backend_error(what, exc, args[2:]) from exc
                time.sleep(0.1)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _backend_error(what: str, exc: Exception, values: tuple[str, ...] = ()) -> StorageError:
        from keyring import errors as kerr

        from zoomctl.zoom.redact import redact

        if isinstance(exc, kerr.KeyringLocked):
            return StorageError(f"the system keyring is locked ({what})", INSECURE_HINT)
        if isinstance(exc, kerr.NoKeyringError):
            return StorageError("no system keyring is available", INSECURE_HINT)
        detail = str(exc)
        for value in values:  # never echo the value being stored
            for piece in (value, value[:64]):
                if len(piece) >= 8:
                    detail = detail.replace(piece, "***")
        detail = redact(detail)[:200] or type(exc).__name__
        return StorageError(f"the system keyring failed while {what}: {detail}", INSECURE_HINT)

    def _get(self, name: str) -> str | None:
        return self._call("reading", "get_password", self.service, name)

    def _set(self, name: str, value: str) -> None:
        self._call("saving", "set_password", self.service, name, value)

    def _remove(self, name: str) -> bool:
        from keyring.errors import PasswordDeleteError

        try:
            self._call("deleting", "delete_password", self.service, name)
        except StorageError as exc:
            if isinstance(exc.__cause__, PasswordDeleteError):
                return False
            raise
        return True

    # -- chunked values

    @staticmethod
    def _header_count(header: str | None) -> int:
        if header and header.startswith(CHUNK_PREFIX):
            try:
                return int(header[len(CHUNK_PREFIX) :].split(":")[0])
            except ValueError:
                return 0
        return 0

    def get_value(self, name: str) -> str | None:
        for _attempt in range(3):
            header = self._get(name)
            if header is None or not header.startswith(CHUNK_PREFIX):
                return header
            try:
                count_text, digest = header[len(CHUNK_PREFIX) :].split(":", 1)
                count = int(count_text)
            except ValueError:
                break
            parts = [self._get(f"{name}#{i}") for i in range(1, count + 1)]
            if all(p is not None for p in parts):
                value = "".join(parts)  # type: ignore[arg-type]
                if hashlib.sha256(value.encode()).hexdigest()[:16] == digest:
                    return value
            time.sleep(0.05)  # a writer may be halfway through; read again
        raise StorageError(
            f"the keyring entry {name!r} of service {self.service!r} is incomplete",
            RELOGIN_HINT,
        )

    def set_value(self, name: str, value: str) -> None:
        old_count = self._header_count(self._get(name))
        if entry_size(value) <= self.max_entry_bytes:
            self._set(name, value)
            new_count = 0
        else:
            parts = _split(value, self.max_entry_bytes - 64)
            for i, part in enumerate(parts, 1):
                self._set(f"{name}#{i}", part)
            digest = hashlib.sha256(value.encode()).hexdigest()[:16]
            self._set(name, f"{CHUNK_PREFIX}{len(parts)}:{digest}")
            new_count = len(parts)
        for i in range(new_count + 1, old_count + 1):
            self._remove(f"{name}#{i}")

    def delete_value(self, name: str) -> bool:
        count = self._header_count(self._get(name))
        existed = self._remove(name)
        for i in range(1, count + 1):
            self._remove(f"{name}#{i}")
        return existed

    # -- TokenStore

    def load(self, key: str) -> TokenSet | None:
        return decode_tokens(self.get_value(f"token:{key}"), self.location)

    def save(self, key: str, tokens: TokenSet) -> None:
        self.set_value(f"token:{key}", tokens.to_json())

    def delete(self, key: str) -> bool:
        return self.delete_value(f"token:{key}")

    def load_client_secret(self, client_id: str) -> str | None:
        return self.get_value(f"client-secret:{client_id}")

    def save_client_secret(self, client_id: str, secret: str) -> None:
        self.set_value(f"client-secret:{client_id}", secret)

    def delete_client_secret(self, client_id: str) -> bool:
        return self.delete_value(f"client-secret:{client_id}")


# --------------------------------------------------------------------------- file


class FileTokenStore:
    """``--insecure-storage``: a JSON file, mode 0600, replaced atomically on each write."""

    insecure = True

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 10.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    @property
    def location(self) -> str:
        return f"file {self.path} (insecure)"

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StorageError(
                f"cannot read the token file {self.path}: {exc.strerror or exc}",
                "check the file's permissions",
            ) from exc
        if os.name == "posix":
            with contextlib.suppress(OSError):
                if self.path.stat().st_mode & 0o077:
                    log.warning("token file %s is readable by others; fixing to 0600", self.path)
                    os.chmod(self.path, 0o600)
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise StorageError(f"the token file {self.path} is not valid JSON", RELOGIN_HINT)
        return data

    def _write(self, data: dict[str, Any]) -> None:
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    if hasattr(os, "fchmod"):
                        os.fchmod(fh.fileno(), 0o600)
                    json.dump(data, fh, separators=(",", ":"))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise StorageError(
                f"cannot write the token file {self.path}: {exc.strerror or exc}",
                "check the directory's permissions and free space",
            ) from exc

    @contextlib.contextmanager
    def _update(self) -> Iterator[dict[str, Any]]:
        lock = self.path.with_name(self.path.name + ".write-lock")
        with refresh_lock(lock, self.lock_timeout, what="writing the token file"):
            data = self._read()
            yield data
            self._write(data)

    def _section(self, name: str) -> dict[str, Any]:
        section = self._read().get(name)
        return section if isinstance(section, dict) else {}

    def load(self, key: str) -> TokenSet | None:
        value = self._section("tokens").get(key)
        return decode_tokens(None if value is None else json.dumps(value), self.location)

    def save(self, key: str, tokens: TokenSet) -> None:
        with self._update() as data:
            data.setdefault("tokens", {})[key] = json.loads(tokens.to_json())

    def delete(self, key: str) -> bool:
        with self._update() as data:
            return data.setdefault("tokens", {}).pop(key, None) is not None

    def load_client_secret(self, client_id: str) -> str | None:
        value = self._section("client_secrets").get(client_id)
        return value if isinstance(value, str) else None

    def save_client_secret(self, client_id: str, secret: str) -> None:
        with self._update() as data:
            data.setdefault("client_secrets", {})[client_id] = secret

    def delete_client_secret(self, client_id: str) -> bool:
        with self._update() as data:
            return data.setdefault("client_secrets", {}).pop(client_id, None) is not None


# --------------------------------------------------------------------------- lock


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(path.read_text().strip() or "0")
        if pid:
            return f" (process {pid})"
    return ""


@contextlib.contextmanager
def refresh_lock(
    path: str | os.PathLike[str],
    timeout: float = 30.0,
    *,
    poll: float = 0.05,
    what: str = "refreshing the Zoom token",
) -> Iterator[None]:
    """Hold an exclusive cross-process lock on ``path`` (created 0600 if missing).

    flock on POSIX (released by the OS if the holder dies, so never stale), msvcrt on
    Windows. Waits at most ``timeout`` seconds, then raises StorageError. Locks are per
    open file, so two threads of one process exclude each other too; do not nest two
    acquisitions of the same path in one thread (that waits for itself).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(
            f"cannot create the lock file {path}: {exc.strerror or exc}",
            "check the permissions of its directory",
        ) from exc
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise StorageError(
                    f"another zoomctl process{_holder(path)} is {what} and did not finish within {timeout:g} s",
                    "wait for the other zoomctl command to finish, then run this one again",
                )
            time.sleep(poll)
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
