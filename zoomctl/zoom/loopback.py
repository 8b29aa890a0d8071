"""RFC 8252 loopback redirect: catch Zoom's one redirect on 127.0.0.1.

    with LoopbackListener() as listener:
        url = authorize_url(..., redirect_uri=listener.redirect_uri, state=state, ...)
        webbrowser.open(url)
        code = listener.wait(timeout=300, expected_state=state)

The listener binds 127.0.0.1 only (never ``localhost`` or all interfaces) on an ephemeral
port, answers other paths with 404 and keeps waiting, and closes after the one callback.

A callback whose ``state`` does not match **fails the login** (after telling the browser
so) rather than waiting for another try: a wrong state means the redirect did not come
from this login (a stale tab, or a forged request), and keeping the port open for
further guesses gains nothing; the user simply runs ``zoomctl auth login`` again.
"""

from __future__ import annotations

import hmac
import html
import logging
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from zoomctl.errors import InvalidInput, ZoomctlError
from zoomctl.zoom.errors import LoginFailed
from zoomctl.zoom.redact import redact

log = logging.getLogger("zoomctl.http")

RETRY_HINT = "run `zoomctl auth login` again"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zoomctl: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto; line-height: 1.5">
<h1>{title}</h1><p>{body}</p></body></html>
"""


def _sentences(*lines: str | None) -> str:
    """``error:``/``fix:`` lines as the sentences of a web page: "You declined access in Zoom. Run …"."""
    out = []
    for line in filter(None, lines):
        line = line[0].upper() + line[1:]
        out.append(line if line.endswith(".") else line + ".")
    return " ".join(out)


def _page(title: str, body: str) -> bytes:
    return _PAGE.format(title=html.escape(title), body=html.escape(body)).encode("utf-8")


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _state_matches(got: str | None, expected: str) -> bool:
    return got is not None and hmac.compare_digest(got.encode(), expected.encode())


def interpret_callback(params: dict[str, list[str]], expected_state: str) -> str:
    """The authorization code from redirect parameters, or raise LoginFailed."""
    if not expected_state:
        raise ValueError("expected_state must not be empty")
    error = _first(params, "error")
    state = _first(params, "state")
    if not _state_matches(state, expected_state):
        raise LoginFailed(
            "the answer from the browser does not belong to this login (its state does not match), so it was refused",
            f"{RETRY_HINT}. Use only the browser tab it opens.",
            reason="state_mismatch",
        )
    if error:
        if error == "access_denied":
            raise LoginFailed(
                "you declined access in Zoom",
                "run `zoomctl auth login` again and choose Allow",
                reason="declined",
            )
        description = _first(params, "error_description") or ""
        detail = f"{error}: {description}" if description else error
        raise LoginFailed(
            f"Zoom refused the authorization ({redact(detail)[:200]})",
            RETRY_HINT,
            reason="zoom_error",
        )
    code = _first(params, "code")
    if not code:
        raise LoginFailed(
            "the browser came back without an authorization code",
            RETRY_HINT,
            reason="no_code",
        )
    return code


def parse_pasted_redirect(url: str, expected_state: str) -> str:
    """The code from a redirect address pasted by the user (``--no-browser``)."""
    text = (url or "").strip().strip("'\"<>")
    garbage = InvalidInput(
        "that does not look like the address Zoom sent the browser to",
        "copy the whole address from the browser's address bar (it starts with "
        "http://127.0.0.1 and contains code= and state=) and paste it",
    )
    if not text or any(ch.isspace() for ch in text):
        raise garbage
    if text.startswith("?"):
        query = text[1:]
    else:
        try:
            parts = urlsplit(text)
        except ValueError:
            raise garbage from None
        if parts.scheme not in ("http", "https") or not parts.query:
            raise garbage
        query = parts.query
    params = parse_qs(query, keep_blank_values=False)
    if "state" not in params or not ({"code", "error"} & params.keys()):
        raise garbage
    return interpret_callback(params, expected_state)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # an idle (pre)connection is dropped instead of holding a thread
    server_version = "zoomctl"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("loopback: " + redact(format % args))

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError as exc:  # the browser went away: the login's outcome is already queued
            log.debug("loopback: could not answer the browser: %s", type(exc).__name__)

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        srv = self.server
        if parts.path != srv.callback_path:
            self._send(404, _page("Not found", "This address is not part of the zoomctl login."))
            return
        with srv.lock:
            if srv.done:
                self._send(410, _page("Already handled", "This login has already finished."))
                return
            srv.done = True
        params = parse_qs(parts.query)
        try:
            code = interpret_callback(params, srv.expected_state)
        except ZoomctlError as exc:
            srv.results.put(exc)  # before answering: a browser that hangs up loses nothing
            self._send(400, _page("zoomctl could not connect Zoom", _sentences(exc.message, exc.hint)))
            return
        srv.results.put(code)
        self._send(
            200,
            _page(
                "zoomctl is connected to Zoom",
                "Sign-in worked. You can close this window and return to the terminal.",
            ),
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, callback_path: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.callback_path = callback_path
        self.expected_state = ""
        self.lock = threading.Lock()
        self.done = False
        self.results: queue.Queue[str | ZoomctlError] = queue.Queue()


class LoopbackListener:
    """Listen on ``http://127.0.0.1:{ephemeral port}{path}`` for one OAuth redirect."""

    def __init__(self, path: str = "/callback"):
        if not path.startswith("/"):
            path = "/" + path
        self.path = path
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def __enter__(self) -> LoopbackListener:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._server is None and self._port is None:
            try:
                self._server = _Server(self.path)
            except OSError as exc:  # pragma: no cover - depends on the host
                raise ZoomctlError(
                    f"could not listen on 127.0.0.1 for the Zoom sign-in: {exc.strerror or exc}",
                    "use `zoomctl auth login --no-browser` and paste the address instead",
                ) from exc
            self._port = self._server.server_address[1]

    @property
    def port(self) -> int:
        """The bound port (still known after the listener closed)."""
        if self._port is None:
            raise RuntimeError("LoopbackListener was never opened")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("LoopbackListener is not open")
        return self._server.socket.getsockname()[:2]

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self, expected_state: str) -> None:
        """Begin answering the callback (before the browser is sent to Zoom: a browser
        launcher that waits for its browser, such as a console one, must not block the
        answer). ``wait`` starts it too when it was not started."""
        if self._server is None and self._port is not None:
            raise RuntimeError("this LoopbackListener has already been used")
        self.open()
        server = self._server
        assert server is not None
        if self._thread is not None:
            if server.expected_state != expected_state:
                raise RuntimeError("this LoopbackListener already waits for another state")
            return
        if not expected_state:
            raise ValueError("expected_state must not be empty")
        server.expected_state = expected_state
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="zoomctl-loopback",
        )
        self._thread.start()

    def wait(self, timeout: float, expected_state: str) -> str:
        """Serve until the callback arrives; return its code or raise LoginFailed.

        Always closes the listener before returning or raising; a listener serves one
        login only.
        """
        self.start(expected_state)
        server = self._server
        assert server is not None
        try:
            result = server.results.get(timeout=timeout)
        except queue.Empty:
            raise LoginFailed(
                f"no answer from the browser within {timeout:g} s",
                "run `zoomctl auth login` again (give it more time with --timeout, or use "
                "--no-browser to paste the address instead)",
                reason="timeout",
            ) from None
        finally:
            self.close()
        if isinstance(result, ZoomctlError):
            raise result
        return result

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        if self._thread is not None:
            server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        server.server_close()
