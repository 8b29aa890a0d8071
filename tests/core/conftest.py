"""Fixtures for the core tests: a ZoomClient whose HTTP is mocked by pytest-httpx, and the
checker of every request it sent against Zoom's OpenAPI documents."""

from __future__ import annotations

import httpx
import pytest
from support import API, FakeTokens, load_spec_checker, zoom_openapi


@pytest.fixture(scope="session")
def spec():
    return load_spec_checker(zoom_openapi())


@pytest.fixture
def zoom_client():
    """A ZoomClient on a mocked transport (pytest-httpx), never sleeping between retries, paced
    as the command line's are."""
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.ratelimit import Pacer

    with httpx.Client() as http:
        yield ZoomClient(API, FakeTokens(), http, sleep=lambda s: None, rng=lambda: 0.5, pacer=Pacer())
