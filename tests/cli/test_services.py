"""`zoomctl services add|list|show|remove|online`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import FUTURE, PAST, add_booking, rows

from zoomctl.core import validate
from zoomctl.errors import InvalidInput
from zoomctl.exit_codes import ExitCode

SERVICE_FIELDS = {"id", "name", "duration_minutes", "online", "providers", "created_at"}


def test_add_is_not_online(zc, catalog, db):
    assert zc("providers", "add", "Alex Kim").exit_code == 0
    result = zc(
        "services", "add", "Intro call", "--duration", "30", "--provider", "Dana", "--provider", "alex kim", "--json"
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == SERVICE_FIELDS
    assert data["online"] is False
    assert data["duration_minutes"] == 30
    assert data["providers"] == ["Alex Kim", "Dana Smith"]
    assert rows(db, "SELECT online FROM services WHERE id = ?", (data["id"],))[0][0] == 0


def test_add_message_says_not_online(zc, catalog):
    result = zc("services", "add", "Intro call", "--duration", "30")
    assert result.exit_code == 0
    assert "not online" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("minutes", [1, 1440])
def test_duration_boundaries_accepted(zc, company, minutes):
    result = zc("services", "add", "Session", "--duration", str(minutes), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["duration_minutes"] == minutes


@pytest.mark.parametrize("minutes", ["0", "1441", "100000000000000000000"])
def test_duration_out_of_range(zc, catalog, fails_cleanly, minutes):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "services", "add", "Session", "--duration", minutes)
    assert "1440" in result.stderr


def test_duration_not_a_number_is_an_invalid_value(zc, catalog, fails_cleanly):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "services", "add", "Session", "--duration", "sixty")
    assert "--duration" in result.stderr


@settings(database=None, deadline=None)
@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_duration_validation_matches_the_documented_range(minutes):
    if 1 <= minutes <= 1440:
        assert validate.duration(minutes) == minutes
    else:
        with pytest.raises(InvalidInput) as caught:
            validate.duration(minutes)
        assert caught.value.exit_code == ExitCode.INVALID_INPUT
        assert caught.value.hint


def test_add_with_an_unknown_provider(zc, catalog, fails_cleanly):
    fails_cleanly(
        ExitCode.NOT_FOUND,
        "services",
        "add",
        "Session",
        "--duration",
        "30",
        "--provider",
        "Dana",
        "--provider",
        "Nobody",
    )


def test_add_with_an_ambiguous_provider(zc, catalog, fails_cleanly):
    assert zc("providers", "add", "Dana Jones").exit_code == 0
    result = fails_cleanly(ExitCode.CONFLICT, "services", "add", "Session", "--duration", "30", "--provider", "Dana")
    assert "Dana Jones" in result.stderr and "Dana Smith" in result.stderr


@pytest.mark.parametrize("name", ["Private lesson", "PRIVATE LESSON"])
def test_add_a_duplicate(zc, catalog, fails_cleanly, name):
    fails_cleanly(ExitCode.CONFLICT, "services", "add", name, "--duration", "30")


def test_add_with_a_digit_only_name(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.INVALID_INPUT, "services", "add", "60", "--duration", "30")


def test_list_and_show(zc, catalog):
    assert zc("services", "add", "Assessment", "--duration", "90").exit_code == 0
    listed = zc("services", "list", "--json").json()
    assert [s["name"] for s in listed] == ["Assessment", "Private lesson"]
    assert all(set(s) == SERVICE_FIELDS for s in listed)
    assert zc("services", "list").stdout.splitlines() == [
        "2\tAssessment\t90\tno\t-",
        "1\tPrivate lesson\t60\tno\tDana Smith",
    ]
    shown = zc("services", "show", "priv", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["id"] == 1 and set(shown.json()) == SERVICE_FIELDS
    assert zc("services", "show", "2", "--json").json()["name"] == "Assessment"


def test_list_when_empty(zc, company):
    assert zc("services", "list", "--json").json() == []


def test_show_unknown(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.NOT_FOUND, "services", "show", "Massage")


def test_online_on_and_off(zc, catalog, db):
    on = zc("services", "online", "Private lesson", "--on", "--json")
    assert on.exit_code == 0, on.stderr
    assert on.json()["online"] is True and on.json()["changed"] is True
    assert zc("services", "list", "--json").json()[0]["online"] is True
    assert rows(db, "SELECT online FROM services WHERE id = 1")[0][0] == 1

    again = zc("services", "online", "1", "--on", "--json")
    assert again.json()["changed"] is False

    off = zc("services", "online", "private", "--off")
    assert off.exit_code == 0
    assert "not an online-meeting service" in off.stderr
    assert zc("services", "show", "1", "--json").json()["online"] is False


def test_online_needs_on_or_off(zc, catalog, fails_cleanly):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "services", "online", "Private lesson")
    assert "--on" in result.stderr


def test_online_unknown_service(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.NOT_FOUND, "services", "online", "Massage", "--on")


def test_online_warns_when_the_feature_is_off(zc, catalog):
    assert zc("feature", "disable").exit_code == 0
    result = zc("services", "online", "Private lesson", "--on")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "feature enable" in result.stderr


def test_remove(zc, catalog):
    result = zc("services", "remove", "Private lesson", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["removed"] is True
    assert zc("services", "list", "--json").json() == []
    assert zc("services", "show", "1").exit_code == ExitCode.NOT_FOUND
    assert zc("services", "add", "Private lesson", "--duration", "60").exit_code == 0  # the name is free again


def test_remove_is_refused_with_a_future_booking(zc, catalog, client_id, db, fails_cleanly):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    result = fails_cleanly(ExitCode.CONFLICT, "services", "remove", "Private lesson")
    assert "future booking" in result.stderr


def test_remove_with_only_a_past_booking(zc, catalog, client_id, db):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=PAST)
    assert zc("services", "remove", "Private lesson").exit_code == 0
