"""`zoomctl export` and `zoomctl apply`: a company's whole setup as a TOML file, kept in git."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.ui import Column


def export(
    ctx: typer.Context,
    company_ref: Annotated[
        str | None, typer.Option("--company", metavar="COMPANY", help="Slug or id (default: the current company).")
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (all at once) instead of stdout."),
    ] = None,
) -> None:
    """Write the company's whole setup as TOML: company, feature flag, providers and their Zoom
    users, services, classes and their future sessions, online flags. No secrets, no bookings.

    Example: zoomctl export --output acme-yoga.toml
    """
    from zoomctl.core import companies, setup_file

    a = app_of(ctx)
    company = companies.get(a.store, company_ref) if company_ref else a.company()
    text = setup_file.export(a.store, company)
    if output is None:
        a.ui.write(text)
        return
    from zoomctl import textcheck
    from zoomctl.report_output import atomic_output

    target = Path(textcheck.path(output, "--output")).expanduser()
    with atomic_output(target) as out:
        out.write(text)
    a.ui.success(f"wrote the setup of {company.slug} to {target}")


_ACTION = {"create": "+ create", "update": "~ update", "delete": "- delete"}


def _changes(changes: dict) -> str:
    def shown(value) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(str(v) for v in value) + "]"
        return "-" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    return "; ".join(
        f"{key}: {shown(new)}" if old is None else f"{key}: {shown(old)} → {shown(new)}"
        for key, (old, new) in changes.items()
    )


COLUMNS = [
    Column("action", "Action", lambda v: _ACTION[v]),
    Column("kind", "Kind"),
    Column("name", "Name"),
    Column("changes", "Changes", _changes),
]


def apply(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="A setup file (`zoomctl export` writes one).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Also delete providers, services, classes and sessions the file omits.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Prune without asking.")] = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="With --dry-run: exit 0 when nothing would change, 13 when changes are pending."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make the workspace match a setup file: validate all of it, show the plan (create / update /
    delete), check the mapped Zoom users when connected, then apply it in one transaction.

    Example: zoomctl apply acme-yoga.toml --dry-run --detailed-exitcode
    """
    from zoomctl import textcheck
    from zoomctl.core import setup_file
    from zoomctl.errors import Conflict, InvalidInput
    from zoomctl.exit_codes import ExitCode

    a = app_of(ctx)
    if detailed_exitcode and not dry_run:
        raise InvalidInput("--detailed-exitcode goes with --dry-run", hint="add --dry-run (drift detection)")
    path = textcheck.path(file, "the setup file")
    try:
        setup = setup_file.read(Path(path).expanduser())
    except setup_file.SetupFileError as exc:
        for problem in exc.problems[:-1]:  # every problem in file order; the last comes with the fix
            a.ui.error(problem)
        exc.message = exc.problems[-1]
        raise
    check = setup_file.zoom_check(a.store, a.access, a.zoom_factory)
    plan = setup_file.plan(a.store, setup, path, prune=prune, zoom_users=check)
    deletes = len(plan.deletes)
    if deletes and not dry_run and not yes:
        if not a.can_prompt:
            raise InvalidInput(f"--prune would delete {deletes} object(s) the file omits", hint="pass --yes to confirm")
        _show(a, plan, as_json=False)
        if not a.ui.confirm(f"Delete {deletes} object(s) of {plan.company} that {path} omits?"):
            raise Conflict("nothing was changed: not confirmed", hint="pass --yes to skip the question")
    if not dry_run:
        setup_file.apply_plan(a.store, plan)
    _show(a, plan, as_json=as_json)
    if dry_run and detailed_exitcode and plan.pending:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def _show(a, plan, *, as_json: bool) -> None:
    if as_json:
        a.ui.json(plan.as_json())
        return
    for warning in plan.warnings:
        a.ui.warn(warning)
    counts = plan.counts()
    summary = f"{counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete"
    if plan.changes:
        a.ui.table([c.as_json() for c in plan.changes], COLUMNS)
    a.ui.info(f"Zoom users: {plan.zoom_check}")
    if not plan.changes:
        a.ui.success(f"{plan.company} already matches {plan.path}: no changes")
    elif plan.applied:
        a.ui.success(f"applied {plan.path} to {plan.company}: {summary.replace('to ', '')}")
    else:
        a.ui.info(f"plan: {summary} (nothing changed yet: run without --dry-run to apply)")
