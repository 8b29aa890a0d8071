"""SMS length and segments (3GPP TS 23.038 / 23.040).

A text made only of GSM-7 characters is sent in GSM-7: 160 septets in one SMS, 153 per part
of a concatenated one; the extension-table characters ``^ { } \\ [ ~ ] | €`` and form feed take
two septets (an escape and the character). Any other character switches the whole message to
UCS-2: 70 UTF-16 code units in one SMS, 67 per part (an emoji outside the Basic Multilingual
Plane takes two). A two-unit character is never split across parts, so a part may hold one
unit less than its size. More than :data:`MAX_SEGMENTS` parts earns a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

# The GSM 03.38 default alphabet without the escape (0x1B), in code order.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_SEGMENTS = 3


@dataclass(frozen=True)
class SmsInfo:
    """``length`` is in septets (GSM-7) or UTF-16 code units (UCS-2); ``per_segment`` is what
    one part holds (160/70 for a single SMS, 153/67 in a concatenated one); ``non_gsm`` lists
    the characters that forced UCS-2."""

    encoding: str
    characters: int
    length: int
    segments: int
    per_segment: int
    non_gsm: tuple[str, ...] = ()

    @property
    def warning(self) -> str | None:
        if self.segments <= MAX_SEGMENTS:
            return None
        return (
            f"the SMS takes {self.segments} segments ({self.encoding}, {self.length} units), more than {MAX_SEGMENTS}"
        )

    @property
    def hint(self) -> str | None:
        if self.segments <= MAX_SEGMENTS:
            return None
        if self.non_gsm:
            shown = " ".join(self.non_gsm)
            return f"shorten the text, or drop the characters that force UCS-2 ({shown})"
        return "shorten the text"

    def as_json(self) -> dict[str, object]:
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "length": self.length,
            "segments": self.segments,
            "per_segment": self.per_segment,
            "non_gsm": list(self.non_gsm),
        }


def sms_info(text: str) -> SmsInfo:
    """The encoding, length and segment count of an SMS body (an empty body has no segments)."""
    non_gsm = tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if non_gsm:
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
        encoding, single, part = UCS2, UCS2_SINGLE, UCS2_PART
    else:
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
        encoding, single, part = GSM7, GSM7_SINGLE, GSM7_PART
    length = sum(costs)
    segments = _segments(costs, length, single, part)
    return SmsInfo(
        encoding=encoding,
        characters=len(text),
        length=length,
        segments=segments,
        per_segment=single if segments <= 1 else part,
        non_gsm=non_gsm[:10],
    )


def _segments(costs: list[int], length: int, single: int, part: int) -> int:
    if length == 0:
        return 0
    if length <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return parts
