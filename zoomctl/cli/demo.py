"""`zoomctl demo`: see zoomctl work end to end against the built-in Zoom sandbox."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of


def demo(
    ctx: typer.Context,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the demo workspace and print where it is.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Set up a demo company end to end against the built-in Zoom sandbox.

    Starts the sandbox on a free loopback port, then — in a throw-away workspace, with tokens
    kept in memory — enables the feature, authorizes Zoom with OAuth + PKCE (an HTTP client
    plays the browser), maps two providers to Zoom users, books a one-to-one online service
    and three attendees into an online class, and prints every Zoom link.

    Example: zoomctl demo
    """
    import shutil
    import tempfile
    import threading
    from dataclasses import replace
    from pathlib import Path

    import httpx

    from zoomctl.app import App
    from zoomctl.config import Setting
    from zoomctl.core import demo as demo_core
    from zoomctl.sandbox import Sandbox, SandboxOptions
    from zoomctl.zoom.tokens import MemoryTokenStore

    a = app_of(ctx)
    workdir = Path(tempfile.mkdtemp(prefix="zoomctl-demo-"))
    try:
        with Sandbox(SandboxOptions(users=4)) as sb:
            owner = sb.world.account["owner_id"]
            with sb.world.lock:
                users = list(sb.world.users.values())
                owner_email = sb.world.users[owner]["email"]
            sb.configure(auto_approve=owner_email)
            hosts = [u["email"] for u in users if u["type"] == 2 and u["status"] == "active"][:2]
            a.ui.info(f"Zoom sandbox listening on {sb.base_url} (no Zoom account, nothing leaves this machine)")
            settings = replace(
                a.settings,
                company=Setting("demo-yoga", "demo"),
                database=Setting(str(workdir / "workspace.db"), "demo"),
                zoom_oauth_url=Setting(sb.oauth_base_url, "demo"),
                zoom_api_url=Setting(sb.api_base_url, "demo"),
            )
            demo_app = App(
                config=a.config,
                settings=settings,
                ui=a.ui,
                debug=a.debug,
                no_input=True,
                token_store=MemoryTokenStore(),
            )
            admin = sb.apps["admin"]

            def browser(url: str) -> bool:
                # like a real browser, in the background: the sandbox approves at once and
                # redirects to zoomctl's loopback listener, which answers once login waits
                threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=30), daemon=True).start()
                return True

            ok = False
            try:
                result = demo_core.run(
                    demo_app.store,
                    demo_app.access,
                    demo_core.DemoApp(admin["client_id"], admin.get("client_secret"), hosts),
                    report=lambda text: a.ui.info(text) if text.startswith("  ") else a.ui.success(text),
                    browser=browser,
                )
                ok = True
            finally:
                demo_app.finish(ok=ok)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    kept = (
        f"demo workspace kept: zoomctl --db {workdir / 'workspace.db'} --company demo-yoga bookings list "
        "(the sandbox has stopped, so Zoom calls will fail)"
    )
    a.ui.result(
        {
            "company": result.company,
            "steps": [s["step"] for s in result.steps],
            "one_to_one": result.one_to_one,
            "class_session": result.class_session,
            "workspace": str(workdir / "workspace.db") if keep else None,
        },
        as_json=as_json,
        text=(lambda: a.ui.info(kept)) if keep else None,
    )
