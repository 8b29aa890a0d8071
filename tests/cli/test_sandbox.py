"""`zoomctl sandbox serve` checks its flags before serving."""

from __future__ import annotations

from zoomctl.exit_codes import ExitCode


def test_auto_approve_must_name_an_active_user(zc):
    result = zc("sandbox", "serve", "--auto-approve", "owner@sandbox.zoomctl.test")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "ava.fischer@sandbox.zoomctl.test" in result.stderr  # the fix names real users


def test_a_bad_fault_spec_is_refused(zc):
    result = zc("sandbox", "serve", "--fault", "meetingCreate:x:status=abc")
    assert result.exit_code == ExitCode.INVALID_INPUT and "bad --fault" in result.stderr


def test_a_broken_state_file_is_named(zc, tmp_path):
    state = tmp_path / "world.json"
    state.write_text("{broken")
    result = zc("sandbox", "serve", "--state", str(state))
    assert result.exit_code == ExitCode.INVALID_INPUT and str(state) in result.stderr
