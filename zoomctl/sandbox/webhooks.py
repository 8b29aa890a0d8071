"""The sandbox's event subscription: Zoom's webhook deliveries, signed as Zoom signs them.

Set with ``sandbox serve --webhook-url URL --webhook-secret S`` or ``POST /_sandbox/webhook``
``{"url", "secret"}``. As in Zoom, the endpoint is validated first (``endpoint.url_validation``
with a random ``plainToken``; the answer's ``encryptedToken`` must be its HMAC-SHA256); only a
validated endpoint gets events. Each delivery carries ``x-zm-request-timestamp`` and
``x-zm-signature``; one not answered 2xx within the timeout is retried (``retries`` times, after
``retry_delays`` seconds). Deliveries run on one sender thread, in order, outside the world's lock
(the receiver may call the API while it processes one). ``log`` keeps every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any

TIMEOUT = 3.0  # Zoom's delivery timeout


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(self, retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)):
        self.url: str | None = None
        self.secret: str | None = None
        self.validated = False
        self.retry_delays = retry_delays
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="zoomctl-sandbox-webhooks", daemon=True)
        self._thread.start()

    def configure(self, url: str | None, secret: str | None) -> dict[str, Any]:
        """Subscribe ``url`` (None: unsubscribe) and validate it now; returns ``status()``."""
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise ValueError("webhook url must start with http:// or https://")
        if url is not None and (not isinstance(secret, str) or not secret):
            raise ValueError("a webhook url needs a secret")
        self.wait_idle()
        with self._lock:
            self.url, self.secret, self.validated = url, secret, False
        if url is not None:
            self.validated = self._validate()
        return self.status()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"url": self.url, "validated": self.validated, "deliveries": list(self.log)}

    def send(self, event: str, payload: dict[str, Any]) -> bool:
        """Queue an event for delivery; False when no validated endpoint is subscribed."""
        if self.url is None or not self.validated:
            return False
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._queue.put((event, payload))
        return True

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every queued event has been delivered (or given up on)."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._queue.put(None)

    # ------------------------------------------------------------------ internals
    def _post(self, body: bytes) -> tuple[int | None, bytes]:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,  # type: ignore[arg-type]
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Zoom Marketplace/1.0a",
                "x-zm-request-timestamp": timestamp,
                "x-zm-signature": sign(self.secret or "", timestamp, body),
            },
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=TIMEOUT) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""
        except (OSError, ValueError):
            return None, b""

    def _validate(self) -> bool:
        plain = secrets.token_urlsafe(16)
        body = json.dumps(
            {"event": "endpoint.url_validation", "event_ts": int(time.time() * 1000), "payload": {"plainToken": plain}}
        ).encode()
        status, answer = self._post(body)
        expected = hmac.new((self.secret or "").encode(), plain.encode(), hashlib.sha256).hexdigest()
        try:
            data = json.loads(answer) if status == 200 else {}
        except ValueError:
            data = {}
        ok = data.get("plainToken") == plain and data.get("encryptedToken") == expected
        with self._lock:
            self.log.append({"event": "endpoint.url_validation", "status": status, "ok": ok})
        return ok

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event, payload = item
            body = json.dumps({"event": event, "event_ts": int(time.time() * 1000), "payload": payload}).encode()
            for attempt, delay in enumerate((0.0, *self.retry_delays)):
                time.sleep(delay)
                status, _ = self._post(body)  # the same body each time: a retry is a duplicate
                ok = status is not None and 200 <= status < 300
                with self._lock:
                    self.log.append({"event": event, "status": status, "ok": ok, "attempt": attempt + 1})
                if ok:
                    break
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()
