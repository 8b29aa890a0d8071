"""The template syntax: variables, the [[ escape, errors with their position and suggestion."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zoomctl.core.templates_parse import (
    VARIABLE_NAMES,
    TemplateSyntaxError,
    Text,
    Var,
    parse,
    position,
    suggest,
    unparse,
    variables_used,
)
from zoomctl.errors import InvalidInput
from zoomctl.exit_codes import ExitCode

from .helpers import template_text

GOOD = [
    ("", ()),
    ("plain text", (Text("plain text"),)),
    ("Hi [client_name]!", (Text("Hi "), Var("client_name"), Text("!"))),
    ("[online_meeting_link][booking_id]", (Var("online_meeting_link"), Var("booking_id"))),
    ("[[client_name]", (Text("[client_name]"),)),
    ("a [[ b", (Text("a [ b"),)),
    ("[[[service]]", (Text("["), Var("service"), Text("]"))),
    ("closing ] and ]] stay", (Text("closing ] and ]] stay"),)),
    ("line one\n[timezone]\n", (Text("line one\n"), Var("timezone"), Text("\n"))),
    ("[[[[", (Text("[["),)),
]


@pytest.mark.parametrize("text, segments", GOOD)
def test_good_templates_parse(text, segments):
    assert parse(text) == segments
    assert unparse(segments) == text


BAD = [
    # text, problem, line, column, suggestion
    ("[online_meeting_lnk]", "unknown variable [online_meeting_lnk]", 1, 1, "online_meeting_link"),
    (
        "Join: [online_meeting_provider_lnk]",
        "unknown variable [online_meeting_provider_lnk]",
        1,
        7,
        "online_meeting_provider_link",
    ),
    ("Hello\n  dear [Client Name],", "unknown variable [Client Name]", 2, 8, "client_name"),
    ("[client-email]", "unknown variable [client-email]", 1, 1, "client_email"),
    ("[ service ]", "unknown variable [ service ]", 1, 1, "service"),
    ("[start_datetime]", "unknown variable [start_datetime]", 1, 1, "start_date_time"),
    ("a\nb\n[xyzzy]", "unknown variable [xyzzy]", 3, 1, None),
    ("[]", "unknown variable []", 1, 1, None),
    ("Hi [client_name", "unclosed [", 1, 4, "client_name"),
    ("Hi [client_name\n]", "unclosed [", 1, 4, "client_name"),
    ("x\n\n   [booking_id [service]", "unclosed [", 3, 4, "booking_id"),
    ("[service] then [", "unclosed [", 1, 16, None),
    ("[[ok]] [[ then [", "unclosed [", 1, 16, None),
    ("ok [service] [[x]\n[compnay_name]", "unknown variable [compnay_name]", 2, 1, "company_name"),
]


@pytest.mark.parametrize("text, problem, line, column, suggestion", BAD)
def test_bad_templates_name_the_position_and_the_fix(text, problem, line, column, suggestion):
    with pytest.raises(TemplateSyntaxError) as caught:
        parse(text, "body")
    error = caught.value
    assert (error.problem, error.line, error.column, error.suggestion) == (problem, line, column, suggestion)
    assert error.message == f"{problem} in the body at line {line}, column {column}"
    assert text[error.offset] == "["
    if suggestion:
        assert f"[{suggestion}]" in error.hint
    else:
        assert "[[" in error.hint


def test_the_did_you_mean_hint_reads_as_the_issue_says():
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("[online_meeting_lnk]")
    assert caught.value.message == "unknown variable [online_meeting_lnk] at line 1, column 1"
    assert caught.value.hint.startswith("did you mean [online_meeting_link]?")


def test_the_error_is_invalid_input_with_exit_code_3():
    with pytest.raises(InvalidInput) as caught:
        parse("[nope]")
    assert caught.value.exit_code == ExitCode.INVALID_INPUT == 3


def test_a_long_unknown_name_is_cut_in_the_message():
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("[" + "x" * 300 + "]")
    assert len(caught.value.message) < 100
    assert "…" in caught.value.message


def test_columns_count_characters_not_bytes():
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("Grüße 😀 [nme]")
    assert (caught.value.line, caught.value.column) == (1, 9)


def test_position_of_offsets():
    text = "ab\ncd\n\nx"
    assert [position(text, i) for i in range(len(text))] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 1),
        (4, 1),
    ]


def test_suggest_finds_near_misses_only():
    assert suggest("online_meeting_lnk") == "online_meeting_link"
    assert suggest("PROVIDER NAME") == "provider_name"
    assert suggest("weather") is None


def test_variables_used_lists_each_once_in_order():
    assert variables_used(parse("[service] [client_name] [service]")) == ("service", "client_name")


def test_every_variable_parses():
    for name in VARIABLE_NAMES:
        assert parse(f"[{name}]") == (Var(name),)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), template_text))
@example("[online_meeting_link")
@example("[[[")
def test_the_parser_never_crashes_and_round_trips(text):
    try:
        segments = parse(text)
    except TemplateSyntaxError as error:
        assert 0 <= error.offset < len(text) and text[error.offset] == "["
        assert (error.line, error.column) == position(text, error.offset)
        assert error.hint
        return
    assert unparse(segments) == text
    assert all(s.text for s in segments if isinstance(s, Text))
    assert all(s.name in VARIABLE_NAMES for s in segments if isinstance(s, Var))
