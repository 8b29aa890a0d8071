"""Fixtures for the foundation tests, on top of tests/conftest.py (isolated, zc, company)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import default_db, workspace, zoomctl_executable

from zoomctl.core import catalog as core_catalog
from zoomctl.core import companies

from .helpers import assert_clean_error, dump


@pytest.fixture
def db(isolated) -> Path:
    """The default workspace file of the default profile (ZOOMCTL_DATA_DIR is tmp_path/data)."""
    return default_db(isolated)


@pytest.fixture
def fails_cleanly(zc, db):
    """Run a command that must fail with ``code`` and leave every table exactly as it was."""

    def run(code, *args):
        before = dump(db)
        result = zc(*args)
        assert_clean_error(result, code)
        assert dump(db) == before, "a failed command changed the database"
        return result

    return run


@pytest.fixture
def catalog(company, db):
    """acme-yoga with provider 'Dana Smith' (id 1), service 'Private lesson' (id 1), class 'Morning yoga' (id 1)."""
    with workspace(db) as store:
        acme = companies.get(store, company)
        core_catalog.add_provider(store, acme, "Dana Smith", "dana@example.com")
        core_catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith"])
        core_catalog.add_class(store, acme, "Morning yoga", 45, 12)
    return company


@pytest.fixture
def client_id(company, db) -> int:
    with workspace(db) as store:
        return core_catalog.add_client(store, companies.get(store, company), "pat@example.com", "Pat Lee").id


@pytest.fixture
def zoomctl_exe() -> str:
    """The installed console script."""
    return zoomctl_executable()
