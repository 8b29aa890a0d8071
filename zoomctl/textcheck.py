"""The checks every piece of user text passes, and the one way such text is shown back.

Names, emails, references, URLs, numbers, times and paths each have a check here; each one
returns the value normalised (so a check of its own answer gives that answer again) or raises
``InvalidInput`` with a one-line cause and a one-line fix. Every check refuses:

- text that is not valid UTF-8 (the command line decodes it with ``surrogateescape``, so a lone
  surrogate ``\\udcXX`` stands for a byte that was not UTF-8);
- control characters: C0 (tabs and line breaks too: every value here is one line), DEL, C1,
  the line and paragraph separators, and the bidirectional embeddings, overrides and isolates
  (U+202A–U+202E, U+2066–U+2069) that make text read differently from what it holds;
- more characters than the kind allows.

A message quotes the bad value only through ``shown`` (at most ``MAX_SHOWN`` characters, control
characters escaped visibly); ``visible`` escapes any text from a user or Zoom bound for a terminal.

Standard library only: config, the store, Zoom I/O, core and the command line all use it.
"""

from __future__ import annotations

import math

from zoomctl.errors import InvalidInput

MAX_SHOWN = 80  # characters of a bad value a message quotes
MAX_NAME = 200
MAX_REF = 200
MAX_EMAIL = 254  # RFC 5321: a path is at most 256 octets, with its angle brackets
MAX_LOCAL_PART = 64  # RFC 5321
MAX_DOMAIN_LABEL = 63
MAX_URL = 2048
MAX_PATH = 4096
MAX_TIME = 64
MAX_NUMBER = 40  # characters of a number written out

_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SEPARATORS = frozenset([0x2028, 0x2029])
_SURROGATES = range(0xD800, 0xE000)


# ---- showing text ------------------------------------------------------------------------
def is_control(ch: str) -> bool:
    """A character that moves the cursor, changes the terminal or reorders text (see the module docstring)."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _BIDI or code in _SEPARATORS or code in _SURROGATES


def has_control(text: str, kept: str = "") -> bool:
    """Whether ``text`` holds a control character other than those in ``kept``."""
    bare = text
    for ch in kept:
        bare = bare.replace(ch, "")
    # no control character is printable (str.isprintable): the common case is settled at C speed
    return not bare.isprintable() and any(is_control(ch) for ch in bare)


def escape(ch: str) -> str:
    """One character written visibly: ``\\x1b``, ``\\u202e``; a byte that was not UTF-8 as ``\\xff``."""
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` safe for a terminal: every control character escaped visibly (with ``multiline``,
    line breaks and tabs are kept). For any text from a user or Zoom that reaches a terminal."""
    kept = "\n\t" if multiline else ""
    if not has_control(text, kept):
        return text
    return "".join(escape(ch) if is_control(ch) and ch not in kept else ch for ch in text)


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A bad value quoted for a message: control characters escaped, cut to ``limit`` characters
    with an ellipsis. The result is never longer than ``limit`` + 2 (the quotes)."""
    return "'" + clip(value if isinstance(value, str) else repr(value), limit) + "'"


def clip(text: str, limit: int) -> str:
    """``visible(text)`` cut to at most ``limit`` characters, the last one an ellipsis when cut."""
    pieces: list[str] = []
    used = 0
    for ch in text:
        pieces.append(escape(ch) if is_control(ch) else ch)
        used += len(pieces[-1])
        if used > limit:
            break
    if used > limit:
        while used > limit - 1:
            used -= len(pieces.pop())
        pieces.append("…")
    return "".join(pieces)


# ---- the checks every value passes -------------------------------------------------------
def utf8(value: str, what: str) -> str:
    """Refuse text that holds a lone surrogate: on the command line, a byte that was not UTF-8."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise InvalidInput(
            f"{what} is not valid UTF-8 text: {shown(value)}",
            hint="retype it as UTF-8 text (check the encoding of the terminal or file, e.g. LANG=C.UTF-8)",
        )
    return value


def no_controls(value: str, what: str) -> str:
    for ch in value:
        if is_control(ch):
            raise InvalidInput(
                f"{what} holds the control character {escape(ch)}: {shown(value)}",
                hint="remove it: tabs, line breaks, escape codes and direction overrides are not allowed here",
            )
    return value


def length(value: str, what: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidInput(
            f"{what} is {len(value)} characters long, more than {limit}: {shown(value)}",
            hint=f"give at most {limit} characters",
        )
    return value


def line(value: str, what: str, *, limit: int, empty_ok: bool = False) -> str:
    """One line of text: UTF-8, no control characters, at most ``limit`` characters, not empty.
    ``what`` names it in the message ("the provider name", "--db")."""
    utf8(value, what)
    length(value, what, limit)
    no_controls(value, what)
    if not empty_ok and not value.strip():
        raise InvalidInput(f"{what} is empty", hint="give a value, or leave the option out")
    return value


def _words(value: str, what: str, limit: int) -> str:
    """One line with runs of whitespace made one space and characters composed (NFC), at most ``limit``."""
    _bounded(value, what, limit)
    import unicodedata  # here, not at the top: only commands that take a name need it

    return length(unicodedata.normalize("NFC", " ".join(value.split())), what, limit)


def _bounded(value: str, what: str, limit: int) -> str:
    """UTF-8 without control characters, and not far beyond ``limit`` before it is trimmed or
    collapsed (bounded work; the message names the real limit)."""
    utf8(value, what)
    if len(value) > limit * 4:
        length(value, what, limit)
    return no_controls(value, what)


# ---- names and references ----------------------------------------------------------------
def name(value: str, what: str) -> str:
    """A name of a ``what`` (company, provider, service, class, client): one line, spaces
    collapsed, at most MAX_NAME characters, something visible in it, not only digits (numbers
    address things by id)."""
    value = _words(value, f"the {what} name", MAX_NAME)
    if not value:
        raise InvalidInput(f"the {what} name is empty", hint=f"give the {what} a name")
    if not any(ch.isprintable() and not ch.isspace() for ch in value):
        raise InvalidInput(f"the {what} name has no visible character: {shown(value)}", hint=f"give the {what} a name")
    if value.isdigit():
        raise InvalidInput(
            f"a {what} name cannot be only digits ({shown(value)}): numbers address things by id",
            hint=f"add a word, e.g. '{what.title()} {value}'",
        )
    return value


def ref(value: str, what: str) -> str:
    """A reference to a ``what``: its id, slug or name (or the start of one), as given on the command line."""
    label = f"the {what} reference"
    value = _words(value, label, MAX_REF)
    if not value:
        raise InvalidInput(f"{label} is empty", hint=f"give the {what}'s id or name")
    return value


def zoom_user_ref(value: str) -> str:
    """A Zoom user: ``me``, an email address, or a Zoom user id (letters, digits, - and _)."""
    label = "the Zoom user"
    line(value, label, limit=MAX_EMAIL)
    value = value.strip()
    if value.lower() == "me":
        return "me"
    if "@" in value:
        return email(value, label)
    if len(value) > MAX_LOCAL_PART or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
        raise InvalidInput(
            f"{label} {shown(value)} is not an email address, a Zoom user id or me",
            hint="pass --zoom-user EMAIL, ID or me (see `zoomctl zoom users`)",
        )
    return value


def choice(value: str, what: str, choices: list[str], *, hint: str | None = None) -> str:
    """One of ``choices`` (a status, a shell), as typed; refused as "unknown ``what``" otherwise."""
    line(value, f"the {what}", limit=MAX_REF)
    if value not in choices:
        raise InvalidInput(f"unknown {what} {shown(value)}", hint=hint or f"use one of {', '.join(choices)}")
    return value


# ---- email addresses ---------------------------------------------------------------------
def email(value: str, what: str = "the email address") -> str:
    """An email address (an RFC 5322 addr-spec read by the standard library's parser, within
    RFC 5321's limits): no display name, no comments or quoting, a domain of host names.
    Returned in lowercase."""
    _bounded(value, what, MAX_EMAIL)
    text = value.strip().lower()
    if not text:
        raise InvalidInput(f"{what} is empty", hint="give an address like name@example.com")
    problem = _address_problem(text)
    if problem:
        raise InvalidInput(f"{shown(value.strip())} is not a valid email address: {problem}", hint=_address_hint(text))
    return text


def _address_problem(text: str) -> str | None:
    """Why ``text`` (stripped, lowercase) is not an address, or None."""
    if len(text) > MAX_EMAIL:
        return f"it is {len(text)} characters long, more than {MAX_EMAIL}"
    if "<" in text or ">" in text or " " in text:
        return "it holds a name, angle brackets or spaces"
    if text.count("@") != 1:
        return "it has no @" if "@" not in text else "it has more than one @"
    local, domain = text.split("@")
    if not local:
        return "nothing before the @"
    if len(local) > MAX_LOCAL_PART:
        return f"the part before the @ is longer than {MAX_LOCAL_PART} characters"
    problem = _domain_problem(domain)
    if problem:
        return problem
    from email.errors import MessageError
    from email.headerregistry import Address

    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError, MessageError):
        parsed = None
    if parsed is None or parsed.addr_spec != text or '"' in local:
        return f"the part before the @ ({shown(local)}) is not a plain address name"
    return None


def _domain_problem(domain: str) -> str | None:
    if not domain:
        return "nothing after the @"
    labels = domain.split(".")
    if "" in labels:
        return f"the domain {shown(domain)} has an empty part (two dots in a row, or a dot at an end)"
    if len(labels) < 2:
        return f"the domain {shown(domain)} has no dot"
    for label in labels:
        problem = _label_problem(label, underscore_ok=False)
        if problem:
            return f"the domain {shown(domain)} {problem}"
    if labels[-1].isdigit():
        return f"the domain {shown(domain)} ends in a number"
    return None


def _label_problem(label: str, *, underscore_ok: bool) -> str | None:
    """Why one part of a host name is not one (letters, digits, hyphens; international ones as IDNA)."""
    try:
        ascii_label = label.encode("idna").decode("ascii") if not label.isascii() else label
    except UnicodeError:
        return f"has a part that is not a valid international name ({shown(label)})"
    if len(ascii_label) > MAX_DOMAIN_LABEL:
        return f"has a part longer than {MAX_DOMAIN_LABEL} characters"
    allowed = "-_" if underscore_ok else "-"
    if not all(ch.isascii() and (ch.isalnum() or ch in allowed) for ch in ascii_label):
        return f"has characters a host name cannot hold ({shown(label)})"
    if ascii_label.startswith("-") or ascii_label.endswith("-"):
        return f"has a part that starts or ends with a hyphen ({shown(label)})"
    return None


def _address_hint(text: str) -> str:
    """The fix for a bad address: the address inside a display-name form, if there is one."""
    from email.utils import parseaddr

    try:
        inner = parseaddr(text)[1]
    except (ValueError, IndexError, TypeError):  # pragma: no cover - parseaddr answers ('', '') on junk
        inner = ""
    if inner and inner != text and _address_problem(inner) is None:
        return f"give the address alone: {inner}"
    return "give the address alone, like name@example.com"


# ---- URLs --------------------------------------------------------------------------------
def url(value: str, what: str, *, example: str = "https://example.com") -> str:
    """An http(s) URL of a server: a host, an optional port 1–65535 and path; no spaces, no user
    name or password, no query or fragment. Returned without a trailing slash."""
    line(value, what, limit=MAX_URL)
    problem = _url_problem(value)
    if problem:
        raise InvalidInput(f"{what} must be an http(s) URL, not {shown(value)} ({problem})", hint=f"e.g. {example}")
    return value.rstrip("/")


def _url_problem(value: str) -> str | None:
    from urllib.parse import urlsplit

    if any(ch.isspace() for ch in value):
        return "it holds a space"
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        text = clip(str(exc), 2 * MAX_SHOWN)
        if "port" in text.lower():
            return "the port must be a number from 1 to 65535"
        return f"it cannot be read as a URL: {text[:1].lower()}{text[1:]}"
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not host:
        return "it has no host"
    if port == 0 or (port is None and parts.netloc.endswith(":")):
        return "the port must be a number from 1 to 65535"
    if parts.username is not None or parts.password is not None:
        return "it must not hold a user name or password"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "a server's URL has no ?query or #fragment"
    if parts.netloc.startswith("["):  # an IP address: urlsplit has read it
        return None
    for label in host.rstrip(".").split("."):
        problem = _label_problem(label, underscore_ok=True) if label else "has an empty part"
        if problem:
            return f"the host {problem}"
    return None


# ---- numbers, times, paths ---------------------------------------------------------------
def number(
    value: str | int | float,
    what: str,
    *,
    low: float,
    high: float,
    integer: bool = False,
    fix: str | None = None,
) -> int | float:
    """A finite number from ``low`` to ``high`` (text is read first; ``integer``: a whole number).
    Never nan or infinity."""
    kind = "a whole number" if integer else "a number"
    fix = fix or f"give {kind} from {_plain(low)} to {_plain(high)}"
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be {kind}, not {value}", hint=fix)
    if isinstance(value, str):
        text = line(value, what, limit=MAX_NUMBER * 4).strip()
        try:
            if len(text) > MAX_NUMBER:
                raise ValueError(text)
            parsed: int | float = int(text) if integer else float(text)
        except ValueError:
            raise InvalidInput(f"{what} must be {kind}, not {shown(value)}", hint=fix) from None
    elif integer and isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput(f"{what} must be {kind}, not {shown(value)}", hint=fix)
        parsed = int(value)
    else:
        parsed = value
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise InvalidInput(f"{what} must be a finite number, not {parsed}", hint=fix)
    if not low <= parsed <= high:
        raise InvalidInput(f"{what} is out of range: {shown(_plain(parsed))}", hint=fix)
    return parsed


def _plain(number: int | float) -> str:
    """A number as a person writes it: 300, 0.1, 1e+308."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return str(number)


def time_text(value: str, what: str = "the time") -> str:
    """The text of a time before it is parsed: one short line (an empty one is for the parser to refuse)."""
    return line(value, what, limit=MAX_TIME, empty_ok=True).strip()


def path(value: str, what: str) -> str:
    """A file path given by the user: one line of UTF-8 text, not empty."""
    return line(value, what, limit=MAX_PATH)
