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
    plays the browser), maps two providers to Zoom users, switches a service and a class
    online, books a one-to-one session and three attendees into a class session, opens the
    meeting as the provider, renders both confirmations, prints the report, has the app
    removed on the Zoom side and reconnects, reschedules and cancels a booking, plays the class
    meeting at the sandbox (its signed webhook events give the attendance and a no-show), and logs out.
    Narration goes to stderr; links, confirmations and the report to stdout.

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
            sb.configure(auto_approve=owner_email, auto_approve_shared_access=True)
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

            def meeting(meeting_id: int) -> dict | None:
                from datetime import UTC, datetime

                with sb.world.lock:
                    found = sb.world.find_meeting(meeting_id)
                    if found is None:
                        return None
                    at = found["start_time"]
                    start = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None
                    return {"id": found["id"], "start_time": start}

            def play_meeting(meeting_id: int, joined: list[str], starts_at: str) -> int:
                import secrets
                from datetime import datetime, timedelta

                from zoomctl.core.webhook_listener import Listener
                from zoomctl.store.db import Store

                secret = secrets.token_urlsafe(24)
                processed = threading.Semaphore(0)
                listener = Listener(
                    host="127.0.0.1",
                    port=0,
                    path="/zoom/events",
                    secret=secret,
                    open_store=lambda: Store(workdir / "workspace.db"),
                    report=lambda record: None,
                    after=lambda done: processed.release(),
                    access=demo_app.access,
                ).start()
                start = datetime.fromisoformat(starts_at.replace("Z", "+00:00"))

                def at(minutes: int) -> str:
                    return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

                played = [("meeting_started", {"at": at(0)})]
                played += [("participant_joined", {"registrant": e, "at": at(2 + i)}) for i, e in enumerate(joined)]
                played += [("participant_left", {"registrant": e, "at": at(44)}) for e in joined]
                played.append(("meeting_ended", {"at": at(45)}))
                try:
                    sb.webhooks.configure(listener.url, secret)  # Zoom validates the endpoint first
                    for kind, details in played:
                        sb.event(kind, meeting_id=meeting_id, **details)
                    sb.webhooks.wait_idle()
                    received = sum(processed.acquire(timeout=10) for _ in played)
                finally:
                    sb.webhooks.configure(None, None)
                    listener.stop()
                return received

            def grants_ended() -> list[str | None]:
                with sb.world.lock:
                    return [g["ended"] for g in sb.world.grants.values() if g["app"] == "admin"]

            ok = False
            try:
                result = demo_core.run(
                    demo_app.store,
                    demo_app.access,
                    demo_core.DemoApp(admin["client_id"], admin.get("client_secret"), hosts),
                    report=lambda text: a.ui.info(text) if text[:1].isdigit() else a.ui.success(text),
                    browser=browser,
                    zoom_side=demo_core.ZoomSide(
                        remove_app=lambda: sb.uninstall_app("admin")["grants_ended"],
                        meeting=meeting,
                        grants_ended=grants_ended,
                        play_meeting=play_meeting,
                    ),
                    emit=(lambda name, value: None) if as_json else lambda name, value: _emit(a.ui, name, value),
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
            "provider_start_link": result.provider_start_link,
            "confirmations": result.confirmations,
            "report": result.report,
            "reconnect": result.reconnect,
            "doctor": result.doctor,
            "attendance": result.attendance,
            "rescheduled_and_cancelled": result.moved,
            "logout": result.logout,
            "workspace": str(workdir / "workspace.db") if keep else None,
        },
        as_json=as_json,
        text=(lambda: a.ui.info(kept)) if keep else None,
    )


def _emit(ui, name: str, value) -> None:
    """A step's data on stdout: links, the rendered confirmations, the report (TSV, a header first)."""
    if name == "link":
        who, role, url = value
        ui.cells(f"{role} link", who, url)
    elif name == "confirmation":
        kind, rendering = value
        ui.line(f"--- {kind} ({rendering['channel']}) ---")
        ui.line(f"Subject: {rendering['subject']}")
        ui.line("")
        ui.write(rendering["body"].rstrip("\n") + "\n")
        ui.line("---")
    elif name == "doctor":
        for check in value.checks:
            ui.cells("doctor", check.status, check.id, check.detail, check.fix)
    elif name == "attendance":
        for row in value:
            ui.cells(
                "attendance", row["client_email"], row["client_joined_at"], row["attended_minutes"], row["no_show"]
            )
    elif name == "report":
        import io

        from zoomctl.report_output import write_tsv
        from zoomctl.store.report import FIELDS

        out = io.StringIO()
        write_tsv(value, FIELDS, out)
        ui.cells(*FIELDS)
        ui.write(out.getvalue())
