"""The one place terminal output is shaped."""

from __future__ import annotations

import io

from zoomctl.ui import UI, house_style


def test_error_lines_share_one_style_whichever_layer_wrote_them():
    assert house_style("Not connected to Zoom.") == "not connected to Zoom"
    assert (
        house_style("Run `zoomctl auth login` to connect Zoom again.")
        == "run `zoomctl auth login` to connect Zoom again"
    )
    assert house_style("no company selected") == "no company selected"


def test_names_at_the_start_keep_their_capital_and_long_texts_their_periods():
    assert house_style("Dana Smith has 2 future booking(s)") == "Dana Smith has 2 future booking(s)"
    assert house_style("Zoom refused the request.") == "Zoom refused the request"
    assert house_style("That is not an address. Copy it again.") == "that is not an address. Copy it again."


def test_confirm_asks_on_stderr_and_leaves_stdout_empty(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is True
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is False
    assert out.getvalue() == "" and err.getvalue().count("Delete? [y/N]") == 2
