"""Client-side encryption of the secrets a shared workspace keeps in its database (Zoom tokens,
client secrets), under a workspace key that its administrators share.

The database never sees a secret in the clear: each one is sealed with AES-256-GCM under the
workspace key, with a fresh random 96-bit nonce, and with the connection id and a purpose label
as associated data, so an envelope copied onto another connection (or into another purpose)
does not open. The workspace key comes from ``ZOOMCTL_WORKSPACE_KEY`` (CI) or the
administrator's OS keyring.

Formats (version 1):

* workspace key, text: ``zwk1_`` + urlsafe base64 (no padding) of the 32 key bytes followed by
  a 4-byte checksum, so a mistyped or cut key is refused before it is used;
* key id: the first 8 bytes of a SHA-256 of the key (shown as 16 hex digits), kept in every
  envelope, so a wrong key is named as the wrong key instead of as damaged data;
* envelope, text: urlsafe base64 (no padding) of ``b"zk1"`` + key id + nonce + ciphertext
  with its 16-byte tag; the associated data is ``b"zk1"`` + key id + purpose + connection id.

Failures: a key that does not parse is ``InvalidInput``; an envelope under another key is
``WrongWorkspaceKey``; one that was altered, cut short, or belongs to another connection or
purpose is ``DamagedSecret``. Both are ``WorkspaceKeyError``, a ``StorageError`` (the storage
exit code). ``cryptography`` is imported only when something is sealed or opened.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zoomctl import env
from zoomctl.errors import InvalidInput, StorageError

ENV_VAR = env.WORKSPACE_KEY
KEY_PREFIX = "zwk1_"
MAGIC = b"zk1"
KEY_BYTES = 32
KEY_ID_BYTES = 8
CHECKSUM_BYTES = 4
NONCE_BYTES = 12
TAG_BYTES = 16
TOKENS = "zoom-tokens"  # the purpose label of a connection's Zoom tokens

_HEADER = len(MAGIC) + KEY_ID_BYTES
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
KEY_HINT = f"paste the whole key from `zoomctl db key export` (it starts with {KEY_PREFIX})"

ConnectionId = int | str


class WorkspaceKeyError(StorageError):
    """A stored secret could not be opened with the workspace key at hand."""

    def __init__(self, message: str, hint: str, connection: ConnectionId):
        super().__init__(message, hint)
        self.connection = connection


class WrongWorkspaceKey(WorkspaceKeyError):
    """The envelope was sealed under another workspace key (``envelope_key_id``)."""

    def __init__(self, connection: ConnectionId, envelope_key_id: str, key_id: str):
        super().__init__(
            f"the secrets of connection {connection} are encrypted under workspace key {envelope_key_id}, "
            f"not under the key in use ({key_id})",
            f"import the workspace key {envelope_key_id} with `zoomctl db key import`, or set {ENV_VAR} to it",
            connection,
        )
        self.envelope_key_id = envelope_key_id
        self.key_id = key_id


class DamagedSecret(WorkspaceKeyError):
    """The envelope is not one this key sealed for this connection and purpose: altered, cut short,
    of an unknown format, or copied from another connection or purpose."""

    def __init__(self, connection: ConnectionId, why: str):
        super().__init__(
            f"the stored secret of connection {connection} cannot be decrypted: {why}",
            "connect Zoom again for this company with `zoomctl auth login`",
            connection,
        )


@dataclass(frozen=True, repr=False)
class WorkspaceKey:
    """32 secret bytes. ``str()``/``repr()`` show only the key id; ``export()`` gives the text form."""

    secret: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_BYTES:
            raise ValueError(f"a workspace key is {KEY_BYTES} bytes")

    @property
    def key_id(self) -> str:
        return self._id_bytes.hex()

    @property
    def _id_bytes(self) -> bytes:
        return hashlib.sha256(b"zoomctl workspace key id\0" + self.secret).digest()[:KEY_ID_BYTES]

    def export(self) -> str:
        """The text form to hand to another administrator or to CI (``parse_key`` reads it back)."""
        return KEY_PREFIX + _b64(self.secret + _checksum(self.secret))

    def __repr__(self) -> str:
        return f"WorkspaceKey(id={self.key_id})"

    __str__ = __repr__


def new_key() -> WorkspaceKey:
    return WorkspaceKey(secrets.token_bytes(KEY_BYTES))


def parse_key(text: str, *, source: str = "the workspace key") -> WorkspaceKey:
    """The key in ``text`` (surrounding white space ignored); InvalidInput naming ``source`` if it is
    not a whole, correctly typed workspace key."""
    text = text.strip()
    if not text.startswith(KEY_PREFIX):
        if text.startswith("zwk"):
            raise InvalidInput(f"{source} has a format this zoomctl does not know", "upgrade zoomctl")
        raise InvalidInput(f"{source} is not a zoomctl workspace key", KEY_HINT)
    body = text[len(KEY_PREFIX) :]
    raw = _unb64(body)
    if raw is None or len(raw) != KEY_BYTES + CHECKSUM_BYTES:
        raise InvalidInput(f"{source} is cut short, too long or holds characters a key does not have", KEY_HINT)
    secret, checksum = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if not hmac.compare_digest(checksum, _checksum(secret)):
        raise InvalidInput(f"{source} is mistyped: its checksum does not match", KEY_HINT)
    return WorkspaceKey(secret)


def key_from_env(environ: Mapping[str, str] | None = None) -> WorkspaceKey | None:
    """The key in ``ZOOMCTL_WORKSPACE_KEY``, or None when it is unset or empty."""
    text = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return parse_key(text, source=ENV_VAR) if text.strip() else None


def encrypt(key: WorkspaceKey, conn_id: ConnectionId, plaintext: bytes, *, purpose: str = TOKENS) -> str:
    """Seal ``plaintext`` for connection ``conn_id`` and ``purpose``: an envelope as text."""
    header = MAGIC + key._id_bytes
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = _aesgcm(key).encrypt(nonce, bytes(plaintext), _associated(header, conn_id, purpose))
    return _b64(header + nonce + sealed)


def decrypt(key: WorkspaceKey, conn_id: ConnectionId, envelope: str, *, purpose: str = TOKENS) -> bytes:
    """Open an envelope made by ``encrypt`` for the same connection and purpose.

    Raises WrongWorkspaceKey when it was sealed under another key, DamagedSecret when it was
    altered, cut short, is of an unknown format, or was made for another connection or purpose."""
    raw = _unb64(envelope.strip()) if isinstance(envelope, str) else None
    if raw is None:
        raise DamagedSecret(conn_id, "it is not an encrypted secret")
    if len(raw) < _HEADER + NONCE_BYTES + TAG_BYTES:
        raise DamagedSecret(conn_id, "it is cut short")
    if raw[: len(MAGIC)] != MAGIC:
        raise DamagedSecret(conn_id, "its format is unknown to this zoomctl")
    header, nonce, sealed = raw[:_HEADER], raw[_HEADER : _HEADER + NONCE_BYTES], raw[_HEADER + NONCE_BYTES :]
    if header[len(MAGIC) :] != key._id_bytes:
        raise WrongWorkspaceKey(conn_id, header[len(MAGIC) :].hex(), key.key_id)
    from cryptography.exceptions import InvalidTag

    try:
        return _aesgcm(key).decrypt(nonce, sealed, _associated(header, conn_id, purpose))
    except InvalidTag:
        raise DamagedSecret(conn_id, "it was altered, or it belongs to another connection") from None


def rotate(
    old: WorkspaceKey, new: WorkspaceKey, envelopes: Iterable[tuple[ConnectionId, str]], *, purpose: str = TOKENS
) -> list[str]:
    """Re-seal ``(conn_id, envelope)`` pairs from ``old`` under ``new``, in order. All are opened
    before any is sealed again, so one that does not open raises and nothing is returned."""
    if old.secret == new.secret:
        raise InvalidInput("the new workspace key is the key in use", "rotate to a newly made key")
    pairs = list(envelopes)
    opened = [(conn_id, decrypt(old, conn_id, envelope, purpose=purpose)) for conn_id, envelope in pairs]
    return [encrypt(new, conn_id, plaintext, purpose=purpose) for conn_id, plaintext in opened]


# --------------------------------------------------------------------------- internals
def _aesgcm(key: WorkspaceKey):
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:
        raise StorageError(
            "a shared workspace needs the cryptography package, which is not installed",
            "pip install 'zoomctl[postgres]'",
        ) from None
    return AESGCM(key.secret)


def _associated(header: bytes, conn_id: ConnectionId, purpose: str) -> bytes:
    """What an envelope is bound to besides the key: its header, the purpose and the connection."""
    if isinstance(conn_id, bool) or not isinstance(conn_id, int | str) or str(conn_id) == "":
        raise ValueError(f"a connection id is an int or a non-empty str, not {conn_id!r}")
    if not purpose or "\0" in purpose or "\0" in str(conn_id):
        raise ValueError("a purpose is a non-empty str, and neither it nor the connection id holds NUL")
    return header + b"\0" + purpose.encode() + b"\0" + str(conn_id).encode()


def _checksum(secret: bytes) -> bytes:
    return hashlib.sha256(b"zoomctl workspace key checksum\0" + secret).digest()[:CHECKSUM_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes | None:
    """The bytes of unpadded urlsafe base64 in its one canonical spelling, else None (so any
    changed character is a change, never silently dropped or folded into unused bits)."""
    if not _BASE64URL.fullmatch(text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if _b64(raw) == text else None
