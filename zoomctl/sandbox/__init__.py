"""zoomctl's sandbox: a stateful local emulator of Zoom's OAuth server and REST API.

Standard library only, and independent of the rest of zoomctl (core never imports it).
It is what ``zoomctl demo``, ``zoomctl sandbox serve`` and the end-to-end tests run
against, and what users' CI can run instead of a real Zoom account::

    from zoomctl.sandbox import Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(users=5)) as sb:
        sb.oauth_base_url   # http://127.0.0.1:PORT  (/oauth/authorize, /oauth/token, /oauth/revoke)
        sb.api_base_url     # http://127.0.0.1:PORT/v2
        sb.apps             # credentials of the public, confidential, admin and s2s apps
        sb.clock.advance(3600)                      # an hour later (tokens expire)
        sb.faults.add_spec("meetingCreate:1:drop=after")
        sb.uninstall_app("public")                  # "removed on the Zoom side"
        sb.stats()["token.refresh_token"]           # how many refreshes happened
        sb.add_account(users=3)                     # a second Zoom account (its own s2s-2 app)

``zoomctl sandbox serve`` is a thin layer over this::

    for spec in fault_flags:            # validate early; FaultSpecError says what is wrong
        parse_fault_specs(spec)
    options = SandboxOptions(host=host, port=port, state_path=state, users=users,
                             accounts=accounts, access_token_ttl=ttl, rate_limit_headers=not no_headers,
                             auto_approve=email, auto_approve_shared_access=shared,
                             faults=fault_flags, log_requests=verbose)
    options.check()                     # OptionError names the option, the value and a fix
    sb = Sandbox(options)
    sb.start()
    print(json.dumps(describe(sb)) if as_json else describe_text(describe(sb)))
    sb.serve_forever()                  # until Ctrl-C, then stops cleanly

Modules: ``world`` (state, seeding, persistence), ``clock``, ``oauth``, ``api``,
``meeting_rules``, ``paging``, ``limits`` (rate limits), ``faults`` (fault injection),
``admin`` (``/_sandbox`` endpoint), ``links`` (join/start pages), ``server``.
"""

from zoomctl.sandbox.clock import SandboxClock
from zoomctl.sandbox.config import SandboxOptions
from zoomctl.sandbox.describe import describe, describe_text
from zoomctl.sandbox.faults import (
    OPERATIONS,
    Fault,
    FaultSet,
    FaultSpecError,
    parse_fault_spec,
    parse_fault_specs,
)
from zoomctl.sandbox.server import Sandbox
from zoomctl.sandbox.world import EMAIL_DOMAIN, World

__all__ = [
    "EMAIL_DOMAIN",
    "Fault",
    "FaultSet",
    "FaultSpecError",
    "OPERATIONS",
    "Sandbox",
    "SandboxClock",
    "SandboxOptions",
    "World",
    "describe",
    "describe_text",
    "parse_fault_spec",
    "parse_fault_specs",
]
