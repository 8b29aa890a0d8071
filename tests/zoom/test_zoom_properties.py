"""Property tests: whatever Zoom or a keyring backend throws at us."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoomctl.zoom.errors import ZoomAPIError, ZoomOAuthError, error_from_response
from zoomctl.zoom.oauth import TokenSet
from zoomctl.zoom.tokens import MAX_ENTRY_BYTES, KeyringTokenStore

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(
    status=st.sampled_from([400, 401, 403, 404, 429, 500, 502, 503]),
    body=st.binary(max_size=600),
    path=st.sampled_from(["/v2/users/me", "/oauth/token"]),
)
def test_any_error_body_becomes_a_clean_error(status, body, path):
    request = httpx.Request("GET", "https://zoom.example" + path)
    err = error_from_response(httpx.Response(status, content=body, request=request))
    assert isinstance(err, (ZoomAPIError, ZoomOAuthError))
    assert f"HTTP {status}" in err.message and "\n" not in err.message
    assert len(err.message) < 500 and err.hint


@FAST
@given(value=st.text(min_size=0, max_size=4000))
def test_any_value_round_trips_through_small_entries(memory_keyring, value):
    memory_keyring.entries.clear()
    store = KeyringTokenStore(service="prop")
    store.save_client_secret("c", value)
    assert store.load_client_secret("c") == value
    for stored in memory_keyring.entries.values():
        assert len(stored.encode("utf-16-le", "surrogatepass")) <= MAX_ENTRY_BYTES
    assert store.delete_client_secret("c") is True
    assert memory_keyring.entries == {}


@FAST
@given(
    access=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=1500),
    refresh=st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=1500),
    expires_at=st.integers(min_value=0, max_value=2**40),
    scopes=st.lists(st.from_regex(r"[a-z_]{1,12}(:[a-z_]{1,12}){1,3}", fullmatch=True), max_size=20),
    kind=st.sampled_from(["oauth", "s2s"]),
)
def test_tokenset_json_round_trip(access, refresh, expires_at, scopes, kind):
    ts = TokenSet(access, refresh, float(expires_at), tuple(scopes), kind)
    assert TokenSet.from_json(ts.to_json()) == ts
