"""Helpers for the sandbox tests: an httpx client on real loopback sockets, a small
driver for the OAuth dance and API calls (``Zoom``), and the OpenAPI contract checker.

The contract checks read the committed extract of Zoom's OpenAPI documents
(tests/contract/zoom-openapi-extract.json); ``conftest.py`` loads it once per session.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import ssl
import warnings
from urllib.parse import parse_qs, urlsplit

import httpx

from zoomctl.sandbox import Sandbox

LOOPBACK = "http://127.0.0.1:53682/callback"


# ----------------------------------------------------------------------------- sandbox


_TLS = ssl.create_default_context()  # built once: httpx would load CA certs per client


def client_for(sb: Sandbox) -> httpx.Client:
    """An httpx client for a sandbox (loopback, no redirects followed, bounded waits)."""
    return httpx.Client(base_url=sb.base_url, timeout=10, follow_redirects=False, verify=_TLS)


def pkce(method: str = "S256") -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Zoom:
    """Drives the sandbox the way a client would (all over HTTP)."""

    def __init__(self, sb: Sandbox, http: httpx.Client):
        self.sb = sb
        self.http = http

    # -- the seeded world (users=5): see zoomctl.sandbox.world.seed_world
    def users(self) -> list[dict]:
        with self.sb.world.lock:
            return [dict(u) for u in self.sb.world.users.values()]

    def user(
        self,
        *,
        type: int | None = None,
        status: str = "active",  # noqa: A002
        owner: bool | None = None,
    ) -> dict:
        owner_id = self.sb.world.account["owner_id"]
        for u in self.users():
            if (
                (type is None or u["type"] == type)
                and u["status"] == status
                and (owner is None or (u["id"] == owner_id) == owner)
            ):
                return u
        raise LookupError("no such seeded user")

    @property
    def owner(self) -> dict:
        return self.user(owner=True)

    # -- OAuth
    def client_auth(self, app: str, data: dict) -> tuple[dict, dict]:
        creds = self.sb.apps[app]
        data = dict(data)
        headers = {}
        if "client_secret" in creds:
            pair = f"{creds['client_id']}:{creds['client_secret']}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            data["client_id"] = creds["client_id"]
        return data, headers

    def token_request(self, app: str, data: dict) -> httpx.Response:
        data, headers = self.client_auth(app, data)
        return self.http.post("/oauth/token", data=data, headers=headers)

    def authorize_params(
        self,
        app: str = "public",
        *,
        method: str | None = "S256",
        redirect_uri: str = LOOPBACK,
        state: str = "state-123",
    ) -> tuple[dict, str | None]:
        params = {
            "response_type": "code",
            "client_id": self.sb.apps[app]["client_id"],
            "redirect_uri": redirect_uri,
            "state": state,
        }
        verifier = None
        if method:
            verifier, challenge = pkce(method)
            params.update(code_challenge=challenge, code_challenge_method=method)
        return params, verifier

    def consent_txn(self, page: httpx.Response) -> str:
        assert page.status_code == 200, page.text
        match = re.search(r'name="txn" value="([^"]+)"', page.text)
        assert match, "no consent form on the page"
        return match.group(1)

    def authorize(
        self,
        app: str = "public",
        *,
        user: str | None = None,
        shared: bool = False,
        method: str | None = "S256",
        redirect_uri: str = LOOPBACK,
        state: str = "state-123",
    ) -> tuple[str, str | None]:
        """Open the consent page and allow; returns (code, verifier)."""
        params, verifier = self.authorize_params(app, method=method, redirect_uri=redirect_uri, state=state)
        page = self.http.get("/oauth/authorize", params=params)
        form = {"txn": self.consent_txn(page), "user": user or self.owner["email"], "decision": "allow"}
        if shared:
            form["shared_access"] = "1"
        answer = self.http.post("/oauth/authorize", data=form)
        assert answer.status_code == 302, answer.text
        query = query_of(answer.headers["location"])
        assert query["state"] == state
        return query["code"], verifier

    def exchange(self, app: str, code: str, verifier: str | None, redirect_uri: str = LOOPBACK) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier is not None:
            data["code_verifier"] = verifier
        return self.token_request(app, data)

    def login(self, app: str = "public", *, user: str | None = None, shared: bool = False) -> dict:
        code, verifier = self.authorize(app, user=user, shared=shared)
        answer = self.exchange(app, code, verifier)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def refresh(self, app: str, refresh_token: str) -> httpx.Response:
        return self.token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def s2s(self, app: str = "s2s") -> dict:
        answer = self.token_request(
            app, {"grant_type": "account_credentials", "account_id": self.sb.apps[app]["account_id"]}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    # -- API
    def api(self, method: str, path: str, token: str | dict, **kwargs) -> httpx.Response:
        if isinstance(token, dict):
            token = token["access_token"]
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, "/v2" + path, headers=headers, **kwargs)

    def create_meeting(self, token, user: str = "me", **body) -> dict:
        payload = {
            "topic": "Yoga class",
            "type": 2,
            "start_time": "2031-03-04T10:00:00Z",
            "duration": 45,
            "timezone": "UTC",
        }
        payload.update(body)
        answer = self.api("POST", f"/users/{user}/meetings", token, json=payload)
        assert answer.status_code == 201, answer.text
        return answer.json()


# ----------------------------------------------------------------------------- OpenAPI


#: Zoom's generic REST error body (developers.zoom.us/docs/api/errors): used where the
#: OpenAPI document has no schema for an error status, or does not list the status at all.
ZOOM_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


class _SpecRequest:
    """openapi-core's Request protocol for an httpx request to the sandbox."""

    def __init__(self, method: str, path: str, query: dict, headers: dict, body: bytes | None, content_type: str):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.method = method.lower()
        self.host_url = "https://api.zoom.us"  # the documents' server is https://api.zoom.us/v2
        self.path = path
        self.parameters = RequestParameters(query=ImmutableMultiDict(query), header=Headers(headers))
        self.body = body or None
        self.content_type = content_type


class _SpecResponse:
    def __init__(self, response: httpx.Response):
        from werkzeug.datastructures import Headers

        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))


class Contract:
    """Checks sandbox traffic against Zoom's OpenAPI documents.

    ``/users`` and ``/users/{userId}`` (GET) use combined-2023-openapi.json; every
    meeting and registrant path uses meetings-openapi.json (the newer document wins).
    """

    def __init__(self, specs: dict, documents: dict):
        self.specs = specs
        self.documents = documents
        self.checked: list[tuple[str, str, int, str]] = []

    @staticmethod
    def spec_name(method: str, path: str) -> str:
        if method.upper() == "GET" and re.fullmatch(r"/v2/users(/[^/]+)?/?", path):
            return "combined"
        return "meetings"

    def documented_codes(self, name: str, method: str, path: str, status: int) -> list[int]:
        """The error codes the document lists for this operation and status (may be none)."""
        for template, item in self.documents[name]["paths"].items():
            pattern = "^/v2" + re.sub(r"\\\{(\w+)\\\}", "[^/]+", re.escape(template)) + "/?$"
            if re.match(pattern, path) and method.lower() in item:
                answer = item[method.lower()]["responses"].get(str(status), {})
                return answer.get("x-error-codes", [])
        return []

    def _request(self, request: httpx.Request) -> _SpecRequest:
        return _SpecRequest(
            request.method,
            request.url.path,
            dict(request.url.params),
            dict(request.headers),
            request.content or None,
            request.headers.get("content-type", ""),
        )

    def check_request(self, method: str, path: str, json_body=None) -> None:
        """Validate a request we are about to send (body and parameters)."""
        import json as _json

        parts = urlsplit(path)
        body = _json.dumps(json_body).encode() if json_body is not None else None
        request = _SpecRequest(
            method,
            "/v2" + parts.path,
            {k: v[0] for k, v in parse_qs(parts.query).items()},
            {"Authorization": "Bearer x"},
            body,
            "application/json" if body else "",
        )
        spec = self.specs[self.spec_name(method, "/v2" + parts.path)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.validate_request(request)

    def check(self, response: httpx.Response) -> str:
        """Validate one sandbox response; returns how it was validated."""
        from jsonschema import validate as validate_json
        from openapi_core.templating.responses.exceptions import ResponseNotFound

        request = response.request
        name = self.spec_name(request.method, request.url.path)
        spec = self.specs[name]
        how = f"{name}:schema"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                spec.validate_response(self._request(request), _SpecResponse(response))
            except ResponseNotFound:
                # The document does not list this status for the operation (e.g. 401 or
                # 403 on most operations): Zoom's generic error shape applies instead.
                if response.status_code < 400:
                    raise
                how = f"{name}:generic-error"
        if response.status_code >= 400:
            # Error statuses the documents list come without a body schema: their body is
            # Zoom's generic error object, checked here either way.
            validate_json(response.json(), ZOOM_ERROR_SCHEMA)
            # The documents' code lists are not exhaustive (Zoom's generic 300 and 200 are
            # missing from most); the one for the per-second rate limit is: such a 429 must
            # carry a listed code (the daily limit's code is documented nowhere).
            codes = self.documented_codes(name, request.method, request.url.path, response.status_code)
            per_second = response.status_code == 429 and "daily" not in response.json()["message"].lower()
            if codes and per_second:
                assert response.json()["code"] in codes, (
                    f"{request.method} {request.url.path} {response.status_code}: code {response.json()['code']}"
                    f" is not one the document lists ({codes})"
                )
        self.checked.append((request.method, request.url.path, response.status_code, how))
        return how
