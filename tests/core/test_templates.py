"""Templates per kind and channel: built-in texts, validation, precedence and rendering."""

from __future__ import annotations

import html as html_lib
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoomctl.core import templates as t
from zoomctl.core.templates import Channel, Kind, Source, Template, TemplateContext
from zoomctl.errors import InvalidInput
from zoomctl.models import Booking, Company, MeetingLink, Registration, host_start_page

from .helpers import template_text

JOIN = "https://zoom.example/j/85212345678?pwd=abc"
START_PAGE = "https://zoom.example/s/85212345678"
BERLIN_WINTER = datetime(2027, 3, 14, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)


def context(**changes) -> TemplateContext:
    fields = dict(
        booking_id=42,
        company_name="Acme Yoga",
        timezone="Europe/Berlin",
        starts_at=BERLIN_WINTER,
        ends_at=datetime(2027, 3, 14, 9, 0, tzinfo=UTC),
        client_name="Ada Lovelace",
        client_email="ada@example.com",
        provider_name="Grace",
        service="Private class",
        client_link=JOIN,
        provider_link=START_PAGE,
        meeting_status="created",
    )
    fields.update(changes)
    return TemplateContext(**fields)


# ---- kinds, channels and the built-in texts


def test_six_kinds_on_two_channels_each_have_a_valid_default():
    assert [k.value for k in Kind] == [
        "client-confirmation",
        "provider-confirmation",
        "client-cancellation",
        "provider-cancellation",
        "client-reminder",
        "provider-reminder",
    ]
    assert set(t.DEFAULTS) == {(k, c) for k in Kind for c in Channel} and len(t.DEFAULTS) == 12
    for (kind, channel), template in t.DEFAULTS.items():
        assert t.validate_template(template, channel) is template
        assert (template.subject is None) == (channel is Channel.SMS), (kind, channel)


@pytest.mark.parametrize("channel", list(Channel))
def test_defaults_carry_the_right_link(channel):
    def used(kind):
        template = t.default_template(kind, channel)
        return set(t.variables_used(t.parse(template.body)))

    for kind in (Kind.CLIENT_CONFIRMATION, Kind.CLIENT_REMINDER):
        assert "online_meeting_link" in used(kind) and "online_meeting_provider_link" not in used(kind)
    for kind in (Kind.PROVIDER_CONFIRMATION, Kind.PROVIDER_REMINDER):
        assert "online_meeting_provider_link" in used(kind) and "online_meeting_link" not in used(kind)
    for kind in (Kind.CLIENT_CANCELLATION, Kind.PROVIDER_CANCELLATION):
        assert not used(kind) & t.LINK_VARIABLES


def test_default_sms_texts_stay_in_gsm7_and_short():
    for kind in Kind:
        rendering = t.render(t.default_template(kind, Channel.SMS), context(), channel=Channel.SMS)
        assert rendering.sms.encoding == "GSM-7", kind
        assert rendering.sms.segments <= 2, kind
        assert not rendering.warnings


def test_kind_and_channel_from_the_command_line():
    assert t.parse_kind(" Client-Reminder ") is Kind.CLIENT_REMINDER
    assert t.parse_channel("SMS") is Channel.SMS
    assert Kind.PROVIDER_CANCELLATION.recipient == "provider"
    with pytest.raises(InvalidInput) as caught:
        t.parse_kind("client-confirmaton")
    assert caught.value.message == "unknown template kind 'client-confirmaton'"
    assert caught.value.hint == "did you mean client-confirmation?"
    with pytest.raises(InvalidInput) as caught:
        t.parse_channel("fax")
    assert caught.value.hint == "use one of: email, sms"


# ---- validation of a whole template


def test_validate_names_the_part_with_the_mistake():
    with pytest.raises(t.TemplateSyntaxError) as caught:
        t.validate_template(Template("fine [service]", subject="Hi [client_nme]"), Channel.EMAIL)
    assert caught.value.message == "unknown variable [client_nme] in the subject at line 1, column 4"
    assert caught.value.part == "subject" and caught.value.suggestion == "client_name"
    with pytest.raises(t.TemplateSyntaxError) as caught:
        t.validate_template(Template("ok\nJoin: [online_meeting_lnk]", subject="Hi"), Channel.EMAIL)
    assert (caught.value.part, caught.value.line, caught.value.column) == ("body", 2, 7)


@pytest.mark.parametrize(
    "template, channel, message",
    [
        (Template("body"), Channel.EMAIL, "the e-mail template has no subject"),
        (Template("body", subject="  "), Channel.EMAIL, "the e-mail template has no subject"),
        (Template("body", subject="Hi"), Channel.SMS, "an SMS template has no subject"),
        (Template(" \n", subject="Hi"), Channel.EMAIL, "the email template's text is empty"),
        (Template(""), Channel.SMS, "the sms template's text is empty"),
        (Template("x" * 20_001), Channel.SMS, "the template's body has 20001 characters, more than 20000"),
        (Template("b", subject="Hi\nthere"), Channel.EMAIL, "line break in the subject at line 1, column 3"),
        (Template("b", subject="Hi\r\n"), Channel.EMAIL, "line break in the subject at line 1, column 3"),
    ],
)
def test_validate_refuses_what_cannot_be_sent(template, channel, message):
    with pytest.raises(InvalidInput) as caught:
        t.validate_template(template, channel)
    assert caught.value.message == message
    assert caught.value.hint


# ---- precedence


def test_precedence_walks_all_five_levels():
    sp, s, p, c = (Template(f"{name} text") for name in ("sp", "s", "p", "c"))
    overrides = {(1, 7): sp, (1, None): s, (None, 7): p, (None, None): c}

    def pick(found, service=1, provider=7):
        return t.resolve(Kind.CLIENT_CONFIRMATION, Channel.SMS, found, service=service, provider=provider)

    assert pick(overrides) == t.Resolved(sp, Source.SERVICE_PROVIDER, (1, 7))
    del overrides[(1, 7)]
    assert pick(overrides) == t.Resolved(s, Source.SERVICE, (1, None))
    del overrides[(1, None)]
    assert pick(overrides) == t.Resolved(p, Source.PROVIDER, (None, 7))
    del overrides[(None, 7)]
    assert pick(overrides) == t.Resolved(c, Source.COMPANY, (None, None))
    del overrides[(None, None)]
    built_in = pick(overrides)
    assert built_in == t.Resolved(t.default_template(Kind.CLIENT_CONFIRMATION, Channel.SMS), Source.BUILT_IN)
    assert [s.value for s in Source] == ["service+provider", "service", "provider", "company", "built-in"]


def test_overrides_of_other_services_and_providers_do_not_apply():
    overrides = {(2, 7): Template("a"), (2, None): Template("b"), (None, 8): Template("c"), (1, 8): Template("d")}
    found = t.resolve(Kind.CLIENT_REMINDER, Channel.EMAIL, overrides, service=1, provider=7)
    assert found.source is Source.BUILT_IN and found.template.subject


def test_service_beats_provider_and_unknown_parts_skip_their_levels():
    overrides = {(1, None): Template("service"), (None, 7): Template("provider"), (1, 7): Template("both")}
    assert t.resolve(Kind.CLIENT_REMINDER, Channel.SMS, overrides, service=1).source is Source.SERVICE
    assert t.resolve(Kind.CLIENT_REMINDER, Channel.SMS, overrides, provider=7).source is Source.PROVIDER
    assert t.resolve(Kind.CLIENT_REMINDER, Channel.SMS, overrides).source is Source.BUILT_IN
    classes = {(("class", 1), None): Template("class")}
    assert t.resolve(Kind.CLIENT_REMINDER, Channel.SMS, classes, service=1).source is Source.BUILT_IN
    assert t.resolve(Kind.CLIENT_REMINDER, Channel.SMS, classes, service=("class", 1)).source is Source.SERVICE


# ---- rendering


def test_plain_rendering_of_the_client_confirmation():
    rendering = t.render(t.default_template(Kind.CLIENT_CONFIRMATION, Channel.EMAIL), context(), channel=Channel.EMAIL)
    assert rendering.subject == "Your booking: Private class on Sun 14 Mar 2027, 09:00"
    assert rendering.body.splitlines() == [
        "Hello Ada Lovelace,",
        "",
        "Your booking for Private class with Grace is confirmed.",
        "",
        "When: Sun 14 Mar 2027, 09:00 (Europe/Berlin)",
        f"Join online: {JOIN}",
        "Booking number: 42",
        "",
        "Kind regards,",
        "Acme Yoga",
    ]
    assert rendering.warnings == () and rendering.sms is None and not rendering.html


def test_every_variable_renders_its_value():
    body = " | ".join(f"[{name}]" for name in t.VARIABLE_NAMES)
    rendering = t.render(Template(body), context(), channel=Channel.SMS)
    assert rendering.body.split(" | ") == [
        JOIN,
        START_PAGE,
        "Ada Lovelace",
        "ada@example.com",
        "Grace",
        "Private class",
        "Sun 14 Mar 2027, 09:00",
        "Sun 14 Mar 2027, 10:00",
        "Acme Yoga",
        "42",
        "Europe/Berlin",
    ]


@pytest.mark.parametrize(
    "moment, zone, shown",
    [
        (datetime(2027, 3, 14, 8, 0, tzinfo=UTC), "Europe/Berlin", "Sun 14 Mar 2027, 09:00"),
        (datetime(2027, 7, 1, 7, 5, tzinfo=UTC), "Europe/Berlin", "Thu 1 Jul 2027, 09:05"),  # summer time
        (datetime(2027, 1, 1, 3, 30, tzinfo=UTC), "America/New_York", "Thu 31 Dec 2026, 22:30"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "UTC", "Thu 31 Dec 2026, 23:59"),
    ],
)
def test_dates_show_in_the_company_zone_in_the_documented_format(moment, zone, shown):
    assert t.format_date_time(moment, zone) == shown
    assert t.DATE_TIME_EXAMPLE == t.format_date_time(BERLIN_WINTER, "Europe/Berlin")


def test_html_escapes_every_value_and_the_text():
    nasty = '<script>alert("x")</script> & co'
    template = Template("Hi [client_name] <b>\n[service]", subject="[client_name]")
    rendering = t.render(template, context(client_name=nasty, service="a&b"), channel=Channel.EMAIL, html=True)
    assert rendering.body == ("Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co &lt;b&gt;<br>\na&amp;b")
    assert "<script>" not in rendering.body
    assert rendering.subject == nasty  # a subject is a mail header: plain text
    assert rendering.html and rendering.as_json()["format"] == "html"


def test_html_turns_links_into_anchors_with_the_href_escaped():
    link = 'https://zoom.example/j/1?pwd=a&x="><script>'
    rendering = t.render(
        Template("[online_meeting_link] [online_meeting_provider_link]", subject="s"),
        context(client_link=link),
        channel=Channel.EMAIL,
        html=True,
    )
    escaped = "https://zoom.example/j/1?pwd=a&amp;x=&quot;&gt;&lt;script&gt;"
    assert rendering.body == f'<a href="{escaped}">{escaped}</a> <a href="{START_PAGE}">{START_PAGE}</a>'


def test_html_never_makes_an_anchor_of_a_non_web_link():
    rendering = t.render(
        Template("[online_meeting_link]", subject="s"),
        context(client_link="javascript:alert(1)"),
        channel=Channel.EMAIL,
        html=True,
    )
    assert rendering.body == "javascript:alert(1)"


def test_plain_text_keeps_values_as_they_are_and_the_subject_on_one_line():
    rendering = t.render(
        Template("[client_name]", subject="For [client_name]"),
        context(client_name="<Ann>\nBcc: x@example.com"),
        channel=Channel.EMAIL,
    )
    assert rendering.body == "<Ann>\nBcc: x@example.com"
    assert rendering.subject == "For <Ann> Bcc: x@example.com"


def test_html_is_for_email_only():
    with pytest.raises(InvalidInput) as caught:
        t.render(Template("x"), context(), channel=Channel.SMS, html=True)
    assert caught.value.message == "an SMS has no HTML form"


def test_render_refuses_an_invalid_template():
    with pytest.raises(t.TemplateSyntaxError):
        t.render(Template("[oops]"), context(), channel=Channel.SMS)


LINKS = Template("A [online_meeting_link] B [online_meeting_provider_link] C [online_meeting_link]")


@pytest.mark.parametrize("status", ["pending", "failed", "deleted"])
def test_a_meeting_sync_can_mend_renders_empty_links_and_names_the_command(status):
    rendering = t.render(LINKS, context(client_link=None, provider_link=None, meeting_status=status), channel="sms")
    assert rendering.body == "A  B  C "
    assert [w.variable for w in rendering.warnings] == ["online_meeting_link", "online_meeting_provider_link"]
    first = rendering.warnings[0]
    assert first.message == f"the meeting of booking 42 is {status}: [online_meeting_link] renders empty"
    assert first.hint == "run `zoomctl bookings sync 42`, then render again"


def test_a_booking_without_a_meeting_warns_no_link_yet_without_a_sync_hint():
    rendering = t.render(LINKS, context(client_link=None, provider_link=None, meeting_status=None), channel="sms")
    assert [w.message for w in rendering.warnings] == [
        "booking 42 has no meeting, so no meeting link yet: [online_meeting_link] renders empty",
        "booking 42 has no meeting, so no meeting link yet: [online_meeting_provider_link] renders empty",
    ]
    assert all(w.hint is None for w in rendering.warnings)


def test_a_cancelled_booking_warns_that_it_is_cancelled():
    ctx = context(client_link=None, provider_link=None, meeting_status="deleted", booking_status="cancelled")
    rendering = t.render(Template("[online_meeting_link]"), ctx, channel=Channel.SMS)
    assert [(w.message, w.hint) for w in rendering.warnings] == [
        ("booking 42 is cancelled: [online_meeting_link] renders empty", None)
    ]


def test_only_the_empty_link_warns():
    rendering = t.render(LINKS, context(provider_link=None, meeting_status="created"), channel=Channel.SMS)
    assert [w.variable for w in rendering.warnings] == ["online_meeting_provider_link"]
    assert t.render(Template("no links [service]"), context(client_link=None), channel="sms").warnings == ()


@pytest.mark.parametrize(
    "link",
    [
        "https://zoom.example/s/85212345678?zak=eyJabc",
        "https://zoom.example/s/1?role=1&ZAK=x",
        "https://zoom.example/w/1?tk=secret",
        "https://zoom.example/s/1#tk=secret",
    ],
)
def test_a_provider_link_with_a_token_is_refused_without_repeating_it(link):
    with pytest.raises(t.HostTokenInLink) as caught:
        context(provider_link=link)
    assert "secret" not in str(caught.value) and "eyJ" not in str(caught.value)


def test_the_client_link_of_a_class_attendee_may_carry_its_personal_token():
    tk = "https://zoom.example/w/85212345678?tk=personal"
    assert t.render(Template("[online_meeting_link]"), context(client_link=tk), channel="sms").body == tk


def test_the_context_wants_aware_times_and_a_real_zone():
    with pytest.raises(ValueError, match="aware"):
        context(starts_at=datetime(2027, 3, 14, 9, 0))
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        context(timezone="Mars/Olympus")


def test_sms_rendering_reports_length_and_segments_and_warns_past_three():
    short = t.render(Template("[service]"), context(), channel=Channel.SMS)
    assert (short.sms.length, short.sms.segments) == (13, 1) and short.warnings == ()
    long = t.render(Template("[service] " + "x" * 460), context(), channel=Channel.SMS)
    assert long.sms.segments == 4
    assert [w.message for w in long.warnings] == ["the SMS takes 4 segments (GSM-7, 474 units), more than 3"]
    assert long.as_json()["sms"]["segments"] == 4 and long.as_json()["subject"] is None


# ---- a context from a stored booking


def booking(**changes) -> Booking:
    meeting = MeetingLink(1, 1, 42, None, 85212345678, "host", JOIN, "pw", "m", "created", None)
    fields = dict(
        id=42,
        company_id=1,
        kind="service",
        service_id=3,
        service="Private class",
        class_id=None,
        class_name=None,
        session_id=None,
        provider_id=7,
        provider="Grace",
        provider_zoom_user_id="host",
        client_id=5,
        client_email="ada@example.com",
        client_name=None,
        starts_at="2027-03-14T08:00:00Z",
        ends_at="2027-03-14T09:00:00Z",
        status="booked",
        is_test=False,
        online=True,
        meeting=meeting,
    )
    fields.update(changes)
    return Booking(**fields)


COMPANY = Company(1, "acme-yoga", "Acme Yoga", "Europe/Berlin", True, "2027-01-01T00:00:00Z")


def test_context_for_a_booking_takes_its_links_and_their_state():
    ctx = t.context_for_booking(booking(), COMPANY)
    assert ctx.client_link == JOIN
    assert ctx.provider_link == host_start_page(JOIN, 85212345678) == START_PAGE
    assert (ctx.meeting_status, ctx.booking_status, ctx.client_name) == ("created", "booked", "ada@example.com")
    rendering = t.render(t.default_template(Kind.PROVIDER_REMINDER, Channel.SMS), ctx, channel=Channel.SMS)
    assert rendering.body == (
        "Acme Yoga reminder: Private class with ada@example.com on Sun 14 Mar 2027, 09:00 (Europe/Berlin). "
        f"Start: {START_PAGE}"
    )


def test_context_for_a_class_booking_with_a_pending_registrant():
    meeting = MeetingLink(1, 1, None, 9, 85212345678, "host", JOIN, "pw", "m", "created", None)
    registrant = Registration(1, 1, 42, None, None, "pending", None)
    ctx = t.context_for_booking(
        booking(kind="class", service=None, class_name="Morning flow", meeting=meeting, registration=registrant),
        COMPANY,
    )
    assert (ctx.service, ctx.client_link, ctx.meeting_status) == ("Morning flow", None, "pending")
    warnings = t.render(Template("[online_meeting_link]"), ctx, channel=Channel.SMS).warnings
    assert warnings[0].hint == "run `zoomctl bookings sync 42`, then render again"


# ---- properties


values = st.one_of(st.text(max_size=40), st.sampled_from(["<script>x</script>", "a & b", '"q" <i>']))
link_values = st.one_of(st.none(), st.just(JOIN), st.text(max_size=40).filter(lambda v: "tk=" not in v.lower()))


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(template_text, st.text()),
    name=values,
    link=link_values,
    status=st.sampled_from([None, "pending", "created", "failed", "deleted", "cancelled"]),
    html=st.booleans(),
)
def test_every_accepted_template_renders(text, name, link, status, html):
    try:
        t.parse(text)
    except t.TemplateSyntaxError:
        return
    ctx = context(client_name=name, client_link=link, provider_link=link, meeting_status=status)
    channel = Channel.EMAIL if html else Channel.SMS
    rendering = t.render(Template(text, subject=text.replace("\n", " ")), ctx, channel=channel, html=html)
    assert "\n" not in (rendering.subject or "")
    if html:
        escaped = html_lib.escape(link or "")
        markup = rendering.body.replace("<br>", "").replace(f'<a href="{escaped}">{escaped}</a>', "")
        assert "<" not in markup and ">" not in markup  # every other < and > was escaped


def test_the_engine_imports_nothing_heavy():
    code = (
        "import sys, zoomctl.core.templates as t; "
        "heavy = {'typer', 'rich', 'httpx', 'keyring'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
