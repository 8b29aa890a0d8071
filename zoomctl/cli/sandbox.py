"""`zoomctl sandbox serve`: the built-in Zoom emulator, for demos, tests and CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of

app = typer.Typer(help="A local Zoom emulator (OAuth server + API) for demos, tests and CI.", no_args_is_help=True)


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDR", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port; 0 picks a free one.")] = 0,
    state: Annotated[
        str | None,
        typer.Option("--state", metavar="FILE", help="Keep the world in this JSON file (shared by restarts)."),
    ] = None,
    users: Annotated[
        int, typer.Option("--users", metavar="N", help="Users besides each account's owner, 0-1000 (a new world only).")
    ] = 5,
    accounts: Annotated[
        int, typer.Option("--accounts", metavar="N", help="Zoom accounts to seed, 1-20 (a new world only).")
    ] = 1,
    token_ttl: Annotated[
        int, typer.Option("--token-ttl", metavar="SECONDS", help="Access token lifetime, 1-86400 seconds.")
    ] = 3599,
    auto_approve: Annotated[
        str | None,
        typer.Option("--auto-approve", metavar="EMAIL", help="Approve logins at once as this user (no consent page)."),
    ] = None,
    shared_access: Annotated[
        bool, typer.Option("--shared-access", help="With --auto-approve: grant shared access permissions.")
    ] = False,
    no_rate_limit_headers: Annotated[
        bool, typer.Option("--no-rate-limit-headers", help="Send 429s without Retry-After / X-RateLimit-* headers.")
    ] = False,
    fault: Annotated[
        list[str] | None,
        typer.Option("--fault", metavar="SPEC", help="Inject a fault, e.g. meetingCreate:1:status=500 (repeatable)."),
    ] = None,
    webhook_url: Annotated[
        str | None,
        typer.Option("--webhook-url", metavar="URL", help="Deliver Zoom's webhook events here (validated first)."),
    ] = None,
    webhook_secret: Annotated[
        str | None,
        typer.Option("--webhook-secret", metavar="SECRET", help="The secret token deliveries are signed with."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request on stderr.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Serve the sandbox until Ctrl-C; prints its URLs and app credentials first.

    \b
    Example:
      zoomctl sandbox serve --port 8765 --state world.json --auto-approve ava.fischer@sandbox.zoomctl.test
    """
    import errno
    import socket

    from zoomctl.errors import InvalidInput
    from zoomctl.sandbox import FaultSpecError, Sandbox, SandboxOptions, describe, describe_text, parse_fault_specs
    from zoomctl.sandbox.config import OptionError

    a = app_of(ctx)
    for spec in fault or []:
        try:
            parse_fault_specs(spec)
        except FaultSpecError as exc:
            raise InvalidInput(
                f"bad --fault '{spec}': {exc}", hint="see `zoomctl sandbox serve --help` and the README"
            ) from None
    options = SandboxOptions(
        host=host,
        port=port,
        state_path=state,
        users=users,
        accounts=accounts,
        access_token_ttl=token_ttl,
        rate_limit_headers=not no_rate_limit_headers,
        auto_approve=auto_approve,
        auto_approve_shared_access=shared_access,
        faults=list(fault or []),
        log_requests=verbose,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    try:
        options.check()
    except OptionError as exc:
        flag = "--" + exc.option.replace("_", "-")
        raise InvalidInput(f"{flag} {_shown(exc.value)} {exc.problem}", hint=exc.fix) from None
    if state and Path(state).is_dir():
        raise InvalidInput(
            f"--state {_shown(state)} is a directory", hint="give a file for the world, such as sandbox.json in it"
        )
    try:
        sandbox = Sandbox(options)
    except ValueError as exc:
        raise InvalidInput(
            f"cannot use the state file {_shown(state)}: {exc}",
            hint="fix or delete the file (a new world is made when it does not exist), or choose another --state",
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a part of the path is a file, not a directory"
        raise InvalidInput(
            f"cannot write the state file {_shown(state)}: {reason}",
            hint="give --state a file in a directory you can write",
        ) from None
    try:
        sandbox.start()
    except OSError as exc:
        where = f"{_shown(host)}:{port}"
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
            raise InvalidInput(
                f"cannot listen on {where}: {exc.strerror}",
                hint="give an IP address of this machine to --host, such as 127.0.0.1 (the default)",
            ) from None
        raise InvalidInput(
            f"cannot listen on {where}: {exc.strerror}", hint="choose another --port (0 picks a free one)"
        ) from None
    if auto_approve:
        with sandbox.world.lock:
            user = sandbox.world.find_user(auto_approve)
            active = sorted(u["email"] for u in sandbox.world.users.values() if u["status"] == "active")
        if user is None or user["status"] != "active":
            sandbox.stop()
            raise InvalidInput(
                f"--auto-approve {auto_approve}: no active user with that email in the sandbox",
                hint=f"use one of: {', '.join(active)}",
            )
    if webhook_url and not sandbox.webhooks.validated:
        a.ui.warn(f"{_shown(webhook_url)} did not answer endpoint.url_validation: no webhook events are delivered")
    if host not in ("127.0.0.1", "::1", "localhost"):
        a.ui.warn(f"listening on {host}: anyone who can reach it can use the admin endpoint /_sandbox")
    info = describe(sandbox)

    def text() -> None:
        a.ui.write(describe_text(info) + "\n")
        a.ui.info("serving; press Ctrl-C to stop")

    # one line of JSON: a script reads it while the sandbox serves
    a.ui.result(info, as_json=as_json, text=text, one_line=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _shown(value: object, limit: int = 80) -> str:
    """A value as a message quotes it: strings in quotes, at most ``limit`` characters."""
    if not isinstance(value, str):
        return str(value)
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"'{text}'"
