"""The one exception tree: every failure a user can cause is a ZoomctlError.

The top-level handler in ``zoomctl.cli`` prints ``message`` on one line and ``hint`` (the
fix) on the next, and exits with ``exit_code``. Anything else is a bug and gets a traceback
only with ``--debug``.
"""

from __future__ import annotations

from zoomctl.exit_codes import ExitCode


class ZoomctlError(Exception):
    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, hint: str | None = None, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class InvalidInput(ZoomctlError):
    exit_code = ExitCode.INVALID_INPUT


class NotFound(ZoomctlError):
    exit_code = ExitCode.NOT_FOUND


class Conflict(ZoomctlError):
    exit_code = ExitCode.CONFLICT


class ConfigError(ZoomctlError):
    exit_code = ExitCode.CONFIG


class AuthRequired(ZoomctlError):
    exit_code = ExitCode.AUTH_REQUIRED


class StorageError(ZoomctlError):
    exit_code = ExitCode.STORAGE


class NetworkError(ZoomctlError):
    exit_code = ExitCode.NETWORK


class StdoutClosed(Exception):
    """Whoever read stdout stopped (`zoomctl … | head`): not an error, stop writing."""
