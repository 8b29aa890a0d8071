"""`zoomctl doctor`: what is wrong with the current company's Zoom setup, and how to fix it."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of


def doctor(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit code 12).")] = False,
    deep: Annotated[
        bool, typer.Option("--deep", help="Look up every upcoming meeting in Zoom, not only the next 20.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the company's Zoom setup: the feature, the connection and its tokens, scopes,
    providers' Zoom users and licenses, meetings, the daily limit and the clock. Exit code 0
    when no check failed, 12 otherwise (warnings too with --strict).

    \b
    Examples:
      zoomctl doctor
      zoomctl doctor --strict --json
    """
    from zoomctl.core import doctor as core

    a = app_of(ctx)
    company = a.company()
    outcome = core.diagnose(a.store, company, a.access, deep=deep, strict=strict)

    def render(diagnosis: core.Diagnosis) -> None:
        v = diagnosis.versions
        header = [
            f"zoomctl {v['zoomctl']} · Python {v['python']} · {v['os']} · keyring: {v['keyring']}",
            f"company: {diagnosis.company}",
        ]
        a.ui.result(diagnosis.as_json(strict), as_json=as_json, text=lambda: a.ui.checks(header, diagnosis.checks))

    a.ui.conclude(outcome, render)
