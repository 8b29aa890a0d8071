"""Fixtures for the sandbox tests: a running sandbox per test, an httpx client on real
loopback sockets, the ``Zoom`` driver, and the committed extract of Zoom's OpenAPI documents
(tests/contract/zoom-openapi-extract.json, once per session).
"""

from __future__ import annotations

import warnings

import pytest
from support import zoom_openapi

from zoomctl.sandbox import Sandbox, SandboxOptions

from .testkit import Contract, Zoom, client_for


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
def openapi_specs(openapi_documents):
    """The extract's two OpenAPI documents, parsed by openapi-core once per session."""
    from openapi_core import Config, OpenAPI

    config = Config(spec_validator_cls=None)  # tests/contract checks the documents themselves
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: OpenAPI.from_dict(document, config=config) for name, document in openapi_documents.items()}


@pytest.fixture
def contract(openapi_specs, openapi_documents) -> Contract:
    return Contract(openapi_specs, openapi_documents)


@pytest.fixture(scope="session")
def openapi_documents():
    """The extract's two OpenAPI documents as plain JSON ("meetings", "combined")."""
    return zoom_openapi()
