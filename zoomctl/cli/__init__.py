"""The command line: the root callback builds the App; ``run`` turns every failure into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer
import typer.core

from zoomctl import env
from zoomctl.errors import StdoutClosed, ZoomctlError
from zoomctl.exit_codes import ExitCode

if TYPE_CHECKING:
    from zoomctl.app import App
    from zoomctl.ui import UI

HELP = """\
Set up and run online video meetings via Zoom for a booking business.

Example — a company with one online service:

\b
  zoomctl company create "Acme Yoga" --timezone Europe/Berlin --use
  zoomctl feature enable
  zoomctl providers add "Dana Smith" --email dana@example.com
  zoomctl services add "Private lesson" --duration 60 --provider "Dana Smith"
  zoomctl services online "Private lesson" --on
"""

#: The commands under `zoomctl`, in the order `--help` lists them: name -> (module in zoomctl.cli,
#: attribute: a Typer group `app` or a command function, the help line `zoomctl --help` shows).
#: A module is imported only when its command runs (or a full tree is asked for: completions);
#: tests/cli/test_startup.py checks each help line against the command's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("demo", "demo", "Set up a demo company end to end against the built-in Zoom sandbox."),
    "completion": ("completion", "completion", "Print a shell completion script."),
    "company": ("company", "app", "Create companies and choose the one commands act on."),
    "feature": ("feature", "app", 'Switch the "Online video meetings" feature on or off (off by default).'),
    "auth": ("auth", "app", "Connect the company's Zoom account (one per company), check it, log out."),
    "providers": ("providers", "app", "Service providers, and the Zoom user each one hosts meetings as."),
    "services": ("services", "app", "One-to-one services (new ones are not online until switched on)."),
    "classes": ("classes", "app", "Group classes and their sessions (new classes are not online until switched on)."),
    "clients": ("clients", "app", "Clients (added by hand, or on their first booking)."),
    "bookings": (
        "bookings",
        "app",
        "Bookings of services and classes, with a Zoom link for the client and one for the provider.",
    ),
    "templates": (
        "templates",
        "app",
        "Notification templates (e-mail and SMS) with the meeting-link variables; overrides per service/provider.",
    ),
    "report": ("report", "report", 'The "Online video meetings" report: every online booking with its Zoom links.'),
    "doctor": (
        "doctor",
        "doctor",
        "Check the company's Zoom setup: the feature, the connection and its tokens, scopes, providers' Zoom users"
        " and licenses, meetings, the daily limit and the clock. Exit code 0 when no check failed, 12 otherwise"
        " (warnings too with --strict).",
    ),
    "export": (
        "setup_cmd",
        "export",
        "Write the company's whole setup as TOML: company, feature flag, providers and their Zoom users, services,"
        " classes and their future sessions, online flags. No secrets, no bookings.",
    ),
    "apply": (
        "setup_cmd",
        "apply",
        "Make the workspace match a setup file: validate all of it, show the plan (create / update / delete), check"
        " the mapped Zoom users when connected, then apply it in one transaction.",
    ),
    "webhooks": ("webhooks", "app", "Receive Zoom webhook events and list what they did."),
    "zoom": ("zoom_users", "app", "The connected Zoom account (read-only)."),
    "config": ("config_cmd", "app", "Read and write settings (config.toml; never secrets)."),
    "db": ("db", "app", "The workspace database: status, schema upgrade, copy to or from a shared one."),
    "events": ("events", "events", "Show who changed what: time, company, OS user, host, zoomctl version, action."),
    "sandbox": ("sandbox", "app", "A local Zoom emulator (OAuth server + API) for demos, tests and CI."),
}


def load_command(name: str):
    """The click command of one entry of COMMANDS, built from its module (imported now)."""
    import importlib

    module_name, attr, _help = COMMANDS[name]
    target = getattr(importlib.import_module(f"zoomctl.cli.{module_name}"), attr)
    holder = typer.Typer(rich_markup_mode=None)  # built as it would be under the root app
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    command = typer.main.get_group(holder).commands[name]
    _name_placeholders(command)
    return command


class _LazyCommands(MutableMapping):
    """The root's commands: every name known at once, each command built on first use."""

    def __init__(self) -> None:
        self._loaded: dict = {}

    def __getitem__(self, name: str):
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the root commands are fixed by COMMANDS")

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded


class LazyGroup(typer.core.TyperGroup):
    """The root group: imports a command's module only when that command is invoked; `--help`
    lists every command from the COMMANDS table without importing any."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands()

    def format_commands(self, ctx, formatter) -> None:
        import importlib

        click = importlib.import_module(typer.BadParameter.__module__)
        utils = importlib.import_module(click.__name__.rsplit(".", 1)[0] + ".utils")
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, utils.make_default_short_help(text, limit)) for name, (_m, _a, text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


cli = typer.Typer(
    name="zoomctl",
    help=HELP,
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    pretty_exceptions_enable=False,
)


@dataclass
class Invocation:
    """One run of the command line: the App it acts with (given by a test, or built by the
    root callback) and the UI that reports its failures."""

    app: App | None = None
    ui: UI | None = None


def _version(value: bool) -> None:
    if value:
        from zoomctl import __version__

        typer.echo(f"zoomctl {__version__}")
        raise typer.Exit()


@cli.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", metavar="NAME", envvar=env.PROFILE, help="Profile in config.toml.")
    ] = None,
    company_ref: Annotated[
        str | None, typer.Option("--company", metavar="COMPANY", envvar=env.COMPANY, help="Company slug or id.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="FILE|URL",
            envvar=env.DB,
            help="Workspace database: a SQLite file, or a postgresql:// URL for a shared workspace (no password in it).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only data and errors.")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; fail and name the flag instead.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks and (redacted) HTTP logs on stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    from zoomctl.app import App
    from zoomctl.cli.options import given
    from zoomctl.config import ConfigFile, resolve_settings
    from zoomctl.ui import UI

    invocation = ctx.ensure_object(Invocation)
    if debug:
        _enable_debug_logging()
    if invocation.app is None:
        invocation.ui = UI(quiet=quiet)
        flags = {  # values from the environment are resolve_settings' to read: it names their source
            "profile": given(ctx, "profile", profile),
            "company": given(ctx, "company_ref", company_ref),
            "database": given(ctx, "db", db),
        }
        _check_flags(flags)
        config = ConfigFile.load()
        settings = resolve_settings(config, flags)
        _check_settings(config, settings)
        _check_profile(config, settings, ctx.invoked_subcommand)
        invocation.app = App(config=config, settings=settings, ui=invocation.ui, debug=debug, no_input=no_input)
    ctx.obj = invocation.app


_FLAG_OF = {"profile": ("--profile", "NAME"), "company": ("--company", "COMPANY"), "database": ("--db", "FILE|URL")}


def _check_flags(flags: dict[str, str | None]) -> None:
    """A global option given with an empty value is refused (it would quietly mean the default)."""
    from zoomctl.errors import InvalidInput

    for key, value in flags.items():
        flag, metavar = _FLAG_OF[key]
        if value is not None and not value.strip():
            raise InvalidInput(f"{flag} is empty", hint=f"give {flag} {metavar}, or leave {flag} out for the default")


def _check_settings(config, settings) -> None:
    """Every setting, whichever source gave it (flag, environment, config.toml), is one line of UTF-8 text."""
    from zoomctl import textcheck
    from zoomctl.errors import ConfigError, InvalidInput

    for key, setting in settings.as_dict().items():
        if setting.value is None:
            continue
        try:
            limit = textcheck.MAX_REF if key in ("profile", "company") else textcheck.MAX_PATH
            textcheck.line(setting.value, f"the {key} setting ({setting.source})", limit=limit)
        except InvalidInput as exc:
            if setting.source.startswith("profile") or setting.source == "config":
                raise ConfigError(exc.message, hint=f"edit {config.path}") from None
            raise


def _check_profile(config, settings, command: str | None) -> None:
    """A profile named by flag, environment or config must exist (a typo would silently use a
    new, empty workspace); `config` itself may create one."""
    from zoomctl.config import DEFAULT_PROFILE
    from zoomctl.errors import ConfigError

    name = settings.profile.value
    if name == DEFAULT_PROFILE or name in config.profile_names() or command in ("config", None):
        return
    known = ", ".join(config.profile_names()) or "none yet"
    raise ConfigError(
        f"no profile '{name}' in {config.path} (set by {settings.profile.source}; profiles: {known})",
        hint=f"create it with `zoomctl --profile {name} config set company SLUG`, or choose another",
    )


def _enable_debug_logging() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    root_logger = logging.getLogger("zoomctl")
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None, app: App | None = None) -> int:
    """Run one command; returns the exit code (see ``zoomctl.exit_codes``).

    ``app``: a prepared App to act with (a test's own settings, UI or token store) instead
    of the one the root callback builds from flags, environment and config."""
    import importlib

    # the exceptions of the click that typer runs on (its own copy in newer typer)
    click = importlib.import_module(typer.BadParameter.__module__)
    invocation = Invocation(app, app.ui if app is not None else None)
    args = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in args
    code: int = ExitCode.FAILURE
    try:
        _check_arguments(args)
        command = typer.main.get_command(cli)
        _name_placeholders(command, deep=False)  # the commands under it are named as they load
        result = command.main(args=args, prog_name="zoomctl", obj=invocation, standalone_mode=False)
        # typer.Exit(code) comes back as its code; a command itself returns None
        code = int(result) if isinstance(result, int) and not isinstance(result, bool) else ExitCode.OK
    except typer.BadParameter as exc:
        if isinstance(exc, click.MissingParameter):  # the command line is incomplete: a usage error
            exc.show()
            code = exc.exit_code
        else:  # a value given is wrong: the same exit code as every other invalid value
            _ui(invocation).error(*_bad_value(exc))
            code = ExitCode.INVALID_INPUT
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except typer.Abort:
        _ui(invocation).error("aborted", hint="run the command again")
        code = ExitCode.FAILURE
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (ExitCode.OK if exc.code is None else ExitCode.FAILURE)
    except StdoutClosed:
        # the reader of stdout has gone (`zoomctl … | head`): what it wanted, it got
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = ExitCode.OK
    except ZoomctlError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _ui(invocation).error(exc)
        code = exc.exit_code
    except Exception as exc:  # a bug: one line, the traceback only with --debug
        if debug:
            import traceback

            traceback.print_exc()
        _ui(invocation).error(
            f"unexpected error: {type(exc).__name__}: {exc}",
            hint="run again with --debug for the traceback, and report it",
        )
        code = ExitCode.FAILURE
    finally:
        if invocation.app is not None:
            try:
                invocation.app.finish(ok=code == ExitCode.OK)
            except ZoomctlError as exc:
                _ui(invocation).error(exc)
                code = exc.exit_code
    return int(code)


def _check_arguments(args: list[str]) -> None:
    """Every argument is UTF-8 text (Python decodes the others with surrogateescape)."""
    from zoomctl import textcheck

    for index, arg in enumerate(args, start=1):
        textcheck.utf8(arg, f"argument {index}")


def _bad_value(exc) -> tuple[str, str]:
    """The `error:` and `fix:` lines for a value the command line's types refused (`--duration abc`)."""
    from zoomctl import textcheck

    text = textcheck.clip(exc.format_message().rstrip("."), 3 * textcheck.MAX_SHOWN)
    command = exc.ctx.command_path if exc.ctx is not None else "zoomctl"
    return text[:1].lower() + text[1:], f"see `{command} --help`"


_PLACEHOLDERS = {
    "start": "TIME",
    "from": "TIME",
    "duration": "MIN",
    "capacity": "N",
    "count": "N",
    "rate": "N",
    "timeout": "SECONDS",
    "session": "ID",
    "as": "ROLE",
}


def _name_placeholders(command, deep: bool = True) -> None:
    """Give every option that takes a value a readable placeholder (`--start TIME`, not `<str>`)."""
    for param in command.params:
        if getattr(param, "metavar", None) is not None or getattr(param, "is_flag", False):
            continue
        if param.param_type_name == "option":
            longest = max(param.opts, key=len).lstrip("-")
            param.metavar = _PLACEHOLDERS.get(longest, longest.split("-")[-1].upper())
        elif param.param_type_name == "argument":
            param.metavar = (param.name or "value").upper()
    for sub in getattr(command, "commands", {}).values() if deep else ():
        _name_placeholders(sub)


def _ui(invocation: Invocation) -> UI:
    from zoomctl.ui import UI

    return invocation.ui or UI()
