"""Notification template syntax: the variables, the parser and its errors.

The syntax, in full:

* ``[name]`` is a variable, one of :data:`VARIABLE_NAMES` (lowercase, exactly as listed).
* ``[[`` is a literal ``[``. A ``]`` on its own is always literal (``]]`` is two of them).
* Every other ``[`` opens a variable: it must be closed by ``]`` on the same line, before any
  further ``[``, and name a known variable. Otherwise parsing fails with a
  :class:`TemplateSyntaxError` at the position of that ``[``: "unclosed [" or "unknown
  variable", with a suggestion where one is close (``[online_meeting_lnk]`` →
  ``[online_meeting_link]``).

Positions are 1-based line and column; lines are split at ``\\n`` only and columns count
characters (code points). A text the parser accepts survives :func:`unparse` unchanged.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from zoomctl.errors import InvalidInput


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    link: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("online_meeting_link", "the client's Zoom join link (a class attendee's own link)", link=True),
    Variable(
        "online_meeting_provider_link",
        "the provider's start page for the meeting (needs the host's Zoom sign-in, carries no token)",
        link=True,
    ),
    Variable("client_name", "the client's name (their e-mail address when no name is known)"),
    Variable("client_email", "the client's e-mail address"),
    Variable("provider_name", "the provider's name"),
    Variable("service", "the service or class name"),
    Variable("start_date_time", "the start in the company's time zone, e.g. Sun 14 Mar 2027, 09:00"),
    Variable("end_date_time", "the end in the company's time zone, e.g. Sun 14 Mar 2027, 10:00"),
    Variable("company_name", "the company's name"),
    Variable("booking_id", "the booking's number"),
    Variable("timezone", "the company's time zone, e.g. Europe/Berlin"),
)
VARIABLE_NAMES: tuple[str, ...] = tuple(v.name for v in VARIABLES)
LINK_VARIABLES: frozenset[str] = frozenset(v.name for v in VARIABLES if v.link)

_SHOWN_NAME = 40  # an unknown name longer than this is cut in the message


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Var:
    name: str


Segment = Text | Var


class TemplateSyntaxError(InvalidInput):
    """A template the parser refuses: ``problem`` at ``line``:``column`` (``offset`` is 0-based)
    of ``part`` ("subject", "body" or None), with the fix in ``hint`` and, for a near miss, the
    variable meant in ``suggestion``."""

    def __init__(
        self,
        problem: str,
        *,
        text: str,
        offset: int,
        hint: str,
        part: str | None = None,
        suggestion: str | None = None,
    ):
        self.problem = problem
        self.offset = offset
        self.line, self.column = position(text, offset)
        self.part = part
        self.suggestion = suggestion
        where = f" in the {part}" if part else ""
        super().__init__(f"{problem}{where} at line {self.line}, column {self.column}", hint=hint)


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a 0-based character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def suggest(name: str) -> str | None:
    """The known variable a mistyped name most likely means, or None."""
    key = "_".join(name.strip().lower().replace("-", " ").split())
    if key in VARIABLE_NAMES:
        return key
    close = difflib.get_close_matches(key, VARIABLE_NAMES, n=1, cutoff=0.6)
    return close[0] if close else None


def _shown(name: str) -> str:
    return name if len(name) <= _SHOWN_NAME else name[: _SHOWN_NAME - 1] + "…"


def parse(text: str, part: str | None = None) -> tuple[Segment, ...]:
    """The segments of a template text; raises :class:`TemplateSyntaxError` (see the module)."""
    segments: list[Segment] = []
    literal: list[str] = []
    i, end = 0, len(text)
    while i < end:
        opening = text.find("[", i)
        if opening < 0:
            literal.append(text[i:])
            break
        literal.append(text[i:opening])
        if text.startswith("[[", opening):
            literal.append("[")
            i = opening + 2
            continue
        closing = _closing(text, opening)
        if closing is None:
            raise _unclosed(text, opening, part)
        name = text[opening + 1 : closing]
        if name not in VARIABLE_NAMES:
            raise _unknown(text, opening, name, part)
        _flush(segments, literal)
        segments.append(Var(name))
        i = closing + 1
    _flush(segments, literal)
    return tuple(segments)


def _flush(segments: list[Segment], literal: list[str]) -> None:
    joined = "".join(literal)
    if joined:
        segments.append(Text(joined))
    literal.clear()


def _closing(text: str, opening: int) -> int | None:
    """The offset of the ``]`` closing the ``[`` at ``opening``, or None when a line break,
    another ``[`` or the end of the text comes first."""
    for j in range(opening + 1, len(text)):
        char = text[j]
        if char == "]":
            return j
        if char in "[\n":
            return None
    return None


def _unclosed(text: str, opening: int, part: str | None) -> TemplateSyntaxError:
    rest = text[opening + 1 :].split("\n", 1)[0].split("[", 1)[0]
    word = rest.split(" ", 1)[0]
    meant = suggest(word) if word else None
    if meant:
        hint = f"close it: [{meant}] (write [[ for a literal [)"
    else:
        hint = "close the variable with ], or write [[ for a literal ["
    return TemplateSyntaxError("unclosed [", text=text, offset=opening, hint=hint, part=part, suggestion=meant)


def _unknown(text: str, opening: int, name: str, part: str | None) -> TemplateSyntaxError:
    meant = suggest(name)
    if meant:
        hint = f"did you mean [{meant}]? (write [[ for a literal [)"
    else:
        hint = "see `zoomctl templates variables` for the names; write [[ for a literal ["
    return TemplateSyntaxError(
        f"unknown variable [{_shown(name)}]", text=text, offset=opening, hint=hint, part=part, suggestion=meant
    )


def unparse(segments: tuple[Segment, ...]) -> str:
    """The template text of parsed segments (the inverse of :func:`parse`)."""
    return "".join(f"[{s.name}]" if isinstance(s, Var) else s.text.replace("[", "[[") for s in segments)


def variables_used(segments: tuple[Segment, ...]) -> tuple[str, ...]:
    """The variables in a parsed template, each once, in order of first use."""
    return tuple(dict.fromkeys(s.name for s in segments if isinstance(s, Var)))
