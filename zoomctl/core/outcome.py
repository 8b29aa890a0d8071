"""What a core function that may partly fail returns: what it did, the error to end with,
and warnings for the user.

A booking whose Zoom meeting could not be made is still saved: the command shows it and
then fails. ``ui.UI.conclude`` shows the warnings, renders the value, then raises the
error, in that order, so no command can forget the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from zoomctl.errors import ZoomctlError

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    value: T
    error: ZoomctlError | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None
