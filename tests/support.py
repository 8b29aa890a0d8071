"""Helpers for tests (importable as `support`: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


#: The committed, description-free extract of Zoom's OpenAPI documents (scripts/extract-zoom-schemas).
ZOOM_OPENAPI_EXTRACT = REPO / "tests" / "contract" / "zoom-openapi-extract.json"


def shared_zoom_dir() -> Path:
    """Zoom's full OpenAPI documents, when they are there: ../shared/zoom beside the checkout
    (ZOOMCTL_SHARED_DIR overrides). Only the check that the extract is current reads them."""
    env = os.environ.get("ZOOMCTL_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared" / "zoom"


def zoom_openapi() -> dict:
    """The extract as {"meetings": OpenAPI document, "combined": OpenAPI document}, freshly parsed."""
    return json.loads(ZOOM_OPENAPI_EXTRACT.read_text(encoding="utf-8"))


def zoomctl_executable() -> str:
    """The installed console script (end-to-end tests run the real process)."""
    candidate = Path(sys.executable).with_name("zoomctl")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("zoomctl")
    if not found:
        pytest.fail("the zoomctl console script is not installed: pip install -e '.[test]'")
    return found


def default_db(isolated: Path) -> Path:
    """The default profile's workspace file in a test (ZOOMCTL_DATA_DIR is tmp_path/data)."""
    return isolated / "data" / "workspace.db"


@contextmanager
def workspace(path: Path):
    """A Store on ``path`` whose transaction commits when the block ends without an error."""
    from zoomctl.store.db import Store

    store = Store(path)
    ok = False
    try:
        yield store
        ok = True
    finally:
        store.finish(commit=ok)
