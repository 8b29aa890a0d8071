"""Zoom's OAuth server: authorize (consent page), token, revoke; and bearer-token checks.

Behaviour (see ../shared/zoom/ZOOM-FACTS.md):

* ``GET /oauth/authorize``: ``response_type=code``, ``client_id``, ``redirect_uri``,
  ``state``, ``code_challenge`` + ``code_challenge_method`` (``S256`` or ``plain``; the
  public app must use PKCE). The redirect URI must be registered for the app or be a
  loopback ``http://127.0.0.1:{any port}/{any path}`` (Zoom ignores the port). A bad
  client or redirect URI gets an HTML error page (never a redirect to an unvalidated
  URI); other errors redirect with ``error=…``. Otherwise the consent page, or with
  auto-approve an immediate 302 with the code.
* ``POST /oauth/authorize``: the consent form; answers 302 to
  ``redirect_uri?code=…&state=…`` or ``?error=access_denied&state=…``.
* ``POST /oauth/token``: ``authorization_code`` (single use, 5 minutes, PKCE checked,
  ``redirect_uri`` must equal the authorize one), ``refresh_token`` (rotation: the used
  refresh token dies), ``account_credentials`` (the Server-to-Server app; no refresh
  token). Confidential apps must use HTTP Basic; the public app sends ``client_id`` in
  the form. Every token error is HTTP 400 with ``{"reason", "error"}``, a bad client
  (``invalid_client``) included, as Zoom documents it.
* ``POST /oauth/revoke``: ``token=`` (access or refresh); kills the whole grant, as
  uninstalling the app does; ``{"status": "success"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from urllib.parse import urlsplit

from zoomctl.sandbox import ids, pages
from zoomctl.sandbox.config import RuntimeConfig
from zoomctl.sandbox.replies import (
    Call,
    Reply,
    add_query,
    html_reply,
    json_reply,
    oauth_error,
    redirect,
)
from zoomctl.sandbox.tokens import authorization_code, mint_oauth_token, token_hash
from zoomctl.sandbox.world import World

CODE_LIFETIME = 300  # seconds: authorization codes live 5 minutes
CONSENT_LIFETIME = 1800  # a consent page can be answered for 30 minutes
INVALID_TOKEN = "Invalid Token!"
INVALID_CLIENT = "Invalid client_id or client_secret"
PRUNE_AFTER = 24 * 3600  # forget expired access tokens a day after expiry


class OAuthServer:
    def __init__(self, world: World, config: RuntimeConfig):
        self.world = world
        self.config = config

    # ======================================================================= authorize
    def authorize(self, call: Call) -> Reply:
        params = {
            k: call.arg(k)
            for k in ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")
        }
        app = self.world.app_by_client_id(params["client_id"])
        if app is None or app["kind"] == "s2s":
            return html_reply(
                400, pages.error_page("Invalid client", f"Invalid client_id: {params['client_id'] or ''}", 4702)
            )
        redirect_uri = params["redirect_uri"] or ""
        if not redirect_uri_allowed(app, redirect_uri):
            return html_reply(400, pages.error_page("Invalid redirect", f"Invalid redirect: {redirect_uri}", 4709))

        def fail(error: str, description: str) -> Reply:
            return redirect(
                add_query(redirect_uri, {"error": error, "error_description": description, "state": params["state"]})
            )

        if params["response_type"] != "code":
            return fail("unsupported_response_type", "response_type must be code")
        challenge = params["code_challenge"] or None
        method = params["code_challenge_method"] or ("plain" if challenge else None)
        if challenge is None and params["code_challenge_method"]:
            return fail("invalid_request", "code_challenge is missing")
        if method not in (None, "S256", "plain"):
            return fail("invalid_request", "code_challenge_method must be S256 or plain")
        if app["client_secret"] is None and challenge is None:
            return fail("invalid_request", "PKCE (code_challenge) is required for this app")
        pending = {
            "app": app["key"],
            "redirect_uri": redirect_uri,
            "state": params["state"],
            "challenge": challenge,
            "method": method,
        }

        if self.config.auto_approve:
            user = self.world.find_user(self.config.auto_approve)
            problem = self._user_problem(app, user)
            if problem:
                return html_reply(400, pages.error_page("Auto-approve failed", problem))
            return self._approve(pending, user, self.config.auto_approve_shared_access)
        return html_reply(200, self._consent(app, self._seal(pending)), {"Cache-Control": "no-store"})

    def consent(self, call: Call) -> Reply:
        """The consent form post (``POST /oauth/authorize``)."""
        form = call.form()
        pending = self._unseal(form.get("txn", ""))
        if pending is None:
            return html_reply(
                400,
                pages.error_page(
                    "Authorization expired",
                    "This authorization request is invalid or has expired; start signing in again.",
                ),
            )
        app = self.world.apps[pending["app"]]
        if form.get("decision") != "allow":
            return redirect(
                add_query(
                    pending["redirect_uri"],
                    {
                        "error": "access_denied",
                        "error_description": "The user denied access",
                        "state": pending["state"],
                    },
                )
            )
        user = self.world.find_user(form.get("user", ""))
        problem = self._user_problem(app, user)
        if problem:
            return html_reply(400, self._consent(app, form["txn"], error=problem))
        return self._approve(pending, user, form.get("shared_access") in ("1", "on", "true"))

    def _consent(self, app: dict, txn: str, error: str | None = None) -> str:
        users = [
            u for u in self.world.users.values() if u["status"] == "active" and (app["kind"] != "admin" or _is_admin(u))
        ]
        return pages.consent_page(
            app_name=app["name"],
            scopes=app["scopes"],
            users=users,
            txn=txn,
            show_shared_access=app["kind"] == "user",
            error=error,
        )

    @staticmethod
    def _user_problem(app: dict, user: dict | None) -> str | None:
        if user is None:
            return "No such user in this account."
        if user["status"] != "active":
            return f"The user {user['email']} is not active."
        if app["kind"] == "admin" and not _is_admin(user):
            return f"{user['email']} is not an admin of the account; only an admin can authorize an admin-managed app."
        return None

    def _approve(self, pending: dict, user: dict, shared_access: bool) -> Reply:
        app = self.world.apps[pending["app"]]
        code = authorization_code()
        now = self.world.clock.time()
        self._prune_codes(now)
        self.world.codes[token_hash(code)] = {
            "app": app["key"],
            "user_id": user["id"],
            "shared_access": bool(shared_access and app["kind"] == "user"),
            "redirect_uri": pending["redirect_uri"],
            "challenge": pending["challenge"],
            "method": pending["method"],
            "issued_at": now,
            "expires_at": now + CODE_LIFETIME,
            "used": False,
        }
        self.world.changed()
        return redirect(add_query(pending["redirect_uri"], {"code": code, "state": pending["state"]}))

    def _seal(self, pending: dict) -> str:
        data = dict(pending, exp=self.world.clock.time() + CONSENT_LIFETIME)
        body = ids.b64url(json.dumps(data, separators=(",", ":")).encode())
        sig = hmac.new(self.world.key, body.encode(), hashlib.sha256).digest()
        return f"{body}.{ids.b64url(sig)}"

    def _unseal(self, txn: str) -> dict | None:
        body, _, sig = txn.partition(".")
        expected = ids.b64url(hmac.new(self.world.key, body.encode(), hashlib.sha256).digest())
        if not body or not hmac.compare_digest(expected, sig):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, binascii.Error):
            return None
        if data.get("exp", 0) < self.world.clock.time() or data.get("app") not in self.world.apps:
            return None
        return data

    # =========================================================================== token
    def token(self, call: Call) -> Reply:
        form = call.form()
        app, problem = self._client(call, form)
        if problem:
            return problem
        grant_type = form.get("grant_type")
        if not grant_type:
            return oauth_error(400, "invalid_request", "Missing grant type")
        if grant_type == "authorization_code" and app["kind"] != "s2s":
            return self._authorization_code(app, form)
        if grant_type == "refresh_token" and app["kind"] != "s2s":
            return self._refresh(app, form)
        if grant_type == "account_credentials" and app["kind"] == "s2s":
            return self._account_credentials(app, form)
        return oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    def _client(self, call: Call, form: dict[str, str]) -> tuple[dict | None, Reply | None]:
        """The calling app: HTTP Basic for confidential apps, ``client_id`` for public."""
        bad = oauth_error(400, "invalid_client", INVALID_CLIENT)
        header = call.headers.get("Authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None, bad
            client_id, sep, secret = decoded.partition(":")
            app = self.world.app_by_client_id(client_id)
            if app is None or not sep:
                return None, bad
            if app["client_secret"] is None:
                if secret:
                    return None, bad
            elif not hmac.compare_digest(secret.encode(), app["client_secret"].encode()):
                return None, bad
            if form.get("client_id") and form["client_id"] != client_id:
                return None, bad
            return app, None
        app = self.world.app_by_client_id(form.get("client_id"))
        if app is None or app["client_secret"] is not None:
            return None, bad  # unknown client, or a confidential one without Basic auth
        return app, None

    def _authorization_code(self, app: dict, form: dict[str, str]) -> Reply:
        code = form.get("code") or ""
        record = self.world.codes.get(token_hash(code)) if code else None
        now = self.world.clock.time()
        if record is None or record["app"] != app["key"] or record["used"]:
            return oauth_error(400, "invalid_grant", "Invalid authorization code")
        if now >= record["expires_at"]:
            return oauth_error(400, "invalid_grant", "Authorization code has expired")
        if form.get("redirect_uri") != record["redirect_uri"]:
            return oauth_error(400, "invalid_grant", "Redirect URI mismatch.")
        if record["challenge"]:
            verifier = form.get("code_verifier") or ""
            if not verifier or not pkce_matches(verifier, record["challenge"], record["method"]):
                return oauth_error(400, "invalid_grant", "Invalid code verifier")
        user = self.world.users.get(record["user_id"])
        if user is None or user["status"] != "active":
            return oauth_error(400, "invalid_grant", "The user of this code no longer exists")
        record["used"] = True
        grant = self._new_grant(app, user["id"], record["shared_access"])
        return json_reply(200, self._issue(app, grant, refresh=True), {"Cache-Control": "no-store"})

    def _refresh(self, app: dict, form: dict[str, str]) -> Reply:
        token = form.get("refresh_token") or ""
        record = self.world.tokens.get(token_hash(token)) if token else None
        if record is None or record["kind"] != "refresh" or not record["alive"]:
            return oauth_error(400, "invalid_grant", INVALID_TOKEN)
        grant = self.world.grants.get(record["grant"])
        if grant is None or not grant["alive"] or grant["app"] != app["key"]:
            return oauth_error(400, "invalid_grant", INVALID_TOKEN)
        if grant["user_id"] not in self.world.users:
            return oauth_error(400, "invalid_grant", INVALID_TOKEN)
        record["alive"] = False  # rotation: the used refresh token is dead from now on
        record["rotated_at"] = self.world.clock.time()
        return json_reply(200, self._issue(app, grant, refresh=True), {"Cache-Control": "no-store"})

    def _account_credentials(self, app: dict, form: dict[str, str]) -> Reply:
        if form.get("account_id") != app["account_id"]:
            return oauth_error(400, "invalid_request", "Invalid account_id")
        grant = next((g for g in self.world.grants.values() if g["app"] == app["key"] and g["alive"]), None)
        if grant is None:
            grant = self._new_grant(app, self.world.account_by_id(app["account_id"])["owner_id"], False)
        return json_reply(200, self._issue(app, grant, refresh=False), {"Cache-Control": "no-store"})

    def _new_grant(self, app: dict, user_id: str, shared_access: bool) -> dict:
        n = self.world.next_number("grant")
        grant = {
            "id": ids.zoom_id(self.world.data["seed"], "grant", n),
            "app": app["key"],
            "user_id": user_id,
            "shared_access": bool(shared_access),
            "scopes": list(app["scopes"]),
            "created_at": self.world.clock.time(),
            "alive": True,
            "ended": None,
        }
        self.world.grants[grant["id"]] = grant
        self.world.changed()
        return grant

    def _issue(self, app: dict, grant: dict, *, refresh: bool) -> dict:
        now = self.world.clock.time()
        ttl = self.config.access_token_ttl
        self._prune_tokens(now)
        common = dict(
            client_id=app["client_id"],
            user_id=grant["user_id"],
            account_id=self.world.account_of_grant(grant),
            issued_at=now,
            grant_id=grant["id"],
        )
        access = mint_oauth_token(self.world.key, kind="access", expires_at=now + ttl, **common)
        self.world.tokens[token_hash(access)] = {
            "kind": "access",
            "grant": grant["id"],
            "issued_at": now,
            "expires_at": now + ttl,
            "alive": True,
        }
        answer = {"access_token": access, "token_type": "bearer"}
        if refresh:
            refresh_token = mint_oauth_token(self.world.key, kind="refresh", expires_at=None, **common)
            self.world.tokens[token_hash(refresh_token)] = {
                "kind": "refresh",
                "grant": grant["id"],
                "issued_at": now,
                "expires_at": None,
                "alive": True,
            }
            answer["refresh_token"] = refresh_token
        answer.update({"expires_in": ttl, "scope": " ".join(grant["scopes"]), "api_url": self.config.base_url})
        self.world.changed()
        return answer

    def _prune_tokens(self, now: float) -> None:
        tokens = self.world.tokens
        stale = [k for k, t in tokens.items() if t["kind"] == "access" and t["expires_at"] + PRUNE_AFTER < now]
        for key in stale:
            del tokens[key]

    def _prune_codes(self, now: float) -> None:
        codes = self.world.codes
        for key in [k for k, c in codes.items() if c["expires_at"] + CODE_LIFETIME < now]:
            del codes[key]

    # ========================================================================== revoke
    def revoke(self, call: Call) -> Reply:
        form = call.form()
        app, problem = self._client(call, form)
        if problem:
            return problem
        token = form.get("token") or ""
        if not token:
            return oauth_error(400, "invalid_request", "Token cannot be empty.")
        record = self.world.tokens.get(token_hash(token))
        grant = self.world.grants.get(record["grant"]) if record else None
        if (
            grant is None
            or grant["app"] != app["key"]
            or not grant["alive"]
            or (record["kind"] == "refresh" and not record["alive"])
        ):
            return oauth_error(400, "invalid_request", INVALID_TOKEN)
        grant["alive"] = False
        grant["ended"] = "revoked"
        self.world.changed()
        return json_reply(200, {"status": "success"})

    # ==================================================================== bearer tokens
    def authenticate(self, token: str) -> tuple[dict | None, str | None]:
        """The live grant behind an access token, or ``(None, message)`` for code 124."""
        record = self.world.tokens.get(token_hash(token)) if token else None
        if record is None or record["kind"] != "access":
            return None, "Invalid access token."
        grant = self.world.grants.get(record["grant"])
        if grant is None or not grant["alive"] or grant["user_id"] not in self.world.users:
            return None, "Invalid access token."
        if self.world.clock.time() >= record["expires_at"]:
            return None, "Access token has expired."
        return grant, None


# ============================================================================ helpers


def redirect_uri_allowed(app: dict, uri: str) -> bool:
    """Registered for the app, or loopback ``http://127.0.0.1`` on any port and path."""
    if not uri:
        return False
    if uri in app.get("redirect_uris", []):
        return True
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname == "127.0.0.1" and not parts.fragment


def pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    if method == "S256":
        computed = ids.b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
        return hmac.compare_digest(computed, challenge)
    return hmac.compare_digest(verifier, challenge)


def _is_admin(user: dict) -> bool:
    return user.get("role_id") in ("0", "1")
