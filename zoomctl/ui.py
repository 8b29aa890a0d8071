r"""All terminal output: data on stdout, messages on stderr.

Tables are rich tables on a terminal and tab-separated lines elsewhere; ``--json`` prints
stable JSON. Text that came from Zoom or a user is never interpreted as markup, and its control
characters (escape sequences, direction overrides) are written visibly escaped: in cells,
records, lines and messages through ``textcheck.visible``, in JSON as ``\uXXXX`` escapes.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from zoomctl.errors import StdoutClosed, ZoomctlError
from zoomctl.textcheck import has_control, is_control, visible

if TYPE_CHECKING:
    from zoomctl.core.outcome import Outcome

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Callable[[Any], str] | None = None

    def cell(self, row: dict[str, Any]) -> str:
        value = row.get(self.key)
        return visible(self.fmt(value) if self.fmt is not None else plain(value))


def plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value) or "-"
    return str(value)


class UI:
    def __init__(
        self,
        *,
        quiet: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        force_tty: bool | None = None,
    ):
        self.quiet = quiet
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._force_tty = force_tty
        self._out = None
        self._err = None

    # consoles are built on first use: rich is not needed for `--help` of a JSON-only run
    @property
    def out_is_tty(self) -> bool:
        if self._force_tty is not None:
            return self._force_tty
        return _isatty(self.stdout)

    @property
    def err_is_tty(self) -> bool:
        if self._force_tty is not None:
            return self._force_tty
        return _isatty(self.stderr)

    def _console(self, stream: TextIO, tty: bool):
        from rich.console import Console

        return Console(
            file=stream,
            highlight=False,
            force_terminal=tty if self._force_tty is not None else None,
            no_color=bool(os.environ.get("NO_COLOR")) or None,
            soft_wrap=not tty,
        )

    @property
    def out(self):
        if self._out is None:
            self._out = self._console(self.stdout, self.out_is_tty)
        return self._out

    @property
    def err(self):
        if self._err is None:
            self._err = self._console(self.stderr, self.err_is_tty)
        return self._err

    # ---- data (stdout) -------------------------------------------------------------
    def write(self, text: str) -> None:
        """Data on stdout, exactly as given."""
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:
            raise StdoutClosed() from None

    def stream(self, write: Callable[[TextIO], T]) -> T:
        """Data written straight to stdout by ``write(stdout)`` (a streaming writer)."""
        try:
            result = write(self.stdout)
            self.stdout.flush()
        except BrokenPipeError:
            raise StdoutClosed() from None
        return result

    def json(self, data: Any, *, one_line: bool = False) -> None:
        indent = None if one_line else 2
        self.write(json_text(data, indent=indent) + "\n")

    def line(self, text: str) -> None:
        """One line of data (a URL, a token, a value), control characters escaped visibly."""
        self.write(visible(text) + "\n")

    def cells(self, *values: Any) -> None:
        """One tab-separated line of data: each value as ``plain`` shows it, control characters
        (a tab inside a value too) escaped visibly, so the line keeps its columns."""
        self.write("\t".join(visible(plain(v)) for v in values) + "\n")

    def table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        *,
        as_json: bool = False,
        title: str | None = None,
        empty: str = "nothing to show",
    ) -> None:
        if as_json:
            self.json(list(rows))
            return
        if not rows:
            self.info(empty)
            return
        if not self.out_is_tty:
            for row in rows:  # each cell is escaped: the tabs between them are the only ones
                self.write("\t".join(c.cell(row) for c in columns) + "\n")
            return
        from rich.table import Table
        from rich.text import Text

        table = Table(title=title, title_justify="left", header_style="bold")
        for column in columns:
            table.add_column(column.header)
        for row in rows:
            table.add_row(*(Text(c.cell(row)) for c in columns))
        try:
            self.out.print(table)
        except BrokenPipeError:
            raise StdoutClosed() from None

    def record(self, data: dict[str, Any], fields: Sequence[Column] | None = None, *, as_json: bool = False) -> None:
        """One object: `key: value` lines (or JSON)."""
        if as_json:
            self.json(data)
            return
        fields = fields or [Column(k, k) for k in data]
        width = max(len(f.header) for f in fields)
        for f in fields:
            self.line(f"{f.header + ':':<{width + 1}} {f.cell(data)}")

    def result(
        self,
        data: Any,
        *,
        as_json: bool,
        success: str | None = None,
        text: Callable[[], None] | None = None,
        one_line: bool = False,
    ) -> None:
        """How a command ends: ``data`` as JSON with --json; otherwise the ``success`` line
        and whatever ``text()`` prints for people."""
        if as_json:
            self.json(data, one_line=one_line)
            return
        if success is not None:
            self.success(success)
        if text is not None:
            text()

    def conclude(self, outcome: Outcome[T], render: Callable[[T], None]) -> None:
        """End a command that may have partly failed: its warnings, then ``render(value)``,
        then its error is raised, so a partial failure never exits 0."""
        for warning in outcome.warnings:
            self.warn(warning)
        render(outcome.value)
        if outcome.error is not None:
            raise outcome.error

    def checks(self, header: Sequence[str], checks: Sequence[Any]) -> None:
        """A list of checks (``id``, ``title``, ``status``, ``detail``, ``fix``), one line each and the fix
        under each one that is not ok: ✓ / ! / ✗ on a terminal, ``ok`` / ``warn`` / ``fail`` / ``skip``
        without one or with NO_COLOR."""
        symbols = self.out_is_tty and not os.environ.get("NO_COLOR")
        for line in header:
            self.line(line)
        counts: dict[str, int] = {}
        for check in checks:
            counts[check.status] = counts.get(check.status, 0) + 1
            mark = CHECK_MARKS[check.status] if symbols else f"{check.status:<4}"
            self._styled(f"{mark} {check.title}: {check.detail}", CHECK_STYLES[check.status] if symbols else "")
            if check.status != "ok" and check.fix:
                self.line(f"     fix: {check.fix}")
        self.line(", ".join(f"{counts[s]} {s}" for s in ("fail", "warn", "ok", "skip") if counts.get(s)))

    def _styled(self, text: str, style: str) -> None:
        if not style:
            self.line(text)
            return
        from rich.text import Text

        try:
            self.out.print(Text(text, style=style))
        except BrokenPipeError:
            raise StdoutClosed() from None

    def csv(self, rows: Iterable[dict[str, Any]], keys: Sequence[str]) -> None:
        import csv  # only the commands that print CSV need it

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(keys), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in keys})
        self.write(visible(buf.getvalue(), multiline=True) if self.out_is_tty else buf.getvalue())

    # ---- messages (stderr) ---------------------------------------------------------
    def _message(self, prefix: str, style: str, text: str) -> None:
        from rich.text import Text

        message = Text()
        if prefix:
            message.append(prefix, style=style)
        message.append(visible(text, multiline=True))
        self.err.print(message)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._message("", "", text)

    def success(self, text: str) -> None:
        if not self.quiet:
            self._message("✓ " if self.err_is_tty else "", "green", text)

    def warn(self, text: str) -> None:
        self._message("warning: ", "yellow bold", text)

    def error(self, error: ZoomctlError | str, hint: str | None = None) -> None:
        """``error:`` and ``fix:`` lines, as the message and hint were written (one style,
        kept where they are raised: see tests/test_message_style.py)."""
        message = error.message if isinstance(error, ZoomctlError) else str(error)
        if hint is None and isinstance(error, ZoomctlError):
            hint = error.hint
        self._message("error: ", "red bold", message.strip())
        if hint:
            self._message("  fix: ", "cyan", hint.strip())

    # ---- interaction ---------------------------------------------------------------
    def confirm(self, question: str) -> bool:
        """Ask a yes/no question on stderr (default no); stdout carries data only."""
        import sys

        self.stderr.write(f"{question} [y/N]: ")
        self.stderr.flush()
        answer = sys.stdin.readline() if sys.stdin is not None else ""
        if not answer.endswith("\n"):
            self.stderr.write("\n")  # end the question's line (no answer: end of input)
        return answer.strip().lower() in ("y", "yes")

    @contextmanager
    def progress(self, total: int, description: str) -> Iterator[Callable[[int], None]]:
        """Yields ``advance(n)``; a progress bar on a terminal, silent elsewhere."""
        if not self.err_is_tty or self.quiet:
            yield lambda n=1: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=False,
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)


CHECK_MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
CHECK_STYLES = {"ok": "green", "warn": "yellow", "fail": "red bold", "skip": "dim"}


def json_text(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON with every control character escaped (``json`` itself leaves DEL, C1
    and direction overrides raw): the same value for a parser, nothing a terminal acts on."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    if not has_control(text, "\n"):
        return text
    return "".join(f"\\u{ord(ch):04x}" if is_control(ch) and ch != "\n" else ch for ch in text)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
