"""`zoomctl demo`: see zoomctl work end to end, with nothing to set up."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of


def demo(
    ctx: typer.Context,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the demo workspace and print where it is.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Set up a demo company step by step, in a throw-away workspace (or the one --db names).

    Example: zoomctl demo
    """
    import tempfile
    from pathlib import Path

    from zoomctl.core import demo as demo_core
    from zoomctl.store.db import Store

    a = app_of(ctx)
    own_db = a.settings.database.source == "default"
    workdir = Path(tempfile.mkdtemp(prefix="zoomctl-demo-")) if own_db else None
    store = Store(workdir / "workspace.db") if workdir else a.store
    try:
        result = demo_core.run(store, report=lambda text: a.ui.success(text))
        if own_db:
            store.finish(commit=True)
    finally:
        if own_db:
            store.finish(commit=False)
            if not keep:
                import shutil

                shutil.rmtree(workdir, ignore_errors=True)
    if as_json:
        a.ui.json({"company": result.company, "steps": result.steps, "workspace": str(store.path) if keep or not own_db else None})
    elif keep and own_db:
        a.ui.info(f"demo workspace kept: zoomctl --db {store.path} --company {result.company} services list")
