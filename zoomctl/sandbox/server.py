"""The HTTP server: routing, fault injection, stats, and the ``Sandbox`` object.

One ``ThreadingHTTPServer`` serves Zoom's OAuth paths (``/oauth/…``), the REST API
(``/v2/…``), the link landing pages (``/j``, ``/w``, ``/s``, ``/meeting/register``) and the
admin endpoint (``/_sandbox/…``, see ``admin.py``). Each request runs under the world's
transaction, so handlers see one consistent world and changes are persisted once.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from zoomctl.sandbox import admin, links, pages
from zoomctl.sandbox.api import Api
from zoomctl.sandbox.clock import SandboxClock
from zoomctl.sandbox.config import RuntimeConfig, SandboxOptions
from zoomctl.sandbox.describe import describe
from zoomctl.sandbox.faults import FaultAction, FaultSet
from zoomctl.sandbox.limits import CATEGORIES, QPS_CODE, QPS_MESSAGE, RateLimiter
from zoomctl.sandbox.oauth import OAuthServer
from zoomctl.sandbox.replies import (
    BadBody,
    Call,
    Reply,
    api_error,
    empty_reply,
    html_reply,
    json_reply,
    oauth_error,
)
from zoomctl.sandbox.webhooks import WebhookSender
from zoomctl.sandbox.world import World

__all__ = ["Sandbox", "describe"]

_API_ROUTES: list[tuple[re.Pattern, dict[str, str]]] = [
    (re.compile(r"^/v2/users/?$"), {"GET": "users"}),
    (re.compile(r"^/v2/users/(?P<userId>[^/]+)/?$"), {"GET": "user"}),
    (re.compile(r"^/v2/users/(?P<userId>[^/]+)/meetings/?$"), {"GET": "meetings", "POST": "meetingCreate"}),
    (
        re.compile(r"^/v2/meetings/(?P<meetingId>[^/]+)/?$"),
        {"GET": "meeting", "PATCH": "meetingUpdate", "DELETE": "meetingDelete"},
    ),
    (
        re.compile(r"^/v2/meetings/(?P<meetingId>[^/]+)/registrants/?$"),
        {"GET": "meetingRegistrants", "POST": "meetingRegistrantCreate"},
    ),
    (re.compile(r"^/v2/meetings/(?P<meetingId>[^/]+)/registrants/status/?$"), {"PUT": "meetingRegistrantStatus"}),
    (re.compile(r"^/v2/meetings/(?P<meetingId>[^/]+)/batch_registrants/?$"), {"POST": "addBatchRegistrants"}),
]
_PAGE_ROUTES: list[tuple[re.Pattern, str, Callable]] = [
    (re.compile(r"^/j/(?P<id>[^/]+)/?$"), "page.join", links.join),
    (re.compile(r"^/w/(?P<id>[^/]+)/?$"), "page.join", links.registrant_join),
    (re.compile(r"^/s/(?P<id>[^/]+)/?$"), "page.start", links.start),
    (re.compile(r"^/meeting/register/(?P<id>[^/]+)/?$"), "page.register", links.register),
]


class Sandbox:
    """A running (or ready to run) Zoom emulator. See ``zoomctl.sandbox`` for the tour."""

    def __init__(self, options: SandboxOptions | None = None, **overrides):
        options = options or SandboxOptions()
        if overrides:
            options = dataclasses.replace(options, **overrides)
        options.check()
        self.options = options
        self.clock = SandboxClock()
        self.world = World(
            self.clock, state_path=options.state_path, seed=options.seed, users=options.users, accounts=options.accounts
        )
        self.config = RuntimeConfig(options)
        self.limiter = RateLimiter(options.rate_limits, options.daily_meeting_limit)
        self.faults = FaultSet()
        for spec in options.faults:
            self.faults.add_spec(spec)
        self.oauth = OAuthServer(self.world, self.config)
        self.api = Api(self.world, self.config, self.oauth, self.limiter)
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.webhooks = WebhookSender()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Sandbox:
        """Listen and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        host = self.options.host
        server_cls = _Server6 if ":" in host else _Server
        server = server_cls((host, int(self.options.port)), _Handler)
        server.sandbox = self
        port = server.server_address[1]
        url_host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(
            host, f"[{host}]" if ":" in host else host
        )
        self.config.base_url = f"http://{url_host}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"zoomctl-sandbox-{port}", daemon=True
        )
        self._thread.start()
        if self.options.webhook_url:
            self.webhooks.configure(self.options.webhook_url, self.options.webhook_secret)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve until KeyboardInterrupt (for ``zoomctl sandbox serve``)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses
    @property
    def base_url(self) -> str:
        if not self.config.base_url:
            raise RuntimeError("the sandbox is not started")
        return self.config.base_url

    @property
    def oauth_base_url(self) -> str:
        return self.base_url

    @property
    def api_base_url(self) -> str:
        return self.base_url + "/v2"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def apps(self) -> dict[str, dict]:
        """The apps' credentials: public (client_id), confidential and admin (client_id,
        client_secret), s2s (account_id, client_id, client_secret); plus their scopes."""
        with self.world.lock:
            out = {}
            for key, app in self.world.apps.items():
                entry = {"client_id": app["client_id"]}
                if app["client_secret"] is not None:
                    entry["client_secret"] = app["client_secret"]
                if app["kind"] == "s2s":
                    entry = {"account_id": app["account_id"], **entry}
                entry["scopes"] = " ".join(app["scopes"])
                out[key] = entry
            return out

    # ------------------------------------------------------------------ stats & config
    def stats(self) -> dict[str, int]:
        """Calls received per operation since start (or the last ``reset_stats``)."""
        with self._stats_lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats.clear()
        self.limiter.reset_refused()

    def throttled(self) -> dict[str, int]:
        """Requests refused with a per-second 429, by category, since start (or ``reset_stats``)."""
        return self.limiter.refusals()

    def configure(
        self, *, rate_limits: dict[str, int] | None = None, daily_meeting_limit: int | None = None, **settings
    ) -> dict:
        """Change runtime settings (``RuntimeConfig.FIELDS``) and limits."""
        if settings:
            self.config.update(**settings)
        self.limiter.configure(rate_limits, daily_meeting_limit)
        return self.config_dict()

    def config_dict(self) -> dict:
        limits = self.limiter.config()
        return {
            **self.config.to_dict(),
            "rate_limits": limits["qps"],
            "daily_meeting_limit": limits["daily_meeting_limit"],
        }

    # ------------------------------------------------------------------ events
    def event(self, type: str, **details) -> dict:  # noqa: A002 - the event's JSON field
        """Something happens on the Zoom side (see ``admin.py`` for the types); the webhook
        event it makes is delivered after the world's lock is released."""
        outgoing: list[tuple[str, dict]] = []
        result = self._event(type, details, outgoing)
        result["webhook"] = [name for name, payload in outgoing if self.webhooks.send(name, payload)]
        return result

    def _event(self, type: str, details: dict, outgoing: list) -> dict:  # noqa: A002
        world = self.world
        with world.transaction():
            if type in PLAYED:
                return self._play(type, details, outgoing)
            if type == "app_uninstalled":
                app = self._app_key(details.get("app"))
                user = world.find_user(details["user"]) if details.get("user") else None
                ended = world.uninstall_app(app, details.get("user"))
                owner = user or next(iter(world.users.values()))
                outgoing.append(
                    (
                        "app_deauthorized",
                        {
                            "account_id": owner["account_id"],
                            "user_id": owner["id"],
                            "signature": secrets_token(),
                            "deauthorization_time": world.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            "client_id": world.apps[app]["client_id"],
                            "user_data_retention": str(details.get("user_data_retention", "false")).lower(),
                        },
                    )
                )
                return {"type": type, "grants_ended": ended}
            if type == "user_deleted":
                return {"type": type, "user": world.delete_user(_need(details, "user"))["id"]}
            if type in ("user_downgraded", "user_upgraded"):
                user = world.set_user_type(_need(details, "user"), 1 if type == "user_downgraded" else 2)
                return {"type": type, "user": user["id"], "user_type": user["type"]}
            if type in ("user_deactivated", "user_activated"):
                user = world.set_user_status(
                    _need(details, "user"), "inactive" if type == "user_deactivated" else "active"
                )
                return {"type": type, "user": user["id"], "status": user["status"]}
            if type == "meeting_deleted":
                meeting = world.delete_meeting(_need(details, "meeting_id"))
                outgoing.append(("meeting.deleted", self._meeting_payload(meeting)))
                return {"type": type, "meeting_id": meeting["id"]}
        raise ValueError(f"unknown event type {type!r}")

    def _meeting_payload(self, meeting: dict, **extra) -> dict:
        from zoomctl.sandbox.world import iso

        host = self.world.users.get(meeting.get("host_id"), {})
        obj = {
            "id": meeting["id"],
            "uuid": meeting.get("uuid") or f"{meeting['id']}==",
            "host_id": meeting.get("host_id"),
            "topic": meeting.get("topic"),
            "type": meeting.get("type", 2),
            "start_time": iso(meeting["start_time"]) if meeting.get("start_time") is not None else None,
            "duration": meeting.get("duration"),
            "timezone": meeting.get("timezone"),
            **extra,
        }
        return {"account_id": host.get("account_id"), "object": obj}

    def _play(self, type: str, details: dict, outgoing: list) -> dict:  # noqa: A002
        """A meeting played: the host starts it, someone joins or leaves, it ends."""
        meeting = self.world.meetings.get(str(_need(details, "meeting_id")))
        if meeting is None:
            raise KeyError(f"no meeting {details['meeting_id']}")
        now = self.world.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        at = details.get("at") or now
        if type == "meeting_started":
            outgoing.append(("meeting.started", self._meeting_payload(meeting, start_time=at)))
            return {"type": type, "meeting_id": meeting["id"]}
        if type == "meeting_ended":
            outgoing.append(("meeting.ended", self._meeting_payload(meeting, end_time=at)))
            return {"type": type, "meeting_id": meeting["id"]}
        who = _need(details, "registrant" if "registrant" in details else "name")
        person: dict = {"user_name": who, "email": "" if details.get("empty_email") else details.get("email", "")}
        if "registrant" in details:  # joined with their personal registrant link
            registrant = next((r for r in meeting["registrants"] if who in (r["id"], r["email"])), None)
            if registrant is None:
                raise KeyError(f"no registrant {who!r} in meeting {meeting['id']}")
            person.update(registrant_id=registrant["id"], user_name=registrant.get("first_name") or who)
            if not details.get("empty_email"):
                person["email"] = registrant["email"]
        person["participant_uuid"] = f"p-{meeting['id']}-{who}"
        person["id"] = ""
        if type == "participant_joined":
            person["join_time"] = at
            name = "meeting.participant_joined"
        else:
            person["leave_time"] = at
            name = "meeting.participant_left"
        outgoing.append((name, self._meeting_payload(meeting, participant=person)))
        return {"type": type, "meeting_id": meeting["id"]}

    def add_account(self, users: int = 5) -> dict:
        """Seed one more Zoom account; returns it, its users and its S2S app's credentials."""
        from zoomctl.sandbox.describe import account_info

        with self.world.transaction():
            account = self.world.add_account(users)
            info = account_info(self.world, account)
            people = [
                {"id": u["id"], "email": u["email"], "type": u["type"], "status": u["status"], "role": u["role_name"]}
                for u in self.world.users.values()
                if u["account_id"] == account["id"]
            ]
        return {"account": info, "users": people, "app": self.apps[info["s2s_app"]]}

    def uninstall_app(self, app: str, user: str | None = None) -> dict:
        return self.event("app_uninstalled", app=app, user=user)

    def delete_user(self, user: str) -> dict:
        return self.event("user_deleted", user=user)

    def downgrade_user(self, user: str) -> dict:
        return self.event("user_downgraded", user=user)

    def upgrade_user(self, user: str) -> dict:
        return self.event("user_upgraded", user=user)

    def delete_meeting(self, meeting_id: int | str) -> dict:
        return self.event("meeting_deleted", meeting_id=meeting_id)

    def _app_key(self, ref: str | None) -> str:
        if ref in self.world.apps:
            return ref  # type: ignore[return-value]
        app = self.world.app_by_client_id(ref)
        if app is None:
            raise KeyError(f"no app {ref!r} (use public, confidential, admin, s2s or a client id)")
        return app["key"]

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, call: Call) -> tuple[Reply | None, FaultAction | None]:
        """The reply for one request, or ``None`` when the connection must be dropped."""
        if call.path == "/_sandbox" or call.path.startswith("/_sandbox/"):
            with self.world.transaction():
                return admin.handle(self, call, call.path[len("/_sandbox") :]), None
        routed = self._route(call)
        if isinstance(routed, Reply):
            return routed, None
        names, kind, handler = routed
        with self._stats_lock:
            self._stats.update(names)
        action = self.faults.take(names)
        if action is not None:
            if action.delay:
                time.sleep(action.delay)
            if action.drop == "before":
                return None, action
            if action.responds:
                return self._fault_reply(action, kind, names[0]), action
        try:
            with self.world.transaction():
                reply = handler()
        except BadBody:
            reply = (
                oauth_error(400, "invalid_request", "Invalid request body")
                if kind == "oauth"
                else api_error(400, 300, "Invalid request body.")
            )
        except Exception:  # a sandbox bug: answer like a server error, say why on stderr
            traceback.print_exc(file=sys.stderr)
            reply = api_error(500, 500, "Internal sandbox error.")
        if action is not None and action.drop == "after":
            return None, action
        return reply, action

    def _route(self, call: Call):
        path, method = call.path, call.method
        if path.startswith("/v2/"):
            for pattern, methods in _API_ROUTES:
                match = pattern.match(path)
                if match:
                    operation = methods.get(method)
                    if operation is None:
                        return api_error(405, 405, f"Method not allowed: {method} {path}.")
                    params = {k: unquote(v) for k, v in match.groupdict().items()}
                    return (
                        (operation,),
                        "api",
                        lambda operation=operation, params=params: self.api.handle(operation, call, params),
                    )
            return api_error(404, 404, f"No such API: {method} {path}.")
        if path == "/oauth/authorize":
            if method == "GET":
                return ("authorize",), "html", lambda: self.oauth.authorize(call)
            if method == "POST":
                return ("authorize.consent",), "html", lambda: self.oauth.consent(call)
        if path == "/oauth/token" and method == "POST":
            try:
                grant_type = call.form().get("grant_type")
            except BadBody:
                grant_type = None
            names = ("token", f"token.{grant_type}") if grant_type else ("token",)
            return names, "oauth", lambda: self.oauth.token(call)
        if path == "/oauth/revoke" and method == "POST":
            return ("revoke",), "oauth", lambda: self.oauth.revoke(call)
        if method == "GET":
            for pattern, name, page in _PAGE_ROUTES:
                match = pattern.match(path)
                if match:
                    ident = unquote(match.group("id"))
                    return (name,), "html", lambda page=page, ident=ident: page(self.world, call, ident)
            if path in ("/", ""):
                return (
                    ("page.index",),
                    "html",
                    lambda: html_reply(
                        200,
                        pages.landing_page(
                            "zoomctl sandbox",
                            [
                                f"OAuth: {self.oauth_base_url}/oauth/authorize",
                                f"API: {self.api_base_url}",
                                f"Admin: {self.base_url}/_sandbox",
                            ],
                        ),
                    ),
                )
        return html_reply(404, pages.error_page("Not found", f"Nothing at {path}."))

    def _fault_reply(self, action: FaultAction, kind: str, operation: str) -> Reply:
        status = int(action.status or 500)
        phrase = _phrase(status)
        headers: dict[str, str] = {}
        if kind == "api" and status == 429 and self.config.rate_limit_headers:
            category = CATEGORIES.get(operation, "Light")
            headers.update(
                {
                    "X-RateLimit-Category": category,
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(self.limiter.qps.get(category, 0)),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": "1",
                }
            )
        if action.retry_after is not None:
            headers["Retry-After"] = action.retry_after
        code = action.code if action.code is not None else _default_code(status)
        message = action.message or _default_message(status, phrase)
        body = action.body or ("html" if kind == "html" else "json")
        if body == "empty":
            return empty_reply(status, headers)
        if body == "xml":
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<error><code>{code}</code><message>{_xml(message)}</message></error>\n"
            )
            return Reply(status, xml.encode(), "application/xml;charset=UTF-8", headers)
        if body == "html":
            html = (
                f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>"
                "\r\n</body>\r\n</html>\r\n"
            )
            return html_reply(status, html, headers)
        if body == "text":
            return Reply(status, f"{status} {phrase}: {message}\n".encode(), "text/plain;charset=utf-8", headers)
        if kind == "oauth":
            error = {400: "invalid_request", 401: "invalid_client"}.get(status, "server_error")
            reply = oauth_error(status, error, message)
            reply.headers.update(headers)
            return reply
        return json_reply(status, {"code": code, "message": message}, headers)


PLAYED = ("meeting_started", "participant_joined", "participant_left", "meeting_ended")


def secrets_token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


def _need(details: dict, name: str):
    if details.get(name) in (None, ""):
        raise KeyError(f"this event needs {name!r}")
    return details[name]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _default_code(status: int) -> int:
    return {401: 124, 429: QPS_CODE}.get(status, status)


def _default_message(status: int, phrase: str) -> str:
    return {401: "Invalid access token.", 429: QPS_MESSAGE}.get(status, phrase + ".")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# =============================================================================== HTTP


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Sandbox

    def server_bind(self) -> None:
        # HTTPServer.server_bind would also look up the host's FQDN (slow, unneeded).
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # clients hanging up (or faults dropping them) are normal here
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "zoomctl-sandbox/1"
    sys_version = ""
    timeout = 120
    server: _Server

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - not TCP
            pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        try:
            body = self._read_body()
        except ValueError:
            self._send(json_reply(400, {"code": 300, "message": "Bad request body."}))
            return
        parts = urlsplit(self.path)
        call = Call(
            method=self.command,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
        )
        reply, _action = sandbox.dispatch(call)
        if reply is None:
            self._drop()
            return
        self._send(reply)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > 10 * 1024 * 1024:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status not in (204, 304):
            self.send_header("Content-Length", str(len(reply.body)))
        # Headers and body leave in one write: two small writes would meet Nagle's
        # algorithm and delayed ACKs (a 40 ms stall per request on loopback).
        self._headers_buffer.append(b"\r\n")
        if reply.body and self.command != "HEAD" and reply.status not in (204, 304):
            self._headers_buffer.append(reply.body)
        self.flush_headers()

    def _drop(self) -> None:
        """Close the connection without a byte of answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header on the sandbox's clock (which tests move to make a skew)."""
        from email.utils import formatdate

        return formatdate(self.server.sandbox.clock.time() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if self.server.sandbox.config.log_requests:
            sys.stderr.write(f"sandbox: {self.address_string()} {format % args}\n")
