"""`zoomctl classes add|list|show|remove|online` and `classes sessions add|list|cancel`."""

from __future__ import annotations

import pytest
from support import add_booking, dump, execute, rows

from zoomctl.exit_codes import ExitCode

CLASS_FIELDS = {"id", "name", "duration_minutes", "capacity", "online", "created_at"}
SESSION_FIELDS = {
    "id",
    "class_id",
    "class_name",
    "provider_id",
    "provider_name",
    "starts_at",
    "starts_local",
    "status",
    "booked",
    "capacity",
}


def add_session(zc, start="2099-12-01T09:30", cls="Morning yoga", provider="Dana"):
    result = zc("classes", "sessions", "add", cls, "--start", start, "--provider", provider, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_add_is_not_online(zc, company, db):
    result = zc("classes", "add", "Morning yoga", "--duration", "45", "--capacity", "12", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == CLASS_FIELDS
    assert (data["duration_minutes"], data["capacity"], data["online"]) == (45, 12, False)
    assert [tuple(r) for r in rows(db, "SELECT duration_minutes, capacity, online FROM classes")] == [(45, 12, 0)]


@pytest.mark.parametrize("capacity", [1, 4999])
def test_capacity_boundaries_accepted(zc, company, capacity):
    result = zc("classes", "add", "Yoga", "--duration", "45", "--capacity", str(capacity), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["capacity"] == capacity


@pytest.mark.parametrize("capacity", ["0", "5000"])
def test_capacity_out_of_range(zc, catalog, fails_cleanly, capacity):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "classes", "add", "Yoga", "--duration", "45", "--capacity", capacity)
    assert "capacity" in result.stderr


@pytest.mark.parametrize("duration", ["0", "1441"])
def test_duration_out_of_range(zc, catalog, fails_cleanly, duration):
    fails_cleanly(ExitCode.INVALID_INPUT, "classes", "add", "Yoga", "--duration", duration, "--capacity", "5")


def test_add_a_duplicate(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.CONFLICT, "classes", "add", "morning YOGA", "--duration", "45", "--capacity", "5")


def test_a_class_may_share_a_name_with_a_service(zc, catalog):
    assert zc("classes", "add", "Private lesson", "--duration", "45", "--capacity", "5").exit_code == 0


def test_list_and_show(zc, catalog):
    assert zc("classes", "add", "Evening flow", "--duration", "60", "--capacity", "20").exit_code == 0
    listed = zc("classes", "list", "--json").json()
    assert [c["name"] for c in listed] == ["Evening flow", "Morning yoga"]
    assert all(set(c) == CLASS_FIELDS for c in listed)
    assert zc("classes", "list").stdout.splitlines() == ["2\tEvening flow\t60\t20\tno", "1\tMorning yoga\t45\t12\tno"]
    assert zc("classes", "show", "morn", "--json").json()["id"] == 1
    assert zc("classes", "show", "2", "--json").json()["name"] == "Evening flow"
    fails = zc("classes", "show", "Pilates")
    assert fails.exit_code == ExitCode.NOT_FOUND


def test_online_on_and_off(zc, catalog, db):
    on = zc("classes", "online", "Morning yoga", "--on", "--json")
    assert on.exit_code == 0, on.stderr
    assert on.json()["online"] is True and on.json()["changed"] is True
    assert set(on.json()) == CLASS_FIELDS | {"changed"}
    assert zc("classes", "list", "--json").json()[0]["online"] is True
    assert rows(db, "SELECT online FROM classes")[0][0] == 1
    assert zc("classes", "online", "1", "--off").exit_code == 0
    assert zc("classes", "show", "1", "--json").json()["online"] is False


def test_online_needs_on_or_off(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.INVALID_INPUT, "classes", "online", "Morning yoga")


def test_remove(zc, catalog):
    result = zc("classes", "remove", "Morning yoga", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["removed"] is True
    assert zc("classes", "list", "--json").json() == []
    assert zc("classes", "show", "1").exit_code == ExitCode.NOT_FOUND


def test_remove_is_refused_with_a_future_session(zc, catalog, fails_cleanly):
    session = add_session(zc)
    result = fails_cleanly(ExitCode.CONFLICT, "classes", "remove", "Morning yoga")
    assert "future session" in result.stderr
    assert zc("classes", "sessions", "cancel", str(session["id"])).exit_code == 0
    assert zc("classes", "remove", "Morning yoga").exit_code == 0


def test_a_past_session_does_not_block_removal(zc, catalog, db):
    # a session held long ago (new sessions cannot start in the past)
    execute(
        db,
        "INSERT INTO class_sessions (class_id, provider_id, starts_at, created_at) VALUES (1, 1, ?, ?)",
        ("2001-01-01T08:00:00Z", "2001-01-01T00:00:00Z"),
    )
    assert zc("classes", "remove", "Morning yoga").exit_code == 0


# ---- sessions ----------------------------------------------------------------------------
def test_session_add_stores_utc_and_shows_the_company_zone(zc, catalog, db):
    winter = add_session(zc, start="2099-12-01T09:30")
    assert set(winter) == SESSION_FIELDS
    assert winter["starts_at"] == "2099-12-01T08:30:00Z"
    assert winter["starts_local"] == "2099-12-01 09:30 CET"
    assert (winter["class_name"], winter["provider_name"], winter["status"]) == (
        "Morning yoga",
        "Dana Smith",
        "scheduled",
    )
    assert (winter["booked"], winter["capacity"]) == (0, 12)
    summer = add_session(zc, start="2099-07-01 09:30")
    assert summer["starts_at"] == "2099-07-01T07:30:00Z"
    assert summer["starts_local"] == "2099-07-01 09:30 CEST"
    stored = [r[0] for r in rows(db, "SELECT starts_at FROM class_sessions ORDER BY id")]
    assert stored == ["2099-12-01T08:30:00Z", "2099-07-01T07:30:00Z"]


@pytest.mark.parametrize(
    "start, utc",
    [("2099-12-01T09:30Z", "2099-12-01T09:30:00Z"), ("2099-12-01T09:30+02:00", "2099-12-01T07:30:00Z")],
)
def test_session_add_with_an_explicit_offset(zc, catalog, start, utc):
    session = add_session(zc, start=start)
    assert session["starts_at"] == utc


def test_the_same_instant_displays_in_each_company_zone(zc, catalog):
    assert zc("company", "create", "NY Studio", "--timezone", "America/New_York", "--use").exit_code == 0
    assert zc("providers", "add", "Ann").exit_code == 0
    assert zc("classes", "add", "Spin", "--duration", "30", "--capacity", "5").exit_code == 0
    session = add_session(zc, start="2099-12-01T09:30", cls="Spin", provider="Ann")
    assert session["starts_at"] == "2099-12-01T14:30:00Z"
    assert session["starts_local"] == "2099-12-01 09:30 EST"


@pytest.mark.parametrize("start", ["tomorrow", "2099-13-01T09:00", "", "12/01/2099 9am"])
def test_session_add_with_an_unparsable_time(zc, catalog, fails_cleanly, start):
    result = fails_cleanly(
        ExitCode.INVALID_INPUT, "classes", "sessions", "add", "Morning yoga", "--start", start, "--provider", "Dana"
    )
    assert "2026-12-01T09:30" in result.stderr or "ISO 8601" in result.stderr


def test_session_add_with_unknown_class_or_provider(zc, catalog, fails_cleanly):
    fails_cleanly(
        ExitCode.NOT_FOUND, "classes", "sessions", "add", "Pilates", "--start", "2099-12-01T09:30", "--provider", "Dana"
    )
    fails_cleanly(
        ExitCode.NOT_FOUND, "classes", "sessions", "add", "Morning", "--start", "2099-12-01T09:30", "--provider", "Bo"
    )


def test_sessions_list(zc, catalog):
    assert zc("classes", "add", "Evening flow", "--duration", "60", "--capacity", "20").exit_code == 0
    late = add_session(zc, start="2099-12-02T09:30")
    early = add_session(zc, start="2099-12-01T09:30")
    evening = add_session(zc, start="2099-12-01T19:00", cls="Evening")
    everything = zc("classes", "sessions", "list", "--json").json()
    assert [s["id"] for s in everything] == [early["id"], evening["id"], late["id"]]  # by start time
    assert all(set(s) == SESSION_FIELDS for s in everything)
    only_morning = zc("classes", "sessions", "list", "Morning yoga", "--json").json()
    assert [s["id"] for s in only_morning] == [early["id"], late["id"]]
    table = zc("classes", "sessions", "list").stdout.splitlines()
    assert table[0] == f"{early['id']}\tMorning yoga\t2099-12-01 09:30 CET\tDana Smith\t0\t12\tscheduled"


def test_sessions_list_counts_bookings(zc, catalog, client_id, db):
    session = add_session(zc)
    add_booking(db, provider_id=1, client_id=client_id, class_session_id=session["id"], starts_at=session["starts_at"])
    assert zc("classes", "sessions", "list", "--json").json()[0]["booked"] == 1


def test_sessions_cancel(zc, catalog, client_id, db):
    session = add_session(zc)
    booking = add_booking(
        db, provider_id=1, client_id=client_id, class_session_id=session["id"], starts_at=session["starts_at"]
    )
    result = zc("classes", "sessions", "cancel", str(session["id"]), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["status"] == "cancelled"
    assert rows(db, "SELECT status FROM bookings WHERE id = ?", (booking,))[0][0] == "cancelled"
    assert zc("classes", "sessions", "list", "--json").json() == []
    with_cancelled = zc("classes", "sessions", "list", "--all", "--json").json()
    assert [(s["id"], s["status"]) for s in with_cancelled] == [(session["id"], "cancelled")]


def test_sessions_cancel_twice(zc, catalog, db):
    session = add_session(zc)
    assert zc("classes", "sessions", "cancel", str(session["id"])).exit_code == 0
    before = dump(db)
    again = zc("classes", "sessions", "cancel", str(session["id"]))
    assert again.exit_code == ExitCode.CONFLICT
    assert "already cancelled" in again.stderr
    assert dump(db) == before


def test_sessions_cancel_unknown(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.NOT_FOUND, "classes", "sessions", "cancel", "42")


def test_sessions_cancel_a_session_of_another_company(zc, catalog, fails_cleanly):
    session = add_session(zc)
    assert zc("company", "create", "Beta", "--timezone", "UTC", "--use").exit_code == 0
    fails_cleanly(ExitCode.NOT_FOUND, "classes", "sessions", "cancel", str(session["id"]))


def test_sessions_cancel_needs_a_numeric_id(zc, catalog, fails_cleanly):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "classes", "sessions", "cancel", "Morning")
    assert "'ID'" in result.stderr


def test_sessions_cancel_an_id_beyond_the_integer_range(zc, catalog, fails_cleanly):
    fails_cleanly(ExitCode.NOT_FOUND, "classes", "sessions", "cancel", "99999999999999999999")


@pytest.mark.parametrize("start", ["0001-01-01T00:10", "0001-01-01T00:10+05:00"])
def test_session_add_with_a_time_that_cannot_be_stored_in_utc(zc, catalog, fails_cleanly, start):
    """Year 1 just after midnight in Berlin is before datetime.min in UTC: a bad value, not a crash."""
    fails_cleanly(
        ExitCode.INVALID_INPUT, "classes", "sessions", "add", "Morning yoga", "--start", start, "--provider", "Dana"
    )


# ---- a session needs its provider free, and one session per class and start ------------------
def test_session_add_refuses_a_provider_busy_with_another_session(zc, catalog, fails_cleanly):
    assert zc("classes", "add", "Evening flow", "--duration", "60", "--capacity", "20").exit_code == 0
    add_session(zc, start="2099-12-01T09:30")  # 09:30-10:15
    result = fails_cleanly(
        ExitCode.CONFLICT,
        "classes",
        "sessions",
        "add",
        "Evening flow",
        "--start",
        "2099-12-01T10:00",
        "--provider",
        "Dana",
    )
    assert "provider Dana Smith is already booked at 2099-12-01 10:00 CET (class session 1)" in result.stderr
    # an earlier session that runs into it, too
    fails_cleanly(
        ExitCode.CONFLICT,
        "classes",
        "sessions",
        "add",
        "Evening flow",
        "--start",
        "2099-12-01T08:45",
        "--provider",
        "Dana",
    )
    assert add_session(zc, start="2099-12-01T10:15", cls="Evening flow")["id"] == 2  # back to back is fine


def test_session_add_refuses_a_provider_busy_with_a_booking(zc, catalog, client_id, db, fails_cleanly):
    booking = add_booking(
        db,
        provider_id=1,
        client_id=client_id,
        service_id=1,
        starts_at="2099-12-01T08:00:00Z",
        ends_at="2099-12-01T09:00:00Z",
    )
    result = fails_cleanly(
        ExitCode.CONFLICT,
        "classes",
        "sessions",
        "add",
        "Morning yoga",
        "--start",
        "2099-12-01T09:30",
        "--provider",
        "Dana",
    )
    assert f"(booking {booking})" in result.stderr


def test_session_add_refuses_a_second_session_of_the_class_at_the_same_start(zc, catalog, fails_cleanly):
    assert zc("providers", "add", "Sam Lee").exit_code == 0
    first = add_session(zc, start="2099-12-01T09:30")
    result = fails_cleanly(
        ExitCode.CONFLICT,
        "classes",
        "sessions",
        "add",
        "Morning yoga",
        "--start",
        "2099-12-01T08:30Z",
        "--provider",
        "Sam",
    )
    assert f"already has a session at 2099-12-01 09:30 CET (session {first['id']})" in result.stderr
    assert f"--session {first['id']}" in result.stderr
    assert zc("classes", "sessions", "cancel", str(first["id"])).exit_code == 0
    assert add_session(zc, start="2099-12-01T09:30", provider="Sam")["id"] == 2  # a cancelled one does not count


def test_session_add_refuses_the_past(zc, catalog, fails_cleanly):
    result = fails_cleanly(
        ExitCode.INVALID_INPUT,
        "classes",
        "sessions",
        "add",
        "Morning yoga",
        "--start",
        "2001-01-01T09:00",
        "--provider",
        "Dana",
    )
    assert "'2001-01-01T09:00' is in the past" in result.stderr


@pytest.mark.parametrize(
    "start, after", [("2099-03-29T02:30", "2099-03-29T03:00"), ("2026-03-29T02:00", "2026-03-29T03:00")]
)
def test_session_add_refuses_a_time_the_clocks_skip(zc, catalog, fails_cleanly, start, after):
    result = fails_cleanly(
        ExitCode.INVALID_INPUT, "classes", "sessions", "add", "Morning yoga", "--start", start, "--provider", "Dana"
    )
    assert "does not exist in Europe/Berlin" in result.stderr and after in result.stderr


def test_session_add_takes_either_reading_of_a_time_the_clocks_repeat(zc, catalog):
    """2099-10-25 02:30 happens twice in Berlin: the first one (CEST) is taken, as before."""
    assert add_session(zc, start="2099-10-25T02:30")["starts_at"] == "2099-10-25T00:30:00Z"
