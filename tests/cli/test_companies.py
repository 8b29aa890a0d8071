"""`zoomctl company create|list|show|use`."""

from __future__ import annotations

import tomllib

import pytest
from support import UTC_RE, dump, rows

from zoomctl.config import config_path
from zoomctl.exit_codes import ExitCode

COMPANY_FIELDS = {"id", "slug", "name", "timezone", "online_meetings_enabled", "created_at"}


def current_company_in_config() -> str | None:
    path = config_path()
    if not path.exists():
        return None
    return tomllib.loads(path.read_text()).get("profiles", {}).get("default", {}).get("company")


def test_create_derives_the_slug_and_starts_with_the_feature_off(zc, db):
    result = zc("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == COMPANY_FIELDS
    assert data["slug"] == "acme-yoga"
    assert data["name"] == "Acme Yoga"
    assert data["timezone"] == "Europe/Berlin"
    assert data["online_meetings_enabled"] is False
    assert UTC_RE.match(data["created_at"])
    stored = rows(db, "SELECT slug, name, timezone, online_meetings_enabled FROM companies")
    assert [tuple(r) for r in stored] == [("acme-yoga", "Acme Yoga", "Europe/Berlin", 0)]


def test_create_without_use_does_not_select_it(zc):
    assert zc("company", "create", "Acme Yoga", "--timezone", "UTC").exit_code == 0
    assert current_company_in_config() is None
    result = zc("company", "show")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "no company selected" in result.stderr
    assert "zoomctl company use" in result.stderr


def test_create_with_use_selects_it_in_the_profile(zc):
    result = zc("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use")
    assert result.exit_code == 0, result.stderr
    assert current_company_in_config() == "acme-yoga"
    assert zc("company", "show", "--json").json()["slug"] == "acme-yoga"


def test_create_with_explicit_slug(zc):
    result = zc("company", "create", "Acme Yoga Berlin", "--timezone", "Europe/Berlin", "--slug", "acme-ber", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["slug"] == "acme-ber"


def test_create_prints_a_message_on_stderr_and_no_data(zc):
    result = zc("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "acme-yoga" in result.stderr


@pytest.mark.parametrize("tz", ["Mars/Olympus", "Europe", "", "utc", "../../etc/passwd"])
def test_create_rejects_a_bad_timezone(zc, company, fails_cleanly, tz):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "company", "create", "Other Studio", "--timezone", tz)
    assert "time zone" in result.stderr


def test_create_rejects_a_duplicate_slug(zc, company, fails_cleanly):
    result = fails_cleanly(ExitCode.CONFLICT, "company", "create", "Acme  Yoga", "--timezone", "UTC")
    assert "acme-yoga" in result.stderr
    assert "--slug" in result.stderr


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme_yoga", "a" * 64])
def test_create_rejects_a_bad_slug(zc, company, fails_cleanly, slug):
    fails_cleanly(ExitCode.INVALID_INPUT, "company", "create", "Other", "--timezone", "UTC", "--slug", slug)


@pytest.mark.parametrize("name", ["   ", "2024", "x" * 201])
def test_create_rejects_a_bad_name(zc, company, fails_cleanly, name):
    fails_cleanly(ExitCode.INVALID_INPUT, "company", "create", name, "--timezone", "UTC", "--slug", "other")


def test_a_failed_create_with_use_does_not_change_the_current_company(zc, company):
    before = config_path().read_text()
    result = zc("company", "create", "Other", "--timezone", "Nowhere/Land", "--use")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert config_path().read_text() == before


def test_list_json_marks_the_current_company(zc, company):
    assert zc("company", "create", "Beta Pilates", "--timezone", "America/New_York").exit_code == 0
    result = zc("company", "list", "--json")
    assert result.exit_code == 0, result.stderr
    listed = result.json()
    assert [c["slug"] for c in listed] == ["acme-yoga", "beta-pilates"]
    assert all(set(c) == COMPANY_FIELDS | {"current"} for c in listed)
    assert [c["current"] for c in listed] == [True, False]
    assert listed[0]["online_meetings_enabled"] is True
    assert listed[1]["timezone"] == "America/New_York"


def test_list_when_empty(zc):
    result = zc("company", "list", "--json")
    assert result.exit_code == 0
    assert result.json() == []
    plain = zc("company", "list")
    assert plain.exit_code == 0
    assert plain.stdout == ""
    assert "company create" in plain.stderr


def test_list_table_piped_is_tab_separated(zc, company):
    result = zc("company", "list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["*\tacme-yoga\tAcme Yoga\tEurope/Berlin\tyes"]


@pytest.mark.parametrize("ref", ["acme-yoga", "1"])
def test_show_by_slug_or_id(zc, company, ref):
    result = zc("company", "show", ref, "--json")
    assert result.exit_code == 0, result.stderr
    assert set(result.json()) == COMPANY_FIELDS
    assert result.json()["slug"] == "acme-yoga"


def test_show_defaults_to_the_current_company_as_key_value_lines(zc, company):
    result = zc("company", "show")
    assert result.exit_code == 0, result.stderr
    assert "acme-yoga" in result.stdout
    assert "Europe/Berlin" in result.stdout
    assert all(":" in line for line in result.stdout.splitlines())


@pytest.mark.parametrize("ref", ["nope", "99"])
def test_show_unknown(zc, company, fails_cleanly, ref):
    fails_cleanly(ExitCode.NOT_FOUND, "company", "show", ref)


def test_use_switches_the_current_company(zc, company):
    assert zc("company", "create", "Beta Pilates", "--timezone", "UTC").exit_code == 0
    result = zc("company", "use", "beta-pilates")
    assert result.exit_code == 0, result.stderr
    assert current_company_in_config() == "beta-pilates"
    assert zc("feature", "status", "--json").json()["company"] == "beta-pilates"
    assert zc("company", "use", "1").exit_code == 0
    assert current_company_in_config() == "acme-yoga"


def test_use_an_unknown_company_changes_nothing(zc, company, db):
    before_config, before_db = config_path().read_text(), dump(db)
    result = zc("company", "use", "nope")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "company list" in result.stderr
    assert config_path().read_text() == before_config
    assert dump(db) == before_db


def test_use_keeps_the_other_settings_of_the_config_file(zc, company):
    assert zc("config", "set", "zoom_api_url", "http://127.0.0.1:9/v2").exit_code == 0
    assert zc("--profile", "staging", "config", "set", "company", "other").exit_code == 0
    assert zc("company", "create", "Beta", "--timezone", "UTC", "--use").exit_code == 0
    data = tomllib.loads(config_path().read_text())
    assert data["profiles"]["default"] == {"company": "beta", "zoom_api_url": "http://127.0.0.1:9/v2"}
    assert data["profiles"]["staging"] == {"company": "other"}


def test_an_accepted_slug_can_be_addressed(zc):
    """A slug that `company create` accepts must work with `company use` and `show` (digit-only ones too)."""
    result = zc("company", "create", "Studio 2024", "--timezone", "UTC", "--slug", "2024")
    if result.exit_code == ExitCode.INVALID_INPUT:  # refusing digit-only slugs is a fine answer too
        return
    assert result.exit_code == 0, result.stderr
    used = zc("company", "use", "2024")
    assert used.exit_code == 0, used.stderr
    assert zc("company", "show", "--json").json()["slug"] == "2024"


def test_the_company_setting_points_at_a_missing_company(zc, company):
    result = zc("--company", "ghost", "feature", "status")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "ghost" in result.stderr
    assert "flag" in result.stderr  # the hint says where the setting came from


@pytest.mark.parametrize("ref", ["99999999999999999999", "²"])
def test_odd_numeric_company_references_are_not_found_not_a_crash(zc, company, fails_cleanly, ref):
    fails_cleanly(ExitCode.NOT_FOUND, "company", "show", ref)
