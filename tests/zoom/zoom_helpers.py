"""Helpers for the Zoom-layer tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import base64
import json
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
import keyring.backend
from keyring.errors import PasswordDeleteError

REPO = Path(__file__).resolve().parents[2]
API = "https://api.example.test/v2"
OAUTH = "https://oauth.example.test"


# --------------------------------------------------------------------------- tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(length: int = 900) -> str:
    """A JWT-shaped token of exactly ``length`` characters (Zoom's are ~600-900)."""
    header = _b64(json.dumps({"alg": "HS512", "v": "2.0", "kid": secrets.token_hex(8)}).encode())
    signature = _b64(secrets.token_bytes(64))
    room = length - len(header) - len(signature) - 2
    claims = {"aud": "https://oauth.zoom.us", "uid": secrets.token_urlsafe(16), "pad": ""}
    payload = _b64(json.dumps(claims).encode())
    while len(payload) < room:
        claims["pad"] += secrets.token_hex(8)
        payload = _b64(json.dumps(claims).encode())
    token = f"{header}.{payload[:room]}.{signature}"
    assert len(token) == length
    return token


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- keyring


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A dict. Priority below zero: never chosen or chained by keyring itself."""

    priority = -5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", username))
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", username))
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", username))
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


# --------------------------------------------------------------------------- OpenAPI


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


class SpecChecker:
    """Checks a sent httpx request against the operation Zoom documents for it: the path
    template, path and query parameters, and the JSON body against the requestBody schema."""

    def __init__(self, specs: dict[str, dict[str, Any]]):
        self.specs = specs
        self._validators: dict[int, Any] = {}

    def find(self, method: str, path: str) -> tuple[dict[str, Any], dict[str, str]]:
        for name in ("meetings", "combined"):  # the newer document wins
            for template, item in self.specs[name]["paths"].items():
                pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
                m = re.match(pattern, path)
                if m and method.lower() in item:
                    return item[method.lower()], m.groupdict()
        raise AssertionError(f"{method} {path} is not an operation in Zoom's OpenAPI documents")

    def _validate(self, schema: dict[str, Any], value: Any, what: str) -> None:
        from openapi_schema_validator import OAS30Validator

        validator = self._validators.get(id(schema))
        if validator is None:
            validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
            self._validators[id(schema)] = validator
        errors = sorted(validator.iter_errors(value), key=str)
        assert not errors, f"{what} does not match Zoom's schema: {errors[0].message}"

    def check(self, request: httpx.Request) -> dict[str, Any]:
        path = request.url.path
        assert path.startswith("/v2/"), path
        op, path_params = self.find(request.method, path[len("/v2") :])
        declared = {(p["in"], p["name"]): p for p in op.get("parameters", [])}
        for name, raw in path_params.items():
            param = declared.get(("path", name))
            assert param is not None, f"path parameter {name} not declared"
            self._validate(param["schema"], _coerce(raw, param["schema"]), f"path {name}")
        for name, raw in request.url.params.multi_items():
            param = declared.get(("query", name))
            assert param is not None, f"query parameter {name} is not in Zoom's spec"
            self._validate(param["schema"], _coerce(raw, param["schema"]), f"query {name}")
        body = op.get("requestBody")
        if request.content:
            assert body is not None, f"{request.method} {path} takes no body"
            schema = body["content"]["application/json"]["schema"]
            assert request.headers["content-type"].startswith("application/json")
            self._validate(schema, json.loads(request.content), f"{request.method} {path} body")
        else:
            assert body is None or not body.get("required"), "required body missing"
        return op
