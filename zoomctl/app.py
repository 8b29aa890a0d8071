"""The App context object: one per invocation, built by the root callback, handed to every command."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoomctl.config import ConfigFile, Settings
from zoomctl.core.models import Company
from zoomctl.errors import InvalidInput, NotFound
from zoomctl.store.db import Store
from zoomctl.ui import UI


@dataclass
class App:
    config: ConfigFile
    settings: Settings
    ui: UI
    debug: bool = False
    no_input: bool = False
    #: where Zoom tokens go; None: the OS keyring (or the file --insecure-storage names).
    #: The demo and tests put a MemoryTokenStore here.
    token_store: Any = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def can_prompt(self) -> bool:
        """Whether zoomctl may ask a question (not with --no-input, not without a terminal)."""
        return not self.no_input and sys.stdin is not None and sys.stdin.isatty()

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(Path(self.settings.database.value or "workspace.db").expanduser())
        return self._store

    def company(self) -> Company:
        """The company this command acts on (--company, ZOOMCTL_COMPANY, or the profile's)."""
        from zoomctl.core import companies

        ref = self.settings.company.value
        if not ref:
            raise InvalidInput(
                "no company selected",
                hint="run `zoomctl company use SLUG`, or pass --company SLUG (or set ZOOMCTL_COMPANY)",
            )
        try:
            return companies.get(self.store, ref)
        except NotFound as exc:
            exc.hint = f"it was set by {self.settings.company.source}; see `zoomctl company list`"
            raise

    def finish(self, ok: bool) -> None:
        """End the command's transaction: commit on success, roll back otherwise."""
        if self._store is not None:
            self._store.finish(commit=ok)
            self._store = None

    def zoom(self, company: Company):
        """A Zoom API client for the company, on the credentials it uses (see core.connection)."""
        from zoomctl.core import connection

        return connection.client(self, company)
