"""`zoomctl webhooks`: receive Zoom's events (listen), list what arrived (events), keep the secret token."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zoomctl.cli.options import JsonOption, app_of

app = typer.Typer(help="Receive Zoom webhook events and list what they did.", no_args_is_help=True)
secret_app = typer.Typer(help="The webhook secret token (kept in the OS keyring).", no_args_is_help=True)
app.add_typer(secret_app, name="secret")

DEFAULT_PORT = 8790


@app.command("listen")
def listen(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDR", help="Address to listen on (loopback: put a proxy in front).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port; 0 picks a free one.")] = DEFAULT_PORT,
    path: Annotated[str, typer.Option("--path", metavar="PATH", help="The URL path Zoom posts to.")] = "/zoom/events",
    repair: Annotated[
        bool, typer.Option("--repair", help="Recreate a meeting deleted in Zoom at once (else: `bookings sync`).")
    ] = False,
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="Read the secret token from standard input.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per event on stdout.")] = False,
) -> None:
    """Receive Zoom's webhook events until Ctrl-C; one line per event.

    The secret token comes from --secret-stdin, ZOOMCTL_WEBHOOK_SECRET or the keyring
    (`zoomctl webhooks secret set`), never from the command line.

    \b
    Example:
      zoomctl webhooks secret set
      zoomctl webhooks listen --port 8790 --path /zoom/events
    """
    import errno
    import socket

    from zoomctl.core import webhooks
    from zoomctl.core.webhook_listener import Listener
    from zoomctl.errors import InvalidInput
    from zoomctl.exit_codes import ExitCode
    from zoomctl.store.db import Store
    from zoomctl.timefmt import now_db

    a = app_of(ctx)
    if not 0 <= port <= 65535:
        raise InvalidInput(f"--port {port} is not a port number", hint="give 1-65535, or 0 for a free one")
    if not path.startswith("/") or len(path) > 200 or any(ch.isspace() or not ch.isprintable() for ch in path):
        raise InvalidInput(f"--path {_shown(path)} is not a URL path", hint="give a path such as /zoom/events")
    from_stdin = _read_stdin() if secret_stdin else None
    secret, source = webhooks.find_secret(a.access, a.webhook_secret_env, from_stdin)
    db_path = a.store.path
    a.finish(ok=True)  # each request and each event has its own transaction

    def report(record: dict[str, Any]) -> None:
        record = {"at": now_db(), **record}
        if as_json:
            a.ui.json(record, one_line=True)
        else:
            a.ui.info(_line(record))

    try:
        listener = Listener(
            host=host,
            port=port,
            path=path,
            secret=secret,
            open_store=lambda: Store(db_path),
            report=report,
            after=_Repairs(a, report) if repair else None,
            access=a.access,
        )
    except OSError as exc:
        where = f"{_shown(host)}:{port}"
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
            raise InvalidInput(
                f"cannot listen on {where}: {exc.strerror}", hint="give an address of this machine, such as 127.0.0.1"
            ) from None
        raise InvalidInput(
            f"cannot listen on {where}: {exc.strerror}", hint="choose another --port (0 picks a free one)"
        ) from None
    if host not in ("127.0.0.1", "::1", "localhost"):
        a.ui.warn(f"listening on {host}: put a TLS reverse proxy or tunnel in front instead (see the README)")
    try:
        listener.start()
        if as_json:
            a.ui.json({"listening": listener.url, "secret_from": source}, one_line=True)
        else:
            a.ui.info(f"listening on {listener.url} (secret token from {source}); press Ctrl-C to stop")
        listener.wait()
    except KeyboardInterrupt:
        listener.stop()
        if not as_json:
            a.ui.info("stopped")
        raise typer.Exit(ExitCode.INTERRUPTED) from None


class _Repairs:
    """With --repair: after a meeting.deleted, recreate the bookings' meeting at once (as `bookings sync`)."""

    def __init__(self, a, report):
        self.a, self.report = a, report

    def __call__(self, processed) -> None:
        from zoomctl.core import bookings, companies, meetings, webhooks
        from zoomctl.errors import ZoomctlError

        if processed.event != "meeting.deleted" or processed.status != "processed" or not processed.company:
            return
        a, ok = self.a, False
        try:
            ids = webhooks.bookings_to_repair(a.store, processed.event_id)
            company = companies.get(a.store, processed.company)
            targets = [b for b in (bookings.get(a.store, company, i) for i in ids) if b.online]
            if targets:
                with a.zoom(company) as zoom:
                    outcome = meetings.sync(a.store, company, zoom, targets)
                done = ", ".join(f"{i.action} {i.zoom_meeting_id}" for i in outcome.value)
                if outcome.error is not None:
                    raise outcome.error
                self.report({"kind": "repaired", "id": processed.event_id, "bookings": ids, "result": done})
            ok = True
        except ZoomctlError as exc:
            self.report({"kind": "repair_failed", "id": processed.event_id, "error": exc.message})
        finally:
            a.finish(ok=ok)


def _line(record: dict[str, Any]) -> str:
    kind = record["kind"]
    at = record["at"]
    if kind == "refused":
        return f"{at} refused {record['status']}: {record['reason']}"
    if kind == "url_validation":
        return f"{at} endpoint.url_validation answered"
    if kind == "duplicate":
        return f"{at} duplicate {record['event']} (already stored; nothing changed)"
    if kind == "received":
        return f"{at} received {record['event']} #{record['id']}"
    if kind == "repaired":
        return (
            f"{at} event #{record['id']}: recreated the meeting of booking(s) {record['bookings']}: {record['result']}"
        )
    if kind == "repair_failed":
        return f"{at} event #{record['id']}: could not recreate the meeting ({record['error']}); run `bookings sync`"
    if kind == "failed":
        return f"{at} event #{record['id']} failed: {record['error']} (kept; processed again at the next start)"
    company = record.get("company") or "no connected company"
    return f"{at} {record['event']} #{record['id']} [{company}] {record['status']}: {record['outcome']}"


def _read_stdin() -> str:
    import sys

    return sys.stdin.readline() if sys.stdin is not None else ""


def _shown(value: str) -> str:
    from zoomctl import textcheck

    return textcheck.shown(value)


@app.command("events")
def events(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", metavar="TIME", help="Only events received since (UTC, e.g. 2026-12-01).")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", metavar="NAME", help="Only this event, e.g. meeting.deleted.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the webhook events received and what each did.

    \b
    Example:
      zoomctl webhooks events --since 2026-12-01 --event meeting.deleted
    """
    from zoomctl.core import webhooks
    from zoomctl.ui import Column

    a = app_of(ctx)
    since_db = webhooks.parse_since(since) if since is not None else None
    if event is not None:
        webhooks.check_event_name(event)
    rows = webhooks.list_events(a.store, since_db, event)
    columns = [
        Column("id", "ID"),
        Column("received_at", "Received"),
        Column("event", "Event"),
        Column("company", "Company"),
        Column("status", "Status"),
        Column("outcome", "What it did"),
    ]
    a.ui.table(rows, columns, as_json=as_json, empty="no webhook events received")


@secret_app.command("set")
def secret_set(ctx: typer.Context) -> None:
    """Keep the secret token of your Zoom app (its Feature page) in the OS keyring; read from stdin.

    \b
    Example:
      printf %s "$ZOOM_WEBHOOK_SECRET" | zoomctl webhooks secret set
    """
    from zoomctl.core import webhooks

    a = app_of(ctx)
    if a.can_prompt:
        import getpass

        secret = getpass.getpass("Secret token: ")
    else:
        secret = _read_stdin()
    webhooks.save_secret(a.access, secret)
    a.ui.success("the webhook secret token is in the keyring")


@secret_app.command("delete")
def secret_delete(ctx: typer.Context) -> None:
    """Remove the secret token from the keyring.

    \b
    Example:
      zoomctl webhooks secret delete
    """
    from zoomctl.core import webhooks

    a = app_of(ctx)
    if webhooks.delete_secret(a.access):
        a.ui.success("the webhook secret token is deleted from the keyring")
    else:
        a.ui.info("no webhook secret token was in the keyring")
