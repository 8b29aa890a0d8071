"""Streaming writers (zoomctl.report_output): JSON, CSV, TSV and atomic file output."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tracemalloc

import pytest

from zoomctl.errors import InvalidInput, ZoomctlError
from zoomctl.report_output import atomic_output, csv_safe, write_csv, write_file, write_json, write_tsv
from zoomctl.store.report import FIELDS

ODD = [
    'quote " and backslash \\',
    "line\nbreak and\r\nCRLF",
    "tab\there",
    "nul \x00 and bell \x07",
    "Müller, Zoë, Łódź, 東京, עברית",
    "emoji 🧘‍♀️ and 𝄞 beyond the BMP",
    "line separators \u2028 \u2029 and next line \x85",
    "<script>alert(1)</script>",
    "",
]


def row(n: int, **values) -> dict:
    base = {name: None for name in FIELDS}
    base.update(booking_id=n, starts_at="2031-03-01T08:00:00Z", kind="service", client_email=f"c{n}@example.com")
    base.update(values)
    return base


def generated(count: int):
    for n in range(count):
        yield row(
            n,
            starts_local="2031-03-01 09:00 CET",
            service="Private lesson",
            provider="Dana Smith",
            client_name=f"Client {n}",
            zoom_host_email="dana@zoom.example",
            zoom_meeting_id=85_000_000_000 + n,
            client_link=f"https://us06web.zoom.example/j/{85_000_000_000 + n}?pwd=abcdefghijklmnop",
            provider_link=f"https://us06web.zoom.example/s/{85_000_000_000 + n}",
            booking_status="booked",
            meeting_status="created",
        )


# ------------------------------------------------------------------------------ JSON
def test_json_of_no_rows_is_an_empty_array():
    out = io.StringIO()
    assert write_json(iter([]), FIELDS, out) == 0
    assert out.getvalue() == "[]\n"
    assert json.loads(out.getvalue()) == []


def test_json_keeps_the_field_order_and_only_the_fields():
    out = io.StringIO()
    data = [{**row(1), "extra": "not a field"}, {"booking_id": 2}]
    assert write_json(data, FIELDS, out) == 2
    parsed = json.loads(out.getvalue())
    assert [list(obj) for obj in parsed] == [list(FIELDS), list(FIELDS)]
    assert parsed[1]["booking_id"] == 2 and parsed[1]["client_link"] is None


def test_json_is_written_row_by_row():
    out = io.StringIO()
    written_before: list[str] = []

    def rows():
        yield row(1)
        written_before.append(out.getvalue())
        yield row(2)
        written_before.append(out.getvalue())

    write_json(rows(), FIELDS, out)
    assert written_before[0].startswith('[\n{"booking_id":1,')
    assert written_before[1].endswith("}") and ',\n{"booking_id":2,' in written_before[1]
    assert out.getvalue().count("\n") == 4  # "[", two rows, "]"


def test_json_with_odd_characters_is_valid_and_round_trips():
    out = io.StringIO()
    data = [row(i, client_name=text, last_error=text) for i, text in enumerate(ODD)]
    write_json(data, FIELDS, out)
    text = out.getvalue()
    assert json.loads(text) == data
    assert "Müller" in text and "東京" in text and "🧘" in text  # ensure_ascii=False
    assert "\x00" not in text and "\x07" not in text  # control characters are escaped
    lines = text.splitlines()  # Python's idea of a line break, the widest there is
    assert len(lines) == len(data) + 2  # "[", one object per line, "]"
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == data


# ------------------------------------------------------------------------------ CSV
def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_has_a_header_and_crlf_line_ends():
    out = io.StringIO(newline="")
    assert write_csv([row(1), row(2)], FIELDS, out) == 2
    text = out.getvalue()
    assert text.startswith(",".join(FIELDS) + "\r\n")
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    header, first, _ = parse_csv(text)
    assert header == list(FIELDS)
    assert first[FIELDS.index("booking_id")] == "1"
    assert first[FIELDS.index("client_link")] == ""  # None


def test_csv_of_no_rows_is_the_header_alone():
    out = io.StringIO(newline="")
    assert write_csv([], FIELDS, out) == 0
    assert out.getvalue() == ",".join(FIELDS) + "\r\n"


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_a_leading_formula_character(lead):
    value = f'{lead}HYPERLINK("https://evil.example","x")'
    out = io.StringIO(newline="")
    write_csv([row(1, client_name=value, last_error=value)], FIELDS, out)
    _, cells = parse_csv(out.getvalue())
    assert cells[FIELDS.index("client_name")] == "'" + value
    assert cells[FIELDS.index("last_error")] == "'" + value


@pytest.mark.parametrize("value", ["a=b", "Dana + Sam", "x-y", "me@example.com", " =1", "'=1"])
def test_csv_leaves_other_values_alone(value):
    assert csv_safe(value) == value


def test_csv_guard_applies_to_text_not_numbers():
    assert csv_safe(-5) == -5
    assert csv_safe(85_000_000_001) == 85_000_000_001
    assert csv_safe(None) == ""


def test_csv_quotes_odd_values_and_round_trips():
    out = io.StringIO(newline="")
    data = [row(i, client_name=text) for i, text in enumerate(ODD) if "\x00" not in text]
    write_csv(data, FIELDS, out)
    parsed = parse_csv(out.getvalue())[1:]
    assert [cells[FIELDS.index("client_name")] for cells in parsed] == [r["client_name"] for r in data]
    assert '"quote "" and backslash \\"' in out.getvalue()  # RFC 4180: quotes doubled inside quotes


# ------------------------------------------------------------------------------ TSV
def test_tsv_is_one_line_per_row_without_header():
    out = io.StringIO()
    data = [row(i, client_name=text) for i, text in enumerate(ODD)]
    assert write_tsv(data, FIELDS, out) == len(ODD)
    lines = out.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == len(ODD) + 1
    for line in lines[:-1]:
        assert line.count("\t") == len(FIELDS) - 1
        assert "\r" not in line
    assert not out.getvalue().startswith("booking_id")


def test_tsv_escapes_visibly_and_marks_no_value():
    out = io.StringIO()
    write_tsv([row(7, client_name="a\tb\nc\r\\d", client_link=None)], FIELDS, out)
    cells = out.getvalue().rstrip("\n").split("\t")
    assert cells[FIELDS.index("client_name")] == "a\\tb\\nc\\r\\\\d"
    assert cells[FIELDS.index("client_link")] == "-"
    assert cells[FIELDS.index("booking_id")] == "7"


# ------------------------------------------------------------------------------ atomic files
def failing_after(count: int, error: BaseException):
    yield from generated(count)
    raise error


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def outdir(tmp_path):
    """A directory of its own (tmp_path also holds the isolated home)."""
    path = tmp_path / "reports"
    path.mkdir()
    return path


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_write_file_writes_the_whole_file(outdir, fmt):
    target = outdir / f"report.{fmt}"
    assert write_file(target, fmt, generated(3), FIELDS) == 3
    assert leftovers(outdir) == [target.name]
    text = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert len(json.loads(text)) == 3
    elif fmt == "csv":
        assert len(parse_csv(target.read_bytes().decode())) == 4
        assert b"\r\n" in target.read_bytes()
    else:
        assert len(text.splitlines()) == 3
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # it holds join links


@pytest.mark.parametrize("error", [RuntimeError("database went away"), KeyboardInterrupt()])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_failure_midway_leaves_the_old_file_and_no_temp_file(outdir, fmt, error):
    target = outdir / "report.out"
    target.write_text("the previous report\n")
    with pytest.raises(type(error)):
        write_file(target, fmt, failing_after(1000, error), FIELDS)
    assert target.read_text() == "the previous report\n"
    assert leftovers(outdir) == ["report.out"]


def test_a_failure_midway_creates_no_file(outdir):
    target = outdir / "new.csv"
    with pytest.raises(RuntimeError):
        write_file(target, "csv", failing_after(10, RuntimeError("boom")), FIELDS)
    assert leftovers(outdir) == []


def test_nothing_reaches_the_target_before_the_end(outdir):
    target = outdir / "report.json"
    target.write_text("old")
    seen: list[str] = []

    def rows():
        yield from generated(5000)
        seen.append(target.read_text())

    write_file(target, "json", rows(), FIELDS)
    assert seen == ["old"]
    assert len(json.loads(target.read_text())) == 5000


def test_an_unwritable_directory_is_a_user_error(outdir):
    with pytest.raises(InvalidInput) as caught:
        write_file(outdir / "missing" / "report.csv", "csv", generated(1), FIELDS)
    assert str(caught.value).startswith(f"cannot write {outdir / 'missing' / 'report.csv'}: ")
    assert caught.value.hint == "choose a file in an existing directory you may write to"


def test_a_write_error_removes_the_temp_file_and_says_so(outdir, monkeypatch):
    target = outdir / "report.csv"
    target.write_text("old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ZoomctlError) as caught:
        write_file(target, "csv", generated(3), FIELDS)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert "nothing was written" in caught.value.hint
    assert target.read_text() == "old"
    assert leftovers(outdir) == ["report.csv"]


def test_atomic_output_is_a_text_file_without_newline_translation(outdir):
    target = outdir / "x.txt"
    with atomic_output(target) as out:
        out.write("a\r\nb\n")
    assert target.read_bytes() == b"a\r\nb\n"


# ------------------------------------------------------------------------------ memory
@pytest.mark.parametrize("writer", [write_json, write_csv])
def test_200000_rows_stream_in_flat_memory(tmp_path, writer):
    """A list of these rows would take about 200 MB; the writers hold one row at a time."""
    with open(tmp_path / "out", "w", encoding="utf-8", newline="") as out:
        tracemalloc.start()
        try:
            count = writer(generated(200_000), FIELDS, out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == 200_000
    assert peak < 512 * 1024, f"peak {peak} bytes"
    assert (tmp_path / "out").stat().st_size > 200_000 * 200
