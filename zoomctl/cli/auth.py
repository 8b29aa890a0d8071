"""`zoomctl auth …`: connect the company's Zoom account, check it, and disconnect it."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from zoomctl.cli.options import JsonOption, app_of
from zoomctl.errors import Conflict, InvalidInput
from zoomctl.ui import Column

MAX_LOGIN_WAIT = 86_400  # seconds: a day is longer than any sign-in in a browser

app = typer.Typer(help="Connect the company's Zoom account (one per company), check it, log out.", no_args_is_help=True)


@app.command("login")
def login(
    ctx: typer.Context,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", metavar="ID", help="Your Zoom app's client id [env: ZOOMCTL_ZOOM_CLIENT_ID]."),
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
            "--account-id", metavar="ID", help="Zoom account id (Server-to-Server) [env: ZOOMCTL_ZOOM_ACCOUNT_ID]."
        ),
    ] = None,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage", help="Without a usable keyring, keep tokens in a 0600 file (warned on every use)."
        ),
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
    client_id = client_id or a.settings.zoom_client_id.value
    if not client_id:
        raise InvalidInput(
            "no Zoom client id",
            hint="pass --client-id (from your Zoom app's App Credentials), or `zoomctl config set zoom_client_id ID`",
        )
    secret = _client_secret(a, client_secret_stdin, public, server_to_server)

    if server_to_server:
        from zoomctl.core.connection import ENV_ACCOUNT_ID

        account_id = account_id or os.environ.get(ENV_ACCOUNT_ID)
        if not account_id:
            raise InvalidInput("Server-to-Server OAuth needs the Zoom account id", hint="pass --account-id ID")
        if not secret:
            raise InvalidInput(
                "Server-to-Server OAuth needs the client secret",
                hint="pipe it to --client-secret-stdin or set ZOOMCTL_ZOOM_CLIENT_SECRET",
            )
        result = auth.login_s2s(
            a,
            company,
            account_id=account_id,
            client_id=client_id,
            client_secret=secret,
            insecure_storage=insecure_storage,
        )
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
            a.ui.warn(f"{exc.message} Paste the whole address again, or wait for the browser.")

        result = auth.login_oauth(
            a,
            company,
            client_id=client_id,
            client_secret=secret,
            open_browser=not no_browser,
            timeout=timeout,
            insecure_storage=insecure_storage,
            announce=announce,
            on_bad_paste=bad_paste,
        )
    if as_json:
        a.ui.json(result.as_json())
        return
    who = result.user_email or result.account_id
    a.ui.success(
        f"{company.slug} is connected to Zoom as {who} ({'Server-to-Server' if result.kind == 's2s' else 'OAuth'})"
    )
    if result.token_location.startswith("file:"):
        a.ui.warn(f"tokens are stored in plain text at {result.token_location[5:]} (--insecure-storage)")
    if result.can_act_for_others:
        a.ui.info("this authorization can schedule meetings for other users of the Zoom account")
    else:
        a.ui.info("this authorization can schedule meetings only for its own Zoom user")
        if shared_access:
            a.ui.warn(
                "shared access did not take effect: log in again and tick the shared-access box, or use an admin-managed app"
            )


def _client_secret(a, from_stdin: bool, public: bool, server_to_server: bool) -> str | None:
    """The client secret: stdin, the environment, or a hidden prompt. Never a command-line value."""
    from zoomctl.core.auth import read_secret_from_stdin
    from zoomctl.core.connection import ENV_CLIENT_SECRET

    if public and not server_to_server:
        if from_stdin:
            raise InvalidInput("--public and --client-secret-stdin contradict each other", hint="drop one of them")
        return None  # a public client sends no secret, whatever the environment holds
    if from_stdin:
        return read_secret_from_stdin()
    env = os.environ.get(ENV_CLIENT_SECRET)
    if env:
        return env
    if a.can_prompt:
        prompt = "Client secret" if server_to_server else "Client secret (leave empty for a public client)"
        value = typer.prompt(prompt, hide_input=True, default="", show_default=False, err=True)
        return value or None
    if server_to_server:
        return None  # the caller names what is missing
    raise InvalidInput(
        "no client secret, and zoomctl may not ask for one here (--no-input, or no terminal)",
        hint=f"pipe it to --client-secret-stdin, set {ENV_CLIENT_SECRET}, or pass --public for a public client",
    )


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
    info = auth.status(a, a.company(), live=not offline)
    if as_json:
        a.ui.json(info)
    else:
        a.ui.record(info, STATUS_FIELDS)
    if not info["connected"]:
        if not as_json and info["problem"]:
            a.ui.error(info["problem"], info["fix"])
        raise typer.Exit(ExitCode.AUTH_REQUIRED)


@app.command("token")
def token(ctx: typer.Context) -> None:
    """Print a valid access token (refreshed if needed) and nothing else, for scripts.

    Example: curl -H "Authorization: Bearer $(zoomctl auth token)" https://api.zoom.us/v2/users/me
    """
    from zoomctl.core import auth

    a = app_of(ctx)
    a.ui.line(auth.access_token(a, a.company()))


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

    result = auth.logout(a, company, before_forget=before_forget)
    if as_json:
        a.ui.json(result.as_json())
        return
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
