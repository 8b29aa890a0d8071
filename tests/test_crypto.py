"""Client-side encryption of a shared workspace's secrets (zoomctl.store.crypto)."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoomctl.errors import InvalidInput, StorageError
from zoomctl.exit_codes import ExitCode
from zoomctl.store import crypto
from zoomctl.store.crypto import DamagedSecret, WrongWorkspaceKey

KEY = crypto.new_key()
OTHER = crypto.new_key()
TOKENS = b'{"access_token": "at-123", "refresh_token": "rt-456"}'


def raw(envelope: str) -> bytes:
    return base64.urlsafe_b64decode(envelope + "=" * (-len(envelope) % 4))


def text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("plaintext", [TOKENS, b"", b"\x00" * 5000])
def test_round_trip(plaintext):
    envelope = crypto.encrypt(KEY, 7, plaintext)
    assert isinstance(envelope, str)
    assert crypto.decrypt(KEY, 7, envelope) == plaintext
    assert crypto.decrypt(KEY, "7", envelope) == plaintext  # the same connection id, as text


def test_the_envelope_is_the_documented_layout():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    envelope = crypto.encrypt(KEY, 42, TOKENS, purpose="client-secret")
    data = raw(envelope)
    assert data[:3] == b"zk1"
    assert data[3:11].hex() == KEY.key_id
    nonce, sealed = data[11:23], data[23:]
    assert len(sealed) == len(TOKENS) + 16
    associated = data[:11] + b"\0client-secret\0" + b"42"
    assert AESGCM(KEY.secret).decrypt(nonce, sealed, associated) == TOKENS
    assert TOKENS not in data and b"rt-456" not in envelope.encode()


def test_a_wrong_key_is_named_as_the_wrong_key():
    envelope = crypto.encrypt(KEY, 7, TOKENS)
    with pytest.raises(WrongWorkspaceKey) as caught:
        crypto.decrypt(OTHER, 7, envelope)
    error = caught.value
    assert isinstance(error, StorageError) and error.exit_code == ExitCode.STORAGE
    assert (error.envelope_key_id, error.key_id, error.connection) == (KEY.key_id, OTHER.key_id, 7)
    assert KEY.key_id in error.message and OTHER.key_id in error.message
    assert "zoomctl db key import" in error.hint and "ZOOMCTL_WORKSPACE_KEY" in error.hint


@pytest.mark.parametrize(("conn_id", "purpose"), [(8, crypto.TOKENS), ("70", crypto.TOKENS), (7, "client-secret")])
def test_an_envelope_does_not_open_for_another_connection_or_purpose(conn_id, purpose):
    envelope = crypto.encrypt(KEY, 7, TOKENS)
    with pytest.raises(DamagedSecret, match="another connection") as caught:
        crypto.decrypt(KEY, conn_id, envelope, purpose=purpose)
    assert caught.value.exit_code == ExitCode.STORAGE
    assert caught.value.connection == conn_id


def test_every_altered_byte_is_refused():
    data = raw(crypto.encrypt(KEY, 7, TOKENS))
    for index in range(len(data)):
        altered = bytearray(data)
        altered[index] ^= 0x01
        # a changed key id names another key; any other change is damage
        expected = WrongWorkspaceKey if 3 <= index < 11 else DamagedSecret
        with pytest.raises(expected):
            crypto.decrypt(KEY, 7, text(bytes(altered)))


def test_every_changed_character_of_the_text_is_refused():
    envelope = crypto.encrypt(KEY, 7, TOKENS)
    for index, char in enumerate(envelope):
        changed = envelope[:index] + ("B" if char == "A" else "A") + envelope[index + 1 :]
        with pytest.raises(crypto.WorkspaceKeyError):
            crypto.decrypt(KEY, 7, changed)


def test_a_second_spelling_of_the_same_bytes_is_refused():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    envelope = crypto.encrypt(KEY, 7, b"x")  # 3 + 8 + 12 + 1 + 16 = 40 bytes: the last character has unused bits
    last = alphabet[alphabet.index(envelope[-1]) ^ 1]
    assert raw(envelope[:-1] + last) == raw(envelope)  # a lenient decoder reads the same bytes
    with pytest.raises(DamagedSecret):
        crypto.decrypt(KEY, 7, envelope[:-1] + last)


def test_a_truncated_envelope_is_refused():
    envelope = crypto.encrypt(KEY, 7, TOKENS)
    for length in range(len(envelope)):
        with pytest.raises(DamagedSecret):
            crypto.decrypt(KEY, 7, envelope[:length])
    with pytest.raises(DamagedSecret, match="cut short"):
        crypto.decrypt(KEY, 7, text(raw(envelope)[:30]))


@pytest.mark.parametrize("junk", ["", "not base64!", "emsx==", text(b"zk9" + bytes(40))])
def test_what_is_not_an_envelope_is_refused(junk):
    with pytest.raises(DamagedSecret):
        crypto.decrypt(KEY, 7, junk)


def test_nonces_never_repeat():
    envelopes = [crypto.encrypt(KEY, 7, TOKENS) for _ in range(5000)]
    nonces = {raw(envelope)[11:23] for envelope in envelopes}
    assert len(nonces) == len(envelopes)
    assert len(set(envelopes)) == len(envelopes)


@settings(max_examples=200, deadline=None)
@given(
    plaintext=st.binary(max_size=2048),
    conn_id=st.one_of(st.integers(min_value=0, max_value=2**63), st.text(min_size=1).filter(lambda s: "\0" not in s)),
    purpose=st.text(min_size=1, max_size=30).filter(lambda s: "\0" not in s),
)
def test_property_round_trip_and_binding(plaintext, conn_id, purpose):
    envelope = crypto.encrypt(KEY, conn_id, plaintext, purpose=purpose)
    assert crypto.decrypt(KEY, conn_id, envelope, purpose=purpose) == plaintext
    with pytest.raises(DamagedSecret):
        crypto.decrypt(KEY, f"{conn_id}x", envelope, purpose=purpose)
    with pytest.raises(WrongWorkspaceKey):
        crypto.decrypt(OTHER, conn_id, envelope, purpose=purpose)


# --------------------------------------------------------------------------- the key
def test_a_key_survives_export_and_import():
    exported = KEY.export()
    assert exported.startswith("zwk1_") and len(exported) == 5 + 48
    assert crypto.parse_key(exported) == KEY
    assert crypto.parse_key(f"  {exported}\n") == KEY
    assert crypto.parse_key(exported).key_id == KEY.key_id
    assert len(KEY.key_id) == 16 and KEY.key_id != OTHER.key_id


def test_the_key_is_never_shown_by_repr_or_str():
    shown = repr(KEY) + str(KEY) + f"{KEY}"
    assert KEY.key_id in shown
    assert KEY.export()[5:20] not in shown and KEY.secret.hex()[:16] not in shown


def test_every_mistyped_character_of_a_key_is_caught():
    exported = KEY.export()
    for index in range(5, len(exported)):
        char = exported[index]
        typo = exported[:index] + ("b" if char == "a" else "a") + exported[index + 1 :]
        with pytest.raises(InvalidInput):
            crypto.parse_key(typo)


@pytest.mark.parametrize(
    ("text_", "says"),
    [
        ("", "not a zoomctl workspace key"),
        ("hunter2", "not a zoomctl workspace key"),
        ("zwk2_AAAA", "format this zoomctl does not know"),
        ("zwk1_", "cut short"),
        ("zwk1_" + "A" * 47, "cut short"),
        ("zwk1_" + "A" * 52, "cut short"),
        ("zwk1_" + "A" * 47 + "!", "characters a key does not have"),
        ("zwk1_" + "A" * 48, "checksum does not match"),
    ],
)
def test_bad_key_text_is_refused_with_the_fix(text_, says):
    with pytest.raises(InvalidInput, match=says) as caught:
        crypto.parse_key(text_, source="the pasted key")
    assert caught.value.message.startswith("the pasted key ")
    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert caught.value.hint


def test_the_key_from_the_environment():
    assert crypto.key_from_env({}) is None
    assert crypto.key_from_env({"ZOOMCTL_WORKSPACE_KEY": " "}) is None
    assert crypto.key_from_env({"ZOOMCTL_WORKSPACE_KEY": KEY.export()}) == KEY
    with pytest.raises(InvalidInput, match="^ZOOMCTL_WORKSPACE_KEY is mistyped"):
        crypto.key_from_env({"ZOOMCTL_WORKSPACE_KEY": KEY.export()[:-1] + ("A" if KEY.export()[-1] != "A" else "B")})


def test_a_key_is_32_bytes():
    assert len(crypto.new_key().secret) == 32
    with pytest.raises(ValueError):
        crypto.WorkspaceKey(b"short")


# --------------------------------------------------------------------------- rotation
def test_rotate_re_encrypts_under_the_new_key():
    plaintexts = {1: b"one", 2: b"two", "c3": b"three"}
    envelopes = [(conn, crypto.encrypt(KEY, conn, value)) for conn, value in plaintexts.items()]
    rotated = crypto.rotate(KEY, OTHER, envelopes)
    assert len(rotated) == len(envelopes)
    for (conn, _old), new in zip(envelopes, rotated, strict=True):
        assert crypto.decrypt(OTHER, conn, new) == plaintexts[conn]
        with pytest.raises(WrongWorkspaceKey):
            crypto.decrypt(KEY, conn, new)


def test_rotate_gives_nothing_when_one_envelope_does_not_open():
    good = crypto.encrypt(KEY, 1, b"one")
    foreign = crypto.encrypt(OTHER, 2, b"two")
    with pytest.raises(WrongWorkspaceKey) as caught:
        crypto.rotate(KEY, OTHER, [(1, good), (2, foreign)])
    assert caught.value.connection == 2
    with pytest.raises(DamagedSecret):
        crypto.rotate(KEY, OTHER, [(1, good), (3, good)])


def test_rotate_to_the_same_key_is_refused():
    with pytest.raises(InvalidInput, match="key in use"):
        crypto.rotate(KEY, crypto.parse_key(KEY.export()), [])


# --------------------------------------------------------------------------- start-up and packaging
def test_importing_the_module_does_not_import_cryptography():
    probe = "import sys, zoomctl.store.crypto; print('cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_cryptography_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.ciphers.aead", None)
    with pytest.raises(StorageError, match="cryptography package") as caught:
        crypto.encrypt(KEY, 1, b"x")
    assert caught.value.hint == "pip install 'zoomctl[postgres]'"
