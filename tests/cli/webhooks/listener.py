"""The real `zoomctl webhooks listen` process, and deliveries signed as Zoom signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any

import httpx
from support import zoomctl_executable

SECRET = "whsec-Test-Token-7f3a9c"


def zoom_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Written out here from Zoom's documentation, not taken from zoomctl."""
    mac = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(NO_COLOR="1", COLUMNS="200", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    env.update(extra or {})
    return env


class RunningListener:
    def __init__(self, *args: str, secret: str | None = SECRET, env: dict[str, str] | None = None, stdin: str = ""):
        extra = dict(env or {})
        if secret is not None:
            extra["ZOOMCTL_WEBHOOK_SECRET"] = secret
        self.proc = subprocess.Popen(
            [zoomctl_executable(), "webhooks", "listen", "--port", "0", "--json", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=process_env(extra),
        )
        self.proc.stdin.write(stdin)
        self.proc.stdin.close()
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stdout_lines: list[str] = []
        self.stderr_text = ""
        first = self.proc.stdout.readline()
        if not first:
            self.proc.wait(10)
            raise AssertionError(f"the listener did not start: {self.proc.stderr.read()}")
        self.stdout_lines.append(first)
        self.url = json.loads(first)["listening"]
        threading.Thread(target=self._read, daemon=True).start()
        self.http = httpx.Client(timeout=10, trust_env=False)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            self.lines.put(json.loads(line))

    def post(
        self,
        body: bytes | dict,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str | None = None,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "content-type": "application/json",
            "x-zm-request-timestamp": ts,
            "x-zm-signature": signature or zoom_signature(secret, ts, raw),
        }
        sent.update(headers or {})
        url = self.url if path is None else self.url.rsplit("/zoom/events", 1)[0] + path
        return self.http.post(url, content=raw, headers={k: v for k, v in sent.items() if v is not None})

    def next(self, kind: str | None = None, timeout: float = 15) -> dict[str, Any]:
        """The next reported line (of ``kind``, skipping others)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind or 'line'} reported in {timeout} s")
            record = self.lines.get(timeout=left)
            if kind is None or record["kind"] == kind:
                return record

    def processed(self, timeout: float = 15) -> dict[str, Any]:
        return self.next("processed", timeout)

    def interrupt(self) -> int:
        self.http.close()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(20)
        self.stderr_text = self.proc.stderr.read()
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.interrupt()


def event(name: str, payload: dict[str, Any], event_ts: int | None = None) -> dict[str, Any]:
    return {"event": name, "event_ts": event_ts or int(time.time() * 1000), "payload": payload}
