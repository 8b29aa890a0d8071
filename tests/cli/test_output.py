"""Output conventions: data on stdout, messages on stderr, --json, tab-separated tables off a terminal,
NO_COLOR, --quiet, errors as `error:` + `fix:` lines, no tracebacks, user text never read as markup."""

from __future__ import annotations

import io
import json
import re

import pytest

from zoomctl.errors import InvalidInput
from zoomctl.exit_codes import ExitCode
from zoomctl.ui import UI, Column

ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)")
ANSI_ANY = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

LISTINGS = [
    ("company", "list"),
    ("providers", "list"),
    ("services", "list"),
    ("classes", "list"),
    ("classes", "sessions", "list"),
    ("clients", "list"),
]


@pytest.fixture
def populated(catalog, client_id, db):
    from support import workspace

    from zoomctl.core import catalog as core
    from zoomctl.core import companies

    with workspace(db) as store:
        core.add_session(store, companies.get(store, catalog), "Morning yoga", "2099-12-01T09:30", "Dana")
    return catalog


def test_every_listing_has_json_on_stdout_only(zc, populated):
    for listing in LISTINGS:
        result = zc(*listing, "--json")
        assert result.exit_code == 0, (listing, result.stderr)
        data = json.loads(result.stdout)
        assert isinstance(data, list) and len(data) == 1, listing
        assert result.stderr == "", listing


def test_piped_tables_are_tab_separated_without_header_or_markup(zc, populated):
    for listing in LISTINGS:
        result = zc(*listing)
        assert result.exit_code == 0, (listing, result.stderr)
        lines = result.stdout.splitlines()
        assert len(lines) == 1, (listing, lines)
        assert "\t" in lines[0], listing
        assert not ANSI_ANY.search(result.stdout), listing
        assert not any(ch in result.stdout for ch in "│┃━─"), listing


def test_quiet_keeps_the_data(zc, populated):
    for listing in LISTINGS:
        assert zc("--quiet", *listing).stdout == zc(*listing).stdout != "", listing
    assert zc("-q", "services", "list", "--json").stdout == zc("services", "list", "--json").stdout


def test_quiet_suppresses_messages_not_errors(zc, company):
    added = zc("--quiet", "providers", "add", "Dana Smith")
    assert added.exit_code == 0
    assert added.stderr == "" and added.stdout == ""
    empty = zc("-q", "services", "list")
    assert empty.stderr == ""
    failed = zc("-q", "providers", "add", "Dana Smith")
    assert failed.exit_code == ExitCode.CONFLICT
    assert failed.stderr.startswith("error: ")


def test_quiet_keeps_warnings(zc, catalog):
    assert zc("feature", "disable").exit_code == 0
    result = zc("-q", "services", "online", "Private lesson", "--on")
    assert "warning:" in result.stderr


def test_messages_go_to_stderr_and_json_results_to_stdout(zc, company):
    plain = zc("providers", "add", "Dana Smith")
    assert plain.stdout == "" and "added provider Dana Smith" in plain.stderr
    as_json = zc("providers", "add", "Alex Kim", "--json")
    assert as_json.stderr == "" and json.loads(as_json.stdout)["name"] == "Alex Kim"


def test_json_field_names_are_stable(zc, populated):
    expected = {
        ("company", "list"): ["id", "slug", "name", "timezone", "online_meetings_enabled", "created_at", "current"],
        ("providers", "list"): [
            "id",
            "name",
            "email",
            "zoom_user_id",
            "zoom_user_email",
            "zoom_user_type",
            "created_at",
        ],
        ("services", "list"): ["id", "name", "duration_minutes", "online", "providers", "created_at"],
        ("classes", "list"): ["id", "name", "duration_minutes", "capacity", "online", "created_at"],
        ("classes", "sessions", "list"): [
            "id",
            "class_id",
            "class_name",
            "provider_id",
            "provider_name",
            "starts_at",
            "status",
            "booked",
            "capacity",
            "starts_local",
        ],
        ("clients", "list"): ["id", "email", "name", "created_at"],
    }
    for listing, keys in expected.items():
        assert list(zc(*listing, "--json").json()[0]) == keys, listing


def test_json_values_have_json_types(zc, populated):
    service = zc("services", "list", "--json").json()[0]
    assert isinstance(service["id"], int) and isinstance(service["online"], bool)
    assert isinstance(service["providers"], list)
    session = zc("classes", "sessions", "list", "--json").json()[0]
    assert isinstance(session["booked"], int) and session["starts_at"].endswith("Z")


def test_json_keeps_non_ascii_text(zc, company):
    result = zc("providers", "add", "Zoë Müller", "--json")
    assert '"Zoë Müller"' in result.stdout


@pytest.mark.parametrize(
    "args, code",
    [
        (("providers", "add", "Dana", "--email", "nope"), ExitCode.INVALID_INPUT),
        (("providers", "show", "Nobody"), ExitCode.NOT_FOUND),
        (("services", "add", "X", "--duration", "0"), ExitCode.INVALID_INPUT),
        (("company", "create", "X", "--timezone", "Nowhere"), ExitCode.INVALID_INPUT),
    ],
)
def test_errors_are_two_lines_on_stderr(zc, company, args, code):
    result = zc(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("  fix: ")
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2_without_a_traceback(zc, company):
    for args in (("nosuch",), ("providers", "add"), ("services", "add", "X"), ("--bogus", "company", "list")):
        result = zc(*args)
        assert result.exit_code == ExitCode.USAGE, args
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_debug_adds_the_traceback(zc, company, monkeypatch):
    from zoomctl.core import catalog

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "providers", crash)
    quiet = zc("providers", "list")
    assert quiet.exit_code == ExitCode.FAILURE and "Traceback" not in quiet.stderr
    loud = zc("--debug", "providers", "list")
    assert loud.exit_code == ExitCode.FAILURE
    assert "Traceback" in loud.stderr and "RuntimeError: boom" in loud.stderr


def test_ctrl_c_exits_130(zc, company, monkeypatch):
    from zoomctl.core import catalog

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog, "providers", interrupt)
    result = zc("providers", "list")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert "Traceback" not in result.stderr


def test_version(zc):
    from zoomctl import version

    result = zc("--version")
    assert result.exit_code == 0
    assert result.stdout == f"zoomctl {version()}\n"


def test_help_has_an_example(zc):
    for args in (("--help",), ("services", "online", "--help"), ("classes", "sessions", "add", "--help")):
        result = zc(*args)
        assert result.exit_code == 0
        assert "zoomctl" in result.stdout and "Example" in result.stdout


# ---- user text is never markup; NO_COLOR ---------------------------------------------------
MARKUP_NAME = "[bold red]Dana[/bold red] [link=http://x]Smith[/link]"


def test_user_text_is_printed_literally_off_a_terminal(zc, company):
    added = zc("providers", "add", MARKUP_NAME)
    assert added.exit_code == 0, added.stderr
    assert MARKUP_NAME in added.stderr
    assert MARKUP_NAME in zc("providers", "list").stdout
    assert MARKUP_NAME in zc("providers", "show", "1").stdout


def tty_ui(quiet=False):
    out, err = io.StringIO(), io.StringIO()
    return UI(quiet=quiet, stdout=out, stderr=err, force_tty=True), out, err


def test_user_text_is_printed_literally_on_a_terminal():
    ui, out, err = tty_ui()
    ui.table([{"name": MARKUP_NAME}], [Column("name", "Name")])
    ui.success(f"added provider {MARKUP_NAME}")
    ui.error(InvalidInput(f"no provider '{MARKUP_NAME}'", hint="see [b]list[/b]"))
    plain_out, plain_err = ANSI_ANY.sub("", out.getvalue()), ANSI_ANY.sub("", err.getvalue())
    assert "[bold red]Dana[/bold red]" in plain_out
    assert f"added provider {MARKUP_NAME}" in plain_err
    assert "see [b]list[/b]" in plain_err


def test_no_color_on_a_terminal(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    ui, out, err = tty_ui()
    ui.table([{"name": "Dana"}], [Column("name", "Name")])
    ui.success("done")
    ui.warn("careful")
    ui.error("broken", hint="fix it")
    assert not ANSI_COLOR.search(out.getvalue() + err.getvalue()), repr(err.getvalue())
    assert "error: broken" in ANSI_ANY.sub("", err.getvalue())


def test_colour_on_a_terminal_without_no_color(monkeypatch):
    """The check above can fail: with NO_COLOR unset, the same calls do colour a terminal."""
    monkeypatch.delenv("NO_COLOR")
    ui, out, err = tty_ui()
    ui.error("broken", hint="fix it")
    assert ANSI_COLOR.search(err.getvalue())


def test_a_terminal_gets_a_table_with_a_header():
    ui, out, err = tty_ui()
    ui.table([{"id": 1, "name": "Dana"}], [Column("id", "ID"), Column("name", "Name")])
    text = ANSI_ANY.sub("", out.getvalue())
    assert "ID" in text and "Name" in text and "Dana" in text
    assert "\t" not in text


def test_quiet_ui_keeps_data_and_errors():
    ui, out, err = tty_ui(quiet=True)
    ui.info("chatter")
    ui.success("chatter")
    ui.table([], [Column("id", "ID")])
    ui.line("data")
    ui.json({"a": 1})
    ui.error("broken", hint="fix it")
    assert out.getvalue() == 'data\n{\n  "a": 1\n}\n'
    assert "chatter" not in err.getvalue()
    assert "broken" in err.getvalue()


def test_progress_is_silent_off_a_terminal():
    out, err = io.StringIO(), io.StringIO()
    ui = UI(stdout=out, stderr=err)
    with ui.progress(3, "working") as advance:
        advance(1)
        advance(2)
    assert out.getvalue() == "" and err.getvalue() == ""


def test_csv_output():
    out = io.StringIO()
    UI(stdout=out).csv([{"a": 1, "b": None, "c": "x,y"}], ["a", "b", "c"])
    assert out.getvalue() == 'a,b,c\n1,,"x,y"\n'
