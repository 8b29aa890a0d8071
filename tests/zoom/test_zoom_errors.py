from __future__ import annotations

from datetime import UTC, datetime, timezone

import httpx
import pytest

from zoomctl.errors import AuthRequired, NetworkError, ZoomctlError
from zoomctl.exit_codes import ExitCode
from zoomctl.zoom.errors import (
    MaybeApplied,
    ReconnectRequired,
    ZoomAPIError,
    ZoomDailyLimit,
    ZoomMaybeApplied,
    ZoomMeetingNotFound,
    ZoomNoAnswer,
    ZoomNotFound,
    ZoomOAuthError,
    ZoomPermissionDenied,
    ZoomRateLimited,
    ZoomTokenInvalid,
    ZoomUnreachable,
    ZoomUserNotFound,
    error_from_response,
    next_utc_midnight,
    retry_after_seconds,
)

NOW = datetime(2024, 3, 5, 17, 30, tzinfo=UTC)


def answer(status, *, json=None, text=None, headers=None, method="GET", url="https://api.zoom.us/v2/meetings/1"):
    request = httpx.Request(method, url)
    if json is not None:
        return httpx.Response(status, json=json, headers=headers, request=request)
    return httpx.Response(status, text=text or "", headers=headers, request=request)


def test_tree_and_exit_codes():
    assert issubclass(ZoomAPIError, ZoomctlError)
    assert issubclass(ZoomOAuthError, ZoomctlError)
    assert issubclass(ReconnectRequired, AuthRequired)
    assert issubclass(ZoomUnreachable, NetworkError)
    assert ZoomAPIError("x").exit_code == ExitCode.ZOOM_ERROR
    assert ZoomRateLimited("x").exit_code == ExitCode.RATE_LIMITED
    assert ReconnectRequired().exit_code == ExitCode.AUTH_REQUIRED
    assert "zoomctl auth login" in ReconnectRequired().hint
    assert ZoomUnreachable("x").exit_code == ExitCode.NETWORK
    assert issubclass(ZoomNoAnswer, ZoomUnreachable) and issubclass(ZoomNoAnswer, MaybeApplied)
    assert issubclass(ZoomMaybeApplied, ZoomAPIError) and issubclass(ZoomMaybeApplied, MaybeApplied)
    assert not issubclass(ZoomUnreachable, MaybeApplied)
    assert issubclass(ZoomDailyLimit, ZoomRateLimited)
    assert issubclass(ZoomMeetingNotFound, ZoomNotFound) and issubclass(ZoomUserNotFound, ZoomNotFound)
    assert ZoomUnreachable("x").hint and ZoomNoAnswer("x").hint
    assert ZoomNoAnswer("x").exit_code == ExitCode.NETWORK


def test_meeting_missing():
    err = error_from_response(answer(404, json={"code": 3001, "message": "Meeting does not exist: 1."}))
    assert type(err) is ZoomMeetingNotFound and not isinstance(err, ZoomUserNotFound)
    assert (err.status_code, err.code, err.method, err.path) == (404, 3001, "GET", "/v2/meetings/1")
    assert err.zoom_message == "Meeting does not exist: 1."
    assert "Meeting does not exist" in err.message and "3001" in err.message
    assert err.hint


def test_user_missing():
    err = error_from_response(
        answer(
            404, json={"code": 1001, "message": "User does not exist: a@b.c."}, url="https://api.zoom.us/v2/users/a@b.c"
        )
    )
    assert type(err) is ZoomUserNotFound


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"code": 124, "message": "Invalid access token."}),
        (400, {"code": 124, "message": "Access token is expired."}),
    ],
)
def test_token_invalid(status, body):
    err = error_from_response(answer(status, json=body))
    assert isinstance(err, ZoomTokenInvalid)
    assert err.code == 124 and "zoomctl auth login" in err.hint
    assert err.exit_code == ExitCode.AUTH_REQUIRED


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"code": 200, "message": "No permission."}),
        (400, {"code": 4711, "message": "Invalid access token, does not contain scopes:[meeting:write:meeting]."}),
        (401, {"code": 4700, "message": "Invalid access token, does not contain scopes"}),
    ],
)
def test_permission_denied(status, body):
    err = error_from_response(answer(status, json=body))
    assert isinstance(err, ZoomPermissionDenied)
    assert "auth login" in err.hint


def test_validation_errors_are_kept():
    body = {
        "code": 300,
        "message": "Validation Failed.",
        "errors": [{"field": "settings.approval_type", "message": "Invalid value."}, "junk"],
    }
    err = error_from_response(answer(400, json=body, method="POST"))
    assert type(err) is ZoomAPIError
    assert err.errors == [{"field": "settings.approval_type", "message": "Invalid value."}]
    assert "settings.approval_type" in err.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<?xml version='1.0'?><result><code>124</code><message>Invalid access token.</message></result>",
            "Invalid access token.",
        ),
        ("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "502 Bad Gateway"),
        ("", "Bad Gateway"),
        ("\x00\xff not json at all {", "not JSON"),
        ("[1, 2]", "[1, 2]"),
    ],
)
def test_non_json_bodies_never_raise(text, expected):
    err = error_from_response(answer(502, text=text, headers={"Content-Type": "text/html"}))
    assert isinstance(err, ZoomAPIError)
    assert err.status_code == 502
    assert expected in err.message and "HTTP 502" in err.message
    assert len(err.message) < 400


def test_xml_code_124_is_token_invalid():
    err = error_from_response(
        answer(401, text="<error><code>124</code><message>Invalid access token.</message></error>")
    )
    assert isinstance(err, ZoomTokenInvalid) and err.code == 124


def test_long_bodies_are_shortened():
    err = error_from_response(answer(500, json={"code": 1, "message": "x" * 5000}))
    assert len(err.message) < 400


def test_daily_rate_limit_from_header():
    err = error_from_response(
        answer(
            429,
            json={"code": 429, "message": "Too many requests."},
            headers={"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Category": "Light", "Retry-After": "3600"},
        ),
        now=NOW,
    )
    assert isinstance(err, ZoomDailyLimit)
    assert err.resets_at == datetime(2024, 3, 6, tzinfo=UTC)
    assert err.category == "Light" and err.retry_after == 3600
    assert "00:00 UTC" in err.hint and "6 h 30 min" in err.hint


def test_daily_rate_limit_from_body_only():
    body = {
        "code": 429,
        "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user.",
    }
    err = error_from_response(answer(429, json=body, method="POST"), now=NOW)
    assert isinstance(err, ZoomDailyLimit) and err.resets_at == datetime(2024, 3, 6, tzinfo=UTC)
    assert err.retry_after is None


def test_qps_rate_limit():
    err = error_from_response(
        answer(
            429,
            json={"code": 429, "message": "Too many requests."},
            headers={"X-RateLimit-Type": "QPS", "Retry-After": "2"},
        )
    )
    assert type(err) is ZoomRateLimited
    assert err.retry_after == 2.0


def test_retry_after_formats():
    assert retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("-3") == 0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Tue, 05 Mar 2024 17:30:10 GMT", NOW) == 10
    assert retry_after_seconds("2024-03-05T17:31:00Z", NOW) == 60
    assert retry_after_seconds("2024-03-05T17:00:00Z", NOW) == 0


def test_next_utc_midnight_from_other_timezones():
    from datetime import timedelta

    tz = timezone(timedelta(hours=-8))
    local = datetime(2024, 12, 31, 20, 0, tzinfo=tz)  # 04:00 UTC on Jan 1st
    assert next_utc_midnight(local) == datetime(2025, 1, 2, tzinfo=UTC)
    assert next_utc_midnight(datetime(2024, 3, 5, 0, 0, tzinfo=UTC)) == datetime(2024, 3, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "error", "hint_part"),
    [
        ({"reason": "Invalid Token!", "error": "invalid_grant"}, "invalid_grant", "auth login"),
        (
            {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
            "invalid_client",
            "client ID and secret",
        ),
        (
            {"reason": "unsupported grant type", "error": "unsupported_grant_type"},
            "unsupported_grant_type",
            "Server-to-Server",
        ),
        ({"code": 4709, "message": "Redirect URI mismatch."}, None, "redirect URLs"),
    ],
)
def test_oauth_errors(body, error, hint_part):
    err = error_from_response(answer(400, json=body, method="POST", url="https://zoom.us/oauth/token"))
    assert isinstance(err, ZoomOAuthError)
    assert err.error == error and err.status_code == 400
    assert hint_part in err.hint
    if "reason" in body:
        assert err.reason == body["reason"] and body["reason"] in err.message


def test_oauth_shape_is_recognised_off_the_oauth_path():
    err = error_from_response(answer(400, json={"reason": "Invalid Token!", "error": "invalid_grant"}))
    assert isinstance(err, ZoomOAuthError) and err.error == "invalid_grant"


def test_oauth_server_error_with_html():
    err = error_from_response(
        answer(
            503,
            text="<html><title>Service Unavailable</title></html>",
            method="POST",
            url="https://zoom.us/oauth/token",
        )
    )
    assert isinstance(err, ZoomOAuthError)
    assert err.error == "server_error" and err.exit_code == ExitCode.ZOOM_ERROR
    assert "HTTP 503" in err.message


@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "3"}, "wait 3 s"), ({}, "wait a few seconds")])
def test_oauth_rate_limit_is_a_rate_limit_not_a_reason_to_sign_in_again(headers, wait):
    err = error_from_response(
        answer(
            429, json={"reason": "Too many requests"}, headers=headers, method="POST", url="https://zoom.us/oauth/token"
        )
    )
    assert isinstance(err, ZoomOAuthError) and err.exit_code == ExitCode.RATE_LIMITED
    assert err.hint.startswith(wait) and "auth login" not in err.hint


def test_response_without_request():
    err = error_from_response(httpx.Response(500, text="boom"))
    assert isinstance(err, ZoomAPIError) and err.method is None and "HTTP 500" in err.message
