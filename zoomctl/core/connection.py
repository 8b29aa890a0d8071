"""Which Zoom credentials a command uses, and the Zoom client built on them.

In order: an access token from the environment (used as is); the Server-to-Server
credentials from the environment (tokens fetched on demand, cached in the keyring when one
is usable, else in memory); the company's connection made by ``zoomctl auth login``.

Core reads no environment and knows no App: ``zoomctl.app`` builds a ``ZoomAccess`` (base
URLs, the environment's credentials, where tokens go) and hands it in. Warnings come back
as data (``Credentials.warnings``) for the caller to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoomctl import env
from zoomctl.config import config_dir, data_dir
from zoomctl.errors import AuthRequired, ConfigError
from zoomctl.models import Company, ConnectionStatus, TokenLocation
from zoomctl.store import companies as company_repo
from zoomctl.store.db import Store

if TYPE_CHECKING:  # imported lazily: `zoomctl --help` must not load httpx or keyring
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.session import EnvTokenManager, TokenManager
    from zoomctl.zoom.tokens import TokenStore

KEYRING_SERVICE = "zoomctl"
_MEMORY_STORES: dict[str, Any] = {}  # S2S tokens without a keyring: one cache per process
ZoomFactory = Callable[[], "ZoomClient"]


@dataclass(frozen=True)
class EnvCredentials:
    """Zoom credentials given in the environment (``zoomctl.env`` names the variables)."""

    token: str | None = None
    account_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def s2s(self) -> tuple[str, str, str] | None:
        """Server-to-Server OAuth: (account id, client id, secret) when all three are set."""
        if self.account_id and self.client_id and self.client_secret:
            return self.account_id, self.client_id, self.client_secret
        return None

    @property
    def any(self) -> bool:
        return self.token is not None or self.s2s is not None


@dataclass(frozen=True)
class ZoomAccess:
    """What core needs to reach Zoom in one command: built by ``App`` from its settings."""

    profile: str
    oauth_url: str
    api_url: str
    client_id: str | None = None  # the configured OAuth app (flag, environment or profile)
    env: EnvCredentials = field(default_factory=EnvCredentials)
    #: where every token goes when set (the demo and tests: a MemoryTokenStore); None: the
    #: OS keyring, or the file a connection made with --insecure-storage names
    token_store: TokenStore | None = None
    keyring_timeout: str | None = None  # seconds, as given in the environment
    http_timeout: str | None = None  # seconds to wait for each answer from Zoom, as given in the environment
    #: a shared (PostgreSQL) workspace: ``token_store`` is its encrypted table, shared by every
    #: administrator, so a company's grant is named by the company, not by a profile
    shared: bool = False

    def timeout(self) -> float:
        """How long a keyring call may take, in seconds."""
        return _seconds(env.KEYRING_TIMEOUT, self.keyring_timeout, 5.0)

    def http_seconds(self) -> float:
        """How long to wait for each answer from Zoom (its OAuth and its API), in seconds."""
        return _seconds(env.HTTP_TIMEOUT, self.http_timeout, HTTP_TIMEOUT)


HTTP_TIMEOUT = 30.0  # seconds to wait for each answer from Zoom, unless the environment says otherwise


def _seconds(name: str, raw: str | None, default: float) -> float:
    """A number of seconds from 0 (excluded) to 300 given in the environment variable ``name``."""
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 300:
        raise ConfigError(
            f"{name}={raw!r} is not a number of seconds from 0 to 300",
            hint=f"set it to e.g. {default:g}, or unset {name}",
        )
    return value


@dataclass
class Credentials:
    source: str  # "environment token" | "environment (server-to-server)" | "workspace"
    kind: str  # "env" | "s2s" | "oauth"
    tokens: TokenManager | EnvTokenManager
    api_url: str
    oauth_url: str
    connection: dict[str, Any] | None
    insecure: bool = False
    http_timeout: float = HTTP_TIMEOUT  # seconds to wait for each answer from Zoom
    warnings: list[str] = field(default_factory=list)


def token_key(profile: str, company_slug: str) -> str:
    """The keyring entry of one company's grant: one per profile and company."""
    return f"{profile}/{company_slug}"


def company_token_key(access: ZoomAccess, company: Company) -> str:
    """The stored grant of ``company`` in this workspace."""
    return f"company/{company.id}" if access.shared else token_key(access.profile, company.slug)


def refresh_locking(tokens: TokenStore, key: str, secure_lock: bool) -> dict[str, Any]:
    """The TokenManager arguments of the cross-process refresh lock for ``key``: the token store's
    own (a shared workspace's advisory lock), else a lock file (``secure_lock``), else none."""
    own = getattr(tokens, "refresh_lock", None)
    if own is not None:
        return {"lock": lambda: own(key)}
    return {"lock_path": lock_path(key) if secure_lock else None}


def lock_path(key: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    path = data_dir() / "locks" / f"{safe}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def insecure_token_file() -> Path:
    return config_dir() / "tokens-insecure.json"


def http_client(timeout: float = HTTP_TIMEOUT):
    """The HTTP client of every call to Zoom: ``timeout`` seconds for each answer, at most 10 to connect."""
    import httpx

    from zoomctl import version

    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), headers={"User-Agent": f"zoomctl/{version()}"}
    )


def oauth_client(access: ZoomAccess, oauth_url: str, client_id: str | None, secret: str | None):
    """An OAuthClient for one app, waiting for Zoom as long as ``access`` says."""
    from zoomctl.zoom.oauth import OAuthClient

    return OAuthClient(http_client(access.http_seconds()), oauth_url, client_id or "", secret)


def keyring_store(access: ZoomAccess, require_secure: bool = True):
    from zoomctl.zoom.tokens import KeyringTokenStore

    return KeyringTokenStore(KEYRING_SERVICE, access.timeout(), require_secure=require_secure)


def store_at(access: ZoomAccess, location: TokenLocation) -> TokenStore:
    """The token store a connection's ``token_location`` names."""
    from zoomctl.zoom.tokens import FileTokenStore

    if access.token_store is not None:
        return access.token_store
    if location.kind == "database":
        raise AuthRequired(
            "this connection's Zoom tokens are in the shared workspace it was copied from",
            hint="run `zoomctl auth login` again to connect this workspace",
        )
    if location.insecure:
        return FileTokenStore(location.path)  # type: ignore[arg-type]
    return keyring_store(access)


def location_of(token_store: TokenStore) -> TokenLocation:
    from zoomctl.zoom.tokens import FileTokenStore, KeyringTokenStore

    if isinstance(token_store, FileTokenStore):
        return TokenLocation.file(token_store.path)
    if getattr(token_store, "refresh_lock", None) is not None:
        return TokenLocation("database")
    return TokenLocation("keyring" if isinstance(token_store, KeyringTokenStore) else "memory")


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
                        f"check {env.ZOOM_ACCOUNT_ID}, {env.ZOOM_CLIENT_ID} and {env.ZOOM_CLIENT_SECRET} against "
                        "the Server-to-Server app's App Credentials in the Zoom App Marketplace"
                    )
                raise

    return EnvServerToServer(*args, **kwargs)


def resolve(store: Store, company: Company, access: ZoomAccess) -> Credentials:
    """The credentials this command uses for ``company`` (no network)."""
    from zoomctl.zoom.session import EnvTokenManager, TokenManager
    from zoomctl.zoom.tokens import MemoryTokenStore, keyring_is_secure

    api_url, oauth_url = access.api_url, access.oauth_url
    seconds = access.http_seconds()
    if access.env.token is not None:
        manager = EnvTokenManager(access.env.token)
        return Credentials("environment token", "env", manager, api_url, oauth_url, None, http_timeout=seconds)
    s2s = access.env.s2s
    if s2s:
        account_id, client_id, secret = s2s
        key = f"s2s/{account_id}/{client_id}"
        secure = access.token_store is None and keyring_is_secure(access.timeout())
        tokens = (
            keyring_store(access)
            if secure
            else (access.token_store or _MEMORY_STORES.setdefault(f"{oauth_url} {key}", MemoryTokenStore()))
        )
        oauth = env_s2s_oauth_client(http_client(seconds), oauth_url, client_id, secret)
        manager = TokenManager(tokens, key, oauth, s2s_account_id=account_id, **refresh_locking(tokens, key, secure))
        source = "environment (server-to-server)"
        return Credentials(source, "s2s", manager, api_url, oauth_url, None, http_timeout=seconds)

    connection = company_repo.connection(store, company.id)
    if connection is None:
        raise AuthRequired(
            f"{company.slug} is not connected to Zoom",
            hint=f"run `zoomctl auth login` (or set the {env.ZOOM_PREFIX}* variables for Server-to-Server OAuth)",
        )
    if connection["status"] == ConnectionStatus.RECONNECT_REQUIRED:
        raise AuthRequired(
            f"{company.slug}'s Zoom connection needs a reconnect: {connection['status_reason'] or 'Zoom refused it'}",
            hint="run `zoomctl auth login` again (the Zoom app may have been removed on the Zoom side)",
        )
    tokens = store_at(access, TokenLocation.parse(connection["token_location"]))
    key = company_token_key(access, company)
    secret = tokens.load_client_secret(connection["client_id"]) if connection["client_id"] else None
    oauth = oauth_client(access, connection["oauth_url"], connection["client_id"], secret)

    def mark_reconnect() -> None:
        store.defer(
            lambda s: company_repo.set_connection_status(
                s,
                company.id,
                ConnectionStatus.RECONNECT_REQUIRED,
                "Zoom refused the stored authorization (invalid_grant)",
            )
        )

    manager = TokenManager(
        tokens,
        key,
        oauth,
        on_reconnect_required=mark_reconnect,
        **refresh_locking(tokens, key, access.token_store is None),
        s2s_account_id=connection["account_id"] if connection["kind"] == "s2s" else None,
    )
    creds = Credentials(
        "workspace",
        connection["kind"],
        manager,
        connection["api_url"],
        connection["oauth_url"],
        connection,
        insecure=tokens.insecure,
        http_timeout=seconds,
    )
    if creds.insecure:
        creds.warnings.append(
            f"Zoom tokens are stored in plain text at {location_of(tokens).path} (--insecure-storage)"
        )
    return creds


def client(creds: Credentials, *, rate: float | None = None) -> ZoomClient:
    """A Zoom API client on these credentials, paced at ``rate`` Light calls per second (default
    ``zoom.ratelimit.DEFAULT_RATE``); use it as a context manager."""
    from zoomctl.zoom.client import ZoomClient
    from zoomctl.zoom.ratelimit import Pacer

    return ZoomClient(creds.api_url, creds.tokens, http_client(creds.http_timeout), pacer=Pacer(rate))


def factory(
    store: Store,
    company: Company,
    access: ZoomAccess,
    *,
    rate: float | None = None,
    warn: Callable[[str], None] = lambda text: None,
) -> ZoomFactory:
    """A factory of Zoom clients for ``company``: it resolves the credentials when called
    (so a command that needs no Zoom never asks), passing each warning to ``warn``."""

    def open_client() -> ZoomClient:
        creds = resolve(store, company, access)
        for warning in creds.warnings:
            warn(warning)
        return client(creds, rate=rate)

    return open_client
