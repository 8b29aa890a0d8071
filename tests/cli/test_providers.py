"""`zoomctl providers add|list|show|remove`, including removal with future bookings."""

from __future__ import annotations

import pytest
from support import FUTURE, PAST, add_booking, dump, rows

from zoomctl.exit_codes import ExitCode

PROVIDER_FIELDS = {"id", "name", "email", "zoom_user_id", "zoom_user_email", "zoom_user_type", "created_at"}


def test_add_json(zc, company, db):
    result = zc("providers", "add", "  Dana   Smith ", "--email", " Dana@Example.COM ", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == PROVIDER_FIELDS
    assert data["name"] == "Dana Smith"  # whitespace normalised
    assert data["email"] == "dana@example.com"
    assert data["zoom_user_id"] is None and data["zoom_user_type"] is None
    stored = rows(db, "SELECT company_id, name, email FROM providers")
    assert [tuple(r) for r in stored] == [(1, "Dana Smith", "dana@example.com")]


def test_add_without_email(zc, company):
    result = zc("providers", "add", "Sam Lee", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["email"] is None


@pytest.mark.parametrize("email", ["dana", "@example.com", "dana@example", "da na@example.com"])
def test_add_rejects_an_invalid_email(zc, company, fails_cleanly, email):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "providers", "add", "Dana Smith", "--email", email)
    assert "email" in result.stderr


@pytest.mark.parametrize("name", ["dana smith", "DANA  SMITH"])
def test_add_rejects_a_duplicate_name_in_any_case(zc, catalog, fails_cleanly, name):
    result = fails_cleanly(ExitCode.CONFLICT, "providers", "add", name)
    assert "already exists" in result.stderr


def test_the_same_name_in_another_company_is_fine(zc, catalog):
    assert zc("company", "create", "Beta", "--timezone", "UTC").exit_code == 0
    assert zc("--company", "beta", "providers", "add", "Dana Smith").exit_code == 0
    assert [p["name"] for p in zc("--company", "beta", "providers", "list", "--json").json()] == ["Dana Smith"]
    assert len(zc("providers", "list", "--json").json()) == 1


@pytest.mark.parametrize("name", ["", "42"])
def test_add_rejects_a_bad_name(zc, company, fails_cleanly, name):
    fails_cleanly(ExitCode.INVALID_INPUT, "providers", "add", name)


def test_list(zc, catalog):
    assert zc("providers", "add", "Alex Kim").exit_code == 0
    listed = zc("providers", "list", "--json").json()
    assert [p["name"] for p in listed] == ["Alex Kim", "Dana Smith"]
    assert all(set(p) == PROVIDER_FIELDS for p in listed)
    table = zc("providers", "list")
    assert table.stdout.splitlines() == ["2\tAlex Kim\t-\t-\t-", "1\tDana Smith\tdana@example.com\t-\t-"]


def test_list_when_empty(zc, company):
    assert zc("providers", "list", "--json").json() == []
    result = zc("providers", "list")
    assert result.exit_code == 0 and result.stdout == ""
    assert "providers add" in result.stderr


@pytest.mark.parametrize("ref", ["1", "dana smith", "  dana   sm"])
def test_show_by_id_name_or_unambiguous_prefix(zc, catalog, ref):
    result = zc("providers", "show", ref, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == 1
    assert set(result.json()) == PROVIDER_FIELDS


def test_show_an_ambiguous_name_lists_the_candidates(zc, catalog, fails_cleanly):
    assert zc("providers", "add", "Dana Jones").exit_code == 0
    result = fails_cleanly(ExitCode.CONFLICT, "providers", "show", "Dana")
    assert "Dana Jones (id 2)" in result.stderr
    assert "Dana Smith (id 1)" in result.stderr


def test_an_exact_name_wins_over_longer_names(zc, company):
    assert zc("providers", "add", "Dana").exit_code == 0
    assert zc("providers", "add", "Dana Smith").exit_code == 0
    assert zc("providers", "show", "dana", "--json").json()["name"] == "Dana"


@pytest.mark.parametrize("ref", ["Nobody", "99", "_ana Smith"])
def test_show_unknown(zc, catalog, fails_cleanly, ref):
    fails_cleanly(ExitCode.NOT_FOUND, "providers", "show", ref)


def test_a_provider_of_another_company_is_not_found(zc, catalog, fails_cleanly):
    assert zc("company", "create", "Beta", "--timezone", "UTC", "--use").exit_code == 0
    fails_cleanly(ExitCode.NOT_FOUND, "providers", "show", "1")
    fails_cleanly(ExitCode.NOT_FOUND, "providers", "remove", "Dana Smith")


def test_show_plain_is_key_value_lines(zc, catalog):
    result = zc("providers", "show", "Dana")
    assert result.exit_code == 0
    assert "Dana Smith" in result.stdout and "dana@example.com" in result.stdout


def test_remove_without_bookings(zc, catalog, db):
    result = zc("providers", "remove", "Dana", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["removed"] is True
    assert result.json()["bookings_cancelled"] == 0
    assert zc("providers", "list", "--json").json() == []
    assert zc("providers", "show", "1").exit_code == ExitCode.NOT_FOUND
    assert zc("providers", "show", "Dana").exit_code == ExitCode.NOT_FOUND
    assert rows(db, "SELECT removed_at FROM providers WHERE id = 1")[0][0] is not None  # kept for history


def test_remove_frees_the_name(zc, catalog):
    assert zc("providers", "remove", "Dana Smith").exit_code == 0
    again = zc("providers", "add", "Dana Smith", "--json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["id"] == 2
    assert zc("providers", "show", "Dana Smith", "--json").json()["id"] == 2


def test_remove_is_refused_with_a_future_booking(zc, catalog, client_id, db, fails_cleanly):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    result = fails_cleanly(ExitCode.CONFLICT, "providers", "remove", "Dana Smith")
    assert "1 future booking" in result.stderr
    assert "--force" in result.stderr


def test_force_removes_and_cancels_future_bookings_only(zc, catalog, client_id, db):
    future = add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    past = add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=PAST)
    result = zc("providers", "remove", "Dana Smith", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["bookings_cancelled"] == 1
    status = {r["id"]: r["status"] for r in rows(db, "SELECT id, status FROM bookings")}
    assert status == {future: "cancelled", past: "booked"}
    assert zc("providers", "list", "--json").json() == []


def test_force_warns_about_what_it_cancelled(zc, catalog, client_id, db):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    result = zc("providers", "remove", "Dana Smith", "--force")
    assert result.exit_code == 0, result.stderr
    assert "warning: cancelled 1 future booking" in result.stderr


@pytest.mark.parametrize("status", ["cancelled"])
def test_past_or_cancelled_bookings_do_not_block_removal(zc, catalog, client_id, db, status):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=PAST)
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE, status=status)
    before = dump(db)
    result = zc("providers", "remove", "Dana Smith")
    assert result.exit_code == 0, result.stderr
    assert dump(db) != before


def test_remove_is_refused_with_a_future_class_session(zc, catalog, fails_cleanly):
    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana").exit_code
        == 0
    )
    result = fails_cleanly(ExitCode.CONFLICT, "providers", "remove", "Dana")
    assert "1 future class session" in result.stderr


def test_force_cancels_future_class_sessions_and_their_bookings(zc, catalog, client_id, db):
    session = zc(
        "classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana", "--json"
    )
    session_id = session.json()["id"]
    booking = add_booking(
        db, provider_id=1, client_id=client_id, class_session_id=session_id, starts_at="2099-01-05T08:00:00Z"
    )
    result = zc("providers", "remove", "Dana", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    assert rows(db, "SELECT status FROM class_sessions WHERE id = ?", (session_id,))[0][0] == "cancelled"
    assert rows(db, "SELECT status FROM bookings WHERE id = ?", (booking,))[0][0] == "cancelled"
    # the refusal counted this booking as "1 future booking"; the result should count it as cancelled
    assert result.json()["bookings_cancelled"] == 1


def test_a_removed_provider_no_longer_offers_services(zc, catalog):
    assert zc("services", "show", "Private lesson", "--json").json()["providers"] == ["Dana Smith"]
    assert zc("providers", "remove", "Dana Smith").exit_code == 0
    assert zc("services", "show", "Private lesson", "--json").json()["providers"] == []


def test_remove_a_provider_whose_marked_name_is_taken(zc, company):
    """Removal renames the key to 'name#removed-ID'; a live provider with that name must not break it."""
    assert zc("providers", "add", "Yoga").exit_code == 0  # id 1
    assert zc("providers", "add", "Yoga#removed-1").exit_code == 0
    result = zc("providers", "remove", "1")
    assert result.exit_code == 0, result.stderr
    assert [p["name"] for p in zc("providers", "list", "--json").json()] == ["Yoga#removed-1"]


@pytest.mark.parametrize("ref", ["99999999999999999999", "²", "١"])
def test_odd_numeric_references_are_not_found_not_a_crash(zc, catalog, fails_cleanly, ref):
    """An id beyond SQLite's integer range, or a non-ASCII digit (str.isdigit() is true for '²'), is just not found."""
    fails_cleanly(ExitCode.NOT_FOUND, "providers", "show", ref)


def test_force_stops_when_zoom_cannot_be_reached_and_keeps_what_it_did(zc, catalog, client_id, db, monkeypatch):
    """A failure that is not about one meeting (no network, no connection) stops the removal;
    what was cancelled before it stays cancelled, the rest is untouched, the provider stays."""
    from zoomctl.core import bookings
    from zoomctl.errors import NetworkError

    assert (
        zc("classes", "sessions", "add", "Morning yoga", "--start", "2099-01-05T09:00", "--provider", "Dana").exit_code
        == 0
    )
    first = add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    second = add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)

    def unreachable(*args, **kwargs):
        raise NetworkError("Zoom could not be reached", hint="check the network")

    monkeypatch.setattr(bookings, "cancel", unreachable)
    result = zc("providers", "remove", "Dana", "--force")
    assert result.exit_code == ExitCode.NETWORK, result.stderr
    assert "provider Dana Smith was not removed: 1 of their" in result.stderr
    assert f"booking {first} (1 more not tried): Zoom could not be reached" in result.stderr
    assert 'check the network; then run `zoomctl providers remove "Dana Smith" --force` again' in result.stderr
    assert rows(db, "SELECT status FROM class_sessions")[0][0] == "cancelled"
    assert {r[0]: r[1] for r in rows(db, "SELECT id, status FROM bookings")} == {first: "booked", second: "booked"}
    assert zc("providers", "show", "Dana", "--json").exit_code == 0
