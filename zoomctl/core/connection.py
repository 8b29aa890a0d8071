"""Which Zoom credentials a command uses, and the Zoom client built on them.

In order: ``ZOOMCTL_ZOOM_TOKEN`` (an access token used as is); the Server-to-Server
variables ``ZOOMCTL_ZOOM_ACCOUNT_ID`` + ``ZOOMCTL_ZOOM_CLIENT_ID`` +
``ZOOMCTL_ZOOM_CLIENT_SECRET`` (tokens fetched on demand, cached in the keyring when one is
usable, else in memory); the company's connection made by ``zoomctl auth login``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoomctl.config import data_dir
from zoomctl.core.models import Company
from zoomctl.errors import AuthRequired, ConfigError
from zoomctl.store import companies as company_repo

if TYPE_CHECKING:  # imported lazily: `zoomctl --help` must not load httpx or keyring
    from zoomctl.app import App
    from zoomctl.zoom.client import ZoomClient

ENV_TOKEN = "ZOOMCTL_ZOOM_TOKEN"
ENV_ACCOUNT_ID = "ZOOMCTL_ZOOM_ACCOUNT_ID"
ENV_CLIENT_ID = "ZOOMCTL_ZOOM_CLIENT_ID"
ENV_CLIENT_SECRET = "ZOOMCTL_ZOOM_CLIENT_SECRET"
KEYRING_SERVICE = "zoomctl"
ENV_KEYRING_TIMEOUT = "ZOOMCTL_KEYRING_TIMEOUT"
_MEMORY_STORES: dict[str, Any] = {}  # S2S tokens without a keyring: one cache per process


def keyring_timeout() -> float:
    raw = os.environ.get(ENV_KEYRING_TIMEOUT, "5")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 300:
        raise ConfigError(
            f"{ENV_KEYRING_TIMEOUT}={raw!r} is not a number of seconds from 0 to 300",
            hint=f"set it to e.g. 5, or unset {ENV_KEYRING_TIMEOUT}",
        )
    return value


def env_token() -> str | None:
    """``ZOOMCTL_ZOOM_TOKEN`` when set (an empty value counts as unset)."""
    return os.environ.get(ENV_TOKEN) or None


@dataclass
class Credentials:
    source: str  # "environment token" | "environment (server-to-server)" | "workspace"
    kind: str  # "env" | "s2s" | "oauth"
    tokens: Any  # TokenManager or EnvTokenManager
    api_url: str
    oauth_url: str
    connection: dict[str, Any] | None
    insecure: bool = False


def token_key(profile: str, company_slug: str) -> str:
    """The keyring entry of one company's grant: one per profile and company."""
    return f"{profile}/{company_slug}"


def lock_path(key: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    path = data_dir() / "locks" / f"{safe}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def insecure_token_file() -> Path:
    from zoomctl.config import config_dir

    return config_dir() / "tokens-insecure.json"


def s2s_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> tuple[str, str, str] | None:
    environ = os.environ if environ is None else environ
    values = (environ.get(ENV_ACCOUNT_ID), environ.get(ENV_CLIENT_ID), environ.get(ENV_CLIENT_SECRET))
    return values if all(values) else None  # type: ignore[return-value]


def http_client():
    import httpx

    from zoomctl import version

    return httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), headers={"User-Agent": f"zoomctl/{version()}"})


def keyring_store(require_secure: bool = True):
    from zoomctl.zoom.tokens import KeyringTokenStore

    return KeyringTokenStore(KEYRING_SERVICE, keyring_timeout(), require_secure=require_secure)


def store_for_location(location: str | None):
    """The token store a connection's ``token_location`` names."""
    from zoomctl.zoom.tokens import FileTokenStore

    if location and location.startswith("file:"):
        return FileTokenStore(location[len("file:") :])
    return keyring_store()


def env_s2s_oauth_client(*args, **kwargs):
    """An OAuthClient whose refusals point at the environment variables it was built from."""
    from zoomctl.zoom.errors import ZoomOAuthError
    from zoomctl.zoom.oauth import OAuthClient

    class EnvServerToServer(OAuthClient):
        def account_credentials(self, account_id: str):
            try:
                return super().account_credentials(account_id)
            except ZoomOAuthError as exc:
                if exc.status_code is not None and exc.status_code < 500:
                    exc.hint = (
                        f"check {ENV_ACCOUNT_ID}, {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} against the "
                        "Server-to-Server app's App Credentials in the Zoom App Marketplace"
                    )
                raise

    return EnvServerToServer(*args, **kwargs)


def resolve(app: App, company: Company) -> Credentials:
    """The credentials this command uses for ``company`` (no network)."""
    from zoomctl.zoom.oauth import OAuthClient
    from zoomctl.zoom.session import EnvTokenManager, TokenManager
    from zoomctl.zoom.tokens import MemoryTokenStore, keyring_is_secure

    api_url = app.settings.zoom_api_url.value or ""
    oauth_url = app.settings.zoom_oauth_url.value or ""
    token = env_token()
    if token is not None:
        return Credentials("environment token", "env", EnvTokenManager(token), api_url, oauth_url, None)
    s2s = s2s_from_env()
    if s2s:
        account_id, client_id, secret = s2s
        key = f"s2s/{account_id}/{client_id}"
        secure = app.token_store is None and keyring_is_secure(keyring_timeout())
        store = (
            keyring_store()
            if secure
            else (app.token_store or _MEMORY_STORES.setdefault(f"{oauth_url} {key}", MemoryTokenStore()))
        )
        oauth = env_s2s_oauth_client(http_client(), oauth_url, client_id, secret)
        manager = TokenManager(store, key, oauth, lock_path(key) if secure else None, s2s_account_id=account_id)
        return Credentials("environment (server-to-server)", "s2s", manager, api_url, oauth_url, None)

    connection = company_repo.connection(app.store, company.id)
    if connection is None:
        raise AuthRequired(
            f"{company.slug} is not connected to Zoom",
            hint="run `zoomctl auth login` (or set the ZOOMCTL_ZOOM_* variables for Server-to-Server OAuth)",
        )
    if connection["status"] == "reconnect_required":
        raise AuthRequired(
            f"{company.slug}'s Zoom connection needs a reconnect: {connection['status_reason'] or 'Zoom refused it'}",
            hint="run `zoomctl auth login` again (the Zoom app may have been removed on the Zoom side)",
        )
    store = app.token_store or store_for_location(connection["token_location"])
    key = token_key(app.settings.profile.value or "default", company.slug)
    secret = store.load_client_secret(connection["client_id"]) if connection["client_id"] else None
    oauth = OAuthClient(http_client(), connection["oauth_url"], connection["client_id"] or "", secret)

    def mark_reconnect() -> None:
        app.store.defer(
            lambda s: company_repo.set_connection_status(
                s, company.id, "reconnect_required", "Zoom refused the stored authorization (invalid_grant)"
            )
        )

    manager = TokenManager(
        store,
        key,
        oauth,
        lock_path(key) if app.token_store is None else None,
        on_reconnect_required=mark_reconnect,
        s2s_account_id=connection["account_id"] if connection["kind"] == "s2s" else None,
    )
    creds = Credentials(
        "workspace",
        connection["kind"],
        manager,
        connection["api_url"],
        connection["oauth_url"],
        connection,
        insecure=bool(getattr(store, "insecure", False)),
    )
    if creds.insecure:
        app.ui.warn(f"Zoom tokens are stored in plain text at {store.path} (--insecure-storage)")
    return creds


def client(app: App, company: Company, creds: Credentials | None = None) -> ZoomClient:
    """A Zoom API client for ``company``; use it as a context manager."""
    from zoomctl.zoom.client import ZoomClient

    creds = creds or resolve(app, company)
    return ZoomClient(creds.api_url, creds.tokens, http_client())
