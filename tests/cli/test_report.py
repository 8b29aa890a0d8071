"""`zoomctl report` and `bookings show` through the command line, on a generated workspace."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from dataclasses import replace

import pytest
from support import assert_clean_error, dump, execute, zoomctl_process

from zoomctl.app import App
from zoomctl.cli import run
from zoomctl.config import ConfigFile, Setting, resolve_settings
from zoomctl.exit_codes import ExitCode
from zoomctl.store.report import FIELDS
from zoomctl.ui import UI


def all_rows(db, where: str = "1 = 1", params: tuple = ()) -> list[int]:
    with closing(sqlite3.connect(db)) as conn:
        sql = f"SELECT b.id FROM bookings b WHERE {where} ORDER BY b.starts_at, b.id"
        return [r[0] for r in conn.execute(sql, params)]


def report_ids(zc, *args) -> list[int]:
    res = zc("report", *args, "--json")
    assert res.exit_code == 0, res.stderr
    return [row["booking_id"] for row in res.json()]


def test_json_rows_carry_the_documented_fields_and_no_start_url(zc, gen):
    res = zc("report", "--json")
    assert res.exit_code == 0, res.stderr
    rows = res.json()
    assert [r["booking_id"] for r in rows] == all_rows(gen, "is_test = 0")
    assert all(list(row) == list(FIELDS) for row in rows)
    assert "zak=" not in res.stdout and "start_url" not in res.stdout
    service = next(r for r in rows if r["kind"] == "service" and r["meeting_status"] == "created")
    assert service["provider_link"].endswith(f"/s/{service['zoom_meeting_id']}")
    assert service["starts_local"].endswith("CET") and service["starts_at"].endswith("Z")


def test_the_default_window_starts_now(zc, gen):
    execute(gen, "UPDATE bookings SET starts_at = '2020-01-01T08:00:00Z' WHERE id <= 5")
    assert report_ids(zc) == all_rows(gen, "is_test = 0 AND id > 5")
    assert report_ids(zc, "--from", "2019-12-31")[:5] == [1, 2, 3, 4, 5]


def test_from_and_to_dates_are_inclusive_days_in_the_company_zone(zc, gen):
    # 2031-01-02 in Berlin is 2031-01-01T23:00Z .. 2031-01-02T22:59:59Z
    ids = report_ids(zc, "--from", "2031-01-02", "--to", "2031-01-02")
    expected = all_rows(
        gen, "is_test = 0 AND starts_at >= ? AND starts_at <= ?", ("2031-01-01T23:00:00Z", "2031-01-02T22:59:59Z")
    )
    assert ids == expected and len(ids) > 20
    times = report_ids(zc, "--from", "2031-01-01T10:00", "--to", "2031-01-01T12:00")
    assert len(times) == 3  # 10:00, 11:00 and 12:00 Berlin time, both ends included


@pytest.mark.parametrize(
    ("args", "where", "params"),
    [
        (("--service", "Lesson"), "service_id IS NOT NULL", ()),
        (("--class", "Yoga"), "class_session_id IS NOT NULL", ()),
        (("--provider", "P1"), "provider_id = 2", ()),
        (("--client", "C1@Example.com"), "client_id = (SELECT id FROM clients WHERE email = 'c1@example.com')", ()),
        (("--status", "cancelled"), "status = 'cancelled'", ()),
        (("--status", "booked"), "status = 'booked'", ()),
    ],
)
def test_each_filter(zc, gen, args, where, params):
    ids = report_ids(zc, *args)
    assert ids and ids == all_rows(gen, f"is_test = 0 AND {where}", params)


def test_meeting_status_and_include_test(zc, gen):
    res = zc("report", "--meeting-status", "failed", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json() and {r["meeting_status"] for r in res.json()} == {"failed"}
    with_test = report_ids(zc, "--include-test")
    assert with_test == all_rows(gen) and len(with_test) > len(report_ids(zc))


def test_piped_output_is_tab_separated_without_a_header(zc, gen):
    res = zc("report", "--service", "Lesson")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == len(report_ids(zc, "--service", "Lesson"))
    assert all(len(line.split("\t")) == len(FIELDS) for line in lines)
    assert not lines[0].startswith("booking_id")


def test_csv_has_the_header_and_guards_against_formulas_end_to_end(gen, zoomctl_exe, isolated):
    execute(gen, "UPDATE clients SET name = '=HYPERLINK(\"http://evil\")' WHERE email = 'c0@example.com'")
    done = zoomctl_process(zoomctl_exe, {}, "report", "--csv")
    assert done.returncode == 0, done.stderr
    table = list(csv.reader(io.StringIO(done.stdout, newline="")))
    assert table[0] == list(FIELDS)
    names = {row[FIELDS.index("client_name")] for row in table[1:]}
    assert '\'=HYPERLINK("http://evil")' in names and '=HYPERLINK("http://evil")' not in names


def test_json_and_csv_together_is_a_usage_error(zc, gen):
    assert_clean_error(zc("report", "--json", "--csv"), ExitCode.USAGE)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--from", "tomorrow"), ExitCode.INVALID_INPUT),
        (("--to", "2031-02-30"), ExitCode.INVALID_INPUT),
        (("--from", "2031-01-03", "--to", "2031-01-02"), ExitCode.INVALID_INPUT),
        (("--status", "done"), ExitCode.INVALID_INPUT),
        (("--meeting-status", "ok"), ExitCode.INVALID_INPUT),
        (("--client", "not-an-address"), ExitCode.INVALID_INPUT),
        (("--service", "Nope"), ExitCode.NOT_FOUND),
        (("--output", "missing-dir/x.csv"), ExitCode.INVALID_INPUT),
    ],
)
def test_bad_filters_fail_cleanly(fails_cleanly, gen, args, code, isolated):
    fails_cleanly(code, "report", *args)


def test_output_writes_the_file_atomically(zc, gen, tmp_path):
    target = tmp_path / "out.csv"
    res = zc("report", "--csv", "--output", str(target))
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "" and f"to {target}" in res.stderr
    assert list(csv.reader(io.StringIO(target.read_text(), newline="")))[0] == list(FIELDS)
    as_json = tmp_path / "out.json"
    assert zc("report", "--json", "-o", str(as_json)).exit_code == 0
    assert [r["booking_id"] for r in json.loads(as_json.read_text())] == report_ids(zc)


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary_one(zc, gen, tmp_path, monkeypatch):
    from zoomctl import report_output

    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def broken(rows, fields, out):
        out.write("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(report_output.WRITERS, "csv", broken)
    res = zc("report", "--csv", "--output", str(target))
    assert res.exit_code == ExitCode.FAILURE and "no space left" in res.stderr.lower()
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")) == []


def test_a_terminal_gets_a_table_and_the_summary(gen, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    config = ConfigFile.load()
    settings = resolve_settings(config, {})
    settings = replace(settings, company=Setting("acme-yoga", "test"))
    app = App(config=config, settings=settings, ui=UI(stdout=out, stderr=err, force_tty=True))
    assert run(["report", "--service", "Lesson"], app=app) == ExitCode.OK
    assert "Service / class" in out.getvalue() and "Lesson" in out.getvalue()
    rows = report_ids_direct(gen)
    summary = err.getvalue()
    assert f"{len(rows)} bookings (" in summary and "need `zoomctl bookings sync`" in summary


def report_ids_direct(db) -> list[int]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM bookings WHERE is_test = 0 AND service_id IS NOT NULL")]


def test_bookings_show_agrees_with_the_report(zc, gen):
    report = {r["booking_id"]: r for r in zc("report", "--include-test", "--status", "all", "--json").json()}
    for booking_id in (1, 4, 7, 10, 20):
        shown = zc("bookings", "show", str(booking_id), "--json")
        assert shown.exit_code == 0, shown.stderr
        details = shown.json()
        assert {name: details[name] for name in FIELDS} == report[booking_id]
    text = zc("bookings", "show", "1").stdout
    assert "Zoom host:" in text and "zak=" not in text


def test_bookings_show_of_an_offline_booking(zc, gen):
    execute(gen, "DELETE FROM meetings WHERE booking_id = 1")
    execute(gen, "UPDATE services SET online = 0")
    assert 1 not in report_ids(zc)
    shown = zc("bookings", "show", "1", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["booking_id"] == 1 and shown.json()["meeting_status"] is None
    assert_clean_error(zc("bookings", "show", "9999"), ExitCode.NOT_FOUND)


def test_the_report_of_an_unchanged_workspace_changes_nothing(zc, gen):
    before = dump(gen)
    assert zc("report", "--csv").exit_code == 0
    assert dump(gen) == before
