"""`zoomctl auth …`: connect the company's Zoom account, check it, and disconnect it."""

from __future__ import annotations

from typing import Annotated

import typer

from zoomctl import env
from zoomctl.cli.options import JsonOption, app_of, given
from zoomctl.errors import Conflict, InvalidInput
from zoomctl.ui import Column

MAX_LOGIN_WAIT = 86_400  # seconds: a day is longer than any sign-in in a browser

app = typer.Typer(help="Connect the company's Zoom account (one per company), check it, log out.", no_args_is_help=True)


@app.command("login")
def login(
    ctx: typer.Context,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", metavar="ID", envvar=env.ZOOM_CLIENT_ID, help="Your Zoom app's client id."),
    ] = None,
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help="Read the client secret from standard input.")
    ] = False,
    public: Annotated[bool, typer.Option("--public", help="A public client: PKCE only, no client secret.")] = False,
    no_browser: Annotated[
        bool,
        typer.Option(
            "--no-browser", help="Print the URL instead of opening a browser; accepts the final address pasted back."
        ),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="How long to wait for the browser.")
    ] = 300.0,
    shared_access: Annotated[
        bool,
        typer.Option("--shared-access", help="You will tick 'Allow this app to use my shared access permissions'."),
    ] = False,
    server_to_server: Annotated[
        bool, typer.Option("--server-to-server", help="Server-to-Server OAuth (CI): needs --account-id and a secret.")
    ] = False,
    account_id: Annotated[
        str | None,
        typer.Option(
            "--account-id", metavar="ID", envvar=env.ZOOM_ACCOUNT_ID, help="Zoom account id (Server-to-Server)."
        ),
    ] = None,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage", help="Without a usable keyring, keep tokens in a 0600 file (warned on every use)."
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Replace a connection made by another Zoom user without asking."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Authorize Zoom for the current company (loopback OAuth with PKCE, or Server-to-Server).

    \b
    Examples:
      zoomctl auth login --client-id AbCdEf --public
      zoomctl auth login --client-id AbCdEf --no-browser   (over SSH: paste the final address back)
      printf %s "$SECRET" | zoomctl auth login --server-to-server --account-id ACC --client-id ID --client-secret-stdin
    """
    from zoomctl import textcheck
    from zoomctl.core import auth

    textcheck.number(
        timeout,
        "--timeout",
        low=0.1,
        high=MAX_LOGIN_WAIT,
        fix=f"give seconds from 0.1 to {MAX_LOGIN_WAIT}, e.g. --timeout 300",
    )
    a = app_of(ctx)
    company = a.company()
    request = auth.login_request(
        a.access,
        client_id=given(ctx, "client_id", client_id),
        account_id=given(ctx, "account_id", account_id),
        server_to_server=server_to_server,
        public=public,
        secret_from_stdin=client_secret_stdin,
        prompt=_prompt if a.can_prompt else None,
    )
    if server_to_server:
        result = auth.login_s2s(a.store, company, a.access, request, insecure_storage=insecure_storage)
    else:
        if shared_access:
            a.ui.info("On Zoom's consent page, tick “Allow this app to use my shared access permissions”.")

        def announce(url: str, opened: bool) -> None:
            if opened:
                a.ui.info("Opened your browser to authorize zoomctl. If nothing appeared, open this address:")
            else:
                a.ui.info("Open this address in a browser to authorize zoomctl:")
            a.ui.err.print(url, markup=False, highlight=False, soft_wrap=True)
            a.ui.info(f"Waiting up to {timeout:.0f} s for Zoom to send the browser back to this machine…")
            if not opened:
                a.ui.info(
                    "If the browser runs on another machine, paste the address it ends on (http://127.0.0.1…) here."
                )

        def bad_paste(exc) -> None:
            a.ui.warn(f"{exc.message}: paste the whole address again, or wait for the browser")

        result = auth.login_oauth(
            a.store,
            company,
            a.access,
            request,
            open_browser=not no_browser,
            timeout=timeout,
            insecure_storage=insecure_storage,
            announce=announce,
            on_bad_paste=bad_paste,
            confirm_replace=_confirmer(a, yes, asks_paste=no_browser),
        )

    def text() -> None:
        if result.token_location.insecure:
            a.ui.warn(f"tokens are stored in plain text at {result.token_location.path} (--insecure-storage)")
        if result.can_act_for_others:
            a.ui.info("this authorization can schedule meetings for other users of the Zoom account")
        else:
            a.ui.info("this authorization can schedule meetings only for its own Zoom user")
            if shared_access:
                a.ui.warn(
                    "shared access did not take effect: log in again and tick the shared-access box, "
                    "or use an admin-managed app"
                )

    how = "Server-to-Server" if result.kind == "s2s" else "OAuth"
    a.ui.result(
        result.as_json(),
        as_json=as_json,
        success=f"{company.slug} is connected to Zoom as {result.user_email or result.account_id} ({how})",
        text=text,
    )


def _prompt(question: str) -> str:
    """A hidden prompt on stderr (stdout carries data only)."""
    return typer.prompt(question, hide_input=True, default="", show_default=False, err=True)


STATUS_FIELDS = [
    Column("company", "Company"),
    Column("state", "State"),
    Column("source", "Credentials"),
    Column("kind", "Kind"),
    Column("account_id", "Zoom account"),
    Column("user_email", "Zoom user"),
    Column("scopes", "Scopes"),
    Column("can_act_for_others", "Acts for other users"),
    Column("token_location", "Token stored in"),
    Column("access_token_expires_at", "Access token expires (UTC)"),
    Column("live_check", "Live check", lambda v: "-" if v is None else ("ok" if v["ok"] else f"failed: {v['error']}")),
    Column("connected_at", "Connected (UTC)"),
    Column("connected_by", "Connected by"),
]


@app.command("status")
def status(
    ctx: typer.Context,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the live call to Zoom.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the Zoom connection and whether a live call works now (never prints a token).

    Exits 0 when connected and working, 7 otherwise. Example: zoomctl auth status --json
    """
    from zoomctl.core import auth
    from zoomctl.exit_codes import ExitCode

    a = app_of(ctx)
    report = auth.status(a.store, a.company(), a.access, live=not offline)
    info = report.value
    a.ui.conclude(report, lambda _: a.ui.result(info, as_json=as_json, text=lambda: a.ui.record(info, STATUS_FIELDS)))
    if not info["connected"]:
        if info["problem"]:  # on stderr with --json too: a job's log says why
            a.ui.error(info["problem"], info["fix"])
        raise typer.Exit(ExitCode.AUTH_REQUIRED)


@app.command("token")
def token(ctx: typer.Context) -> None:
    """Print a valid access token (refreshed if needed) and nothing else, for scripts.

    Example: curl -H "Authorization: Bearer $(zoomctl auth token)" https://api.zoom.us/v2/users/me
    """
    from zoomctl.core import auth

    a = app_of(ctx)
    a.ui.conclude(auth.access_token(a.store, a.company(), a.access), a.ui.line)


@app.command("logout")
def logout(
    ctx: typer.Context,
    delete_future_meetings: Annotated[
        bool, typer.Option("--delete-future-meetings", help="First delete the Zoom meetings of future bookings.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Revoke the Zoom authorization, forget the tokens, clear the connection.

    Example: zoomctl auth logout --delete-future-meetings --yes
    """
    from zoomctl.core import auth

    a = app_of(ctx)
    company = a.company()
    before_forget = None
    if delete_future_meetings:
        from zoomctl.core import bookings as booking_core

        if not yes:
            if not a.can_prompt:
                raise InvalidInput("deleting future meetings needs confirmation", hint="pass --yes")
            if not a.ui.confirm(f"Delete the Zoom meetings of all future bookings of {company.slug}?"):
                raise Conflict("nothing was changed: not confirmed", hint="pass --yes to skip the question")

        def delete_meetings(zoom) -> int:
            return booking_core.delete_future_meetings(a.store, company, zoom)

        before_forget = delete_meetings

    def text(result) -> None:
        if not result.was_connected:
            a.ui.info(f"{company.slug} was not connected to Zoom")
        else:
            if result.meetings_deleted:
                a.ui.info(f"deleted {result.meetings_deleted} Zoom meeting(s) of future bookings")
            elif not delete_future_meetings:
                a.ui.info("Zoom meetings of existing bookings were kept (use --delete-future-meetings to remove them)")
            if result.revoked:
                a.ui.success(f"{company.slug} is logged out: authorization revoked at Zoom, tokens forgotten")
            else:
                a.ui.warn(f"could not revoke at Zoom ({result.revoke_error}); the tokens were forgotten here anyway")
        for note in result.notes:
            a.ui.info(note)

    a.ui.conclude(
        auth.logout(a.store, company, a.access, before_forget=before_forget),
        lambda result: a.ui.result(result.as_json(), as_json=as_json, text=lambda: text(result)),
    )


def _confirmer(a, yes: bool, *, asks_paste: bool):
    """How a login by another Zoom user is confirmed: --yes, or a question on a terminal (not
    while stdin may still carry a pasted address); None: it cannot be, and the login fails."""
    if yes:
        return lambda question: True
    if a.can_prompt and not asks_paste:
        return a.ui.confirm
    return None
