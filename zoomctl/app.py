"""The App context object: one per invocation, built by the root callback, handed to every command.

It turns settings and the environment into what ``core`` takes (a store, a company, a
``ZoomAccess``) and shows what core hands back (warnings included) through the UI.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zoomctl import env
from zoomctl.config import ConfigFile, Settings
from zoomctl.errors import InvalidInput, NotFound
from zoomctl.models import Company
from zoomctl.store.db import Store
from zoomctl.ui import UI

if TYPE_CHECKING:
    from zoomctl.core.connection import ZoomAccess, ZoomFactory
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.tokens import TokenStore


@dataclass
class App:
    config: ConfigFile
    settings: Settings
    ui: UI
    debug: bool = False
    no_input: bool = False
    #: where Zoom tokens go; None: the OS keyring (or the file --insecure-storage names).
    #: The demo and tests put a MemoryTokenStore here.
    token_store: TokenStore | None = None
    _store: Store | None = field(default=None, repr=False)
    _shared_tokens: Any = field(default=None, repr=False)

    @property
    def can_prompt(self) -> bool:
        """Whether zoomctl may ask a question (not with --no-input, not without a terminal)."""
        return not self.no_input and sys.stdin is not None and sys.stdin.isatty()

    @property
    def store(self) -> Store:
        if self._store is None:
            db = self.settings.database
            self._store = Store(db.value or "workspace.db", source=_source_label(db.source))
        return self._store

    def open_store(self, value: str | None = None, source: str = "--db", *, migrate: bool = True) -> Store:
        """Another Store than the command's own: the workspace without migrating it (``db status``),
        or a second workspace (``db copy --to``). The caller finishes it."""
        if value is None:
            db = self.settings.database
            value, source = db.value or "workspace.db", _source_label(db.source)
        return Store(value, source=source, upgrade_on_open=migrate)

    def company(self) -> Company:
        """The company this command acts on (--company, ZOOMCTL_COMPANY, or the profile's)."""
        from zoomctl.core import companies

        ref = self.settings.company.value
        if not ref:
            raise InvalidInput(
                "no company selected",
                hint=f"run `zoomctl company use SLUG`, or pass --company SLUG (or set {env.COMPANY})",
            )
        try:
            return companies.get(self.store, ref)
        except NotFound as exc:
            exc.hint = f"it was set by {self.settings.company.source}; see `zoomctl company list`"
            raise

    def finish(self, ok: bool) -> None:
        """End the command's transaction: commit on success, roll back otherwise."""
        if self._shared_tokens is not None:
            self._shared_tokens.close()
            self._shared_tokens = None
        if self._store is not None:
            self._store.finish(commit=ok)
            self._store = None

    @property
    def access(self) -> ZoomAccess:
        """What core needs to reach Zoom: the settings' URLs and client id, the environment's
        credentials, and where tokens go."""
        from zoomctl.core.connection import EnvCredentials, ZoomAccess

        token_store, shared = self.token_store, False
        if token_store is None and self.store.engine == "postgresql":
            token_store, shared = self.shared_tokens(), True
        return ZoomAccess(
            profile=self.settings.profile.value or "default",
            oauth_url=self.settings.zoom_oauth_url.value or "",
            api_url=self.settings.zoom_api_url.value or "",
            client_id=self.settings.zoom_client_id.value,
            env=EnvCredentials(
                token=os.environ.get(env.ZOOM_TOKEN) or None,
                account_id=os.environ.get(env.ZOOM_ACCOUNT_ID) or None,
                client_id=os.environ.get(env.ZOOM_CLIENT_ID) or None,
                client_secret=os.environ.get(env.ZOOM_CLIENT_SECRET) or None,
            ),
            token_store=token_store,
            keyring_timeout=os.environ.get(env.KEYRING_TIMEOUT),
            http_timeout=os.environ.get(env.HTTP_TIMEOUT),
            shared=shared,
        )

    @property
    def webhook_secret_env(self) -> str | None:
        """The webhook secret token from the environment, if set there."""
        return os.environ.get(env.WEBHOOK_SECRET) or None

    def workspace_keys(self):
        """Where the shared workspace's key comes from: ZOOMCTL_WORKSPACE_KEY, else the OS keyring."""
        from zoomctl.core import connection
        from zoomctl.core.shared_tokens import KeySource

        def keyring():
            return connection.keyring_store(self._access_for_keyring())

        return KeySource(self.store.location, dict(os.environ), keyring)

    def shared_tokens(self):
        """The shared workspace's encrypted token store (one per command, its own connection)."""
        from zoomctl.core.shared_tokens import DatabaseTokenStore

        if self._shared_tokens is None:
            self._shared_tokens = DatabaseTokenStore(self.store.location, self.workspace_keys())
        return self._shared_tokens

    def _access_for_keyring(self) -> ZoomAccess:
        from zoomctl.core.connection import ZoomAccess

        return ZoomAccess(profile="", oauth_url="", api_url="", keyring_timeout=os.environ.get(env.KEYRING_TIMEOUT))

    def zoom_factory(self, company: Company, rate: float | None = None) -> ZoomFactory:
        """Zoom clients for the company, made on demand; their warnings go to the UI."""
        from zoomctl.core import connection

        return connection.factory(self.store, company, self.access, rate=rate, warn=self.ui.warn)

    def zoom(self, company: Company, rate: float | None = None) -> ZoomClient:
        """A Zoom API client for the company, on the credentials it uses (see core.connection)."""
        return self.zoom_factory(company, rate)()


def _source_label(source: str) -> str:
    """Where a setting came from, as a user would name it ("flag" -> --db, "profile x" -> config.toml)."""
    if source == "flag":
        return "--db"
    if source.startswith("env "):
        return source[4:]
    if source.startswith("profile "):
        return f"config.toml ({source})"
    return source
