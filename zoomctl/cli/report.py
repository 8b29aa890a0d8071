"""`zoomctl report`: the "Online video meetings" report, streamed from one query."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoomctl.cli.options import app_of
from zoomctl.ui import Column

COLUMNS = [
    Column("booking_id", "ID"),
    Column("starts_local", "Starts"),
    Column("what", "Service / class"),
    Column("provider", "Provider"),
    Column("client_email", "Client"),
    Column("booking_status", "Booking"),
    Column("meeting_status", "Meeting"),
    Column("zoom_meeting_id", "Zoom meeting"),
]


def report(
    ctx: typer.Context,
    starts_from: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="First day or time, in the company's zone (default: now)."),
    ] = None,
    starts_to: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="Last day (all of it) or time, in the company's zone."),
    ] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only this service (name or id).")] = None,
    class_ref: Annotated[str | None, typer.Option("--class", metavar="CLASS", help="Only this class.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only this provider (name or id).")] = None,
    client: Annotated[str | None, typer.Option("--client", metavar="EMAIL", help="Only this client.")] = None,
    status: Annotated[
        str, typer.Option("--status", metavar="STATUS", help="booked, cancelled or all (the booking's).")
    ] = "all",
    meeting_status: Annotated[
        str | None,
        typer.Option("--meeting-status", metavar="STATUS", help="created, pending, failed or deleted (the link's)."),
    ] = None,
    include_test: Annotated[bool, typer.Option("--include-test", help="Show test bookings too.")] = False,
    no_shows: Annotated[
        bool,
        typer.Option("--no-shows", help="Only booked clients who never joined a meeting that has ended (webhooks)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array (the fields are in the README).")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row, safe for spreadsheets.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (all at once, or not at all).")
    ] = None,
) -> None:
    """The "Online video meetings" report: every online booking with its Zoom links.

    Reads the workspace only (it never calls Zoom) and never prints a start_url.
    Without --json or --csv: a table on a terminal, tab-separated lines without a header elsewhere.

    \b
    Examples:
      zoomctl report
      zoomctl report --from 2026-12-01 --to 2026-12-31 --service "Private lesson"
      zoomctl report --meeting-status failed --json
      zoomctl report --csv --output december.csv
    """
    from zoomctl import report_output
    from zoomctl.core import report as core
    from zoomctl.errors import ZoomctlError
    from zoomctl.exit_codes import ExitCode

    if as_json and as_csv:
        raise ZoomctlError("--json and --csv cannot go together", hint="choose one of them", exit_code=ExitCode.USAGE)
    a = app_of(ctx)
    company = a.company()
    where = core.build_filter(
        a.store,
        company,
        starts_from=starts_from,
        starts_to=starts_to,
        service=service,
        class_ref=class_ref,
        provider=provider,
        client=client,
        status=status,
        meeting_status=meeting_status,
        include_test=include_test,
        no_shows=no_shows,
    )
    target = _target(output) if output is not None else None
    rows, summary = core.report(a.store, company, where)
    fmt = "json" if as_json else "csv" if as_csv else "tsv"
    if target is not None:
        count = report_output.write_file(target, fmt, rows, core.FIELDS)
        a.ui.success(f"wrote {count} row{'' if count == 1 else 's'} to {target}")
        a.ui.info(_summary_line(summary))
    elif fmt != "tsv" or not a.ui.out_is_tty:
        writer = report_output.WRITERS[fmt]
        a.ui.stream(lambda out: writer(rows, core.FIELDS, out))
    else:
        shown = [{**row, "what": row["service"] or row["class"]} for row in rows]
        a.ui.table(shown, COLUMNS, empty="no online bookings match: see `zoomctl report --help` for the filters")
        if shown:
            a.ui.info(_summary_line(summary))


def _target(output: Path) -> Path:
    """The --output file, checked before the query runs."""
    from zoomctl import textcheck
    from zoomctl.errors import InvalidInput

    textcheck.path(str(output), "the --output file")
    if output.is_dir():
        raise InvalidInput(f"--output {output} is a directory", hint="give a file name, e.g. --output report.csv")
    return output


def _summary_line(summary) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in sorted(summary.meeting_status.items()))
    line = f"{summary.rows} booking{'' if summary.rows == 1 else 's'}"
    if counts:
        line += f" ({counts})"
    if summary.needs_sync:
        line += f"; {summary.needs_sync} need `zoomctl bookings sync`"
    return line
