"""The admin endpoint under ``/_sandbox/``: control a running sandbox over HTTP.

It exists only on the sandbox (nothing like it is on zoom.us) and needs no token; the
server binds 127.0.0.1 by default, so only local processes reach it. JSON in, JSON out.

==========================  ==================================================================
``GET  /_sandbox``          ``describe()``: base URLs, apps and credentials, seeded users
``GET  /_sandbox/stats``    calls per operation (``{"token.refresh_token": 1, …}``)
``DELETE /_sandbox/stats``  reset the counts
``GET  /_sandbox/state``    the world (users, apps, grants, meetings…; tokens only as hashes)
``GET  /_sandbox/faults``   the active faults
``POST /_sandbox/faults``   add: ``{"spec": "meetingCreate:3:status=500"}``,
                            ``{"specs": [...]}``, or fields ``{"operation": "meeting",
                            "nth": 2, "status": 500, …}`` (see ``faults.py``)
``DELETE /_sandbox/faults`` remove all faults (``?id=N`` removes one)
``GET  /_sandbox/clock``    ``{"now": ISO, "offset": s, "frozen": bool}``
``POST /_sandbox/clock``    ``{"set": ISO}``, ``{"advance": seconds}``, ``{"freeze": true}``,
                            ``{"freeze": false}``; combinable, applied in that order
                            (``{"set": …, "freeze": true}`` stops time exactly there)
``POST /_sandbox/events``   ``{"type": "app_uninstalled", "app": "public", "user": EMAIL?}``,
                            ``{"type": "user_deleted", "user": EMAIL_OR_ID}``,
                            ``{"type": "user_downgraded", "user": …}`` (to Basic),
                            ``{"type": "user_upgraded", "user": …}`` (to Licensed),
                            ``{"type": "user_deactivated" | "user_activated", "user": …}``,
                            ``{"type": "meeting_deleted", "meeting_id": N}``; playing a meeting:
                            ``{"type": "meeting_started" | "meeting_ended", "meeting_id": N, "at": ISO?}``,
                            ``{"type": "participant_joined" | "participant_left", "meeting_id": N,
                            "registrant": EMAIL_OR_ID | "name": NAME, "email": E?, "empty_email": bool?,
                            "at": ISO?}``; with a webhook subscribed, each is delivered as Zoom's event
                            (app_uninstalled as app_deauthorized, meeting_deleted as meeting.deleted)
``GET  /_sandbox/webhook``  the event subscription: ``{"url", "validated", "deliveries": [...]}``
``POST /_sandbox/webhook``  ``{"url": URL|null, "secret": S}``: subscribe (validated at once)
``GET  /_sandbox/accounts`` the Zoom accounts (``{"accounts": [{id, name, owner_email, s2s_app}]}``)
``POST /_sandbox/accounts`` seed one more account: ``{"users": N}`` (default 5) → ``{"account":
                            {…}, "users": [...], "app": {S2S credentials}}``; the user-level and
                            admin apps work for it too
``GET  /_sandbox/config``   runtime settings, rate limits
``POST /_sandbox/config``   ``{"auto_approve": EMAIL|null, "auto_approve_shared_access": bool,
                            "access_token_ttl": s, "rate_limit_headers": bool,
                            "rate_limits": {"Light": n, "Medium": n, "Heavy": n},
                            "daily_meeting_limit": n}``
==========================  ==================================================================
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from zoomctl.sandbox.faults import FaultSpecError
from zoomctl.sandbox.replies import BadBody, Call, Reply, json_reply

if TYPE_CHECKING:  # pragma: no cover
    from zoomctl.sandbox.server import Sandbox


def _bad(message: str, status: int = 400) -> Reply:
    return json_reply(status, {"error": message})


def handle(sb: Sandbox, call: Call, tail: str) -> Reply:
    """Route ``/_sandbox/{tail}``."""
    route = (call.method, tail.strip("/"))
    try:
        body = call.json() if call.method in ("POST", "PUT") and call.body.strip() else {}
    except BadBody:
        return _bad("the body must be JSON")
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    try:
        if route == ("GET", ""):
            from zoomctl.sandbox.describe import describe

            return json_reply(200, describe(sb))
        if route == ("GET", "stats"):
            return json_reply(200, sb.stats())
        if route == ("DELETE", "stats"):
            sb.reset_stats()
            return json_reply(200, {})
        if route == ("GET", "state"):
            return json_reply(200, sb.world.snapshot())
        if tail.strip("/") == "faults":
            return _faults(sb, call, body)
        if tail.strip("/") == "clock":
            return _clock(sb, call, body)
        if tail.strip("/") == "accounts":
            return _accounts(sb, call, body)
        if route == ("POST", "events"):
            return json_reply(200, sb.event(**body))
        if tail.strip("/") == "webhook":
            if call.method == "POST":
                return json_reply(200, sb.webhooks.configure(body.get("url"), body.get("secret")))
            if call.method != "GET":
                return _bad("method not allowed", 405)
            return json_reply(200, sb.webhooks.status())
        if tail.strip("/") == "config":
            if call.method == "POST":
                sb.configure(**body)
            elif call.method != "GET":
                return _bad("method not allowed", 405)
            return json_reply(200, sb.config_dict())
    except (FaultSpecError, ValueError, KeyError, TypeError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        return _bad(str(message))
    return _bad(f"no admin endpoint {call.method} /_sandbox/{tail.strip('/')}", 404)


def _faults(sb: Sandbox, call: Call, body: dict) -> Reply:
    if call.method == "GET":
        return json_reply(200, {"faults": sb.faults.list()})
    if call.method == "DELETE":
        fault_id = call.arg("id")
        if fault_id:
            if not sb.faults.remove(int(fault_id)):
                return _bad(f"no fault {fault_id}", 404)
        else:
            sb.faults.clear()
        return json_reply(200, {"faults": sb.faults.list()})
    if call.method == "POST":
        added = []
        if "specs" in body:
            for spec in body["specs"]:
                added.extend(f.to_dict() for f in sb.faults.add_spec(str(spec)))
        elif "spec" in body:
            added.extend(f.to_dict() for f in sb.faults.add_spec(str(body["spec"])))
        else:
            added.append(sb.faults.add_dict(body).to_dict())
        return json_reply(201, {"added": added, "faults": sb.faults.list()})
    return _bad("method not allowed", 405)


def _accounts(sb: Sandbox, call: Call, body: dict) -> Reply:
    from zoomctl.sandbox.describe import account_info

    if call.method == "POST":
        unknown = set(body) - {"users"}
        if unknown:
            return _bad(f"unknown account field(s): {', '.join(sorted(unknown))}")
        users = body.get("users", 5)
        if not isinstance(users, int) or isinstance(users, bool):
            return _bad("users must be a whole number")
        return json_reply(201, sb.add_account(users))
    if call.method != "GET":
        return _bad("method not allowed", 405)
    with sb.world.lock:
        return json_reply(200, {"accounts": [account_info(sb.world, a) for a in sb.world.accounts]})


def _clock(sb: Sandbox, call: Call, body: dict) -> Reply:
    if call.method == "POST":
        unknown = set(body) - {"advance", "set", "freeze"}
        if unknown:
            return _bad(f"unknown clock field(s): {', '.join(sorted(unknown))}")
        target = None
        if "set" in body:
            target = datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00"))
            sb.clock.set(target)
        if "advance" in body:
            seconds = float(body["advance"])
            sb.clock.advance(seconds)
            target = target + timedelta(seconds=seconds) if target else None
        if body.get("freeze") is True:
            sb.clock.freeze(target)  # exactly the instant set (or now)
        elif body.get("freeze") is False:
            sb.clock.unfreeze()
    elif call.method != "GET":
        return _bad("method not allowed", 405)
    now = sb.clock.now()
    return json_reply(
        200, {"now": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "offset": sb.clock.offset, "frozen": sb.clock.frozen}
    )
