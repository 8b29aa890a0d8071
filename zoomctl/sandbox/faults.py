"""Fault injection: make the Nth call of an operation fail, hang, or vanish.

A fault names an operation and when it fires, counted from the moment the fault is added
(so tests do not depend on earlier calls):

* operation: an OpenAPI ``operationId`` the sandbox serves (``meetingCreate``,
  ``meeting``, ``meetingUpdate``, ``meetingDelete``, ``meetings``,
  ``meetingRegistrantCreate``, ``meetingRegistrants``, ``meetingRegistrantStatus``,
  ``addBatchRegistrants``, ``users``, ``user``), an OAuth endpoint (``token``,
  ``revoke``, ``authorize`` (the GET), ``authorize.consent`` (the consent form post);
  ``token.authorization_code``, ``token.refresh_token`` and ``token.account_credentials``
  narrow ``token`` to one grant type), or ``*`` for any;
* when: the ``N``th matching call only, ``N+`` for the Nth and every later one, ``*``
  for every call;
* effects (combinable): ``status=CODE`` answers with that HTTP status and a Zoom-like
  body (``code=N`` and ``message=TEXT`` override the body's fields); ``body=xml``,
  ``body=html``, ``body=text`` or ``body=empty`` answer with a non-JSON body (status 500
  unless given); ``drop`` or ``drop=before`` closes the connection without an answer
  and without doing anything; ``drop=after`` does the operation (it takes effect) and
  then closes the connection without an answer; ``delay=SECONDS`` waits before
  answering; ``retry_after=VALUE`` adds a ``Retry-After`` header.

Spec strings (for CLI flags and the admin endpoint)::

    OPERATION[:WHEN]:EFFECT[,EFFECT...]        several specs may be joined with ";"

    meetingCreate:3:status=500              the 3rd create answers 500
    meetingCreate:1:drop=after              the 1st create happens, the answer is lost
    token.refresh_token:1:status=503,body=html
    meeting:*:delay=2.5                     every GET /meetings/{id} takes 2.5 s longer
    users:2+:status=429,retry_after=1       the 2nd and later list calls are rate limited
    meetingUpdate:status=500,code=3000,message=Busy   (WHEN defaults to 1)
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field

API_OPERATIONS = (
    "users",
    "user",
    "meetings",
    "meetingCreate",
    "meeting",
    "meetingUpdate",
    "meetingDelete",
    "meetingRegistrants",
    "meetingRegistrantCreate",
    "meetingRegistrantStatus",
    "addBatchRegistrants",
)
OAUTH_OPERATIONS = (
    "authorize",
    "authorize.consent",
    "token",
    "token.authorization_code",
    "token.refresh_token",
    "token.account_credentials",
    "revoke",
)
OPERATIONS = API_OPERATIONS + OAUTH_OPERATIONS
BODY_KINDS = ("json", "xml", "html", "text", "empty")

_ids = itertools.count(1)


class FaultSpecError(ValueError):
    """A fault spec string or field that does not parse."""


@dataclass
class Fault:
    """One injected fault. ``seen`` counts matching calls since it was added."""

    operation: str
    nth: int = 1
    repeat: bool = False
    status: int | None = None
    code: int | None = None
    message: str | None = None
    drop: str | None = None  # "before" | "after"
    delay: float = 0.0
    body: str | None = None  # one of BODY_KINDS
    retry_after: str | None = None
    id: int = field(default_factory=lambda: next(_ids))
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.operation != "*" and self.operation not in OPERATIONS:
            raise FaultSpecError(f"unknown operation {self.operation!r}; use one of: {', '.join(OPERATIONS)}, *")
        if self.nth < 1:
            raise FaultSpecError("the call number must be 1 or more")
        if self.drop not in (None, "before", "after"):
            raise FaultSpecError("drop must be 'before' or 'after'")
        if self.body is not None and self.body not in BODY_KINDS:
            raise FaultSpecError(f"body must be one of {', '.join(BODY_KINDS)}")
        if self.status is not None and not 100 <= int(self.status) <= 599:
            raise FaultSpecError("status must be an HTTP status code")
        if self.delay < 0:
            raise FaultSpecError("delay must not be negative")
        if self.status is None and self.drop is None and self.body not in (None, "json"):
            self.status = 500
        if self.status is None and self.drop is None and not self.delay and self.body is None:
            raise FaultSpecError("a fault needs an effect: status, body, drop or delay")

    def matches(self, names: tuple[str, ...]) -> bool:
        return self.operation == "*" or self.operation in names

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FaultAction:
    """What the server must do for one call (merged from every fault that fired)."""

    delay: float = 0.0
    status: int | None = None
    code: int | None = None
    message: str | None = None
    drop: str | None = None
    body: str | None = None
    retry_after: str | None = None
    fault_ids: list[int] = field(default_factory=list)

    @property
    def responds(self) -> bool:
        """True when the fault answers instead of the operation."""
        return self.drop is None and self.status is not None


class FaultSet:
    """The faults of one sandbox; thread-safe. ``sb.faults`` is one of these."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        operation: str,
        nth: int = 1,
        *,
        repeat: bool = False,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        drop: str | None = None,
        delay: float = 0.0,
        body: str | None = None,
        retry_after: str | int | float | None = None,
    ) -> Fault:
        """Add a fault (see the module docstring); returns it (``.seen``, ``.fired``)."""
        fault = Fault(
            operation=operation,
            nth=int(nth),
            repeat=repeat,
            status=int(status) if status is not None else None,
            code=int(code) if code is not None else None,
            message=message,
            drop=drop,
            delay=float(delay),
            body=body,
            retry_after=str(retry_after) if retry_after is not None else None,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_spec(self, spec: str) -> list[Fault]:
        """Add the faults of a spec string (several may be joined with ``;``)."""
        faults = parse_fault_specs(spec)
        with self._lock:
            self._faults.extend(faults)
        return faults

    def add_dict(self, data: dict) -> Fault:
        """Add a fault from JSON (the admin endpoint): the ``add`` keyword arguments."""
        if "spec" in data:
            faults = self.add_spec(str(data["spec"]))
            return faults[0]
        allowed = {"operation", "nth", "repeat", "status", "code", "message", "drop", "delay", "body", "retry_after"}
        unknown = set(data) - allowed
        if unknown:
            raise FaultSpecError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        if "operation" not in data:
            raise FaultSpecError("a fault needs an operation")
        args = dict(data)
        return self.add(args.pop("operation"), **args)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, names: tuple[str, ...]) -> FaultAction | None:
        """Count one call of ``names``; the merged action of faults that fire, if any."""
        action = FaultAction()
        fired = False
        with self._lock:
            for fault in self._faults:
                if not fault.matches(names):
                    continue
                fault.seen += 1
                if fault.seen == fault.nth or (fault.repeat and fault.seen > fault.nth):
                    fault.fired += 1
                    fired = True
                    action.fault_ids.append(fault.id)
                    action.delay += fault.delay
                    if action.drop is None and action.status is None:
                        action.drop = fault.drop
                        if fault.drop is None:
                            action.status = fault.status
                            action.code = fault.code
                            action.message = fault.message
                            action.body = fault.body
                    if fault.retry_after is not None:
                        action.retry_after = fault.retry_after
        return action if fired else None


# --------------------------------------------------------------------------- parsing


def parse_fault_spec(spec: str) -> Fault:
    """Parse ``OPERATION[:WHEN]:EFFECT[,EFFECT...]`` into a Fault (module docstring)."""
    text = spec.strip()
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0]:
        raise FaultSpecError(f"fault spec {spec!r}: expected OPERATION[:WHEN]:EFFECTS")
    operation = parts[0].strip()
    if len(parts) == 2:
        when, effects = "1", parts[1]
    elif _is_when(parts[1]):
        when, effects = parts[1], parts[2]
    else:  # a ':' inside the effects (e.g. message=...) and WHEN omitted
        when, effects = "1", parts[1] + ":" + parts[2]
    nth, repeat = _parse_when(when.strip(), spec)
    kwargs: dict = {}
    for item in filter(None, (e.strip() for e in effects.split(","))):
        key, _, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        value = value.strip()
        try:
            if key == "status":
                kwargs["status"] = int(value)
            elif key == "code":
                kwargs["code"] = int(value)
            elif key == "message":
                kwargs["message"] = value
            elif key == "drop":
                kwargs["drop"] = value or "before"
            elif key == "delay":
                kwargs["delay"] = float(value)
            elif key == "body":
                kwargs["body"] = value.lower()
            elif key == "retry_after":
                kwargs["retry_after"] = value
            elif key.isdigit() and not value:
                kwargs["status"] = int(key)
            else:
                raise FaultSpecError(f"fault spec {spec!r}: unknown effect {item!r}")
        except ValueError as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"fault spec {spec!r}: bad value in {item!r}") from None
    try:
        return Fault(operation=operation, nth=nth, repeat=repeat, **kwargs)
    except FaultSpecError as exc:
        raise FaultSpecError(f"fault spec {spec!r}: {exc}") from None


def parse_fault_specs(text: str) -> list[Fault]:
    """Parse one or more specs joined with ``;``."""
    specs = [s for s in (p.strip() for p in text.split(";")) if s]
    if not specs:
        raise FaultSpecError("empty fault spec")
    return [parse_fault_spec(s) for s in specs]


def _is_when(text: str) -> bool:
    text = text.strip()
    return text == "*" or text.rstrip("+").isdigit()


def _parse_when(when: str, spec: str) -> tuple[int, bool]:
    if when == "*":
        return 1, True
    repeat = when.endswith("+")
    digits = when[:-1] if repeat else when
    if not digits.isdigit() or int(digits) < 1:
        raise FaultSpecError(f"fault spec {spec!r}: WHEN must be N, N+ or *")
    return int(digits), repeat
