"""config.toml, profiles, `zoomctl config list|get|set`, and flag > environment > profile > default."""

from __future__ import annotations

import os
import stat
import tomllib

import pytest
from support import rows

from zoomctl.config import DEFAULT_API_URL, ConfigFile, config_path, resolve_settings
from zoomctl.errors import ConfigError
from zoomctl.exit_codes import ExitCode


def write_config(text: str):
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def settings(zc, *global_args):
    result = zc(*global_args, "config", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return {row["key"]: (row["value"], row["source"]) for row in result.json()["settings"]}


def test_list_json_with_no_config_file(zc, isolated):
    result = zc("config", "list", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == {"config_file", "profiles", "settings"}
    assert data["config_file"] == str(isolated / "config" / "config.toml")
    assert data["profiles"] == []
    assert [row["key"] for row in data["settings"]] == [
        "profile",
        "company",
        "database",
        "zoom_client_id",
        "zoom_oauth_url",
        "zoom_api_url",
    ]
    assert all(set(row) == {"key", "value", "source"} for row in data["settings"])
    found = settings(zc)
    assert found["profile"] == ("default", "default")
    assert found["company"] == (None, "default")
    assert found["database"] == (str(isolated / "data" / "workspace.db"), "default")
    assert found["zoom_api_url"] == (DEFAULT_API_URL, "default")
    assert not config_path().exists()  # reading settings writes nothing


def test_list_table(zc):
    result = zc("config", "list")
    assert result.exit_code == 0
    assert "profile\tdefault\tdefault" in result.stdout.splitlines()
    assert "config file:" in result.stderr


def test_set_get_and_remove(zc):
    assert zc("config", "set", "zoom_client_id", "AbCdEf").exit_code == 0
    got = zc("config", "get", "zoom_client_id")
    assert (got.exit_code, got.stdout) == (0, "AbCdEf\n")
    assert tomllib.loads(config_path().read_text()) == {"profiles": {"default": {"zoom_client_id": "AbCdEf"}}}
    assert settings(zc)["zoom_client_id"] == ("AbCdEf", "profile default")
    assert zc("config", "set", "zoom_client_id", "").exit_code == 0
    missing = zc("config", "get", "zoom_client_id")
    assert missing.exit_code == ExitCode.NOT_FOUND
    assert "config set zoom_client_id" in missing.stderr


def test_set_goes_to_the_named_profile(zc):
    assert zc("--profile", "staging", "config", "set", "company", "acme-staging").exit_code == 0
    assert zc("config", "set", "profile", "staging").exit_code == 0
    data = tomllib.loads(config_path().read_text())
    assert data == {"profile": "staging", "profiles": {"staging": {"company": "acme-staging"}}}
    found = settings(zc)
    assert found["profile"] == ("staging", "config")
    assert found["company"] == ("acme-staging", "profile staging")
    assert zc("config", "list", "--json").json()["profiles"] == ["staging"]


def test_get_and_set_an_unknown_key(zc):
    for args in (("config", "get", "colour"), ("config", "set", "colour", "red")):
        result = zc(*args)
        assert result.exit_code == ExitCode.INVALID_INPUT
        assert "colour" in result.stderr and "fix:" in result.stderr
    assert not config_path().exists()


@pytest.mark.parametrize("key", ["zoom_client_secret", "client_secret", "access_token", "refresh_token", "password"])
def test_config_never_takes_a_secret(zc, key):
    result = zc("config", "set", key, "s3cr3t")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert not config_path().exists() or "s3cr3t" not in config_path().read_text()


def test_written_with_mode_0600_and_atomically(zc):
    assert zc("config", "set", "company", "acme").exit_code == 0
    path = config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert zc("config", "set", "zoom_api_url", "http://127.0.0.1:9/v2").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(path.parent)) == ["config.toml"]  # no temporary file left behind


def test_an_existing_loose_file_is_tightened_on_write(zc):
    path = write_config('[profiles.default]\ncompany = "acme"\n')
    path.chmod(0o644)
    assert zc("config", "set", "company", "beta").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_keeps_the_old_file_when_writing_fails(monkeypatch, isolated):
    path = write_config('[profiles.default]\ncompany = "acme"\n')
    cfg = ConfigFile.load()
    cfg.set_value("default", "company", "beta")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="disk full"):  # one clear error, not an OSError's traceback
        cfg.save()
    assert path.read_text() == '[profiles.default]\ncompany = "acme"\n'
    assert os.listdir(path.parent) == ["config.toml"]


# ---- broken config files -----------------------------------------------------------------
def test_invalid_toml_names_the_file_and_line(zc, company):
    path = write_config('[profiles.default]\ncompany = "acme-yoga"\nzoom_api_url = \n')
    result = zc("providers", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert str(path) in result.stderr
    assert "line 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("error: ")
    assert "fix:" in result.stderr


@pytest.mark.parametrize(
    "text, keypath",
    [
        ('colour = "red"\n', "colour"),
        ('[profiles.default]\ncompany = "a"\nzoom_client_secret = "x"\n', "profiles.default.zoom_client_secret"),
        ('[profiles.staging]\ndatabse = "/tmp/x.db"\n', "profiles.staging.databse"),
        ('profiles = "x"\n', "profiles"),
        ("[profiles]\nstaging = 3\n", "profiles.staging"),
        ("[profiles.default]\ncompany = 3\n", "profiles.default.company"),
        ("profile = 1\n", "profile"),
    ],
)
def test_an_unknown_or_wrong_key_names_the_key_path(zc, text, keypath):
    path = write_config(text)
    result = zc("config", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert f"`{keypath}`" in result.stderr
    assert str(path) in result.stderr
    assert "fix:" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == text  # never rewritten behind the user's back


def test_an_unreadable_config_is_a_config_error(zc):
    config_path().mkdir(parents=True)  # a directory where the file should be
    result = zc("config", "list")
    assert result.exit_code == ExitCode.CONFIG
    assert "config.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_does_not_break_help(zc):
    write_config("nonsense = [\n")
    result = zc("--help")
    assert result.exit_code == 0
    assert "company" in result.stdout


# ---- precedence --------------------------------------------------------------------------
PROFILES = """\
profile = "staging"

[profiles.default]
company = "from-default-profile"

[profiles.staging]
company = "from-staging-profile"
database = "{db}"
zoom_api_url = "http://profile.invalid/v2"

[profiles.ci]
company = "from-ci-profile"
"""


def test_precedence_flag_over_env_over_profile_over_default(zc, monkeypatch, isolated):
    write_config(PROFILES.format(db=isolated / "staging.db"))
    found = settings(zc)
    assert found["profile"] == ("staging", "config")
    assert found["company"] == ("from-staging-profile", "profile staging")
    assert found["database"] == (str(isolated / "staging.db"), "profile staging")
    assert found["zoom_api_url"] == ("http://profile.invalid/v2", "profile staging")
    assert found["zoom_oauth_url"] == ("https://zoom.us", "default")

    monkeypatch.setenv("ZOOMCTL_PROFILE", "ci")
    monkeypatch.setenv("ZOOMCTL_COMPANY", "from-env")
    monkeypatch.setenv("ZOOMCTL_DB", str(isolated / "env.db"))
    monkeypatch.setenv("ZOOMCTL_ZOOM_API_URL", "http://env.invalid/v2")
    found = settings(zc)
    assert found["profile"] == ("ci", "env ZOOMCTL_PROFILE")
    assert found["company"] == ("from-env", "env ZOOMCTL_COMPANY")
    assert found["database"] == (str(isolated / "env.db"), "env ZOOMCTL_DB")
    assert found["zoom_api_url"] == ("http://env.invalid/v2", "env ZOOMCTL_ZOOM_API_URL")

    found = settings(zc, "--profile", "default", "--company", "from-flag", "--db", str(isolated / "flag.db"))
    assert found["profile"] == ("default", "flag")
    assert found["company"] == ("from-flag", "flag")
    assert found["database"] == (str(isolated / "flag.db"), "flag")


def test_the_profile_decides_which_profile_values_apply(zc, isolated):
    write_config(PROFILES.format(db=isolated / "staging.db"))
    assert settings(zc, "--profile", "ci")["company"] == ("from-ci-profile", "profile ci")
    assert settings(zc, "--profile", "default")["company"] == ("from-default-profile", "profile default")
    # a profile without its own database gets its own default file
    assert settings(zc, "--profile", "ci")["database"] == (str(isolated / "data" / "workspace-ci.db"), "default")
    # a profile that is not in the file is allowed (it is created by `config set`)
    assert settings(zc, "--profile", "new")["company"] == (None, "default")


def test_an_empty_environment_variable_does_not_override(zc, monkeypatch):
    write_config('[profiles.default]\ncompany = "acme"\n')
    monkeypatch.setenv("ZOOMCTL_COMPANY", "")
    assert settings(zc)["company"] == ("acme", "profile default")


def test_resolve_settings_directly(isolated):
    cfg = ConfigFile(config_path(), {"profiles": {"default": {"company": "p", "zoom_client_id": "id-p"}}})
    resolved = resolve_settings(cfg, {"company": "f"}, {"ZOOMCTL_COMPANY": "e", "ZOOMCTL_ZOOM_CLIENT_ID": "id-e"})
    assert (resolved.company.value, resolved.company.source) == ("f", "flag")
    assert (resolved.zoom_client_id.value, resolved.zoom_client_id.source) == ("id-e", "env ZOOMCTL_ZOOM_CLIENT_ID")
    resolved = resolve_settings(cfg, {}, {})
    assert (resolved.company.value, resolved.company.source) == ("p", "profile default")
    assert (resolved.zoom_client_id.value, resolved.zoom_client_id.source) == ("id-p", "profile default")


def test_company_precedence_decides_what_commands_act_on(zc, monkeypatch):
    for slug in ("alpha", "beta", "gamma"):
        assert zc("company", "create", slug.title(), "--timezone", "UTC").exit_code == 0
    assert zc("company", "use", "alpha").exit_code == 0  # profile
    assert zc("feature", "status", "--json").json()["company"] == "alpha"
    monkeypatch.setenv("ZOOMCTL_COMPANY", "beta")
    assert zc("feature", "status", "--json").json()["company"] == "beta"
    assert zc("--company", "gamma", "feature", "status", "--json").json()["company"] == "gamma"
    assert zc("--company", "3", "feature", "status", "--json").json()["company"] == "gamma"  # by id too


def test_database_precedence_decides_which_file_is_used(zc, monkeypatch, isolated):
    profile_db, env_db, flag_db = (isolated / n for n in ("profile.db", "env.db", "flag.db"))
    write_config(f'[profiles.default]\ndatabase = "{profile_db}"\n')
    assert zc("company", "create", "In Profile", "--timezone", "UTC").exit_code == 0
    monkeypatch.setenv("ZOOMCTL_DB", str(env_db))
    assert zc("company", "create", "In Env", "--timezone", "UTC").exit_code == 0
    assert zc("--db", str(flag_db), "company", "create", "In Flag", "--timezone", "UTC").exit_code == 0
    assert [r[0] for r in rows(profile_db, "SELECT slug FROM companies")] == ["in-profile"]
    assert [r[0] for r in rows(env_db, "SELECT slug FROM companies")] == ["in-env"]
    assert [r[0] for r in rows(flag_db, "SELECT slug FROM companies")] == ["in-flag"]
    assert not (isolated / "data" / "workspace.db").exists()


def test_db_path_with_tilde_is_expanded(zc, isolated):
    assert zc("--db", "~/ws/work.db", "company", "create", "Acme", "--timezone", "UTC").exit_code == 0
    assert (isolated / "home" / "ws" / "work.db").exists()


def test_config_set_refuses_a_url_that_is_not_one(zc):
    from zoomctl.exit_codes import ExitCode

    bad = zc("config", "set", "zoom_api_url", "not a url")
    assert bad.exit_code == ExitCode.INVALID_INPUT and "http(s) URL" in bad.stderr
    good = zc("config", "set", "zoom_api_url", "http://127.0.0.1:8765/v2/")
    assert good.exit_code == 0
    assert zc("config", "get", "zoom_api_url").stdout.strip() == "http://127.0.0.1:8765/v2"
