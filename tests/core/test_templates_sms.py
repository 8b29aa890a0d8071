"""SMS length and segments: GSM-7 160/153 with the extension table, UCS-2 70/67 in UTF-16 units."""

from __future__ import annotations

import pytest

from zoomctl.core.templates_sms import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2, sms_info


@pytest.mark.parametrize(
    "text, encoding, length, segments, per_segment",
    [
        ("", GSM7, 0, 0, 160),
        ("a", GSM7, 1, 1, 160),
        ("a" * 160, GSM7, 160, 1, 160),
        ("a" * 161, GSM7, 161, 2, 153),
        ("a" * 306, GSM7, 306, 2, 153),
        ("a" * 307, GSM7, 307, 3, 153),
        ("a" * 459, GSM7, 459, 3, 153),
        ("a" * 460, GSM7, 460, 4, 153),
        ("ê" * 70, UCS2, 70, 1, 70),
        ("ê" * 71, UCS2, 71, 2, 67),
        ("ê" * 134, UCS2, 134, 2, 67),
        ("ê" * 135, UCS2, 135, 3, 67),
        ("ê" * 201, UCS2, 201, 3, 67),
        ("ê" * 202, UCS2, 202, 4, 67),
    ],
)
def test_boundaries(text, encoding, length, segments, per_segment):
    info = sms_info(text)
    assert (info.encoding, info.length, info.segments, info.per_segment) == (encoding, length, segments, per_segment)
    assert info.characters == len(text)


def test_gsm_accented_letters_stay_gsm7():
    info = sms_info("Grüße à Zürich, Año Ñ! £5 @ 10¤ ¿Qué? ÆØÅ")
    assert info.encoding == GSM7 and info.length == info.characters


def test_extension_characters_count_two_septets():
    assert sms_info("€").length == 2
    assert sms_info("a" * 158 + "€").segments == 1  # 160 septets
    assert sms_info("a" * 159 + "€").segments == 2  # 161 septets
    assert sms_info("{}[]~|^\\\f€").length == 20
    assert sms_info("€" * 80).segments == 1
    assert sms_info("€" * 81).segments == 2


def test_an_extension_character_is_never_split_across_parts():
    # 152 + 2 + 152 = 306 septets would fill two parts exactly, but the euro sign cannot
    # straddle the first part's end: it opens the second part, and one septet is left over.
    info = sms_info("a" * 152 + "€" + "a" * 152)
    assert info.length == 306 and info.segments == 3
    assert sms_info("a" * 151 + "€" + "a" * 153).segments == 2


def test_emoji_take_two_utf16_units():
    assert sms_info("😀").length == 2
    assert sms_info("😀" * 35).segments == 1  # 70 units
    info = sms_info("😀" * 36)  # 72 units
    assert (info.encoding, info.length, info.segments, info.characters) == (UCS2, 72, 2, 36)
    # 33 emoji fill 66 units of a part: the 34th cannot be split, so 67 emoji need 3 parts
    assert sms_info("😀" * 66).segments == 2
    assert sms_info("😀" * 67).segments == 3


def test_one_non_gsm_character_switches_the_whole_text_to_ucs2():
    info = sms_info("a" * 69 + "’")
    assert (info.encoding, info.length, info.segments, info.non_gsm) == (UCS2, 70, 1, ("’",))
    assert sms_info("a" * 70 + "’").segments == 2
    assert sms_info("€" * 35 + "’").length == 36  # in UCS-2 the euro sign is one unit


def test_warning_past_three_segments_only():
    assert sms_info("a" * 459).warning is None
    info = sms_info("a" * 460)
    assert info.warning == "the SMS takes 4 segments (GSM-7, 460 units), more than 3"
    assert info.hint == "shorten the text"
    ucs = sms_info("ê" * 202 + "’")
    assert "ê ’" in ucs.hint


def test_the_alphabets():
    assert len(GSM7_BASIC) == 127 and len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert "\x1b" not in GSM7_BASIC and "`" not in GSM7_BASIC and "ç" not in GSM7_BASIC
