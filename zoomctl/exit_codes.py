"""Every exit code zoomctl uses, in one place (documented in the README)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # an unexpected failure (a bug: run again with --debug)
    USAGE = 2  # the command line itself is wrong (unknown option, missing argument)
    INVALID_INPUT = 3  # a value is wrong: email, duration, timezone, time, capacity …
    NOT_FOUND = 4  # no such company, provider, service, class, booking …
    CONFLICT = 5  # the current state forbids it: duplicate, ambiguous name, feature off …
    CONFIG = 6  # config.toml is unreadable or holds an unknown key
    AUTH_REQUIRED = 7  # not connected to Zoom, or the connection needs a reconnect
    ZOOM_ERROR = 8  # Zoom refused or failed the request
    RATE_LIMITED = 9  # Zoom's rate limit (the daily meeting limit, or retries ran out)
    NETWORK = 10  # Zoom could not be reached, or did not answer in time
    STORAGE = 11  # no secure token storage (keyring missing, locked or hung)
    DOCTOR_FAILED = 12  # `zoomctl doctor` found a failed check (a warning too, with --strict)
    CHANGES_PENDING = 13  # `apply --dry-run --detailed-exitcode`: the file differs from the workspace
    INTERRUPTED = 130  # Ctrl-C
