from __future__ import annotations

import json
import logging
import random
import re
from datetime import UTC, datetime

import httpx
import pytest
from zoom_helpers import API, make_jwt

from zoomctl.errors import InvalidInput
from zoomctl.exit_codes import ExitCode
from zoomctl.zoom.client import BATCH_LIMIT, ZoomClient
from zoomctl.zoom.errors import (
    MaybeApplied,
    ZoomAPIError,
    ZoomBatchPartlyApplied,
    ZoomDailyLimit,
    ZoomMaybeApplied,
    ZoomMeetingNotFound,
    ZoomNoAnswer,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomTokenInvalid,
    ZoomUnreachable,
    next_utc_midnight,
)

TOKEN_1, TOKEN_2 = make_jwt(850), make_jwt(850)
ANY = re.compile(r".*")


class Tokens:
    def __init__(self):
        self.current = TOKEN_1
        self.rejected: list[str] = []

    def access_token(self):
        return self.current

    def refresh_after_rejection(self, rejected):
        self.rejected.append(rejected)
        self.current = TOKEN_2
        return self.current


@pytest.fixture
def tokens():
    return Tokens()


@pytest.fixture
def waits():
    return []


@pytest.fixture
def client(tokens, waits):
    with httpx.Client() as http:
        yield ZoomClient(API, tokens, http, sleep=waits.append, rng=lambda: 0.5, max_retries=3, max_wait=10)


def url(path, query=None):
    if query is None:
        return re.compile(re.escape(API + path) + r"(\?.*)?$")
    return API + path + "?" + query


def meeting(n=1):
    return {
        "id": 85746065000 + n,
        "uuid": f"u{n}==",
        "join_url": f"https://zoom.us/j/{n}?pwd=p{n}",
        "start_url": f"https://zoom.us/s/{n}?zak=z{n}",
    }


# --------------------------------------------------------------------------- basics


def test_bearer_header_only(client, httpx_mock):
    httpx_mock.add_response(url=f"{API}/users/me", json={"id": "me1", "type": 2})
    assert client.get_user() == {"id": "me1", "type": 2}
    sent = httpx_mock.get_request()
    assert sent.headers["authorization"] == f"Bearer {TOKEN_1}"
    assert TOKEN_1 not in str(sent.url) and sent.url.query == b""


def test_user_ids_are_path_quoted(client, httpx_mock):
    httpx_mock.add_response(json={"id": "x"})
    client.get_user("jane+zoom@example.com")
    assert httpx_mock.get_request().url.raw_path == b"/v2/users/jane%2Bzoom@example.com"
    with pytest.raises(InvalidInput):
        client.get_user("")


def test_empty_answer_is_none(client, httpx_mock):
    httpx_mock.add_response(method="PATCH", status_code=204)
    assert client.update_meeting(1, {"topic": "x"}) is None


def test_non_json_success_is_an_error(client, httpx_mock):
    httpx_mock.add_response(text="<html>captive portal</html>")
    with pytest.raises(ZoomAPIError) as info:
        client.get_meeting(1)
    assert "not JSON" in info.value.message


def test_plain_4xx_is_raised_at_once(client, httpx_mock, waits):
    httpx_mock.add_response(status_code=404, json={"code": 3001, "message": "Meeting does not exist: 1."})
    with pytest.raises(ZoomNotFound) as info:
        client.get_meeting(1)
    assert isinstance(info.value, ZoomMeetingNotFound) and waits == [] and len(httpx_mock.get_requests()) == 1


# --------------------------------------------------------------------------- 401 / 124


def test_124_refreshes_once_and_retries_once(client, tokens, httpx_mock):
    httpx_mock.add_response(
        match_headers={"Authorization": f"Bearer {TOKEN_1}"},
        status_code=401,
        json={"code": 124, "message": "Invalid access token."},
    )
    httpx_mock.add_response(match_headers={"Authorization": f"Bearer {TOKEN_2}"}, status_code=201, json=meeting())
    assert client.create_meeting("me", {"topic": "t", "type": 2})["id"] == meeting()["id"]
    assert tokens.rejected == [TOKEN_1]
    assert len(httpx_mock.get_requests()) == 2


def test_124_twice_is_not_a_loop(client, tokens, httpx_mock):
    httpx_mock.add_response(status_code=401, json={"code": 124, "message": "Invalid access token."}, is_reusable=True)
    with pytest.raises(ZoomTokenInvalid) as info:
        client.get_user()
    assert tokens.rejected == [TOKEN_1]
    assert len(httpx_mock.get_requests()) == 2
    assert info.value.exit_code == ExitCode.AUTH_REQUIRED and "auth login" in info.value.hint


def test_refresh_failure_propagates(client, httpx_mock):
    from zoomctl.zoom.errors import ReconnectRequired

    class Dead(Tokens):
        def refresh_after_rejection(self, rejected):
            raise ReconnectRequired()

    client.tokens = Dead()
    httpx_mock.add_response(status_code=401, json={"code": 124, "message": "Invalid access token."})
    with pytest.raises(ReconnectRequired):
        client.get_user()


# --------------------------------------------------------------------------- 429


def qps(headers=None):
    return dict(status_code=429, json={"code": 429, "message": "Too many requests."}, headers=headers or {})


def test_qps_with_retry_after(client, httpx_mock, waits):
    httpx_mock.add_response(**qps({"Retry-After": "2", "X-RateLimit-Type": "QPS"}))
    httpx_mock.add_response(json={"id": "me"})
    assert client.get_user() == {"id": "me"}
    assert len(waits) == 1 and 2 <= waits[0] <= 2.25  # Retry-After plus a little jitter


def test_qps_without_retry_after_backs_off_with_jitter(tokens, httpx_mock):
    waits = []
    with httpx.Client() as http:
        client = ZoomClient(
            API, tokens, http, sleep=waits.append, rng=random.Random(7).random, max_retries=3, backoff=0.5, max_wait=10
        )
        httpx_mock.add_response(**qps(), is_reusable=True)
        with pytest.raises(ZoomRateLimited) as info:
            client.get_user()
    assert not isinstance(info.value, ZoomDailyLimit) and info.value.exit_code == ExitCode.RATE_LIMITED
    assert len(httpx_mock.get_requests()) == 4  # bounded: 1 + 3 retries
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        ceiling = min(10, 0.5 * 2**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w / min(10, 0.5 * 2**i), 6) for i, w in enumerate(waits)}) > 1  # jittered


def test_qps_waits_are_capped(tokens, httpx_mock):
    waits = []
    with httpx.Client() as http:
        client = ZoomClient(
            API, tokens, http, sleep=waits.append, rng=lambda: 1.0, max_retries=4, backoff=4, max_wait=10
        )
        httpx_mock.add_response(**qps(), is_reusable=True)
        with pytest.raises(ZoomRateLimited):
            client.get_user()
    assert waits == [4, 8, 10, 10]
    assert sum(waits) <= 4 * 10


def test_qps_retry_after_longer_than_cap_gives_up_at_once(client, httpx_mock, waits):
    httpx_mock.add_response(**qps({"Retry-After": "60"}))
    with pytest.raises(ZoomRateLimited) as info:
        client.get_user()
    assert waits == [] and info.value.retry_after == 60


def test_qps_on_post_is_retried(client, httpx_mock, waits):
    httpx_mock.add_response(method="POST", **qps())
    httpx_mock.add_response(method="POST", status_code=201, json=meeting())
    assert client.create_meeting("me", {"topic": "t"})["uuid"] == "u1=="
    assert len(waits) == 1


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-RateLimit-Type": "Daily-limit", "Retry-After": "2"}, "Too many requests."),
        (
            {},
            "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user.",
        ),
    ],
)
def test_daily_limit_fails_at_once(client, httpx_mock, waits, headers, message):
    httpx_mock.add_response(method="POST", status_code=429, json={"code": 429, "message": message}, headers=headers)
    before = next_utc_midnight()
    with pytest.raises(ZoomRateLimited) as info:
        client.create_meeting("me", {"topic": "t"})
    after = next_utc_midnight()
    err = info.value
    assert isinstance(err, ZoomDailyLimit) and waits == [] and len(httpx_mock.get_requests()) == 1
    assert err.resets_at in {before, after}
    assert err.resets_at.tzinfo == UTC and (err.resets_at.hour, err.resets_at.minute) == (0, 0)
    assert err.resets_at > datetime.now(UTC)
    assert "00:00 UTC" in err.hint


# --------------------------------------------------------------------------- 5xx and transport


def test_5xx_get_is_retried(client, httpx_mock, waits):
    httpx_mock.add_response(status_code=502, text="<html><title>502 Bad Gateway</title></html>")
    httpx_mock.add_response(status_code=503, json={"code": 503, "message": "busy"})
    httpx_mock.add_response(json=meeting())
    assert client.get_meeting(1)["id"] == meeting()["id"]
    assert len(waits) == 2 and waits[0] < waits[1] <= 10


def test_5xx_get_gives_up(client, httpx_mock, waits):
    httpx_mock.add_response(status_code=500, json={"code": 500, "message": "oops"}, is_reusable=True)
    with pytest.raises(ZoomAPIError) as info:
        client.get_meeting(1)
    assert len(httpx_mock.get_requests()) == 4 and len(waits) == 3
    assert info.value.status_code == 500 and not isinstance(info.value, MaybeApplied)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_5xx_idempotent_methods_are_retried(client, httpx_mock, method):
    httpx_mock.add_response(method=method, status_code=503, text="")
    httpx_mock.add_response(method=method, status_code=204)
    assert client.request(method, "/meetings/1", json={"topic": "x"} if method != "DELETE" else None) is None
    assert len(httpx_mock.get_requests()) == 2


def test_5xx_post_is_never_retried(client, httpx_mock, waits):
    httpx_mock.add_response(method="POST", status_code=502, text="Bad Gateway")
    with pytest.raises(ZoomAPIError) as info:
        client.create_meeting("me", {"topic": "t"})
    assert len(httpx_mock.get_requests()) == 1 and waits == []
    assert isinstance(info.value, ZoomMaybeApplied) and "check in Zoom" in info.value.hint
    assert info.value.status_code == 502 and info.value.method == "POST"


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.WriteTimeout("slow")]
)
def test_post_that_may_have_been_sent_is_not_retried(client, httpx_mock, waits, exc):
    httpx_mock.add_exception(exc, method="POST")
    with pytest.raises(ZoomUnreachable) as info:
        client.add_registrant(1, {"email": "a@b.co", "first_name": "A"})
    assert isinstance(info.value, ZoomNoAnswer) and info.value.exit_code == ExitCode.NETWORK
    assert len(httpx_mock.get_requests()) == 1 and waits == []


def test_post_connect_error_is_retried(client, httpx_mock, waits):
    httpx_mock.add_exception(httpx.ConnectError("refused"), method="POST")
    httpx_mock.add_response(method="POST", status_code=201, json=meeting())
    assert client.create_meeting("me", {"topic": "t"})["id"]
    assert len(waits) == 1


def test_get_read_timeout_is_retried_then_reported(client, httpx_mock, waits):
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), is_reusable=True)
    with pytest.raises(ZoomUnreachable) as info:
        client.get_user()
    assert len(httpx_mock.get_requests()) == 4 and len(waits) == 3
    assert isinstance(info.value, ZoomNoAnswer)


def test_connect_errors_give_up(client, httpx_mock):
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with pytest.raises(ZoomUnreachable) as info:
        client.create_meeting("me", {"topic": "t"})
    assert type(info.value) is ZoomUnreachable and "network" in info.value.hint


# --------------------------------------------------------------------------- pagination


def test_iter_users_follows_next_page_token(client, httpx_mock):
    httpx_mock.add_response(
        url=url("/users", "status=active&page_size=300"),
        json={"users": [{"id": "1"}, {"id": "2"}], "next_page_token": "p2"},
    )
    httpx_mock.add_response(
        url=url("/users", "status=active&page_size=300&next_page_token=p2"),
        json={"users": [{"id": "3"}], "next_page_token": "p3"},
    )
    httpx_mock.add_response(
        url=url("/users", "status=active&page_size=300&next_page_token=p3"),
        json={"users": [{"id": "4"}], "next_page_token": ""},
    )
    assert [u["id"] for u in client.iter_users()] == ["1", "2", "3", "4"]


def test_pagination_stops_on_a_repeated_token(client, httpx_mock):
    httpx_mock.add_response(json={"meetings": [{"id": 1}], "next_page_token": "same"})
    httpx_mock.add_response(json={"meetings": [{"id": 2}], "next_page_token": "same"})
    assert [m["id"] for m in client.iter_meetings("me")] == [1, 2]


def test_iter_meetings_and_registrants_params(client, httpx_mock):
    httpx_mock.add_response(
        url=url("/users/me/meetings", "type=upcoming&page_size=300"), json={"meetings": [{"id": 9}]}
    )
    httpx_mock.add_response(
        url=url("/meetings/9/registrants", "status=pending&page_size=300"),
        json={"registrants": [{"id": "r1"}], "next_page_token": None},
    )
    assert list(client.iter_meetings("me", type="upcoming")) == [{"id": 9}]
    assert list(client.iter_registrants(9, status="pending")) == [{"id": "r1"}]


# --------------------------------------------------------------------------- batches


def people(n):
    return [{"email": f"p{i}@example.com", "first_name": f"P{i}", "last_name": "Q"} for i in range(n)]


def test_batch_registrants_chunks_at_30(client, httpx_mock, spec):
    def answer(request):
        body = json.loads(request.content)
        return httpx.Response(
            201,
            json={
                "registrants": [
                    {
                        "email": r["email"],
                        "registrant_id": f"id-{r['email']}",
                        "join_url": f"https://zoom.us/w/1?tk=t-{r['email']}",
                    }
                    for r in body["registrants"]
                ]
            },
        )

    httpx_mock.add_callback(answer, method="POST", url=url("/meetings/85746065001/batch_registrants"), is_reusable=True)
    result = client.batch_registrants(85746065001, people(65))
    sent = httpx_mock.get_requests()
    bodies = [json.loads(r.content) for r in sent]
    assert [len(b["registrants"]) for b in bodies] == [30, 30, 5] and BATCH_LIMIT == 30
    assert all(b["auto_approve"] is True for b in bodies)
    assert [r["email"] for r in result] == [p["email"] for p in people(65)]
    for request in sent:
        spec.check(request)


def test_batch_failure_reports_what_went_through(client, httpx_mock):
    httpx_mock.add_response(method="POST", status_code=201, json={"registrants": [{"email": "x"}] * 30})
    httpx_mock.add_response(method="POST", status_code=400, json={"code": 3000, "message": "nope"})
    with pytest.raises(ZoomBatchPartlyApplied) as info:
        client.batch_registrants(1, people(40))
    assert len(info.value.completed) == 30
    assert isinstance(info.value.cause, ZoomAPIError) and info.value.cause.code == 3000
    assert info.value.message == info.value.cause.message and info.value.exit_code == ExitCode.ZOOM_ERROR


def test_a_batch_whose_first_chunk_fails_raises_that_failure(client, httpx_mock):
    httpx_mock.add_response(method="POST", status_code=400, json={"code": 3000, "message": "nope"})
    with pytest.raises(ZoomAPIError) as info:
        client.batch_registrants(1, people(40))
    assert info.value.code == 3000  # nothing went through: not a partly applied batch


def test_registrant_status_chunks_and_validates(client, httpx_mock, spec):
    httpx_mock.add_response(method="PUT", status_code=204, is_reusable=True)
    regs = [{"id": f"r{i}", "email": f"r{i}@example.com"} for i in range(31)]
    client.update_registrant_status(85746065001, "cancel", regs)
    sent = httpx_mock.get_requests()
    assert [len(json.loads(r.content)["registrants"]) for r in sent] == [30, 1]
    assert all(json.loads(r.content)["action"] == "cancel" for r in sent)
    for request in sent:
        spec.check(request)
    with pytest.raises(InvalidInput):
        client.update_registrant_status(1, "delete", regs)
    client.update_registrant_status(1, "approve", [])
    assert len(httpx_mock.get_requests()) == 2


# --------------------------------------------------------------------------- Zoom's OpenAPI


def test_requests_match_zoom_openapi(client, httpx_mock, spec):
    httpx_mock.add_response(method="GET", url=url("/users/me"), json={"id": "u"})
    httpx_mock.add_response(method="GET", url=url("/users", "status=active&page_size=300"), json={"users": []})
    httpx_mock.add_response(method="POST", url=url("/users/host@example.com/meetings"), status_code=201, json=meeting())
    httpx_mock.add_response(method="GET", url=url("/meetings/85746065001"), json=meeting())
    httpx_mock.add_response(method="PATCH", url=url("/meetings/85746065001"), status_code=204)
    httpx_mock.add_response(method="DELETE", url=url("/meetings/85746065001"), status_code=204)
    httpx_mock.add_response(
        method="GET", url=url("/users/me/meetings", "type=scheduled&page_size=300"), json={"meetings": []}
    )
    httpx_mock.add_response(
        method="POST",
        url=url("/meetings/85746065001/registrants"),
        status_code=201,
        json={"id": 85746065001, "registrant_id": "r", "join_url": "https://zoom.us/w/1?tk=x"},
    )
    httpx_mock.add_response(
        method="GET",
        url=url("/meetings/85746065001/registrants", "status=approved&page_size=300"),
        json={"registrants": []},
    )

    client.get_user()
    list(client.iter_users())
    client.create_meeting(
        "host@example.com",
        {
            "topic": "Yoga for beginners",
            "type": 2,
            "start_time": "2030-05-01T09:00:00Z",
            "duration": 60,
            "timezone": "UTC",
            "agenda": "Booking #42",
            "settings": {
                "approval_type": 0,
                "join_before_host": False,
                "waiting_room": True,
                "registrants_email_notification": False,
                "meeting_authentication": False,
            },
        },
    )
    client.get_meeting(85746065001)
    client.update_meeting(85746065001, {"start_time": "2030-05-01T10:00:00Z", "duration": 45, "topic": "Yoga"})
    client.delete_meeting(85746065001, schedule_for_reminder=False, cancel_meeting_reminder=True)
    list(client.iter_meetings("me"))
    client.add_registrant(
        85746065001, {"email": "client@example.com", "first_name": "Ada", "last_name": "L", "auto_approve": True}
    )
    list(client.iter_registrants(85746065001))

    sent = httpx_mock.get_requests()
    assert len(sent) == 9
    for request in sent:
        spec.check(request)
    delete = sent[5]
    assert dict(delete.url.params) == {"schedule_for_reminder": "false", "cancel_meeting_reminder": "true"}


def test_spec_checker_is_not_a_rubber_stamp(spec):
    bad = [
        httpx.Request("POST", f"{API}/meetings/1/registrants", json={"first_name": "no email"}),
        httpx.Request("PUT", f"{API}/meetings/1/registrants/status", json={"action": "remove"}),
        httpx.Request("POST", f"{API}/users/me/meetings", json={"type": 7, "duration": "long"}),
        httpx.Request("GET", f"{API}/meetings/abc"),
        httpx.Request("GET", f"{API}/users", params={"bogus": "1"}),
        httpx.Request("POST", f"{API}/meetings/1/no_such_thing", json={}),
    ]
    for request in bad:
        with pytest.raises(AssertionError):
            spec.check(request)


# --------------------------------------------------------------------------- logging


def test_debug_log_is_useful_and_redacted(client, httpx_mock, caplog):
    caplog.set_level(logging.DEBUG, logger="zoomctl.http")
    httpx_mock.add_response(method="POST", status_code=201, json={"join_url": "https://zoom.us/w/1?tk=SECRET_TK_VALUE"})
    httpx_mock.add_response(
        method="GET",
        status_code=400,
        json={"code": 300, "message": "bad", "start_url": "https://zoom.us/s/1?zak=SECRET_ZAK"},
    )
    client.add_registrant(1, {"email": "a@b.co", "first_name": "A"})
    with pytest.raises(ZoomAPIError):
        client.get_meeting(1)
    text = caplog.text
    assert re.search(r"POST https://api\.example\.test/v2/meetings/1/registrants -> 201 in \d+ ms", text)
    assert "GET https://api.example.test/v2/meetings/1 -> 400" in text
    for secret in (TOKEN_1, TOKEN_1[:40], "SECRET_TK_VALUE", "SECRET_ZAK"):
        assert secret not in text
    assert all(r.name == "zoomctl.http" for r in caplog.records)
