"""`zoomctl feature enable|disable|status`: the "Online video meetings" custom feature."""

from __future__ import annotations

from support import rows

from zoomctl.exit_codes import ExitCode


def test_off_by_default(zc):
    assert zc("company", "create", "Acme Yoga", "--timezone", "UTC", "--use").exit_code == 0
    result = zc("feature", "status", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"company": "acme-yoga", "online_meetings_enabled": False}
    plain = zc("feature", "status")
    assert plain.stdout == "Online video meetings: off (acme-yoga)\n"


def test_enable_disable_round_trip(zc, db):
    assert zc("company", "create", "Acme Yoga", "--timezone", "UTC", "--use").exit_code == 0
    enabled = zc("feature", "enable", "--json")
    assert enabled.exit_code == 0, enabled.stderr
    assert enabled.json() == {"company": "acme-yoga", "online_meetings_enabled": True, "changed": True}
    assert rows(db, "SELECT online_meetings_enabled FROM companies")[0][0] == 1
    assert zc("feature", "status", "--json").json()["online_meetings_enabled"] is True

    again = zc("feature", "enable", "--json")
    assert again.json()["changed"] is False

    disabled = zc("feature", "disable", "--json")
    assert disabled.json() == {"company": "acme-yoga", "online_meetings_enabled": False, "changed": True}
    assert rows(db, "SELECT online_meetings_enabled FROM companies")[0][0] == 0
    assert zc("feature", "status").stdout.startswith("Online video meetings: off")


def test_messages_say_whether_anything_changed(zc, company):
    again = zc("feature", "enable")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert "already on" in again.stderr
    off = zc("feature", "disable")
    assert "now off" in off.stderr


def test_acts_only_on_the_selected_company(zc, company, db):
    assert zc("company", "create", "Beta", "--timezone", "UTC").exit_code == 0
    assert zc("--company", "beta", "feature", "enable").exit_code == 0
    assert zc("feature", "disable").exit_code == 0  # acme-yoga, the current one
    state = {r["slug"]: r["online_meetings_enabled"] for r in rows(db, "SELECT * FROM companies")}
    assert state == {"acme-yoga": 0, "beta": 1}


def test_without_a_company(zc, fails_cleanly):
    assert zc("company", "create", "Acme Yoga", "--timezone", "UTC").exit_code == 0
    for command in ("enable", "disable", "status"):
        result = fails_cleanly(ExitCode.INVALID_INPUT, "feature", command)
        assert "--company" in result.stderr


def test_unknown_company(zc, company, fails_cleanly):
    fails_cleanly(ExitCode.NOT_FOUND, "--company", "nope", "feature", "enable")


def test_booking_an_online_service_with_the_feature_off_says_why_there_is_no_link(zc, catalog, db):
    from support import workspace

    from zoomctl.core import companies
    from zoomctl.store.report import ReportFilter, report_rows

    assert zc("services", "online", "Private lesson", "--on").exit_code == 0
    assert zc("feature", "disable").exit_code == 0
    made = zc(
        "bookings", "create", "--service", "Private lesson", "--provider", "Dana", "--client", "pat@example.com",
        "--start", "2099-06-01T11:00", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert 'warning: no Zoom link was made: "Online video meetings" is off for acme-yoga' in made.stderr
    assert made.json()["meeting"] is None
    reason = made.json()["no_link_reason"]
    assert reason and "Online video meetings" in reason and "off" in reason

    shown = zc("bookings", "show", "1", "--json")
    assert shown.json()["no_link_reason"] == reason
    text = zc("bookings", "show", "1").stdout
    assert f"Last error:    {reason}" in text or any(
        line.startswith("Last error:") and line.endswith(reason) for line in text.splitlines()
    )
    with workspace(db) as store:
        acme = companies.get(store, "acme-yoga")
        (row,) = report_rows(store, acme.id, acme.timezone, ReportFilter(include_test=True))
    assert row["last_error"] == reason  # the report row says the same

    assert zc("feature", "enable").exit_code == 0  # switched on: the reason is now the missing sync
    assert "bookings sync" in zc("bookings", "show", "1", "--json").json()["no_link_reason"]


def test_booking_an_offline_service_has_no_reason_and_no_warning(zc, catalog):
    made = zc(
        "bookings", "create", "--service", "Private lesson", "--provider", "Dana", "--client", "pat@example.com",
        "--start", "2099-06-01T11:00", "--json",
    )  # fmt: skip
    assert made.exit_code == 0 and "warning" not in made.stderr
    assert made.json()["no_link_reason"] is None
