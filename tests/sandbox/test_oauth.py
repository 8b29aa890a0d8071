"""The OAuth server: authorize + consent, token grants, rotation, expiry, revoke."""

from __future__ import annotations

import base64

import pytest

from zoomctl.sandbox import Sandbox, SandboxOptions

from .testkit import LOOPBACK, Zoom, client_for, query_of

#: Zoom's token errors are HTTP 400 (ZOOM-FACTS.md), a bad client included.
INVALID_CLIENT = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
INVALID_TOKEN = {"reason": "Invalid Token!", "error": "invalid_grant"}


# ------------------------------------------------------------------ code flow


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_full_code_flow_with_pkce(zoom, method):
    code, verifier = zoom.authorize("public", method=method)
    answer = zoom.exchange("public", code, verifier)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    tokens = answer.json()
    assert set(tokens) == {"access_token", "token_type", "refresh_token", "expires_in", "scope", "api_url"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3599
    assert tokens["scope"].split() == ["meeting:read", "meeting:write", "user:read"]
    assert tokens["api_url"] == zoom.sb.base_url
    me = zoom.api("GET", "/users/me", tokens)
    assert me.status_code == 200 and me.json()["email"] == zoom.owner["email"]


def test_tokens_look_like_zooms_jwts(zoom):
    tokens = zoom.login()
    for name in ("access_token", "refresh_token"):
        token = tokens[name]
        assert 600 <= len(token) <= 900, len(token)
        assert token.count(".") == 2 and token.startswith("eyJ")
    assert tokens["access_token"] != tokens["refresh_token"]


def test_consent_page_lists_active_users_and_the_shared_access_checkbox(zoom):
    params, _ = zoom.authorize_params("public")
    page = zoom.http.get("/oauth/authorize", params=params)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Allow this app to use my shared access permissions" in page.text
    assert 'name="decision" value="allow"' in page.text
    assert 'name="decision" value="deny"' in page.text
    for user in zoom.users():
        assert (user["email"] in page.text) == (user["status"] == "active")


@pytest.mark.parametrize("shared", [False, True])
def test_consent_records_the_shared_access_choice(zoom, shared):
    other = zoom.user(type=2, owner=False)
    tokens = zoom.login("public", shared=shared)
    answer = zoom.api("GET", f"/users/{other['id']}", tokens)
    assert answer.status_code == (200 if shared else 403)
    with zoom.sb.world.lock:
        grants = list(zoom.sb.world.grants.values())
    assert [g["shared_access"] for g in grants] == [shared]


def test_consent_as_another_user_signs_in_that_user(zoom):
    basic = zoom.user(type=1)
    tokens = zoom.login("public", user=basic["email"])
    assert zoom.api("GET", "/users/me", tokens).json()["id"] == basic["id"]


def test_deny_redirects_with_access_denied_and_state(zoom):
    params, _ = zoom.authorize_params("public", state="s-42")
    txn = zoom.consent_txn(zoom.http.get("/oauth/authorize", params=params))
    answer = zoom.http.post("/oauth/authorize", data={"txn": txn, "decision": "deny", "user": zoom.owner["email"]})
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(LOOPBACK + "?")
    query = query_of(location)
    assert query["error"] == "access_denied" and query["state"] == "s-42"
    assert "code" not in query


def test_consent_refuses_inactive_or_unknown_user_and_forged_txn(zoom):
    params, _ = zoom.authorize_params("public")
    txn = zoom.consent_txn(zoom.http.get("/oauth/authorize", params=params))
    inactive = zoom.user(status="inactive")
    for who in (inactive["email"], "nobody@example.com"):
        answer = zoom.http.post("/oauth/authorize", data={"txn": txn, "decision": "allow", "user": who})
        assert answer.status_code == 400 and 'name="txn"' in answer.text
    forged = zoom.http.post(
        "/oauth/authorize", data={"txn": txn[:-3] + "AAA", "decision": "allow", "user": zoom.owner["email"]}
    )
    assert forged.status_code == 400 and "location" not in forged.headers


def test_consent_page_expires_after_30_minutes(zoom):
    params, _ = zoom.authorize_params("public")
    txn = zoom.consent_txn(zoom.http.get("/oauth/authorize", params=params))
    zoom.sb.clock.advance(31 * 60)
    answer = zoom.http.post("/oauth/authorize", data={"txn": txn, "decision": "allow", "user": zoom.owner["email"]})
    assert answer.status_code == 400


def test_auto_approve_redirects_at_once():
    user_email = None
    with Sandbox(SandboxOptions()) as sb:
        with sb.world.lock:
            user_email = next(u["email"] for u in sb.world.users.values() if u["type"] == 1 and u["status"] == "active")
        sb.configure(auto_approve=user_email, auto_approve_shared_access=True)
        with client_for(sb) as http:
            zoom = Zoom(sb, http)
            params, verifier = zoom.authorize_params("public", state="auto")
            answer = http.get("/oauth/authorize", params=params)
            assert answer.status_code == 302
            query = query_of(answer.headers["location"])
            assert query["state"] == "auto"
            tokens = zoom.exchange("public", query["code"], verifier).json()
            assert zoom.api("GET", "/users/me", tokens).json()["email"] == user_email
            with sb.world.lock:
                assert [g["shared_access"] for g in sb.world.grants.values()] == [True]


def test_auto_approve_option_without_shared_access():
    with Sandbox(SandboxOptions(auto_approve=None)) as sb:
        owner = sb.world.owner()["email"]
    with Sandbox(SandboxOptions(auto_approve=owner)) as sb, client_for(sb) as http:
        zoom = Zoom(sb, http)
        params, verifier = zoom.authorize_params("confidential")
        answer = http.get("/oauth/authorize", params=params)
        assert answer.status_code == 302
        code = query_of(answer.headers["location"])["code"]
        assert zoom.exchange("confidential", code, verifier).status_code == 200
        with sb.world.lock:
            assert [g["shared_access"] for g in sb.world.grants.values()] == [False]


def test_auto_approve_with_unknown_user_shows_an_error_page(zoom):
    zoom.sb.configure(auto_approve="ghost@sandbox.zoomctl.test")
    params, _ = zoom.authorize_params("public")
    answer = zoom.http.get("/oauth/authorize", params=params)
    assert answer.status_code == 400 and "location" not in answer.headers


# ------------------------------------------------------------------ authorize validation


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(zoom):
    for uri in (
        "https://evil.example/cb",
        "http://localhost:8080/cb",
        "http://10.0.0.1/cb",
        "https://127.0.0.1:9000/cb",
        "",
    ):
        params, _ = zoom.authorize_params("public", redirect_uri=uri)
        answer = zoom.http.get("/oauth/authorize", params=params)
        assert answer.status_code == 400, uri
        assert "location" not in answer.headers
        assert "text/html" in answer.headers["content-type"]


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:1/callback",
        "http://127.0.0.1:65000/x/y",
        "http://127.0.0.1/cb",
        "https://app.sandbox.zoomctl.test/oauth/callback",
    ],
)
def test_loopback_on_any_port_and_registered_redirects_are_accepted(zoom, uri):
    code, verifier = zoom.authorize("public", redirect_uri=uri)
    assert zoom.exchange("public", code, verifier, redirect_uri=uri).status_code == 200


def test_unknown_client_at_authorize_gets_an_error_page(zoom):
    params, _ = zoom.authorize_params("public")
    params["client_id"] = "NoSuchClient"
    answer = zoom.http.get("/oauth/authorize", params=params)
    assert answer.status_code == 400 and "location" not in answer.headers
    params["client_id"] = zoom.sb.apps["s2s"]["client_id"]  # S2S apps have no user consent
    assert zoom.http.get("/oauth/authorize", params=params).status_code == 400


def test_public_client_must_use_pkce_and_bad_requests_redirect_with_error(zoom):
    params, _ = zoom.authorize_params("public", method=None)
    answer = zoom.http.get("/oauth/authorize", params=params)
    assert answer.status_code == 302
    assert query_of(answer.headers["location"])["error"] == "invalid_request"
    params, _ = zoom.authorize_params("public")
    params["code_challenge_method"] = "S512"
    answer = zoom.http.get("/oauth/authorize", params=params)
    assert query_of(answer.headers["location"])["error"] == "invalid_request"
    params, _ = zoom.authorize_params("public")
    params["response_type"] = "token"
    answer = zoom.http.get("/oauth/authorize", params=params)
    assert query_of(answer.headers["location"])["error"] == "unsupported_response_type"


def test_confidential_client_may_skip_pkce(zoom):
    code, verifier = zoom.authorize("confidential", method=None)
    assert verifier is None
    assert zoom.exchange("confidential", code, None).status_code == 200


def test_admin_app_consent_is_for_admins_only(zoom):
    params, _ = zoom.authorize_params("admin")
    page = zoom.http.get("/oauth/authorize", params=params)
    member = next(u for u in zoom.users() if u["role_id"] == "2" and u["status"] == "active")
    assert member["email"] not in page.text
    assert "shared access" not in page.text
    txn = zoom.consent_txn(page)
    refused = zoom.http.post("/oauth/authorize", data={"txn": txn, "decision": "allow", "user": member["email"]})
    assert refused.status_code == 400
    tokens = zoom.login("admin")
    assert tokens["scope"].split() == ["meeting:read:admin", "meeting:write:admin", "user:read:admin"]


# ------------------------------------------------------------------ code exchange


def test_authorization_code_is_single_use(zoom):
    code, verifier = zoom.authorize()
    assert zoom.exchange("public", code, verifier).status_code == 200
    again = zoom.exchange("public", code, verifier)
    assert again.status_code == 400
    assert again.json() == {"reason": "Invalid authorization code", "error": "invalid_grant"}


def test_authorization_code_expires_after_5_minutes(zoom):
    code, verifier = zoom.authorize()
    zoom.sb.clock.advance(5 * 60 + 1)
    answer = zoom.exchange("public", code, verifier)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_authorization_code_is_good_just_before_5_minutes(zoom):
    code, verifier = zoom.authorize()
    zoom.sb.clock.advance(4 * 60 + 50)
    assert zoom.exchange("public", code, verifier).status_code == 200


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_pkce_mismatch_is_refused(zoom, method):
    code, verifier = zoom.authorize(method=method)
    wrong = zoom.exchange("public", code, verifier + "x")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = zoom.exchange("public", code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


def test_redirect_uri_must_equal_the_authorize_one(zoom):
    code, verifier = zoom.authorize(redirect_uri="http://127.0.0.1:4000/callback")
    answer = zoom.exchange("public", code, verifier, redirect_uri="http://127.0.0.1:4001/callback")
    assert answer.status_code == 400
    assert answer.json() == {"reason": "Redirect URI mismatch.", "error": "invalid_grant"}


def test_code_of_one_app_does_not_work_for_another(zoom):
    code, verifier = zoom.authorize("public")
    answer = zoom.exchange("confidential", code, verifier)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


# ------------------------------------------------------------------ client authentication


def test_confidential_client_needs_basic_auth(zoom):
    code, verifier = zoom.authorize("confidential")
    creds = zoom.sb.apps["confidential"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": LOOPBACK, "code_verifier": verifier}
    no_auth = zoom.http.post("/oauth/token", data={**form, "client_id": creds["client_id"]})
    assert no_auth.status_code == 400 and no_auth.json() == INVALID_CLIENT
    in_body = zoom.http.post(
        "/oauth/token", data={**form, "client_id": creds["client_id"], "client_secret": creds["client_secret"]}
    )
    assert in_body.status_code == 400
    wrong = base64.b64encode(f"{creds['client_id']}:nope".encode()).decode()
    bad = zoom.http.post("/oauth/token", data=form, headers={"Authorization": f"Basic {wrong}"})
    assert bad.status_code == 400 and bad.json() == INVALID_CLIENT
    garbage = zoom.http.post("/oauth/token", data=form, headers={"Authorization": "Basic %%%"})
    assert garbage.status_code == 400
    assert zoom.exchange("confidential", code, verifier).status_code == 200


def test_unknown_client_at_token_endpoint(zoom):
    answer = zoom.http.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nope"}
    )
    assert answer.status_code == 400 and answer.json() == INVALID_CLIENT


def test_missing_and_unsupported_grant_types(zoom):
    missing = zoom.token_request("public", {})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    for grant_type in ("password", "client_credentials", "account_credentials"):
        answer = zoom.token_request("public", {"grant_type": grant_type})
        assert answer.status_code == 400
        assert answer.json()["error"] == "unsupported_grant_type"


# ------------------------------------------------------------------ refresh, expiry


@pytest.mark.parametrize("app", ["public", "confidential", "admin"])
def test_refresh_rotates_and_the_old_refresh_token_dies(zoom, app):
    first = zoom.login(app)
    second = zoom.refresh(app, first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    old = zoom.refresh(app, first["refresh_token"])
    assert old.status_code == 400 and old.json() == INVALID_TOKEN
    third = zoom.refresh(app, second["refresh_token"])
    assert third.status_code == 200
    assert zoom.api("GET", "/users/me", third.json()).status_code == 200
    assert zoom.sb.stats()["token.refresh_token"] == 3


def test_refresh_token_of_one_app_is_refused_for_another(zoom):
    tokens = zoom.login("public")
    answer = zoom.refresh("confidential", tokens["refresh_token"])
    assert answer.status_code == 400 and answer.json() == INVALID_TOKEN
    assert zoom.refresh("public", "not-a-token").json() == INVALID_TOKEN
    assert zoom.refresh("public", tokens["access_token"]).json() == INVALID_TOKEN


def test_access_token_expires_on_the_sandbox_clock(zoom):
    tokens = zoom.login()
    zoom.sb.clock.advance(3500)
    assert zoom.api("GET", "/users/me", tokens).status_code == 200
    zoom.sb.clock.advance(100)
    expired = zoom.api("GET", "/users/me", tokens)
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token has expired."}
    fresh = zoom.refresh("public", tokens["refresh_token"]).json()
    assert zoom.api("GET", "/users/me", fresh).status_code == 200


def test_token_ttl_option_and_runtime_setting():
    with Sandbox(SandboxOptions(access_token_ttl=60)) as sb, client_for(sb) as http:
        zoom = Zoom(sb, http)
        tokens = zoom.login()
        assert tokens["expires_in"] == 60
        sb.clock.advance(61)
        assert zoom.api("GET", "/users/me", tokens).status_code == 401
        sb.configure(access_token_ttl=7200)
        assert zoom.refresh("public", tokens["refresh_token"]).json()["expires_in"] == 7200


# ------------------------------------------------------------------ revoke


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
@pytest.mark.parametrize("app", ["public", "confidential"])
def test_revoke_kills_the_whole_grant(zoom, app, which):
    tokens = zoom.login(app)
    other = zoom.login(app)  # a second grant is unaffected
    data, headers = zoom.client_auth(app, {"token": tokens[which]})
    answer = zoom.http.post("/oauth/revoke", data=data, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"status": "success"}
    assert zoom.api("GET", "/users/me", tokens).json()["code"] == 124
    assert zoom.refresh(app, tokens["refresh_token"]).json() == INVALID_TOKEN
    assert zoom.api("GET", "/users/me", other).status_code == 200
    again = zoom.http.post("/oauth/revoke", data=data, headers=headers)
    assert again.status_code == 400


def test_revoke_needs_the_owning_client(zoom):
    tokens = zoom.login("confidential")
    no_auth = zoom.http.post("/oauth/revoke", data={"token": tokens["access_token"]})
    assert no_auth.status_code == 400 and no_auth.json()["error"] == "invalid_client"
    data, headers = zoom.client_auth("admin", {"token": tokens["access_token"]})
    foreign = zoom.http.post("/oauth/revoke", data=data, headers=headers)
    assert foreign.status_code == 400
    assert zoom.api("GET", "/users/me", tokens).status_code == 200


# ------------------------------------------------------------------ Server-to-Server


def test_server_to_server_account_credentials(zoom):
    tokens = zoom.s2s()
    assert "refresh_token" not in tokens
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3599
    assert tokens["scope"].split() == ["meeting:read:admin", "meeting:write:admin", "user:read:admin"]
    assert 600 <= len(tokens["access_token"]) <= 900
    users = zoom.api("GET", "/users", tokens)
    assert users.status_code == 200


def test_server_to_server_errors(zoom):
    wrong_account = zoom.token_request("s2s", {"grant_type": "account_credentials", "account_id": "nope"})
    assert wrong_account.status_code == 400
    assert wrong_account.json()["error"] == "invalid_request"
    creds = zoom.sb.apps["s2s"]
    bad = base64.b64encode(f"{creds['client_id']}:wrong".encode()).decode()
    answer = zoom.http.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {bad}"},
        data={"grant_type": "account_credentials", "account_id": creds["account_id"]},
    )
    assert answer.status_code == 400 and answer.json() == INVALID_CLIENT
    refresh = zoom.token_request("s2s", {"grant_type": "refresh_token", "refresh_token": "x"})
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "unsupported_grant_type"
