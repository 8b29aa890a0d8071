"""The one place terminal output is shaped."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from zoomctl.ui import UI


def test_confirm_asks_on_stderr_and_leaves_stdout_empty(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is True
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is False
    assert out.getvalue() == "" and err.getvalue().count("Delete? [y/N]") == 2


# ---- escape-sequence injection: text from a user or Zoom reaches the terminal escaped -------
HOSTILE = "Dana\x1b]0;pwned\x07 \u202eSmith\x9b2J"


def _has_raw_control(text: str) -> bool:
    from zoomctl.textcheck import is_control

    return any(is_control(ch) for ch in text.replace("\n", ""))


def test_tables_records_lines_and_messages_escape_control_characters():
    from zoomctl.ui import Column

    for tty in (False, True):
        out, err = io.StringIO(), io.StringIO()
        ui = UI(stdout=out, stderr=err, force_tty=tty)
        ui.table([{"name": HOSTILE}], [Column("name", "Name")])
        ui.record({"name": HOSTILE})
        ui.line(HOSTILE)
        ui.info(HOSTILE)
        ui.warn(HOSTILE)
        ui.error(HOSTILE, hint=HOSTILE)
        if tty:  # CSV into a file or pipe is data, kept exact; on a terminal it is escaped too
            ui.csv([{"name": HOSTILE}], ["name"])
        else:  # rich adds its own styling escapes on a terminal; the text itself is checked below
            assert not _has_raw_control(out.getvalue() + err.getvalue())
        assert "\\x1b]0;pwned\\x07" in out.getvalue() and "\\u202e" in err.getvalue()
        assert "\x07" not in out.getvalue() + err.getvalue() and "\u202e" not in out.getvalue() + err.getvalue()


def test_json_escapes_control_characters_and_keeps_the_value():
    import json

    out = io.StringIO()
    UI(stdout=out).json({"name": HOSTILE, "lines": "a\nb"})
    assert not _has_raw_control(out.getvalue())
    assert json.loads(out.getvalue()) == {"name": HOSTILE, "lines": "a\nb"}


@settings(max_examples=200, deadline=None, database=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)))
def test_json_text_is_the_same_value_with_no_raw_control_character(data):
    import json

    from zoomctl.textcheck import is_control
    from zoomctl.ui import json_text

    for indent in (None, 2):
        text = json_text({"v": data}, indent=indent)
        assert json.loads(text) == {"v": data}
        assert not any(is_control(ch) for ch in text.replace("\n", ""))
