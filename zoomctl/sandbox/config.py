"""Options for starting a sandbox, and the settings that can change while it runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from zoomctl.sandbox.limits import DAILY_MEETING_LIMIT
from zoomctl.sandbox.world import MAX_ACCOUNTS, MAX_USERS


@dataclass
class SandboxOptions:
    """How to start a sandbox. Every field maps onto a ``zoomctl sandbox serve`` flag.

    ``state_path``: JSON file holding the world; loaded if it exists (then ``users``,
    ``accounts`` and ``seed`` are ignored), written after every change. ``None`` keeps the
    world in memory. ``users``: users besides each account's owner (0 to ``MAX_USERS``);
    ``accounts``: Zoom accounts to seed (1 to ``MAX_ACCOUNTS``).
    ``auto_approve``: email (or id) of an active user; the authorize endpoint then answers
    at once with a 302 carrying a code for that user instead of the consent page (with
    shared access if ``auto_approve_shared_access``). ``rate_limits``: per-second limits
    by category (``{"Light": 30, "Medium": 20, "Heavy": 10}`` are the defaults).
    ``faults``: fault spec strings (see ``zoomctl.sandbox.faults``). ``log_requests``:
    one line per request on stderr.
    """

    host: str = "127.0.0.1"
    port: int = 0
    state_path: str | None = None
    users: int = 5
    accounts: int = 1
    access_token_ttl: int = 3599
    rate_limit_headers: bool = True
    auto_approve: str | None = None
    auto_approve_shared_access: bool = False
    seed: str = "zoomctl"
    rate_limits: dict[str, int] | None = None
    daily_meeting_limit: int = DAILY_MEETING_LIMIT
    faults: list[str] = field(default_factory=list)
    log_requests: bool = False
    #: the event subscription (see ``zoomctl.sandbox.webhooks``): validated at start
    webhook_url: str | None = None
    webhook_secret: str | None = None

    def check(self) -> None:
        """Refuse values a sandbox cannot start with (``OptionError`` names the option)."""
        import ipaddress

        if not 0 <= self.users <= MAX_USERS:
            raise OptionError("users", self.users, f"give 0 to {MAX_USERS} users (besides each account's owner)")
        if not 1 <= self.accounts <= MAX_ACCOUNTS:
            raise OptionError("accounts", self.accounts, f"give 1 to {MAX_ACCOUNTS} accounts")
        if not 1 <= self.access_token_ttl <= MAX_TOKEN_TTL:
            raise OptionError(
                "token_ttl", self.access_token_ttl, f"give 1 to {MAX_TOKEN_TTL} seconds (Zoom's tokens live 3599)"
            )
        if not 0 <= self.port <= 65535:
            raise OptionError("port", self.port, "give 0 (any free port) to 65535")
        if self.webhook_url is not None and not self.webhook_url.startswith(("http://", "https://")):
            raise OptionError(
                "webhook_url", self.webhook_url, "give an http:// or https:// URL", problem="is not a URL"
            )
        if self.webhook_url is not None and not self.webhook_secret:
            raise OptionError(
                "webhook_url", self.webhook_url, "give the secret token with --webhook-secret", problem="has no secret"
            )
        if self.host != "localhost":
            try:
                ipaddress.ip_address(self.host)
            except ValueError:
                raise OptionError(
                    "host",
                    self.host,
                    "give an IP address of this machine, such as 127.0.0.1 (the default) or ::1",
                    problem="is not an IP address",
                ) from None


#: The longest access-token lifetime a sandbox accepts: a day.
MAX_TOKEN_TTL = 86400


class OptionError(ValueError):
    """A ``SandboxOptions`` value the sandbox refuses: ``option``, the ``value``, a ``fix``."""

    def __init__(self, option: str, value: object, fix: str, problem: str = "is out of range"):
        super().__init__(f"{option} {value!r} {problem}: {fix}")
        self.option = option
        self.value = value
        self.problem = problem
        self.fix = fix


class RuntimeConfig:
    """The settings ``POST /_sandbox/config`` (and tests) may change on a live sandbox."""

    FIELDS = ("access_token_ttl", "rate_limit_headers", "auto_approve", "auto_approve_shared_access")

    def __init__(self, options: SandboxOptions):
        self._lock = threading.Lock()
        self.base_url = ""
        self.access_token_ttl = int(options.access_token_ttl)
        self.rate_limit_headers = bool(options.rate_limit_headers)
        self.auto_approve = options.auto_approve or None
        self.auto_approve_shared_access = bool(options.auto_approve_shared_access)
        self.log_requests = bool(options.log_requests)

    def update(self, **changes) -> dict:
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if "access_token_ttl" in changes:
                ttl = int(changes["access_token_ttl"])
                if ttl < 1:
                    raise ValueError("access_token_ttl must be at least 1 second")
                self.access_token_ttl = ttl
            if "rate_limit_headers" in changes:
                self.rate_limit_headers = bool(changes["rate_limit_headers"])
            if "auto_approve" in changes:
                self.auto_approve = changes["auto_approve"] or None
            if "auto_approve_shared_access" in changes:
                self.auto_approve_shared_access = bool(changes["auto_approve_shared_access"])
        return self.to_dict()

    def to_dict(self) -> dict:
        with self._lock:
            return {name: getattr(self, name) for name in self.FIELDS}
