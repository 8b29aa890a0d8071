from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from zoomctl.errors import InvalidInput
from zoomctl.zoom.errors import LoginFailed
from zoomctl.zoom.loopback import LoopbackListener, parse_pasted_redirect

pytestmark = pytest.mark.timeout(20)

STATE = "expected-state-123"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore *_proxy


def get(url: str) -> tuple[int, str]:
    try:
        with _opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def test_binds_loopback_only_on_an_ephemeral_port():
    with LoopbackListener() as listener:
        host, port = listener.address
        assert host == "127.0.0.1" and port > 0
        assert listener.redirect_uri == f"http://127.0.0.1:{port}/callback"
    with LoopbackListener() as other:
        assert other.port != 0


def test_success(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        status, page = get(f"{listener.redirect_uri}?code=abc123&state={STATE}")
        assert waiting.result(timeout=5) == "abc123"
    assert status == 200
    assert "connected to Zoom" in page and "close this window" in page
    assert "abc123" not in page
    assert "<script" not in page and "http" not in page.split("</title>")[1]  # no external resources
    assert listener.redirect_uri.endswith("/callback")  # still known after closing


def test_other_paths_get_404_and_waiting_continues(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        base = f"http://127.0.0.1:{listener.port}"
        assert get(f"{base}/favicon.ico")[0] == 404
        assert get(f"{base}/callback/extra?code=x&state={STATE}")[0] == 404
        assert not waiting.done()
        assert get(f"{base}/callback?code=real&state={STATE}")[0] == 200
        assert waiting.result(timeout=5) == "real"


def test_closed_after_the_one_callback(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        get(f"{listener.redirect_uri}?code=c&state={STATE}")
        waiting.result(timeout=5)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", listener.port), timeout=1).close()
        with pytest.raises(RuntimeError):
            listener.wait(1, STATE)


def test_idle_connection_does_not_block_the_callback(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        idle = socket.create_connection(("127.0.0.1", listener.port))  # like a browser preconnect
        try:
            status, _ = get(f"{listener.redirect_uri}?code=c2&state={STATE}")
            assert status == 200 and waiting.result(timeout=5) == "c2"
        finally:
            idle.close()


def test_state_mismatch_is_refused_and_fails(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        status, page = get(f"{listener.redirect_uri}?code=evil&state=other")
        with pytest.raises(LoginFailed) as info:
            waiting.result(timeout=5)
    assert status == 400 and "does not belong to this login" in page
    assert info.value.reason == "state_mismatch" and "auth login" in info.value.hint


def test_missing_state_is_refused(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        get(f"{listener.redirect_uri}?code=abc")
        with pytest.raises(LoginFailed) as info:
            waiting.result(timeout=5)
    assert info.value.reason == "state_mismatch"


def test_access_denied(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        status, page = get(f"{listener.redirect_uri}?error=access_denied&state={STATE}")
        with pytest.raises(LoginFailed) as info:
            waiting.result(timeout=5)
    assert status == 400 and "You declined access in Zoom" in page
    assert info.value.message == "you declined access in Zoom"  # the house style: the page writes sentences
    assert info.value.reason == "declined" and "zoomctl auth login" in info.value.hint


def test_other_error_and_markup_is_escaped(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        _, page = get(f"{listener.redirect_uri}?error=server_error&error_description=%3Cscript%3E&state={STATE}")
        with pytest.raises(LoginFailed) as info:
            waiting.result(timeout=5)
    assert info.value.reason == "zoom_error" and "server_error" in info.value.message
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_timeout_closes_cleanly():
    with LoopbackListener() as listener:
        started = time.monotonic()
        with pytest.raises(LoginFailed) as info:
            listener.wait(0.3, STATE)
        assert time.monotonic() - started < 3
        port = listener.port
    err = info.value
    assert err.reason == "timeout" and "0.3 s" in err.message
    assert "--timeout" in err.hint and "--no-browser" in err.hint
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_custom_path(pool):
    with LoopbackListener(path="oauth/done") as listener:
        assert listener.redirect_uri.endswith("/oauth/done")
        waiting = pool.submit(listener.wait, 5, STATE)
        assert get(f"{listener.redirect_uri}?code=z&state={STATE}")[0] == 200
        assert waiting.result(timeout=5) == "z"


def test_leaves_no_server_thread_behind(pool):
    with LoopbackListener() as listener:
        waiting = pool.submit(listener.wait, 5, STATE)
        assert get(f"{listener.redirect_uri}?code=c&state={STATE}")[0] == 200
        waiting.result(timeout=5)
    assert not [t for t in threading.enumerate() if t.name == "zoomctl-loopback"]


# --------------------------------------------------------------------------- paste-back


def test_paste_full_url():
    assert parse_pasted_redirect(f"  http://127.0.0.1:5123/callback?code=pc&state={STATE}\n", STATE) == "pc"
    assert parse_pasted_redirect(f"'http://127.0.0.1/callback?state={STATE}&code=q'", STATE) == "q"
    assert parse_pasted_redirect(f"?code=c&state={STATE}", STATE) == "c"


def test_paste_checks_state():
    with pytest.raises(LoginFailed) as info:
        parse_pasted_redirect("http://127.0.0.1:5/callback?code=c&state=wrong", STATE)
    assert info.value.reason == "state_mismatch"


def test_paste_declined():
    with pytest.raises(LoginFailed) as info:
        parse_pasted_redirect(f"http://127.0.0.1:5/callback?error=access_denied&state={STATE}", STATE)
    assert info.value.reason == "declined"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "abc123",
        "hello world",
        "http://127.0.0.1:5/callback",
        "ftp://x/?code=a&state=b",
        "http://127.0.0.1/callback?code=abc",
        "http://[::1/callback?code=a&state=b",
        "https://zoom.us/",
    ],
)
def test_paste_garbage(garbage):
    with pytest.raises(InvalidInput) as info:
        parse_pasted_redirect(garbage, STATE)
    assert "address" in info.value.message and "127.0.0.1" in info.value.hint


def test_empty_expected_state_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_pasted_redirect("http://127.0.0.1/callback?code=c&state=x", "")
