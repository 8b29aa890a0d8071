"""Helpers for tests (importable as `support`: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_zoom_dir() -> Path:
    """Zoom's OpenAPI documents: ../shared/zoom beside the checkout (ZOOMCTL_SHARED_DIR overrides)."""
    env = os.environ.get("ZOOMCTL_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared" / "zoom"


def zoomctl_executable() -> str:
    """The installed console script (end-to-end tests run the real process)."""
    candidate = Path(sys.executable).with_name("zoomctl")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("zoomctl")
    if not found:
        pytest.fail("the zoomctl console script is not installed: pip install -e '.[test]'")
    return found


def parts(outcome):
    """A core Outcome as ``(value, error)``, for tests that look at both."""
    return outcome.value, outcome.error


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
