"""Fixtures for the Zoom layer: Zoom's OpenAPI documents, an in-memory keyring, a clock."""

from __future__ import annotations

from typing import Any

import keyring
import keyring.core
import pytest
from support import zoom_openapi
from zoom_helpers import Clock, MemoryKeyring, SpecChecker


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def use_keyring():
    """Install a keyring backend for one test; the previous one comes back afterwards."""
    previous = keyring.core._keyring_backend  # not get_keyring(): that may probe D-Bus

    def install(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.core._keyring_backend = previous


@pytest.fixture
def memory_keyring(use_keyring) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


@pytest.fixture(scope="session")
def zoom_specs() -> dict[str, dict[str, Any]]:
    """The committed extract of Zoom's OpenAPI documents (tests/contract)."""
    return zoom_openapi()


@pytest.fixture(scope="session")
def spec(zoom_specs) -> SpecChecker:
    return SpecChecker(zoom_specs)
