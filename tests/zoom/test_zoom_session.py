from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest
from zoom_helpers import API, OAUTH, REPO, Clock

from zoomctl.errors import AuthRequired, StorageError
from zoomctl.zoom.client import ZoomClient
from zoomctl.zoom.errors import ReconnectRequired, ZoomNoAnswer, ZoomOAuthError, ZoomUnreachable
from zoomctl.zoom.oauth import OAuthClient, TokenSet
from zoomctl.zoom.session import EnvTokenManager, TokenManager
from zoomctl.zoom.tokens import MemoryTokenStore, refresh_lock

NOW = 1_700_000_000.0
KEY = "acme"


def tokens(n: int, expires_in: float = 3600, kind="oauth") -> TokenSet:
    return TokenSet(
        f"access-{n}", f"refresh-{n}" if kind == "oauth" else None, NOW + expires_in, ("meeting:write",), kind
    )


def invalid_grant() -> ZoomOAuthError:
    return ZoomOAuthError("refused", "hint", error="invalid_grant", reason="Invalid Token!", status_code=400)


class FakeOAuth:
    """Scripted OAuth server: ``script`` items are TokenSets to return or exceptions to raise;
    a callable item is called first (to simulate another process acting meanwhile)."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls: list[tuple[str, str]] = []

    def _next(self):
        item = self.script.pop(0)
        while callable(item) and not isinstance(item, (TokenSet, BaseException)):
            item()
            item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def refresh(self, refresh_token):
        self.calls.append(("refresh", refresh_token))
        return self._next()

    def account_credentials(self, account_id):
        self.calls.append(("account_credentials", account_id))
        return self._next()


class CountingStore(MemoryTokenStore):
    def __init__(self):
        super().__init__()
        self.loads = 0
        self.after_first_load = None

    def load(self, key):
        self.loads += 1
        value = super().load(key)
        if self.loads == 1 and self.after_first_load:
            self.after_first_load()
        return value


@pytest.fixture
def store():
    return CountingStore()


@pytest.fixture
def clock():
    return Clock(NOW)


def manager(store, oauth, clock, tmp_path=None, **kw):
    lock = tmp_path / "refresh.lock" if tmp_path is not None else None
    return TokenManager(store, KEY, oauth, lock, clock=clock, **kw)


# --------------------------------------------------------------------------- when to refresh


def test_fresh_token_is_not_refreshed(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=301))
    oauth = FakeOAuth()
    tm = manager(store, oauth, clock, tmp_path)
    assert [tm.access_token() for _ in range(50)] == ["access-1"] * 50
    assert oauth.calls == [] and tm.renewals == 0
    assert store.loads == 1  # cached: the keyring is not asked on every call


def test_refresh_within_skew(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=299))
    oauth = FakeOAuth(tokens(2))
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-2"
    assert oauth.calls == [("refresh", "refresh-1")]
    assert store.load(KEY) == tokens(2)
    assert tm.access_token() == "access-2" and len(oauth.calls) == 1


def test_cached_token_is_refreshed_when_time_passes(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=3600))
    oauth = FakeOAuth(TokenSet("access-2", "refresh-2", NOW + 7200))
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-1"
    clock.now += 3600 - 299
    assert tm.access_token() == "access-2"
    assert oauth.calls == [("refresh", "refresh-1")]


def test_custom_skew(store, clock):
    store.save(KEY, tokens(1, expires_in=100))
    oauth = FakeOAuth()
    assert manager(store, oauth, clock, skew=60).access_token() == "access-1"
    assert oauth.calls == []


def test_new_pair_is_saved_before_it_is_returned(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))
    saves_before = store.saves
    seen = []

    class Watching(FakeOAuth):
        def refresh(self, refresh_token):
            result = super().refresh(refresh_token)
            seen.append(store.saves)
            return result

    tm = manager(store, Watching(tokens(2)), clock, tmp_path)
    token = tm.access_token()
    assert seen == [saves_before]  # nothing saved before Zoom answered
    assert store.saves == saves_before + 1 and store.load(KEY).access_token == token


def test_unsavable_new_pair_is_not_handed_out(clock, tmp_path):
    class FailingSave(MemoryTokenStore):
        fail = False

        def save(self, key, value):
            if self.fail:
                raise StorageError("keyring locked", "unlock it")
            super().save(key, value)

    store = FailingSave()
    store.save(KEY, tokens(1, expires_in=0))
    store.fail = True
    tm = manager(store, FakeOAuth(tokens(2)), clock, tmp_path)
    with pytest.raises(StorageError) as info:
        tm.access_token()
    assert "could not be saved" in info.value.message and "auth login" in info.value.hint


def test_refresh_keeps_fields_zoom_left_out(store, clock):
    store.save(KEY, TokenSet("a1", "r1", NOW, ("s:1",), "oauth", "https://api-eu.zoom.us"))
    tm = manager(store, FakeOAuth(TokenSet("a2", None, NOW + 3600)), clock)
    assert tm.access_token() == "a2"
    saved = store.load(KEY)
    assert (saved.refresh_token, saved.api_url, saved.scopes) == ("r1", "https://api-eu.zoom.us", ("s:1",))


def test_not_connected(store, clock):
    with pytest.raises(AuthRequired) as info:
        manager(store, FakeOAuth(), clock).access_token()
    assert "auth login" in info.value.hint


def test_expired_without_refresh_token_or_client(store, clock):
    store.save(KEY, TokenSet("a", None, NOW - 1))
    with pytest.raises(AuthRequired):
        manager(store, FakeOAuth(), clock).access_token()
    store.save(KEY, tokens(1, expires_in=0))
    with pytest.raises(AuthRequired):
        manager(store, None, clock).access_token()


# --------------------------------------------------------------------------- other processes


def test_reread_under_lock_uses_another_process_tokens(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=10))
    # between our first read and taking the lock, another process refreshed
    store.after_first_load = lambda: MemoryTokenStore.save(store, KEY, tokens(2))
    oauth = FakeOAuth()
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-2"
    assert oauth.calls == []


def test_waits_for_a_refresh_in_progress(store, clock, tmp_path):
    """Another holder of the lock refreshes; we wait, re-read, and do not refresh."""
    store.save(KEY, tokens(1, expires_in=10))
    lock = tmp_path / "refresh.lock"
    inside = threading.Event()

    def other_process():
        with refresh_lock(lock, 5):
            inside.set()
            time.sleep(0.3)
            store.save(KEY, tokens(2))

    thread = threading.Thread(target=other_process)
    thread.start()
    inside.wait(5)
    oauth = FakeOAuth()
    tm = TokenManager(store, KEY, oauth, lock, clock=clock)
    assert tm.access_token() == "access-2"
    thread.join()
    assert oauth.calls == []


def test_threads_refresh_once(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))

    class Slow(FakeOAuth):
        def refresh(self, refresh_token):
            time.sleep(0.1)
            return super().refresh(refresh_token)

    oauth = Slow(tokens(2))
    tm = manager(store, oauth, clock, tmp_path)
    results = []
    threads = [threading.Thread(target=lambda: results.append(tm.access_token())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["access-2"] * 8 and len(oauth.calls) == 1


# --------------------------------------------------------------------------- rejection (code 124)


def test_rejection_uses_a_token_refreshed_elsewhere(store, clock, tmp_path):
    store.save(KEY, tokens(1))
    oauth = FakeOAuth()
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-1"
    store.save(KEY, tokens(2))  # another process refreshed
    assert tm.refresh_after_rejection("access-1") == "access-2"
    assert oauth.calls == []
    assert tm.access_token() == "access-2"


def test_rejection_of_the_stored_token_refreshes(store, clock, tmp_path):
    store.save(KEY, tokens(1))
    oauth = FakeOAuth(tokens(2))
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.refresh_after_rejection("access-1") == "access-2"
    assert oauth.calls == [("refresh", "refresh-1")] and store.load(KEY) == tokens(2)


# --------------------------------------------------------------------------- invalid_grant


def test_invalid_grant_means_reconnect(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))
    before = store.values.copy()
    called = []
    tm = manager(store, FakeOAuth(invalid_grant()), clock, tmp_path, on_reconnect_required=lambda: called.append(1))
    with pytest.raises(ReconnectRequired) as info:
        tm.access_token()
    assert called == [1]
    assert "zoomctl auth login" in info.value.hint
    assert isinstance(info.value.__cause__, ZoomOAuthError)
    assert store.values == before  # left for the caller to show / delete
    assert store.loads >= 3  # first read, re-read under the lock, re-read after invalid_grant


def test_invalid_grant_then_newer_refresh_token_in_store(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))
    rotated = TokenSet("access-2", "refresh-2", NOW - 1)  # rotated elsewhere, access already stale
    oauth = FakeOAuth(lambda: MemoryTokenStore.save(store, KEY, rotated), invalid_grant(), tokens(3))
    called = []
    tm = manager(store, oauth, clock, tmp_path, on_reconnect_required=lambda: called.append(1))
    assert tm.access_token() == "access-3"
    assert oauth.calls == [("refresh", "refresh-1"), ("refresh", "refresh-2")]
    assert store.load(KEY) == tokens(3) and called == []


def test_invalid_grant_then_fresh_tokens_in_store(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))
    oauth = FakeOAuth(lambda: MemoryTokenStore.save(store, KEY, tokens(2)), invalid_grant())
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-2"
    assert len(oauth.calls) == 1


def test_invalid_grant_twice_means_reconnect(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=0))
    rotated = TokenSet("access-2", "refresh-2", NOW - 1)
    oauth = FakeOAuth(lambda: MemoryTokenStore.save(store, KEY, rotated), invalid_grant(), invalid_grant())
    called = []
    tm = manager(store, oauth, clock, tmp_path, on_reconnect_required=lambda: called.append(1))
    with pytest.raises(ReconnectRequired):
        tm.access_token()
    assert len(oauth.calls) == 2 and called == [1]


def test_failing_callback_does_not_hide_reconnect(store, clock):
    store.save(KEY, tokens(1, expires_in=0))

    def broken():
        raise RuntimeError("db gone")

    with pytest.raises(ReconnectRequired):
        manager(store, FakeOAuth(invalid_grant()), clock, on_reconnect_required=broken).access_token()


@pytest.mark.parametrize(
    "failure",
    [
        ZoomOAuthError("bad client", "fix", error="invalid_client", status_code=401),
        ZoomOAuthError("down", "later", error="server_error", status_code=503),
        ZoomNoAnswer("no network"),
    ],
)
def test_other_failures_leave_the_store_alone(store, clock, tmp_path, failure):
    store.save(KEY, tokens(1, expires_in=0))
    before = store.values.copy()
    called = []
    tm = manager(store, FakeOAuth(failure), clock, tmp_path, on_reconnect_required=lambda: called.append(1))
    with pytest.raises(type(failure)):
        tm.access_token()
    assert store.values == before and called == []


@pytest.mark.parametrize(
    "failure",
    [
        ZoomOAuthError("down", "later", error="server_error", status_code=503),
        ZoomOAuthError("slow down", "wait", status_code=429),
        ZoomNoAnswer("no answer"),
        ZoomUnreachable("no network"),
    ],
    ids=["5xx", "429", "no-answer", "unreachable"],
)
def test_a_passing_failure_ahead_of_expiry_keeps_the_current_token(store, clock, tmp_path, failure):
    store.save(KEY, tokens(1, expires_in=200))  # inside the refresh window, not expired
    oauth = FakeOAuth(failure, tokens(2))
    tm = manager(store, oauth, clock, tmp_path)
    assert tm.access_token() == "access-1"  # the command goes on with it
    assert store.load(KEY) == tokens(1, expires_in=200)
    assert tm.access_token() == "access-1" and len(oauth.calls) == 1  # not asked again in this process
    assert manager(store, oauth, clock, tmp_path).access_token() == "access-2"  # the next command refreshes


@pytest.mark.parametrize(
    ("failure", "left"),
    [
        (ZoomOAuthError("bad client", "fix", error="invalid_client", status_code=401), 200),  # not passing
        (ZoomOAuthError("down", "later", error="server_error", status_code=503), 60),  # too little left
        (ZoomNoAnswer("no answer"), 0),  # expired
    ],
    ids=["not-passing", "last-minute", "expired"],
)
def test_no_current_token_is_kept_when_it_will_not_do(store, clock, tmp_path, failure, left):
    store.save(KEY, tokens(1, expires_in=left))
    with pytest.raises(type(failure)):
        manager(store, FakeOAuth(failure), clock, tmp_path).access_token()


def test_a_dead_grant_ahead_of_expiry_still_means_reconnect(store, clock, tmp_path):
    store.save(KEY, tokens(1, expires_in=200))
    with pytest.raises(ReconnectRequired):
        manager(store, FakeOAuth(invalid_grant()), clock, tmp_path).access_token()


# --------------------------------------------------------------------------- S2S and env


def test_s2s_obtains_caches_and_renews(store, clock, tmp_path):
    oauth = FakeOAuth(tokens(1, kind="s2s"), tokens(2, expires_in=7200, kind="s2s"))
    tm = manager(store, oauth, clock, tmp_path, s2s_account_id="acct-9")
    assert tm.access_token() == "access-1"
    assert store.load(KEY).kind == "s2s"
    assert tm.access_token() == "access-1"
    assert oauth.calls == [("account_credentials", "acct-9")]
    clock.now += 3600 - 200
    assert tm.access_token() == "access-2"
    assert oauth.calls[-1] == ("account_credentials", "acct-9") and len(oauth.calls) == 2
    # another process's manager uses the cached token
    other = manager(store, FakeOAuth(), clock, tmp_path, s2s_account_id="acct-9")
    assert other.access_token() == "access-2"


def test_s2s_rejection_gets_a_new_token(store, clock):
    store.save(KEY, tokens(1, kind="s2s"))
    oauth = FakeOAuth(tokens(2, kind="s2s"))
    tm = manager(store, oauth, clock, s2s_account_id="acct")
    assert tm.refresh_after_rejection("access-1") == "access-2"


def test_env_token():
    env = EnvTokenManager(" tok-123 \n")
    assert env.access_token() == "tok-123"
    assert "tok-123" not in repr(env)
    assert env.token_set().kind == "env" and "ZOOMCTL_ZOOM_TOKEN" in env.location
    with pytest.raises(AuthRequired) as info:
        env.refresh_after_rejection("tok-123")
    assert "ZOOMCTL_ZOOM_TOKEN" in info.value.message and "ZOOMCTL_ZOOM_TOKEN" in info.value.hint
    with pytest.raises(AuthRequired):
        EnvTokenManager("   ")


# --------------------------------------------------------------------------- with real HTTP


def test_code_124_refreshes_through_the_token_endpoint(httpx_mock, clock, tmp_path):
    store = MemoryTokenStore()
    store.save(KEY, tokens(1))
    http = httpx.Client()
    tm = TokenManager(store, KEY, OAuthClient(http, OAUTH, "cid", clock=clock), tmp_path / "l", clock=clock)
    client = ZoomClient(API, tm, http, sleep=lambda s: None)

    httpx_mock.add_response(
        url=f"{API}/users/me",
        match_headers={"Authorization": "Bearer access-1"},
        status_code=401,
        json={"code": 124, "message": "Invalid access token."},
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{OAUTH}/oauth/token",
        json={"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 3599},
    )

    def retried(request):
        assert store.load(KEY).access_token == "access-2"  # saved before used
        return httpx.Response(200, json={"id": "u1"})

    httpx_mock.add_callback(retried, url=f"{API}/users/me", match_headers={"Authorization": "Bearer access-2"})
    assert client.get_user() == {"id": "u1"}
    assert store.load(KEY).refresh_token == "refresh-2"


# --------------------------------------------------------------------------- processes

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, {repo!r})
    from zoomctl.zoom.errors import ZoomOAuthError
    from zoomctl.zoom.oauth import TokenSet
    from zoomctl.zoom.session import TokenManager
    from zoomctl.zoom.tokens import FileTokenStore, refresh_lock

    workdir, start_at = sys.argv[1], float(sys.argv[2])
    server = os.path.join(workdir, "server.json")

    class RotatingZoom:
        # Zoom's rule: only the newest refresh token works; each refresh rotates it.
        # The "server" decides atomically (its own lock), then answers slowly.
        def refresh(self, refresh_token):
            with open(os.path.join(workdir, "calls.log"), "a") as log:
                log.write(refresh_token + "\\n")
            with refresh_lock(os.path.join(workdir, "server.lock"), 10):
                state = json.load(open(server))
                if refresh_token != state["valid"]:
                    raise ZoomOAuthError("old refresh token", error="invalid_grant")
                n = state["n"] + 1
                json.dump({{"valid": f"r{{n}}", "n": n}}, open(server, "w"))
            time.sleep(0.3)  # the answer is slow: a lock-free client would race here
            return TokenSet(f"a{{n}}", f"r{{n}}", time.time() + 3600)

    tm = TokenManager(FileTokenStore(os.path.join(workdir, "tokens.json")), "acme",
                      RotatingZoom(), os.path.join(workdir, "refresh.lock"))
    while time.time() < start_at:
        time.sleep(0.005)
    print(tm.access_token())
    """
)


@pytest.mark.timeout(60)
def test_processes_refresh_exactly_once(tmp_path):
    from zoomctl.zoom.tokens import FileTokenStore

    (tmp_path / "server.json").write_text(json.dumps({"valid": "r0", "n": 0}))
    FileTokenStore(tmp_path / "tokens.json").save("acme", TokenSet("a0", "r0", time.time() - 10))
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO)))
    start_at = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [p.communicate(timeout=50) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["a1"] * 5
    assert json.loads((tmp_path / "server.json").read_text())["n"] == 1
    assert (tmp_path / "calls.log").read_text().split() == ["r0"]  # one refresh, no races
    assert FileTokenStore(tmp_path / "tokens.json").load("acme").refresh_token == "r1"


def test_expired_s2s_token_without_account_id(store, clock):
    store.save(KEY, tokens(1, expires_in=0, kind="s2s"))
    with pytest.raises(AuthRequired) as info:
        manager(store, FakeOAuth(), clock).access_token()
    assert "account ID" in info.value.message
