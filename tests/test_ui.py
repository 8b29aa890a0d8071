"""The one place terminal output is shaped."""

from __future__ import annotations

import io

from zoomctl.ui import UI


def test_confirm_asks_on_stderr_and_leaves_stdout_empty(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is True
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert UI(stdout=out, stderr=err).confirm("Delete?") is False
    assert out.getvalue() == "" and err.getvalue().count("Delete? [y/N]") == 2
