"""The webhook receiver behind `zoomctl webhooks listen`: a standard-library threading HTTP server.

A request thread verifies the delivery, stores it in its own short transaction and answers
(well inside Zoom's 3 s); one worker thread then processes the stored events in arrival order,
each in a transaction of its own. Every delivery, refused or not, is reported once through
``report`` (a dict; never the secret, never a header value).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from zoomctl.core import webhooks
from zoomctl.store.db import Store

Report = Callable[[dict[str, Any]], None]


class Listener:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        secret: str,
        open_store: Callable[[], Store],
        report: Report,
        after: Callable[[webhooks.Processed], None] | None = None,
        access: Any = None,
    ):
        self.access = access
        self.path = path
        self.secret = secret
        self.open_store = open_store
        self._report = report
        self._report_lock = threading.Lock()
        self.after = after
        self._queue: queue.Queue[int | None] = queue.Queue()
        server_cls = _Server6 if ":" in host else _Server
        self._server = server_cls((host, port), _Handler)
        self._server.listener = self
        self._worker = threading.Thread(target=self._work, name="zoomctl-webhooks-worker", daemon=True)
        self._serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.path}"

    def report(self, record: dict[str, Any]) -> None:
        with self._report_lock:
            self._report(record)

    def start(self) -> Listener:
        """Process what an earlier run stored but did not process, then serve in a thread."""
        with _transaction(self.open_store) as store:
            for event_id in webhooks.pending(store):
                self._queue.put(event_id)
        self._worker.start()
        self._serving = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="zoomctl-webhooks", daemon=True
        )
        self._serving.start()
        return self

    def wait(self) -> None:
        """Block until interrupted (KeyboardInterrupt reaches the caller)."""
        while self._serving is not None and self._serving.is_alive():
            self._serving.join(0.2)

    def stop(self) -> None:
        """Stop answering, then finish processing what was stored."""
        self._server.shutdown()
        self._server.server_close()
        self._queue.put(None)
        if self._worker.is_alive():
            self._worker.join(30)

    def received(self, event_id: int) -> None:
        self._queue.put(event_id)

    def _work(self) -> None:
        while True:
            event_id = self._queue.get()
            if event_id is None:
                return
            try:
                with _transaction(self.open_store) as store:
                    processed = webhooks.process(store, event_id, self.access)
                self.report({"kind": "processed", **processed.as_json()})
                if self.after is not None:
                    self.after(processed)
            except Exception as exc:  # the event stays stored ("received"): the next start processes it again
                self.report({"kind": "failed", "id": event_id, "error": f"{type(exc).__name__}: {exc}"})


class _transaction:
    """One write transaction, taken up front (BEGIN IMMEDIATE): the request threads and the
    worker write at the same time, and a read transaction could not become a write one."""

    def __init__(self, open_store: Callable[[], Store]):
        self.store = open_store()
        conn = self.store.conn
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, exc_type, exc, tb) -> None:
        self.store.finish(commit=exc_type is None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    listener: Listener


class _Server6(_Server):
    import socket

    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        listener = self.server.listener
        if self.path.split("?", 1)[0] != listener.path:
            return self._refuse(404, f"wrong path {self.path[:100]!r}")
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            return self._refuse(400, "bad Content-Length")
        if length > webhooks.MAX_BODY:
            if length <= 4 * webhooks.MAX_BODY:  # read it, so the sender sees the answer, not a reset
                self.rfile.read(length)
            return self._refuse(413, f"body over {webhooks.MAX_BODY} bytes")
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            data = webhooks.verify(listener.secret, headers, body, time.time())
        except webhooks.Refused as refused:
            return self._refuse(refused.status, refused.reason)
        if data["event"] == webhooks.URL_VALIDATION:
            answer = webhooks.url_validation_answer(listener.secret, data["payload"]["plainToken"])
            self._send(200, answer)
            listener.report({"kind": "url_validation", "event": data["event"]})
            return
        with _transaction(listener.open_store) as store:
            accepted = webhooks.accept(store, data, body)
        self._send(200, {"status": "duplicate" if accepted.duplicate else "received"})
        if accepted.duplicate:
            listener.report({"kind": "duplicate", "event": accepted.event, "event_ts": accepted.event_ts})
        else:
            listener.report({"kind": "received", "id": accepted.event_id, "event": accepted.event})
            listener.received(accepted.event_id)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802
        self._refuse(405, f"method {self.command} (Zoom sends POST)")

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET  # noqa: N815

    def _refuse(self, status: int, reason: str) -> None:
        self._send(status, {"error": reason}, close=True)
        self.server.listener.report({"kind": "refused", "status": status, "reason": reason})

    def _send(self, status: int, data: dict[str, Any], close: bool = False) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the report says what arrived
        pass
