"""`zoomctl templates …` through the command line: overrides, precedence, validation, rendering."""

from __future__ import annotations

import pytest
from support import assert_clean_error, dump, execute, rows, zoomctl_process

from zoomctl.core.templates import DEFAULTS, Channel, Kind
from zoomctl.exit_codes import ExitCode

# Booking 1: service 'Lesson' with provider P0, created meeting; booking 2: the same with P1;
# booking 4: class 'Yoga' (P3); booking 6: a failed meeting; booking 12: a pending one.


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def test_list_shows_every_kind_and_channel_and_the_overrides(zc, gen):
    listed = ok(zc("templates", "list", "--json")).json()
    assert [(r["kind"], r["channel"]) for r in listed] == [(k.value, c.value) for k in Kind for c in Channel]
    assert all(r["overrides"] == [] for r in listed)
    ok(zc("templates", "set", "client-reminder", "-", "--channel", "sms", "--service", "Lesson", input="[service]"))
    listed = ok(zc("templates", "list", "--json")).json()
    (reminder,) = [r for r in listed if r["kind"] == "client-reminder" and r["channel"] == "sms"]
    assert [(o["source"], o["service"], o["provider"]) for o in reminder["overrides"]] == [("service", "Lesson", None)]
    assert "service (Lesson)" in ok(zc("templates", "list")).stdout


def test_variables(zc, gen):
    names = [v["name"] for v in ok(zc("templates", "variables", "--json")).json()]
    assert "online_meeting_link" in names and "online_meeting_provider_link" in names and len(names) == 11
    assert "[online_meeting_link]" in ok(zc("templates", "variables")).stdout


def test_show_gives_the_built_in_text_by_default(zc, gen):
    shown = ok(zc("templates", "show", "client-confirmation", "--json")).json()
    default = DEFAULTS[(Kind.CLIENT_CONFIRMATION, Channel.EMAIL)]
    assert shown["source"] == "built-in" and shown["body"] == default.body and shown["subject"] == default.subject
    assert "[online_meeting_link]" in shown["body"]
    text = ok(zc("templates", "show", "provider-confirmation"))
    assert "[online_meeting_provider_link]" in text.stdout and "built-in" in text.stderr


def test_precedence_through_the_command_line(zc, gen, tmp_path):
    levels = {
        "company": (),
        "provider": ("--provider", "P0"),
        "service": ("--service", "Lesson"),
        "service+provider": ("--service", "Lesson", "--provider", "P0"),
    }
    for name, flags in levels.items():
        ok(zc("templates", "set", "client-confirmation", "-", "--subject", f"S {name}", *flags, input=f"B {name}"))

    def source(*flags):
        return ok(zc("templates", "show", "client-confirmation", *flags, "--json")).json()

    assert source("--service", "Lesson", "--provider", "P0")["body"] == "B service+provider"
    assert source("--service", "Lesson", "--provider", "P1")["body"] == "B service"
    assert source("--provider", "P0")["body"] == "B provider"
    assert source()["source"] == "company" and source("--provider", "P1")["body"] == "B company"
    # a booking gets its service's and provider's: booking 1 (Lesson, P0), 2 (Lesson, P1), 4 (class, P3)
    assert render(zc, "client-confirmation", 1)["body"] == "B service+provider"
    assert render(zc, "client-confirmation", 2)["source"] == "service"
    assert render(zc, "client-confirmation", 4)["source"] == "company"
    # reset, most specific first: each level falls back to the next one
    ok(zc("templates", "reset", "client-confirmation", "--service", "Lesson", "--provider", "P0"))
    assert render(zc, "client-confirmation", 1)["subject"] == "S service"
    ok(zc("templates", "reset", "client-confirmation", "--service", "Lesson"))
    assert render(zc, "client-confirmation", 1)["source"] == "provider"
    ok(zc("templates", "reset", "client-confirmation", "--provider", "P0"))
    ok(zc("templates", "reset", "client-confirmation"))
    assert render(zc, "client-confirmation", 1)["source"] == "built-in"
    again = ok(zc("templates", "reset", "client-confirmation", "--json")).json()
    assert again["removed"] is False and again["source"] == "built-in"


def test_set_replaces_and_keeps_the_subject_when_none_is_given(zc, gen, tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("Hello [client_name]\n", encoding="utf-8")
    ok(zc("templates", "set", "client-confirmation", "--file", str(body), "--subject", "Hi"))
    body.write_text("Again [client_name]\n", encoding="utf-8")
    shown = ok(zc("templates", "set", "client-confirmation", "--file", str(body), "--json")).json()
    assert shown["subject"] == "Hi" and shown["body"] == "Again [client_name]\n"
    assert len(rows(gen, "SELECT * FROM template_overrides")) == 1


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        ("Join: [online_meeting_lnk]", (), ("line 1, column 7", "did you mean [online_meeting_link]")),
        ("Hi\nJoin: [client_name", (), ("line 2, column 7", "unclosed")),
        ("", (), ("empty",)),
        ("Hi", ("--channel", "sms", "--subject", "S"), ("no subject",)),
        ("Hi", ("--subject", "a\nb"), ("line break",)),
        ("Hi", ("--channel", "fax"), ("unknown template channel",)),
        ("Hi", ("--service", "Nope"), ("no service",)),
    ],
)
def test_set_refuses_a_bad_template_and_saves_nothing(zc, gen, text, args, expected):
    code = ExitCode.NOT_FOUND if "Nope" in args else ExitCode.INVALID_INPUT
    before = dump(gen)
    res = zc("templates", "set", "client-confirmation", "-", *args, input=text)
    assert_clean_error(res, code)
    assert all(part in res.stderr for part in expected), res.stderr
    assert dump(gen) == before


def test_render_fills_in_the_booking_and_the_provider_start_page(zc, gen):
    done = render(zc, "provider-confirmation", 1)
    (meeting,) = rows(gen, "SELECT zoom_meeting_id, join_url FROM meetings WHERE booking_id = 1")
    assert f"/s/{meeting['zoom_meeting_id']}" in done["body"]
    assert "zak=" not in done["body"] and "pwd=" not in done["body"] and done["warnings"] == []
    client = render(zc, "client-confirmation", 1)
    assert meeting["join_url"] in client["body"] and "Client 0" in client["body"]
    assert "Wed 1 Jan 2031, 09:00" in client["body"] and "Europe/Berlin" in client["body"]


def test_html_escapes_every_value_and_makes_links_anchors(zc, gen):
    execute(gen, "UPDATE clients SET name = '<script>alert(1)</script>' WHERE email = 'c0@example.com'")
    done = render(zc, "client-confirmation", 1, "--html")
    assert "<script>" not in done["body"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in done["body"]
    assert '<a href="https://' in done["body"] and done["format"] == "html"
    plain = ok(zc("templates", "render", "client-confirmation", "--booking", "1"))
    assert "<script>alert(1)</script>" in plain.stdout  # plain text is the default


def test_sms_reports_length_and_segments_and_warns_past_three(zc, gen):
    done = render(zc, "client-confirmation", 1, "--channel", "sms")
    assert done["sms"]["encoding"] == "GSM-7" and done["sms"]["segments"] == 1 and done["subject"] is None
    text = ok(zc("templates", "render", "client-confirmation", "--booking", "1", "--channel", "sms"))
    assert "1 segment" in text.stderr and "warning" not in text.stderr
    ok(zc("templates", "set", "client-confirmation", "-", "--channel", "sms", input="€ " * 250 + "[client_name]"))
    long = ok(zc("templates", "render", "client-confirmation", "--booking", "1", "--channel", "sms", "--json"))
    # 250 × "€ " is 750 GSM-7 septets (€ takes two), + "Client 0": 758, five parts of 153
    assert long.json()["sms"]["segments"] == 5 and "warning: the SMS takes 5 segments" in long.stderr
    ok(zc("templates", "set", "client-confirmation", "-", "--channel", "sms", input="Zoom 📅 [client_name]"))
    assert render(zc, "client-confirmation", 1, "--channel", "sms")["sms"]["encoding"] == "UCS-2"


def test_a_link_on_a_booking_without_a_meeting_renders_empty_with_a_warning(zc, gen):
    execute(gen, "DELETE FROM meetings WHERE booking_id = 1")
    res = ok(zc("templates", "render", "client-confirmation", "--booking", "1"))
    assert "Join online: \n" in res.stdout
    assert "warning: booking 1 has no meeting" in res.stderr and "bookings sync" not in res.stderr


@pytest.mark.parametrize(("booking", "status"), [(6, "failed"), (12, "pending")])
def test_a_pending_or_failed_meeting_names_bookings_sync(zc, gen, booking, status):
    res = ok(zc("templates", "render", "provider-confirmation", "--booking", str(booking)))
    assert f"is {status}" in res.stderr and f"zoomctl bookings sync {booking}" in res.stderr


def test_render_end_to_end_in_the_installed_process(gen, zoomctl_exe):
    done = zoomctl_process(zoomctl_exe, {}, "templates", "render", "client-reminder", "--booking", "6")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Subject: Reminder: Lesson on Wed 1 Jan 2031, 14:00\n")
    assert "Join online: \n" in done.stdout
    assert "zoomctl bookings sync 6" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("render", "client-confirmation", "--booking", "999"), ExitCode.NOT_FOUND),
        (("render", "client-confirmation", "--booking", "1", "--channel", "sms", "--html"), ExitCode.INVALID_INPUT),
        (("show", "client-confirmaton"), ExitCode.INVALID_INPUT),
        (("set", "client-confirmation"), ExitCode.INVALID_INPUT),
        (("set", "client-confirmation", "text.txt"), ExitCode.INVALID_INPUT),
        (("set", "client-confirmation", "--file", "missing.txt"), ExitCode.INVALID_INPUT),
    ],
)
def test_bad_commands_fail_cleanly(fails_cleanly, gen, args, code):
    fails_cleanly(code, "templates", *args)


def test_a_misspelt_kind_gets_a_suggestion(zc, gen):
    res = zc("templates", "show", "client-confirmaton")
    assert_clean_error(res, ExitCode.INVALID_INPUT)
    assert "did you mean client-confirmation" in res.stderr


def render(zc, kind, booking, *flags):
    return ok(zc("templates", "render", kind, "--booking", str(booking), *flags, "--json")).json()
