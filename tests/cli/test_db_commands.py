"""`zoomctl db status|upgrade|copy` on both engines, and the schema refusals on a shared workspace."""

from __future__ import annotations

import subprocess

import pytest
from support import assert_clean_error

from zoomctl.exit_codes import ExitCode
from zoomctl.store.db import Store
from zoomctl.store.migrations import MIGRATIONS


def _set_version(location: str, version: int) -> None:
    store = Store(location)
    store.dialect.set_schema_version(store.conn, version)
    store.finish(commit=True)


def _older_schema(location: str, version: int) -> None:
    """A workspace as an older zoomctl left it: only the first ``version`` migrations."""
    store = Store(location, upgrade_on_open=False)
    for script in MIGRATIONS[:version]:
        for statement in store.dialect.statements(script):
            store.conn.execute(statement)
    store.dialect.set_schema_version(store.conn, version)
    store.finish(commit=True)


def _counts(location: str) -> dict[str, int]:
    from zoomctl.store.transfer import row_counts

    store = Store(location)
    try:
        return row_counts(store)
    finally:
        store.finish(commit=False)


def test_status_of_a_local_workspace(zc, company, db):
    result = zc("db", "status", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "engine": "sqlite",
        "location": str(db),
        "schema_version": len(MIGRATIONS),
        "known_version": len(MIGRATIONS),
        "pending_migrations": 0,
        "newer_than_known": False,
    }
    text = zc("db", "status")
    assert text.exit_code == 0 and "Pending migrations: 0" in " ".join(text.stdout.split())


@pytest.mark.postgres
def test_an_older_shared_schema_is_refused_until_upgraded(zc, pg_url):
    _older_schema(pg_url, len(MIGRATIONS) - 1)
    refused = zc("--db", pg_url, "company", "list")
    assert_clean_error(refused, ExitCode.CONFIG)
    assert "older than this zoomctl" in refused.stderr and "run `zoomctl db upgrade`" in refused.stderr
    status = zc("--db", pg_url, "db", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert (status.json()["engine"], status.json()["pending_migrations"]) == ("postgresql", 1)
    assert status.json()["location"] == pg_url
    upgraded = zc("--db", pg_url, "db", "upgrade", "--json")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert (upgraded.json()["from_version"], upgraded.json()["to_version"]) == (len(MIGRATIONS) - 1, len(MIGRATIONS))
    assert zc("--db", pg_url, "company", "create", "Acme", "--timezone", "UTC").exit_code == 0
    assert zc("--db", pg_url, "company", "list", "--json").json()[0]["slug"] == "acme"
    again = zc("--db", pg_url, "db", "upgrade")
    assert again.exit_code == 0 and "already at version" in again.stderr


@pytest.mark.postgres
def test_a_newer_shared_schema_is_refused(zc, pg_url):
    assert zc("--db", pg_url, "company", "list").exit_code == 0
    _set_version(pg_url, len(MIGRATIONS) + 1)
    for args in (("company", "list"), ("db", "upgrade")):
        refused = zc("--db", pg_url, *args)
        assert_clean_error(refused, ExitCode.CONFIG)
        assert "newer than this zoomctl knows" in refused.stderr and "upgrade zoomctl" in refused.stderr
    status = zc("--db", pg_url, "db", "status", "--json")
    assert status.exit_code == 0 and status.json()["newer_than_known"] is True


@pytest.mark.postgres
@pytest.mark.e2e
def test_copy_local_to_shared_and_back(zc, catalog, client_id, db, pg_url, tmp_path, zoomctl_exe):
    made = zc("bookings", "create", "--test", "--count", "5", "--service", "Private lesson", "--json")
    assert made.exit_code == 0, made.stderr
    local = _counts(str(db))
    assert local["bookings"] == 5
    up = subprocess.run([zoomctl_exe, "db", "copy", "--to", pg_url, "--json"], capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    assert up.stdout and '"total_rows"' in up.stdout
    assert _counts(pg_url) == local
    # the shared copy works: a new booking gets the next id, not a clash with a copied one
    more = zc("--db", pg_url, "bookings", "create", "--test", "--count", "1", "--service", "Private lesson", "--json")
    assert more.exit_code == 0, more.stderr
    back = tmp_path / "back.db"
    down = zc("--db", pg_url, "db", "copy", "--to", str(back), "--json")
    assert down.exit_code == 0, down.stderr
    assert down.json()["rows"]["bookings"] == 6
    assert _counts(str(back)) == _counts(pg_url)


@pytest.mark.postgres
def test_copy_refuses_a_workspace_that_is_not_empty(zc, company, db, pg_url):
    assert zc("--db", pg_url, "company", "create", "Other", "--timezone", "UTC").exit_code == 0
    before = _counts(pg_url)
    refused = zc("db", "copy", "--to", pg_url)
    assert_clean_error(refused, ExitCode.CONFLICT)
    assert "is not empty (1 rows in companies)" in refused.stderr
    assert _counts(pg_url) == before


def test_copy_onto_itself_is_refused(zc, company, db):
    refused = zc("db", "copy", "--to", str(db))
    assert_clean_error(refused, ExitCode.CONFLICT)


@pytest.mark.postgres
def test_key_new_export_and_import_through_the_keyring(zc, pg_url, memory_keyring):
    made = zc("--db", pg_url, "db", "key", "new", "--json")
    assert made.exit_code == 0, made.stderr
    exported = zc("--db", pg_url, "db", "key", "export")
    assert exported.exit_code == 0 and exported.stdout.startswith("zwk1_")
    assert zc("--db", pg_url, "db", "key", "export", "--json").json()["key_id"] == made.json()["key_id"]
    again = zc("--db", pg_url, "db", "key", "new")
    assert_clean_error(again, ExitCode.CONFLICT)
    memory_keyring.entries.clear()  # another administrator's machine
    missing = zc("--db", pg_url, "db", "key", "export")
    assert_clean_error(missing, ExitCode.STORAGE)
    imported = zc("--db", pg_url, "db", "key", "import", "--json", input=exported.stdout)
    assert imported.exit_code == 0, imported.stderr
    assert imported.json()["key_id"] == made.json()["key_id"]


@pytest.mark.postgres
def test_key_import_refuses_bad_input(zc, pg_url):
    assert_clean_error(zc("--db", pg_url, "db", "key", "import", input=""), ExitCode.INVALID_INPUT)
    mistyped = zc("--db", pg_url, "db", "key", "import", input="zwk1_" + "A" * 48)
    assert_clean_error(mistyped, ExitCode.INVALID_INPUT)


def test_key_commands_need_a_shared_workspace(zc, company):
    refused = zc("db", "key", "export")
    assert_clean_error(refused, ExitCode.CONFIG)
    assert "local workspace" in refused.stderr
