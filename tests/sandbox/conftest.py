"""Fixtures for the sandbox tests: a running sandbox per test, an httpx client on real
loopback sockets, the ``Zoom`` driver, and Zoom's OpenAPI documents (once per session).
"""

from __future__ import annotations

import warnings

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from .testkit import Contract, Zoom, client_for, shared_dir


@pytest.fixture
def sb():
    with Sandbox(SandboxOptions()) as sandbox:
        yield sandbox


@pytest.fixture
def http(sb):
    with client_for(sb) as client:
        yield client


@pytest.fixture
def zoom(sb, http) -> Zoom:
    return Zoom(sb, http)


@pytest.fixture(scope="session")
def openapi_specs():
    """Zoom's two OpenAPI documents, parsed once per session."""
    directory = shared_dir()
    meetings = directory / "meetings-openapi.json"
    combined = directory / "combined-2023-openapi.json"
    if not (meetings.exists() and combined.exists()):
        pytest.skip(f"Zoom's OpenAPI documents are not in {directory} (set ZOOMCTL_SHARED_DIR)")
    from openapi_core import Config, OpenAPI

    config = Config(spec_validator_cls=None)  # Zoom's documents as they are; we check traffic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "meetings": OpenAPI.from_file_path(str(meetings), config=config),
            "combined": OpenAPI.from_file_path(str(combined), config=config),
        }


@pytest.fixture
def contract(openapi_specs) -> Contract:
    return Contract(openapi_specs)


@pytest.fixture(scope="session")
def openapi_documents():
    """The two OpenAPI documents as plain JSON (for reading descriptions and extensions)."""
    import json

    directory = shared_dir()
    try:
        return {
            name: json.loads((directory / f"{file}-openapi.json").read_text("utf-8"))
            for name, file in (("meetings", "meetings"), ("combined", "combined-2023"))
        }
    except FileNotFoundError:
        pytest.skip(f"Zoom's OpenAPI documents are not in {directory} (set ZOOMCTL_SHARED_DIR)")
