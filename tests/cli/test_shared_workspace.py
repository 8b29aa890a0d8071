"""Choosing a shared PostgreSQL workspace: --db, ZOOMCTL_DB and config.toml accept a URL without a password."""

from __future__ import annotations

import builtins

import pytest
from support import assert_clean_error

from zoomctl.exit_codes import ExitCode

PW_URL = "postgresql://admin:s3cret@127.0.0.1:5432/zoomctl"


def test_a_password_in_the_db_flag_is_refused(zc):
    result = zc("--db", PW_URL, "company", "list")
    assert_clean_error(result, ExitCode.CONFIG)
    assert "from --db holds a password" in result.stderr and "PGPASSWORD" in result.stderr
    assert "s3cret" not in result.stderr


def test_a_password_in_the_environment_is_refused(zc, monkeypatch):
    monkeypatch.setenv("ZOOMCTL_DB", "postgresql://127.0.0.1/zoomctl?password=s3cret")
    result = zc("company", "list")
    assert_clean_error(result, ExitCode.CONFIG)
    assert "from ZOOMCTL_DB holds a password" in result.stderr and "s3cret" not in result.stderr


def test_a_password_in_config_toml_is_refused(zc, isolated):
    (isolated / "config").mkdir(exist_ok=True)
    (isolated / "config" / "config.toml").write_text(f'[profiles.default]\ndatabase = "{PW_URL}"\n')
    result = zc("company", "list")
    assert_clean_error(result, ExitCode.CONFIG)
    assert "config.toml" in result.stderr and "~/.pgpass" in result.stderr and "s3cret" not in result.stderr


def test_without_psycopg_the_extra_is_named(zc, monkeypatch):
    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    result = zc("--db", "postgresql://127.0.0.1:1/zoomctl", "company", "list")
    assert_clean_error(result, ExitCode.CONFIG)
    assert "pip install 'zoomctl[postgres]'" in result.stderr


@pytest.mark.postgres
def test_commands_run_on_a_shared_workspace(zc, pg_url):
    assert zc("--db", pg_url, "company", "create", "Acme Yoga", "--timezone", "Europe/Berlin").exit_code == 0
    listed = zc("--db", pg_url, "company", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [c["slug"] for c in listed.json()] == ["acme-yoga"]


@pytest.mark.postgres
def test_an_unreachable_server_is_a_storage_error(zc):
    result = zc("--db", "postgresql://zoomctl@127.0.0.1:1/nothing?connect_timeout=2", "company", "list")
    assert_clean_error(result, ExitCode.STORAGE)
    assert "cannot connect to the workspace database" in result.stderr


def test_config_set_refuses_a_url_with_a_password_and_keeps_one_without(zc, isolated):
    refused = zc("config", "set", "database", PW_URL)
    assert_clean_error(refused, ExitCode.CONFIG)
    path = isolated / "config" / "config.toml"
    assert not path.exists() or "s3cret" not in path.read_text()
    assert zc("config", "set", "database", "postgresql://admin@127.0.0.1/zoomctl").exit_code == 0
    assert zc("config", "get", "database").stdout.strip() == "postgresql://admin@127.0.0.1/zoomctl"
