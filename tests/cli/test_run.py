"""`run(argv, app=…)`: a test hands the command line a prepared App, as HTTPie's raw_main(env=…)."""

from __future__ import annotations

import io
from dataclasses import replace

from zoomctl.app import App
from zoomctl.cli import run
from zoomctl.config import ConfigFile, Setting, resolve_settings
from zoomctl.exit_codes import ExitCode
from zoomctl.ui import UI


def prepared(tmp_path, **settings) -> tuple[App, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    config = ConfigFile.load()
    resolved = replace(resolve_settings(config, {}), **{k: Setting(v, "test") for k, v in settings.items()})
    return App(config=config, settings=resolved, ui=UI(stdout=out, stderr=err)), out, err


def test_a_prepared_app_is_used_as_given_and_its_transaction_ends_with_the_run(tmp_path):
    app, out, err = prepared(tmp_path, database=str(tmp_path / "given.db"))
    assert run(["company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--json"], app=app) == ExitCode.OK
    assert '"slug": "acme-yoga"' in out.getvalue() and err.getvalue() == ""
    assert (tmp_path / "given.db").exists()  # the App's own database, not the profile's
    again, out, _ = prepared(tmp_path, database=str(tmp_path / "given.db"))
    assert run(["company", "list", "--json"], app=again) == ExitCode.OK
    assert "acme-yoga" in out.getvalue()  # committed when the first run ended


def test_a_failure_is_reported_through_the_prepared_app_s_ui(tmp_path):
    app, out, err = prepared(tmp_path, database=str(tmp_path / "w.db"))
    assert run(["providers", "list"], app=app) == ExitCode.INVALID_INPUT
    assert out.getvalue() == "" and err.getvalue().startswith("error: no company selected")


def test_runs_share_nothing(tmp_path, zc):
    app, _, _ = prepared(tmp_path, database=str(tmp_path / "w.db"), company="nope")
    assert run(["providers", "list"], app=app) == ExitCode.NOT_FOUND
    # the next run builds its own App from flags, environment and config
    assert zc("company", "list", "--json").json() == []
