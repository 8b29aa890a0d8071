"""Fixtures for the foundation tests, on top of tests/conftest.py (isolated, zc, company)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoomctl.config import ConfigFile
from zoomctl.core import catalog as core_catalog
from zoomctl.core import companies

from .helpers import assert_clean_error, dump, workspace

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture
def db(isolated) -> Path:
    """The default workspace file of the default profile (ZOOMCTL_DATA_DIR is tmp_path/data)."""
    return isolated / "data" / "workspace.db"


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
def company(db):
    """Same state as tests/conftest.py's `company` (acme-yoga, Europe/Berlin, feature on, current company),
    made through the core API instead of two CLI runs, to keep the suite fast. test_companies.py and the
    end-to-end tests cover the commands themselves."""
    with workspace(db) as store:
        created = companies.create(store, "Acme Yoga", "Europe/Berlin")
        companies.set_feature(store, created, True)
    cfg = ConfigFile.load()
    cfg.set_value("default", "company", created.slug)
    cfg.save()
    return created.slug


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
def zoomctl_exe(request) -> str:
    """tests/conftest.py's zoomctl_executable() (found via the plugin manager: several conftest modules share a name)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) and Path(plugin.__file__).resolve() == ROOT_CONFTEST:
            return plugin.zoomctl_executable()
    raise AssertionError("tests/conftest.py is not loaded")
