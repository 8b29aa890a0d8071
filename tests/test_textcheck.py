"""The one validation layer for user text (zoomctl.textcheck): examples, then properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zoomctl import textcheck
from zoomctl.core import validate
from zoomctl.errors import InvalidInput

# ---- strategies --------------------------------------------------------------------------
TRICKY = [
    "\x00", "\x07", "\t", "\n", "\r", "\x1b", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066",
    "\udcff", "\udc80", "\ud800", "@", ".", "..", "-", "_", " ", "  ", "<", ">", '"', "'", "(", ")", "[", "]", ":",
    "/", "?", "#", "%", "é", "e\u0301", "İ", "ß", "\u00a0", "\u200b", "\ufeff", "٣", "１", "0", "9", "e", "E",
    "+", "nan", "inf", "http://", "https://", "a@b.c", "example.com", "localhost", ":8080", ":99999", "[::1]",
]  # fmt: skip
pieces = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8))
tricky_text = st.lists(pieces, max_size=12).map("".join)
# what the command line hands over: any bytes, decoded as Python decodes argv
argv_text = st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape"))
any_text = st.one_of(st.text(), tricky_text, argv_text)

atom = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=10)
label = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z")
addresses = st.builds(
    lambda local, labels, tld: f"{'.'.join(local)}@{'.'.join([*labels, tld])}",
    st.lists(atom, min_size=1, max_size=3),
    st.lists(label, min_size=1, max_size=3),
    st.from_regex(r"\A[a-z]{2,6}\Z"),
)


def checks():
    """Every text check, as (name, function of one string)."""
    return [
        ("line", lambda v: textcheck.line(v, "the value", limit=50)),
        ("name", lambda v: textcheck.name(v, "provider")),
        ("ref", lambda v: textcheck.ref(v, "service")),
        ("email", textcheck.email),
        ("zoom_user_ref", textcheck.zoom_user_ref),
        ("url", lambda v: textcheck.url(v, "`zoom_api_url`")),
        ("number", lambda v: textcheck.number(v, "--timeout", low=0.1, high=86400)),
        ("integer", lambda v: textcheck.number(v, "the duration", low=1, high=1440, integer=True)),
        ("time_text", textcheck.time_text),
        ("path", lambda v: textcheck.path(v, "--db")),
        ("slug", validate.slug),
        ("timezone", validate.timezone),
        ("start_time", lambda v: validate.start_time(v, "Europe/Berlin", past_ok=True)),
    ]


CHECKS = checks()
IDEMPOTENT = {"line", "name", "ref", "email", "zoom_user_ref", "url", "number", "integer", "time_text", "path", "slug"}


def assert_clean(error: InvalidInput) -> None:
    """A refusal: one line of cause and one of fix, nothing a terminal would act on, short."""
    for text in (error.message, error.hint):
        assert text, error
        assert not any(textcheck.is_control(ch) for ch in text), repr(text)
        assert len(text) <= 400, text


# ---- examples ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, why",
    [
        ("a@b..c", "empty part"),
        ("", "empty"),
        ("   ", "empty"),
        ("<script>alert(1)</script>@example.com", "angle brackets"),
        ("Dana Smith <dana@example.com>", "angle brackets"),
        ("dana@example.com (Dana)", "spaces"),
        ("dana", "no @"),
        ("a@b@example.com", "more than one @"),
        ("@example.com", "nothing before"),
        ("dana@", "nothing after"),
        ("dana@localhost", "no dot"),
        ("dana@-example.com", "hyphen"),
        ("dana@exa_mple.com", "cannot hold"),
        ("dana@10.0.0.1", "number"),
        ("dana@[10.0.0.1]", "cannot hold"),
        ('"dana smith"@example.com', "spaces"),
        ('"dana"@example.com', "plain address name"),
        ("dana..smith@example.com", "plain address name"),
        (".dana@example.com", "plain address name"),
        ("x" * 65 + "@example.com", "longer than 64"),
        ("dana@" + "x" * 64 + ".com", "longer than 63"),
        ("a" * 10_000 + "@example.com", "10012 characters long, more than 254"),
        ("dana\x07@example.com", "control character \\x07"),
        ("dana@example.com\x1b[2J", "control character \\x1b"),
        ("dana\udcff@example.com", "not valid UTF-8"),
    ],
)
def test_emails_that_are_not_addresses(value, why):
    with pytest.raises(InvalidInput) as caught:
        textcheck.email(value)
    assert why in caught.value.message
    assert_clean(caught.value)
    assert len(caught.value.message) < 250


@pytest.mark.parametrize(
    "value, expected",
    [
        ("dana@example.com", "dana@example.com"),
        ("  Dana.Smith+yoga@Example.COM ", "dana.smith+yoga@example.com"),
        ("o'neil@example.co.uk", "o'neil@example.co.uk"),
        ("dana@bücher.de", "dana@bücher.de"),
        ("x" * 64 + "@example.com", "x" * 64 + "@example.com"),
    ],
)
def test_emails_that_are_addresses(value, expected):
    assert textcheck.email(value) == expected


def test_a_display_name_form_is_answered_with_the_address_inside():
    with pytest.raises(InvalidInput) as caught:
        textcheck.email("Dana Smith <dana@example.com>")
    assert caught.value.hint == "give the address alone: dana@example.com"


@pytest.mark.parametrize(
    "value, why",
    [
        ("not a url", "holds a space"),
        ("http://exa mple.com", "holds a space"),
        ("http://example.com:99999", "port"),
        ("http://example.com:0", "port"),
        ("http://example.com:", "port"),
        ("http://example.com:http", "port"),
        ("http://[::1", "cannot be read as a URL"),
        ("http://[not-ipv6]/v2", "does not appear to be an IPv4 or IPv6 address"),
        ("http://[" + "x" * 1500 + "]/v2", "cannot be read as a URL"),
        ("ftp://example.com", "http:// or https://"),
        ("example.com/v2", "http:// or https://"),
        ("http:///v2", "no host"),
        ("https://user:secret@example.com", "user name or password"),
        ("https://example.com/v2?x=1", "query"),
        ("https://example.com/v2#top", "fragment"),
        ("https://-example.com", "hyphen"),
        ("https://exa..mple.com", "empty part"),
        ("https://example.com/\x1b[31m", "control character"),
        ("https://example.com/" + "x" * 3000, "more than 2048"),
    ],
)
def test_urls_refused(value, why):
    with pytest.raises(InvalidInput) as caught:
        textcheck.url(value, "`zoom_api_url`", example="zoomctl config set zoom_api_url https://api.zoom.us/v2")
    assert why in caught.value.message
    assert_clean(caught.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://api.zoom.us/v2/", "https://api.zoom.us/v2"),
        ("http://127.0.0.1:8765/v2", "http://127.0.0.1:8765/v2"),
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("http://localhost:1", "http://localhost:1"),
        ("http://zoom_mock:65535/v2", "http://zoom_mock:65535/v2"),
        ("https://zoom.example.com.", "https://zoom.example.com."),
    ],
)
def test_urls_accepted(value, expected):
    assert textcheck.url(value, "`zoom_api_url`") == expected


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e308", "0", "-1", "abc", "", "1" * 5000, "0x10"])
def test_timeouts_refused(value):
    with pytest.raises(InvalidInput) as caught:
        textcheck.number(value, "--timeout", low=0.1, high=86400)
    assert_clean(caught.value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e308, 0.0, True])
def test_numbers_already_parsed_are_checked_too(value):
    with pytest.raises(InvalidInput):
        textcheck.number(value, "--timeout", low=0.1, high=86400)


def test_whole_numbers():
    assert textcheck.number(" 60 ", "the duration", low=1, high=1440, integer=True) == 60
    assert textcheck.number(60.0, "the duration", low=1, high=1440, integer=True) == 60
    for bad in ("60.5", "sixty", 60.5, "1441"):
        with pytest.raises(InvalidInput):
            textcheck.number(bad, "the duration", low=1, high=1440, integer=True)


@pytest.mark.parametrize(
    "value, why",
    [
        ("Dana\x07", "control character \\x07"),
        ("Dana\x1b[31mRed", "control character \\x1b"),
        ("Dana\tSmith", "control character \\x09"),
        ("Dana\nSmith", "control character \\x0a"),
        ("Dana\u202eevil", "control character \\u202e"),
        ("Dana\x9bSmith", "control character \\x9b"),
        ("Dana\udcff", "not valid UTF-8"),
        ("x" * 201, "201 characters long, more than 200"),
        ("x" * 100_000, "100000 characters long, more than 200"),
        ("\u200b\u200b", "no visible character"),
        ("  ", "empty"),
        ("12345", "only digits"),
    ],
)
def test_names_refused(value, why):
    with pytest.raises(InvalidInput) as caught:
        textcheck.name(value, "provider")
    assert why in caught.value.message
    assert_clean(caught.value)


def test_names_are_collapsed_and_composed():
    assert textcheck.name("  Dana \u00a0  Smith ", "provider") == "Dana Smith"
    assert textcheck.name("Jose\u0301", "provider") == "José"


@pytest.mark.parametrize("value", ["me", "ME", "dana@example.com", "KDcuGIm1QgePTO8WbOqwIQ", "u-1_a"])
def test_zoom_user_references(value):
    assert textcheck.zoom_user_ref(value)


@pytest.mark.parametrize("value", ["x" * 100_000, "not an id", "dana@", "id\x1b", "ïd"])
def test_zoom_user_references_refused(value):
    with pytest.raises(InvalidInput) as caught:
        textcheck.zoom_user_ref(value)
    assert "URL" not in caught.value.message  # the cause is the reference, not the configured URL
    assert_clean(caught.value)


def test_shown_quotes_escapes_and_truncates():
    assert textcheck.shown("abc") == "'abc'"
    assert textcheck.shown("a\x1bb\u202ec\udcff") == "'a\\x1bb\\u202ec\\xff'"
    long = textcheck.shown("x" * 10_000)
    assert long == "'" + "x" * 79 + "…'"
    assert textcheck.shown("x" * 80) == "'" + "x" * 80 + "'"
    # an escape is never cut in half
    assert textcheck.shown("x" * 78 + "\x1b" * 3) == "'" + "x" * 78 + "…'"
    assert textcheck.shown(1e308) == "'1e+308'"


def test_visible_escapes_and_keeps_lines_when_asked():
    assert textcheck.visible("ok") == "ok"
    assert textcheck.visible("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert textcheck.visible("a\nb\tc") == "a\\x0ab\\x09c"
    assert textcheck.visible("a\nb\tc\x1b", multiline=True) == "a\nb\tc\\x1b"


def test_validate_keeps_its_signatures_and_uses_the_layer():
    assert validate.email(" Dana@Example.com") == "dana@example.com"
    assert validate.name(" Morning  yoga ", "class") == "Morning yoga"
    assert validate.duration(60) == 60 and validate.capacity(12) == 12
    for call in (
        lambda: validate.email("a@b..c"),
        lambda: validate.name("Yoga\x1b[2J", "class"),
        lambda: validate.timezone("Europe/Berlin\x00"),
        lambda: validate.timezone("x" * 10_000),
        lambda: validate.slug("a" * 10_000),
        lambda: validate.start_time("2099-01-01T09:00\x1b", "UTC"),
    ):
        with pytest.raises(InvalidInput) as caught:
            call()
        assert_clean(caught.value)


# ---- properties --------------------------------------------------------------------------
@pytest.mark.parametrize("check_name, check", CHECKS, ids=[n for n, _ in CHECKS])
@settings(max_examples=300, deadline=None)
@given(value=any_text)
@example(value="\udcff")
@example(value="x" * 100_000)
def test_no_text_crashes_a_check(check_name, check, value):
    """Whatever the text, a check answers with a value or an InvalidInput, never anything else."""
    try:
        result = check(value)
    except InvalidInput as exc:
        assert_clean(exc)
        return
    if isinstance(result, str):
        assert not any(textcheck.is_control(ch) for ch in result), repr(result)
    if check_name in IDEMPOTENT:
        again = check(result if isinstance(result, str) else str(result))
        assert again == result, (value, result, again)


@settings(max_examples=300, deadline=None)
@given(value=any_text)
def test_any_text_with_a_control_character_is_refused(value):
    if any(textcheck.is_control(ch) for ch in value):
        for check_name, check in CHECKS:
            if check_name == "start_time" and not value.strip():
                continue
            with pytest.raises(InvalidInput):
                check(value)


@settings(max_examples=300, deadline=None)
@given(value=any_text, limit=st.integers(min_value=1, max_value=200))
def test_shown_is_bounded_and_free_of_control_characters(value, limit):
    out = textcheck.shown(value, limit)
    assert out.startswith("'") and out.endswith("'")
    assert len(out) <= limit + 2
    assert not any(textcheck.is_control(ch) for ch in out)
    if len(textcheck.visible(value)) <= limit:
        assert out == "'" + textcheck.visible(value) + "'"
    else:
        assert out.endswith("…'")


@given(value=any_text)
def test_visible_is_free_of_control_characters_and_keeps_clean_text(value):
    out = textcheck.visible(value)
    assert not any(textcheck.is_control(ch) for ch in out)
    if not any(textcheck.is_control(ch) for ch in value):
        assert out == value
    multi = textcheck.visible(value, multiline=True)
    assert multi.count("\n") == value.count("\n")
    assert not any(textcheck.is_control(ch) for ch in multi.replace("\n", "").replace("\t", ""))


@settings(max_examples=300)
@given(address=addresses)
def test_well_formed_addresses_are_accepted_in_lowercase(address):
    assert textcheck.email(address.upper()) == address.lower()


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_a_number_is_accepted_exactly_when_finite_and_in_range(value):
    ok = math.isfinite(value) and 0.1 <= value <= 86400
    for given_as in (value, repr(value)):
        if ok:
            assert textcheck.number(given_as, "--timeout", low=0.1, high=86400) == value
        else:
            with pytest.raises(InvalidInput):
                textcheck.number(given_as, "--timeout", low=0.1, high=86400)


@given(value=st.integers())
def test_whole_numbers_round_trip(value):
    ok = 1 <= value <= 1440
    try:
        result = textcheck.number(str(value), "the duration", low=1, high=1440, integer=True)
    except InvalidInput:
        assert not ok
    else:
        assert ok and result == value and type(result) is int


# ---- choice: a status, a shell ------------------------------------------------------------
CHOICES = ["bash", "zsh", "fish"]


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=300))
def test_choice_gives_back_a_listed_value_or_refuses_with_a_short_quote(value):
    try:
        out = textcheck.choice(value, "shell", CHOICES)
    except InvalidInput as exc:
        assert value not in CHOICES
        assert not any(textcheck.is_control(ch) for ch in exc.message + (exc.hint or ""))
        assert len(exc.message) < 200
    else:
        assert out == value and out in CHOICES


@pytest.mark.parametrize("choice", CHOICES)
def test_choice_takes_each_listed_value(choice):
    assert textcheck.choice(choice, "shell", CHOICES) == choice


def test_no_control_character_is_printable():
    """What ``has_control`` relies on to settle the common case with ``str.isprintable``."""
    printable_controls = [
        hex(code) for code in range(0x110000) if textcheck.is_control(chr(code)) and chr(code).isprintable()
    ]
    assert printable_controls == []


@settings(max_examples=300)
@given(text=st.text(), kept=st.sampled_from(["", "\n", "\n\t"]))
def test_has_control_agrees_with_a_scan_of_every_character(text, kept):
    assert textcheck.has_control(text, kept) == any(textcheck.is_control(ch) and ch not in kept for ch in text)
