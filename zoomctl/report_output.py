"""Streaming writers for row listings (the report): JSON, CSV, TSV, and atomic file output.

Each writer takes an iterator of dict rows and a fixed field list and writes row by row, so
memory stays flat however many rows there are. Each returns how many rows it wrote.

- JSON: an array written incrementally, one object per line in field order, non-ASCII kept
  as is (``ensure_ascii=False``) except the Unicode line breaks U+0085, U+2028 and U+2029,
  which are escaped so that every object stays on one line; no rows give ``[]``.
- CSV: RFC 4180 through the ``csv`` module: a header row, CRLF line ends, quoting where
  needed; ``None`` is an empty cell. Spreadsheet formula injection guard (OWASP): a text
  value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
  quote ``'`` in front, so a spreadsheet shows it as text instead of running it
  (``=HYPERLINK(…)`` is written ``'=HYPERLINK(…)``). Numbers are written as they are.
- TSV: tab-separated lines without a header, for pipes (like the other listings: ``-`` for
  no value); a backslash, tab, newline or carriage return inside a value is written ``\\\\``,
  ``\\t``, ``\\n``, ``\\r``, so each row is exactly one line.
- ``atomic_output(path)``: a text file written to a temporary file in the target's
  directory, flushed to disk, then renamed over the target. On any failure (Ctrl-C
  included) the temporary file is removed and an existing target stays as it was. The
  file is readable by its owner only: it holds join links.

Standard library only (no rich): this runs for files and pipes, not the terminal.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO, runtime_checkable

from zoomctl.errors import InvalidInput, ZoomctlError
from zoomctl.ui import plain

Rows = Iterable[Mapping[str, Any]]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Line breaks to Unicode (and Python's splitlines) that JSON leaves raw: escaped, so each row stays on one line.
_JSON_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


@runtime_checkable
class Encodable(Protocol):
    """Rows the database can hand over already written (the report's, on SQLite): chunks of
    ``(text, ...)``, the text a JSON object, or a CSV row's cells joined by ``cell_separator``
    (guarded, not quoted); ``row(booking_id)`` gives one row as a dict when its cells cannot
    be told apart (a value holding the separator)."""

    cell_separator: str

    def encoded(self, fmt: str) -> Iterator[list[tuple[Any, ...]]] | None: ...

    def row(self, booking_id: int) -> Mapping[str, Any]: ...


def _encoded(rows: Rows, fmt: str) -> Iterator[list[tuple[Any, ...]]] | None:
    return rows.encoded(fmt) if isinstance(rows, Encodable) else None


def write_json(rows: Rows, fields: Sequence[str], out: TextIO) -> int:
    """A JSON array, one object per line, written as the rows come."""
    chunks = _encoded(rows, "json")
    if chunks is not None:
        return _write_json_objects(chunks, out)
    # one encoder for all rows, writing what SQLite's json_object writes
    encode = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode
    order = tuple(fields)
    count = 0
    for row in rows:
        out.write(",\n" if count else "[\n")
        # a row already holding exactly the fields, in order (the report's), is encoded as it is
        text = encode(row if tuple(row) == order else {name: row.get(name) for name in fields})
        if "\x85" in text or "\u2028" in text or "\u2029" in text:
            text = text.translate(_JSON_LINE_BREAKS)
        out.write(text)
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def _write_json_objects(chunks: Iterator[list[tuple[Any, ...]]], out: TextIO) -> int:
    """``write_json`` for rows whose first value is the object's JSON text."""
    count = 0
    for chunk in chunks:
        text = ",\n".join([row[0] for row in chunk])
        if "\x85" in text or "\u2028" in text or "\u2029" in text:
            text = text.translate(_JSON_LINE_BREAKS)
        out.write(",\n" if count else "[\n")
        out.write(text)
        count += len(chunk)
    out.write("\n]\n" if count else "[]\n")
    return count


def csv_safe(value: Any) -> Any:
    """A CSV cell: ``None`` empty, a text value that a spreadsheet would run as a formula
    prefixed with ``'``, anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Rows, fields: Sequence[str], out: TextIO) -> int:
    """RFC 4180 CSV with a header row (open files with ``newline=""``: the CRLFs are the writer's)."""
    writer = csv.writer(out)  # the default dialect: CRLF line ends, minimal quoting
    writer.writerow(fields)
    chunks = _encoded(rows, "csv")
    if chunks is not None:
        assert isinstance(rows, Encodable)
        return _write_csv_cells(rows, chunks, fields, writer, out)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(row.get(name)) for name in fields])
        count += 1
    return count


_CSV_QUOTED = (",", '"', "\r", "\n")  # what makes the csv module quote a cell (the default dialect)
_LINE = "\x1e"  # between a chunk's rows while they are checked


def _write_csv_cells(
    rows: Encodable, chunks: Iterator[list[tuple[Any, ...]]], fields: Sequence[str], writer, out
) -> int:
    """``write_csv`` for rows whose cells the database wrote (guarded, joined by a separator):
    a chunk with nothing to quote is written as it is, any other row through the csv module."""
    separator = rows.cell_separator
    per_row = len(fields) - 1
    count = 0
    for chunk in chunks:
        lines = [row[0] for row in chunk]
        text = _LINE.join(lines)
        if (
            text.count(separator) == per_row * len(lines)
            and text.count(_LINE) == len(lines) - 1
            and not any(c in text for c in _CSV_QUOTED)
        ):
            out.write(text.replace(separator, ",").replace(_LINE, "\r\n") + "\r\n")
        else:
            for line in lines:
                cells = line.split(separator)
                if len(cells) != len(fields):  # a value holds the separator: the row as a dict
                    record = rows.row(int(cells[0]))
                    cells = [csv_safe(record.get(name)) for name in fields]
                writer.writerow(cells)
        count += len(lines)
    return count


def tsv_cell(value: Any) -> str:
    return plain(value).translate(_TSV_ESCAPES)


def write_tsv(rows: Rows, fields: Sequence[str], out: TextIO) -> int:
    """Tab-separated lines, no header: one row per line whatever the values hold."""
    count = 0
    for row in rows:
        out.write("\t".join(tsv_cell(row.get(name)) for name in fields) + "\n")
        count += 1
    return count


WRITERS = {"json": write_json, "csv": write_csv, "tsv": write_tsv}


@contextlib.contextmanager
def atomic_output(target: Path | str) -> Iterator[TextIO]:
    """Write ``target`` all at once or not at all (see the module's notes)."""
    target = Path(target)
    directory = target.parent
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="choose a file in an existing directory you may write to",
        ) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise ZoomctlError(
                f"cannot write {target}: {exc.strerror or exc}",
                hint=f"check the free space and permissions in {directory}; nothing was written",
            ) from exc
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; other systems have no directory handles)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file(target: Path | str, fmt: str, rows: Rows, fields: Sequence[str]) -> int:
    """Write ``rows`` as ``fmt`` (json, csv or tsv) to ``target`` atomically; returns the row count."""
    writer = WRITERS[fmt]
    with atomic_output(target) as out:
        return writer(rows, fields, out)
