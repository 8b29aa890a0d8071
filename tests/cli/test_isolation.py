"""The autouse `isolated` fixture keeps every test off the real home, config, data and keyring."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from zoomctl.config import ConfigFile, config_dir, config_path, data_dir, resolve_settings

REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)


def test_home_is_not_the_real_one(isolated):
    home = Path(os.environ["HOME"])
    assert home != REAL_HOME
    assert home.is_relative_to(isolated)
    assert Path.home() == home
    assert Path("~").expanduser() == home


def test_config_and_data_dirs_are_under_tmp_path(isolated, tmp_path):
    assert isolated == tmp_path
    for path in (config_dir(), config_path(), data_dir()):
        assert path.is_relative_to(tmp_path), path
        assert not path.is_relative_to(REAL_HOME) or REAL_HOME.is_relative_to(tmp_path)


def test_resolved_settings_point_under_tmp_path(tmp_path):
    settings = resolve_settings(ConfigFile.load(), {})
    assert Path(settings.database.value).is_relative_to(tmp_path)
    assert ConfigFile.load().path.is_relative_to(tmp_path)


def test_platformdirs_defaults_stay_under_the_fake_home(tmp_path, monkeypatch):
    monkeypatch.delenv("ZOOMCTL_CONFIG_DIR")
    monkeypatch.delenv("ZOOMCTL_DATA_DIR")
    assert config_dir().is_relative_to(tmp_path / "home")
    assert data_dir().is_relative_to(tmp_path / "home")


def test_no_zoomctl_environment_leaks_in():
    leaked = {k for k in os.environ if k.startswith("ZOOMCTL_")} - {
        "ZOOMCTL_CONFIG_DIR",
        "ZOOMCTL_DATA_DIR",
        "ZOOMCTL_SHARED_DIR",
    }
    assert leaked == set()
    assert os.environ["NO_COLOR"] == "1"
    assert "FORCE_COLOR" not in os.environ


def test_keyring_is_in_memory(memory_keyring):
    import keyring

    assert type(keyring.get_keyring()).__name__ == "_Backend"
    keyring.set_password("zoomctl-test", "user", "value")
    assert memory_keyring.entries == {("zoomctl-test", "user"): "value"}


def test_a_full_command_run_writes_only_under_tmp_path(zc, tmp_path):
    assert zc("company", "create", "Acme", "--timezone", "UTC", "--use").exit_code == 0
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {"config", "data", "home"}
    assert (tmp_path / "config" / "config.toml").is_file()
    assert (tmp_path / "data" / "workspace.db").is_file()
