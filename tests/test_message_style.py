"""Every message a user can see is written in one style where it is raised: `error:`, `fix:`
and `warning:` lines start in lowercase (a name keeps its capital) and a single sentence has
no closing period. Nothing restyles them at print time, so this walks the source for them."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import zoomctl
from zoomctl.errors import ZoomctlError

SOURCE = Path(zoomctl.__file__).parent
# Words a message may start with in capitals: names, not sentence starts.
NAMES = {"Zoom", "Zoom's", "OAuth", "Server-to-Server", "PKCE", "ID", "URL", "JSON", "HTTP", "UTC"}


def _error_classes() -> set[str]:
    import zoomctl.core.meetings
    import zoomctl.zoom.errors  # noqa: F401 - registers the Zoom errors

    seen, todo = set(), [ZoomctlError]
    while todo:
        cls = todo.pop()
        seen.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return seen


def _text(node: ast.expr) -> str | None:
    """A string literal's text; an f-string's with each placeholder as NUL."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
    return None


def messages() -> list[tuple[str, str]]:
    """(where, text) of every message and hint given to an error class, and every warning."""
    errors = _error_classes()
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "sandbox" in path.parts:  # the emulator answers as Zoom does, in Zoom's words
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in errors:
                args = [*node.args[:2], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]
            elif name in ("warn", "error") and isinstance(func, ast.Attribute):
                args = list(node.args[:2])
            else:
                continue
            for arg in args:
                text = _text(arg)
                if text:
                    found.append((f"{path.relative_to(SOURCE.parent)}:{arg.lineno}", text))
    return found


def style_problem(text: str) -> str | None:
    text = text.strip()
    first = text.split(" ", 1)[0].rstrip(",:;")
    if text[0].isupper() and first not in NAMES and "\0" not in first and not first.isupper():
        return "starts with a capital"
    one_sentence = ". " not in text[:-1]
    if text.endswith(".") and not text.endswith("..") and one_sentence:
        return "ends with a period"
    return None


def test_the_walk_finds_the_messages():
    found = dict(messages())
    assert len(found) > 200  # every layer's errors, hints and warnings
    assert any("zoom/errors.py" in where for where in found) and any("core/" in where for where in found)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Not connected to Zoom.", "starts with a capital"),
        ("not connected to Zoom.", "ends with a period"),
        ("Zoom refused the request", None),
        ("\0 has 2 future booking(s)", None),
        ("that is not an address. Copy it again.", None),
    ],
)
def test_the_rule(text, problem):
    assert style_problem(text) == problem


def test_every_message_is_written_in_the_house_style():
    bad = [f"{where}: {style_problem(text)}: {text!r}" for where, text in messages() if style_problem(text)]
    assert bad == []


def test_nothing_restyles_messages_at_print_time():
    import zoomctl.ui

    assert "house_style" not in inspect.getsource(zoomctl.ui)
