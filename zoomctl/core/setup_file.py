"""A company's whole setup as a TOML file: ``export`` writes it, ``apply`` makes a workspace match it.

The file (``format = 1``)::

    format = 1
    [company]            name, slug, timezone, online_meetings
    [[providers]]        name, email?, zoom_user?       (the Zoom user by email)
    [[services]]         name, duration, online, providers = [names]
    [[classes]]          name, duration, capacity, online
    [[classes.sessions]] start (ISO 8601 with its offset), provider
    [[templates]]        kind, channel, service?, provider?, subject?, body

No secrets and no bookings. Objects are matched by name (any case); sessions by class and
start. ``plan`` reads nothing but the file and the workspace; ``apply_plan`` writes the
plan in the command's one transaction, so a failure anywhere writes nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zoomctl import textcheck
from zoomctl.core import validate
from zoomctl.errors import Conflict, InvalidInput, NotFound, ZoomctlError
from zoomctl.models import CatalogKind, Company, SessionStatus
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import companies as company_repo
from zoomctl.store import events
from zoomctl.store import templates as template_repo
from zoomctl.store.db import Store
from zoomctl.timefmt import from_db, now_db, to_db

FORMAT = 1
SESSION_SLOT = 100_000  # a session's place for the line locator: (class index + 1) * SESSION_SLOT + its index
MAX_FILE_BYTES = 4 * 1024 * 1024

# every table's keys, in the order export writes them; True: required
_KEYS: dict[str, dict[str, bool]] = {
    "": {"format": True, "company": True, "providers": False, "services": False, "classes": False, "templates": False},
    "company": {"name": True, "slug": True, "timezone": True, "online_meetings": False},
    "providers": {"name": True, "email": False, "zoom_user": False},
    "services": {"name": True, "duration": True, "online": False, "providers": False},
    "classes": {"name": True, "duration": True, "capacity": True, "online": False, "sessions": False},
    "classes.sessions": {"start": True, "provider": True},
    "templates": {"kind": True, "channel": True, "service": False, "provider": False, "subject": False, "body": True},
}


class SetupFileError(InvalidInput):
    """Everything wrong with a setup file: ``problems`` in file order, the first is the message."""

    def __init__(self, problems: list[str], path: str):
        super().__init__(problems[0], hint=f"correct {path} and run the command again; nothing was applied")
        self.problems = problems


# ------------------------------------------------------------------------------- the file
@dataclass
class ProviderSpec:
    name: str
    email: str | None
    zoom_user: str | None


@dataclass
class ServiceSpec:
    name: str
    duration: int
    online: bool
    providers: list[str]


@dataclass
class SessionSpec:
    starts_at: str  # UTC, the workspace's format
    provider: str


@dataclass
class ClassSpec:
    name: str
    duration: int
    capacity: int
    online: bool
    sessions: list[SessionSpec]


@dataclass
class TemplateSpec:
    kind: str
    channel: str
    service: str | None  # a name, as the file spells it when the file names it
    provider: str | None
    subject: str | None
    body: str
    where: str  # for messages: its table and the lines of its service and provider keys
    lines: dict[str, int | None] = field(default_factory=dict)

    @property
    def level(self) -> tuple[str, str, str | None, str | None]:
        fold = lambda v: v.casefold() if v is not None else None  # noqa: E731
        return (self.kind, self.channel, fold(self.service), fold(self.provider))

    @property
    def order(self) -> tuple:
        """kind, channel, then service and provider (the company's own first)."""
        return (self.kind, self.channel, self.level[2] or "", self.level[3] or "")

    @property
    def label(self) -> str:
        names = [f"{what} '{name}'" for what, name in (("service", self.service), ("provider", self.provider)) if name]
        return f"{self.kind} {self.channel}" + (" for " + " with ".join(names) if names else "")


@dataclass
class Setup:
    name: str
    slug: str
    timezone: str
    online_meetings: bool
    providers: list[ProviderSpec] = field(default_factory=list)
    services: list[ServiceSpec] = field(default_factory=list)
    classes: list[ClassSpec] = field(default_factory=list)
    templates: list[TemplateSpec] = field(default_factory=list)


class _Lines:
    """Where a table or key is in the file, for messages (tomllib gives lines only for syntax errors)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int | None], int] = {}
        self.keys: dict[tuple[str, int | None, str], int] = {}
        counters: dict[str, int] = {}
        current: tuple[str, int | None] = ("", None)
        for number, raw in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(raw)
            if header:
                name = header.group(2).replace('"', "").replace("'", "").replace(" ", "")
                index = None
                if header.group(1) == "[[":
                    index = counters.get(name, -1) + 1
                    counters[name] = index
                    if name == "classes":
                        counters.pop("classes.sessions", None)
                    elif name == "classes.sessions":  # numbered within their class
                        index += SESSION_SLOT * (counters.get("classes", 0) + 1)
                current = (name, index)
                self.tables.setdefault(current, number)
                continue
            key = self._KEY.match(raw)
            if key:
                self.keys.setdefault((*current, key.group(1).strip('"')), number)

    def of(self, table: str, index: int | None, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.tables.get((table, index))


class _Reader:
    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = _Lines(text)
        self.problems: list[tuple[int, str]] = []

    def problem(self, where: str, text: str, line: int | None) -> None:
        location = f"{self.path}:{line}" if line else self.path
        self.problems.append((line or 0, f"{location}: {where}: {text}"))

    def keys(self, table: str, data: dict, where: str, index: int | None) -> bool:
        known = _KEYS[table]
        ok = True
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, list(known), n=1)
                mean = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
                self.problem(where, f"unknown key {textcheck.shown(key)}{mean}", self.lines.of(table, index, key))
                ok = False
        typos = {m for key in data if key not in known for m in difflib.get_close_matches(key, list(known), n=1)}
        for key, required in known.items():
            if required and key not in data and key not in typos:  # a misspelt key is already named
                self.problem(where, f"'{key}' is missing", self.lines.of(table, index))
                ok = False
        return ok

    def typed(self, data: dict, key: str, kind: type, where: str, table: str, index: int | None) -> Any:
        value = data.get(key)
        if value is None:
            return None
        wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if wrong:
            names = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "a table"}
            got = names.get(type(value), type(value).__name__)
            if isinstance(value, bool):
                got = "true or false"
            self.problem(where, f"'{key}' must be {names[kind]}, not {got}", self.lines.of(table, index, key))
            return None
        return value

    def checked(
        self, check: Callable[[Any], Any], value: Any, where: str, key: str, table: str, index: int | None
    ) -> Any:
        """``check(value)``, or None (and the problem noted) when it refuses; None stays None."""
        if value is None:
            return None
        try:
            return check(value)
        except InvalidInput as exc:
            fix = f" ({exc.hint})" if exc.hint and "out of range" in exc.message else ""
            self.problem(where, f"'{key}': {exc.message}{fix}", self.lines.of(table, index, key))
            return None

    def sorted_problems(self) -> list[str]:
        return [text for _, text in sorted(self.problems, key=lambda p: p[0])]


def read(path: Path | str, *, now: datetime | None = None) -> Setup:
    """Read and check the whole file; raises SetupFileError listing every problem."""
    import tomllib

    shown_path = str(path)
    try:
        raw = Path(path).read_bytes()[: MAX_FILE_BYTES + 1]
    except FileNotFoundError:
        raise NotFound(f"no file {shown_path}", hint="give the path of a file `zoomctl export` wrote") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {shown_path}: {exc.strerror or exc}", hint="check the path") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SetupFileError([f"{shown_path}: the file is larger than 4 MiB"], shown_path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SetupFileError([f"{shown_path}: not UTF-8 text (byte {exc.start})"], shown_path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        cause = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        cause = cause[:1].lower() + cause[1:]
        where = f"{shown_path}:{found.group(1)}" if found else shown_path
        column = f" (column {found.group(2)})" if found else ""
        raise SetupFileError([f"{where}: not valid TOML: {cause}{column}"], shown_path) from None
    return _check(_Reader(shown_path, text), data, now or datetime.now(UTC))


def _check(r: _Reader, data: dict, now: datetime) -> Setup:
    r.keys("", data, "the file", None)
    fmt = r.typed(data, "format", int, "the file", "", None)
    if fmt is not None and fmt != FORMAT:
        r.problem(
            "the file",
            f"format {fmt} is not one this zoomctl reads (it reads {FORMAT})",
            r.lines.of("", None, "format"),
        )
    company = r.typed(data, "company", dict, "the file", "", None)
    setup = Setup("", "", "UTC", False)
    if company is not None:
        where = "[company]"
        r.keys("company", company, where, None)

        def value(key: str, kind: type, check: Callable[[Any], Any]) -> Any:
            return r.checked(check, r.typed(company, key, kind, where, "company", None), where, key, "company", None)

        setup.name = value("name", str, lambda v: _name(v, "company")) or ""
        setup.slug = value("slug", str, validate.slug) or ""
        setup.timezone = value("timezone", str, validate.timezone) or ""
        setup.online_meetings = bool(value("online_meetings", bool, bool))
    providers = _array(r, data, "providers")
    seen: dict[str, set[str]] = {"providers": set(), "services": set(), "classes": set()}
    for index, item in providers:
        where = _where("providers", index, item)
        if not r.keys("providers", item, where, index) and "name" not in item:
            continue
        name = _unique(r, item, "providers", index, where, seen, "provider")
        email = r.typed(item, "email", str, where, "providers", index)
        email = r.checked(validate.email, email, where, "email", "providers", index)
        zoom_user = r.typed(item, "zoom_user", str, where, "providers", index)
        if zoom_user is not None:
            zoom_user = r.checked(validate.email, zoom_user, where, "zoom_user", "providers", index)
        if name:
            setup.providers.append(ProviderSpec(name, email, zoom_user))
    provider_keys = {p.name.casefold(): p.name for p in setup.providers}
    for index, item in _array(r, data, "services"):
        where = _where("services", index, item)
        r.keys("services", item, where, index)
        name = _unique(r, item, "services", index, where, seen, "service")
        duration = _duration(r, item, where, "services", index)
        online = bool(r.typed(item, "online", bool, where, "services", index))
        names = r.typed(item, "providers", list, where, "services", index) or []
        chosen = []
        for ref in names:
            if not isinstance(ref, str):
                r.problem(
                    where, "'providers' must list provider names (strings)", r.lines.of("services", index, "providers")
                )
                break
            if ref.casefold() not in provider_keys:
                r.problem(
                    where,
                    f"'providers': no provider {textcheck.shown(ref)} in [[providers]]",
                    r.lines.of("services", index, "providers"),
                )
                continue
            chosen.append(provider_keys[ref.casefold()])
        if name and duration:
            setup.services.append(ServiceSpec(name, duration, online, sorted(set(chosen))))
    for index, item in _array(r, data, "classes"):
        where = _where("classes", index, item)
        r.keys("classes", item, where, index)
        name = _unique(r, item, "classes", index, where, seen, "class")
        duration = _duration(r, item, where, "classes", index)
        capacity = r.typed(item, "capacity", int, where, "classes", index)
        if capacity is not None:
            capacity = r.checked(validate.capacity, capacity, where, "capacity", "classes", index)
        online = bool(r.typed(item, "online", bool, where, "classes", index))
        sessions = _sessions(r, item, where, index, setup.timezone, provider_keys, duration, now)
        if name and duration and capacity:
            setup.classes.append(ClassSpec(name, duration, capacity, online, sessions))
    service_keys = {x.name.casefold(): x.name for x in setup.services}
    levels: set[tuple] = set()
    for index, item in _array(r, data, "templates"):
        spec = _template(r, item, index, provider_keys, service_keys)
        if spec is None:
            continue
        if spec.level in levels:
            r.problem(
                _template_where(index, item),
                "a second override of the same kind, channel and level",
                r.lines.of("templates", index),
            )
            continue
        levels.add(spec.level)
        setup.templates.append(spec)
    setup.templates.sort(key=lambda t: t.order)
    if r.problems:
        raise SetupFileError(r.sorted_problems(), r.path)
    return setup


def _template_where(index: int, item: dict) -> str:
    kind = item.get("kind")
    return f"[[templates]] #{index + 1}" + (f" {textcheck.shown(kind)}" if isinstance(kind, str) else "")


def _template(
    r: _Reader, item: dict, index: int, providers: dict[str, str], services: dict[str, str]
) -> TemplateSpec | None:
    """One [[templates]] table, its text checked by the templates engine; None when refused."""
    from zoomctl.core import templates, templates_parse

    where = _template_where(index, item)
    if not r.keys("templates", item, where, index):
        return None
    values = {key: r.typed(item, key, str, where, "templates", index) for key in _KEYS["templates"]}
    kind = r.checked(templates.parse_kind, values["kind"], where, "kind", "templates", index)
    channel = r.checked(templates.parse_channel, values["channel"], where, "channel", "templates", index)
    names: dict[str, str | None] = {}
    for key, known in (("service", services), ("provider", providers)):
        name = values[key]
        if name is not None and not name.strip():
            r.problem(
                where,
                f"'{key}' is empty (leave it out for the text of every {key})",
                r.lines.of("templates", index, key),
            )
            return None
        names[key] = known.get(name.casefold(), name) if name is not None else None
    if (
        kind is None
        or channel is None
        or values["body"] is None
        or any(v is None and k in item for k, v in values.items())
    ):
        return None
    try:
        templates.validate_template(templates.Template(values["body"], values["subject"]), channel)
    except InvalidInput as exc:
        part = getattr(exc, "part", None) or ("subject" if "subject" in exc.message else "body")
        hint = f"; {exc.hint}" if isinstance(exc, templates_parse.TemplateSyntaxError) else ""
        r.problem(where, f"'{part}': {exc.message}{hint}", r.lines.of("templates", index, part))
        return None
    return TemplateSpec(
        kind.value,
        channel.value,
        names["service"],
        names["provider"],
        values["subject"],
        values["body"],
        where,
        {key: r.lines.of("templates", index, key) for key in ("service", "provider")},
    )


def _where(table: str, index: int, item: dict) -> str:
    name = item.get("name")
    label = f" {textcheck.shown(name)}" if isinstance(name, str) else ""
    return f"[[{table}]] #{index + 1}{label}"


def _array(r: _Reader, data: dict, key: str) -> list[tuple[int, dict]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        r.problem(
            "the file",
            f"'{key}' must be an array of tables ([[{key}]]), not a single value",
            r.lines.of("", None, key) or r.lines.of(key, None),
        )
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            r.problem(f"[[{key}]] #{index + 1}", "must be a table", r.lines.of("", None, key))
            continue
        out.append((index, item))
    return out


def _name(value: str | None, what: str) -> str | None:
    return validate.name(value, what)


def _unique(r: _Reader, item: dict, table: str, index: int, where: str, seen: dict, what: str) -> str | None:
    value = r.typed(item, "name", str, where, table, index)
    name = r.checked(lambda v: _name(v, what), value, where, "name", table, index)
    if name is None:
        return None
    if name.casefold() in seen[table]:
        r.problem(
            where,
            f"a second {what} named {textcheck.shown(name)} (names are unique, any case)",
            r.lines.of(table, index, "name"),
        )
        return None
    seen[table].add(name.casefold())
    return name


def _duration(r: _Reader, item: dict, where: str, table: str, index: int) -> int | None:
    value = r.typed(item, "duration", int, where, table, index)
    return r.checked(validate.duration, value, where, "duration", table, index)


def _sessions(
    r: _Reader, item: dict, where: str, index: int, zone: str, providers: dict[str, str], duration, now: datetime
) -> list[SessionSpec]:
    value = item.get("sessions")
    if value is None:
        return []
    line = r.lines.of("classes", index, "sessions") or r.lines.of("classes", index)
    if not isinstance(value, list):
        r.problem(where, "'sessions' must be an array of tables ([[classes.sessions]])", line)
        return []
    out: list[SessionSpec] = []
    starts: set[str] = set()
    for number, session in enumerate(value, start=1):
        at = f"{where} session #{number}"
        slot = SESSION_SLOT * (index + 1) + number - 1
        line = (
            r.lines.of("classes.sessions", slot)
            or r.lines.of("classes", index, "sessions")
            or r.lines.of("classes", index)
        )
        if not isinstance(session, dict):
            r.problem(at, "must be a table with start and provider", line)
            continue
        if not r.keys("classes.sessions", session, at, slot):
            continue
        start = r.typed(session, "start", str, at, "classes.sessions", slot)
        provider = r.typed(session, "provider", str, at, "classes.sessions", slot)
        moment = None
        if start is not None and zone:
            moment = r.checked(
                lambda v: validate.start_time(v, zone, past_ok=True), start, at, "start", "classes.sessions", slot
            )
            if moment is not None and moment < now.replace(second=0, microsecond=0):
                r.problem(
                    at,
                    f"'start': {textcheck.shown(start)} is in the past (only future sessions are set up)",
                    r.lines.of("classes.sessions", slot, "start") or line,
                )
                moment = None
        if provider is not None and provider.casefold() not in providers:
            r.problem(
                at,
                f"'provider': no provider {textcheck.shown(provider)} in [[providers]]",
                r.lines.of("classes.sessions", slot, "provider") or line,
            )
            provider = None
        if moment is None or provider is None:
            continue
        key = to_db(moment)
        if key in starts:
            r.problem(at, f"a second session at {textcheck.shown(start)}", line)
            continue
        starts.add(key)
        out.append(SessionSpec(key, providers[provider.casefold()]))
    return sorted(out, key=lambda s: s.starts_at)


# ------------------------------------------------------------------------------- export
def export(store: Store, company: Company) -> str:
    """The company's setup as TOML, in a stable order (names sorted, sessions by start)."""
    from zoneinfo import ZoneInfo

    import tomli_w

    zone = ZoneInfo(company.timezone)
    now = now_db()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "company": {
            "name": company.name,
            "slug": company.slug,
            "timezone": company.timezone,
            "online_meetings": company.online_meetings_enabled,
        },
    }
    providers = []
    for p in catalog_repo.providers(store, company.id):
        entry: dict[str, Any] = {"name": p.name}
        if p.email:
            entry["email"] = p.email
        if p.zoom_user_email:
            entry["zoom_user"] = p.zoom_user_email
        providers.append(entry)
    services = [
        {"name": s.name, "duration": s.duration_minutes, "online": s.online, "providers": s.providers}
        for s in catalog_repo.services(store, company.id)
    ]
    classes = []
    for c in catalog_repo.classes(store, company.id):
        entry = {"name": c.name, "duration": c.duration_minutes, "capacity": c.capacity, "online": c.online}
        sessions = [
            {"start": from_db(s.starts_at).astimezone(zone).isoformat(), "provider": s.provider_name}
            for s in catalog_repo.sessions(store, company.id, c.id)
            if s.starts_at >= now
        ]
        if sessions:
            entry["sessions"] = sessions
        classes.append(entry)
    active = {
        "service": {x.id for x in catalog_repo.services(store, company.id)},
        "provider": {x.id for x in catalog_repo.providers(store, company.id)},
    }
    overrides = []
    for o in template_repo.overrides(store, company.id):
        if (o.service_id is not None and o.service_id not in active["service"]) or (
            o.provider_id is not None and o.provider_id not in active["provider"]
        ):
            continue  # the override of a removed service or provider is history, not setup
        entry = {"kind": o.kind, "channel": o.channel, "service": o.service, "provider": o.provider}
        entry |= {"subject": o.subject, "body": o.body}
        overrides.append({k: v for k, v in entry.items() if v is not None})
    overrides.sort(key=lambda t: (t["kind"], t["channel"], *(t.get(k, "").casefold() for k in ("service", "provider"))))
    # every table as a [table] or [[table]] header of its own (tomli-w would inline short ones,
    # so a longer name would change the layout): tomli-w writes each table's values
    chunks = [tomli_w.dumps({"format": doc["format"]}), "\n[company]\n" + tomli_w.dumps(doc["company"])]
    for key, entries in (
        ("providers", providers),
        ("services", services),
        ("classes", classes),
        ("templates", overrides),
    ):
        for entry in entries:
            sessions = entry.pop("sessions", [])
            # a template's lines as lines ("""…"""), unless it holds a CR (TOML reads those as plain line ends)
            multiline = key == "templates" and "\r" not in entry.get("body", "") + entry.get("subject", "")
            chunks.append(f"\n[[{key}]]\n" + tomli_w.dumps(entry, multiline_strings=multiline))
            chunks.extend("\n[[classes.sessions]]\n" + tomli_w.dumps(s) for s in sessions)
    return "".join(chunks)


# ------------------------------------------------------------------------------- the plan
@dataclass
class Change:
    action: str  # create | update | delete
    kind: str  # company | provider | service | class | session | template
    name: str
    changes: dict[str, list[Any]] = field(default_factory=dict)  # field: [old, new]
    apply: Callable[[Store], None] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind, "name": self.name, "changes": self.changes}


@dataclass
class Plan:
    path: str
    company: str
    changes: list[Change]
    zoom_check: str  # checked | skipped: why
    pruning: bool
    applied: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return bool(self.changes)

    @property
    def deletes(self) -> list[Change]:
        return [c for c in self.changes if c.action == "delete"]

    def counts(self) -> dict[str, int]:
        return {action: sum(c.action == action for c in self.changes) for action in ("create", "update", "delete")}

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "company": self.company,
            "changes": [c.as_json() for c in self.changes],
            "summary": self.counts(),
            "zoom_users": self.zoom_check,
            "prune": self.pruning,
            "applied": self.applied,
            "warnings": self.warnings,
        }


ZoomUsers = dict[str, tuple[str, str, int | None]]  # email (lower case): (id, email, type)
ZoomCheck = Callable[[Company, list[str]], ZoomUsers]


def zoom_check(store: Store, access: Any, factory_of: Callable[[Company], Any]) -> Callable[[Company], ZoomCheck | str]:
    """For a company: how to look its mapped Zoom users up, or why that is skipped (not connected)."""
    from zoomctl.models import ConnectionStatus

    def for_company(company: Company) -> ZoomCheck | str:
        row = company_repo.connection(store, company.id)
        if not access.env.any:
            if row is None:
                return f"skipped: {company.slug} is not connected to Zoom"
            if row["status"] == ConnectionStatus.RECONNECT_REQUIRED:
                return f"skipped: {company.slug}'s Zoom connection needs a reconnect (`zoomctl auth login`)"

        def look_up(company: Company, emails: list[str]) -> ZoomUsers:
            from zoomctl.core.providers_zoom import ZoomUser
            from zoomctl.zoom.errors import ZoomNotFound

            found: ZoomUsers = {}
            with factory_of(company)() as z:
                for email in emails:
                    try:
                        user = ZoomUser.from_zoom(z.get_user(email))
                    except ZoomNotFound:
                        continue
                    if user.status in (None, "active"):
                        found[email] = (user.id, user.email, user.type)
            return found

        return look_up

    return for_company


def plan(store: Store, setup: Setup, path: str, *, prune: bool = False, zoom_users: ZoomCheck | None = None) -> Plan:
    """What applying ``setup`` would change. ``zoom_users(company, emails)`` looks the mapped Zoom
    users up ({email: (id, email, type)}); it is called only when the company exists and is connected."""
    existing = company_repo.by_slug(store, setup.slug)
    changes: list[Change] = []
    out = Plan(path, setup.slug, changes, "skipped: the company is new, so not connected to Zoom yet", prune)
    state: dict[str, Any] = {"company": existing}

    def company_of(s: Store) -> Company:
        return state["company"]

    if existing is None:

        def create_company(s: Store) -> None:
            created = company_repo.insert(s, setup.slug, setup.name, setup.timezone)
            company_repo.set_feature(s, created.id, setup.online_meetings)
            events.record(s, created.id, "company.create", setup.slug, name=setup.name, timezone=setup.timezone)
            state["company"] = company_repo.by_id(s, created.id)

        changes.append(
            Change(
                "create",
                "company",
                setup.slug,
                _fields(name=setup.name, timezone=setup.timezone, online_meetings=setup.online_meetings),
                create_company,
            )
        )
    else:
        diff = _diff(
            {"name": existing.name, "timezone": existing.timezone, "online_meetings": existing.online_meetings_enabled},
            {"name": setup.name, "timezone": setup.timezone, "online_meetings": setup.online_meetings},
        )
        if diff:

            def update_company(s: Store, diff=diff) -> None:
                company_repo.update(s, existing.id, setup.name, setup.timezone, setup.online_meetings)
                events.record(s, existing.id, "company.update", setup.slug, **{k: v[1] for k, v in diff.items()})

            changes.append(Change("update", "company", setup.slug, diff, update_company))
    mapped: ZoomUsers | None = None
    if existing is not None:
        mapped = _zoom_users(store, existing, setup, zoom_users, out)
    if mapped is None and any(p.zoom_user for p in setup.providers):
        out.warnings.append(
            "the Zoom users in the file are kept by email, unchecked: run `zoomctl apply` with the file again "
            "once the company is connected (`zoomctl auth login`)"
        )
    _plan_providers(store, existing, setup, changes, company_of, mapped, prune)
    _plan_services(store, existing, setup, changes, company_of, prune)
    _plan_classes(store, existing, setup, changes, company_of, prune)
    _plan_templates(store, existing, setup, changes, company_of, prune, path)
    return out


def _zoom_users(store: Store, company: Company, setup: Setup, zoom_users, out: Plan) -> ZoomUsers | None:
    emails = sorted({p.zoom_user.lower() for p in setup.providers if p.zoom_user})
    look_up = zoom_users(company) if zoom_users is not None else f"skipped: {company.slug} is not connected to Zoom"
    if isinstance(look_up, str):
        out.zoom_check = look_up
        return None
    if not emails:
        out.zoom_check = "checked (no Zoom users mapped)"
        return {}
    found = look_up(company, emails)
    missing = [e for e in emails if e not in found]
    if missing:
        raise Conflict(
            f"{out.path}: [[providers]]: no active Zoom user {', '.join(missing)} in the connected Zoom account",
            hint="correct 'zoom_user' (see `zoomctl zoom users`); nothing was applied",
        )
    out.zoom_check = f"checked {len(emails)} Zoom user(s)"
    return found


def _fields(**values: Any) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in values.items() if v is not None}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [old[k], new[k]] for k in new if old[k] != new[k]}


def _plan_providers(store, existing, setup, changes, company_of, mapped, prune) -> None:
    current = {p.name.casefold(): p for p in catalog_repo.providers(store, existing.id)} if existing else {}
    for spec in setup.providers:
        user = (mapped or {}).get(spec.zoom_user.lower()) if spec.zoom_user else None
        have = current.pop(spec.name.casefold(), None)
        if have is None:

            def create(s: Store, spec=spec, user=user) -> None:
                company = company_of(s)
                made = catalog_repo.add_provider(s, company.id, spec.name, spec.email)
                events.record(s, company.id, "provider.add", spec.name, email=spec.email)
                if spec.zoom_user:
                    _map(s, company, made.id, spec, user)

            changes.append(
                Change("create", "provider", spec.name, _fields(email=spec.email, zoom_user=spec.zoom_user), create)
            )
            continue
        diff = _diff(
            {"name": have.name, "email": have.email, "zoom_user": (have.zoom_user_email or "").lower() or None},
            {"name": spec.name, "email": spec.email, "zoom_user": spec.zoom_user.lower() if spec.zoom_user else None},
        )
        verify = user is not None and (have.zoom_user_id != user[0] or have.zoom_user_type != user[2])
        if diff or verify:
            if verify and "zoom_user" not in diff:
                diff["zoom_user_id"] = [have.zoom_user_id, user[0]]

            def update(s: Store, spec=spec, have=have, user=user, diff=diff) -> None:
                company = company_of(s)
                if "name" in diff or "email" in diff:
                    catalog_repo.update_provider(s, have.id, spec.name, spec.email)
                    events.record(s, company.id, "provider.update", spec.name, email=spec.email)
                if "zoom_user" in diff or "zoom_user_id" in diff:
                    _map(s, company, have.id, spec, user)

            changes.append(Change("update", "provider", spec.name, diff, update))
    if prune:
        for have in current.values():
            # their future sessions without bookings move to another provider or are pruned with the rest
            if catalog_repo.future_bookings_of_provider(store, have.id, now_db()):
                raise Conflict(
                    f"cannot prune provider '{have.name}': they have future bookings",
                    hint=f"add them to the file, or cancel those first (`zoomctl providers remove '{have.name}' --force`)",
                )

            def delete(s: Store, have=have) -> None:
                catalog_repo.remove_named(s, CatalogKind.PROVIDER, have.id)
                events.record(s, company_of(s).id, "provider.remove", have.name)

            changes.append(Change("delete", "provider", have.name, {}, delete))


def _map(s: Store, company: Company, provider_id: int, spec: ProviderSpec, user) -> None:
    """The Zoom user as Zoom gave it, or (not checked: not connected) just its email."""
    if spec.zoom_user is None:
        catalog_repo.set_provider_zoom_user(s, provider_id, None, None, None)
    elif user is not None:
        catalog_repo.set_provider_zoom_user(s, provider_id, *user)
    else:
        catalog_repo.set_provider_zoom_user(s, provider_id, None, spec.zoom_user, None)
    events.record(s, company.id, "provider.zoom_user", spec.name, zoom_user=spec.zoom_user, checked=user is not None)


def _provider_ids(s: Store, company: Company, names: list[str]) -> list[int]:
    current = {p.name.casefold(): p.id for p in catalog_repo.providers(s, company.id)}
    return sorted(current[n.casefold()] for n in names)


def _plan_services(store, existing, setup, changes, company_of, prune) -> None:
    current = {x.name.casefold(): x for x in catalog_repo.services(store, existing.id)} if existing else {}
    for spec in setup.services:
        have = current.pop(spec.name.casefold(), None)
        if have is None:

            def create(s: Store, spec=spec) -> None:
                company = company_of(s)
                made = catalog_repo.add_service(
                    s, company.id, spec.name, spec.duration, _provider_ids(s, company, spec.providers)
                )
                if spec.online:
                    catalog_repo.set_online(s, CatalogKind.SERVICE, made.id, True)
                events.record(
                    s,
                    company.id,
                    "service.add",
                    spec.name,
                    duration=spec.duration,
                    providers=spec.providers,
                    online=spec.online,
                )

            changes.append(
                Change(
                    "create",
                    "service",
                    spec.name,
                    _fields(duration=spec.duration, online=spec.online, providers=spec.providers),
                    create,
                )
            )
            continue
        diff = _diff(
            {
                "name": have.name,
                "duration": have.duration_minutes,
                "online": have.online,
                "providers": sorted(have.providers),
            },
            {"name": spec.name, "duration": spec.duration, "online": spec.online, "providers": sorted(spec.providers)},
        )
        if diff:

            def update(s: Store, spec=spec, have=have, diff=diff) -> None:
                company = company_of(s)
                catalog_repo.update_service(
                    s, have.id, spec.name, spec.duration, spec.online, _provider_ids(s, company, spec.providers)
                )
                events.record(s, company.id, "service.update", spec.name, **{k: v[1] for k, v in diff.items()})

            changes.append(Change("update", "service", spec.name, diff, update))
    if prune:
        for have in current.values():
            if catalog_repo.future_bookings_of_service(store, have.id, now_db()):
                raise Conflict(
                    f"cannot prune service '{have.name}': it has future bookings",
                    hint="add it to the file, or cancel them first (`zoomctl bookings cancel ID`)",
                )

            def delete(s: Store, have=have) -> None:
                catalog_repo.remove_named(s, CatalogKind.SERVICE, have.id)
                events.record(s, company_of(s).id, "service.remove", have.name)

            changes.append(Change("delete", "service", have.name, {}, delete))


def _plan_classes(store, existing, setup, changes, company_of, prune) -> None:
    current = {x.name.casefold(): x for x in catalog_repo.classes(store, existing.id)} if existing else {}
    now = now_db()
    for spec in setup.classes:
        have = current.pop(spec.name.casefold(), None)
        if have is None:

            def create(s: Store, spec=spec) -> None:
                company = company_of(s)
                made = catalog_repo.add_class(s, company.id, spec.name, spec.duration, spec.capacity)
                if spec.online:
                    catalog_repo.set_online(s, CatalogKind.CLASS, made.id, True)
                events.record(
                    s,
                    company.id,
                    "class.add",
                    spec.name,
                    duration=spec.duration,
                    capacity=spec.capacity,
                    online=spec.online,
                )
                state = {"class_id": made.id}
                for session in spec.sessions:
                    _add_session(s, company, state["class_id"], spec, session)

            details = _fields(duration=spec.duration, capacity=spec.capacity, online=spec.online)
            if spec.sessions:
                details["sessions"] = [None, len(spec.sessions)]
            changes.append(Change("create", "class", spec.name, details, create))
            continue
        diff = _diff(
            {"name": have.name, "duration": have.duration_minutes, "capacity": have.capacity, "online": have.online},
            {"name": spec.name, "duration": spec.duration, "capacity": spec.capacity, "online": spec.online},
        )
        if diff:

            def update(s: Store, spec=spec, have=have, diff=diff) -> None:
                company = company_of(s)
                catalog_repo.update_class(s, have.id, spec.name, spec.duration, spec.capacity, spec.online)
                events.record(s, company.id, "class.update", spec.name, **{k: v[1] for k, v in diff.items()})

            changes.append(Change("update", "class", spec.name, diff, update))
        sessions = {x.starts_at: x for x in catalog_repo.sessions(store, existing.id, have.id) if x.starts_at >= now}
        for session in spec.sessions:
            label = f"{spec.name} at {session.starts_at}"
            old = sessions.pop(session.starts_at, None)
            if old is None:

                def create_session(s: Store, spec=spec, session=session, class_id=have.id) -> None:
                    _add_session(s, company_of(s), class_id, spec, session)

                changes.append(Change("create", "session", label, _fields(provider=session.provider), create_session))
            elif old.provider_name.casefold() != session.provider.casefold():
                if old.booked:
                    raise Conflict(
                        f"cannot change the provider of {label}: it has {old.booked} booking(s)",
                        hint="keep its provider in the file, or cancel the session first",
                    )

                def move(s: Store, session=session, old=old) -> None:
                    company = company_of(s)
                    pid = _provider_ids(s, company, [session.provider])[0]
                    catalog_repo.set_session_provider(s, old.id, pid)
                    events.record(
                        s, company.id, "session.update", f"{old.class_name} #{old.id}", provider=session.provider
                    )

                changes.append(
                    Change("update", "session", label, {"provider": [old.provider_name, session.provider]}, move)
                )
        if prune:
            _prune_sessions(spec.name, sessions.values(), changes, company_of)
    if prune:
        for have in current.values():
            ahead = [x for x in catalog_repo.sessions(store, existing.id, have.id) if x.starts_at >= now]
            _prune_sessions(have.name, ahead, changes, company_of)

            def delete(s: Store, have=have) -> None:
                catalog_repo.remove_named(s, CatalogKind.CLASS, have.id)
                events.record(s, company_of(s).id, "class.remove", have.name)

            changes.append(Change("delete", "class", have.name, {}, delete))


def _plan_templates(store, existing, setup, changes, company_of, prune, path) -> None:
    """Overrides by level; a service or provider the file does not name must be in the workspace
    (and is not when pruning, which would remove it)."""
    workspace: dict[str, set[str]] = {"service": set(), "provider": set()}
    if existing is not None and not prune:
        workspace["service"] = {x.name.casefold() for x in catalog_repo.services(store, existing.id)}
        workspace["provider"] = {x.name.casefold() for x in catalog_repo.providers(store, existing.id)}
    named = {
        "service": {x.name.casefold() for x in setup.services},
        "provider": {x.name.casefold() for x in setup.providers},
    }
    problems = []
    for spec in setup.templates:
        for what in ("service", "provider"):
            name = getattr(spec, what)
            if name is not None and name.casefold() not in named[what] | workspace[what]:
                line = spec.lines.get(what)
                place = f"{path}:{line}" if line else path
                scope = "the file" if prune else "the file or the workspace"
                problems.append(f"{place}: {spec.where}: '{what}': no {what} {textcheck.shown(name)} in {scope}")
    if problems:
        raise SetupFileError(problems, path)
    current = {}
    if existing is not None:
        for o in template_repo.overrides(store, existing.id):
            fold = (
                o.kind,
                o.channel,
                o.service.casefold() if o.service else None,
                o.provider.casefold() if o.provider else None,
            )
            current[fold] = o
    for spec in setup.templates:
        have = current.pop(spec.level, None)
        if have is not None:
            diff = _diff({"subject": have.subject, "body": have.body}, {"subject": spec.subject, "body": spec.body})
            if not diff:
                continue
        action = "create" if have is None else "update"

        def save(s: Store, spec=spec) -> None:
            company = company_of(s)
            ids = _level_ids(s, company, spec.service, spec.provider)
            template_repo.save(s, company.id, spec.kind, spec.channel, *ids, spec.subject, spec.body)
            events.record(s, company.id, "template.set", spec.kind, channel=spec.channel, level=spec.label)

        details = _fields(subject=spec.subject, body=spec.body) if have is None else diff
        changes.append(Change(action, "template", spec.label, details, save))
    if prune:
        for o in current.values():
            label = TemplateSpec(o.kind, o.channel, o.service, o.provider, o.subject, o.body, "").label

            def delete(s: Store, o=o, label=label) -> None:
                company = company_of(s)
                template_repo.delete(s, company.id, o.kind, o.channel, o.service_id, o.provider_id)
                events.record(s, company.id, "template.reset", o.kind, channel=o.channel, level=label)

            changes.append(Change("delete", "template", label, {}, delete))


def _level_ids(s: Store, company: Company, service: str | None, provider: str | None) -> tuple[int | None, int | None]:
    services = {x.name.casefold(): x.id for x in catalog_repo.services(s, company.id)}
    providers = {x.name.casefold(): x.id for x in catalog_repo.providers(s, company.id)}
    return (
        services[service.casefold()] if service is not None else None,
        providers[provider.casefold()] if provider is not None else None,
    )


def _prune_sessions(class_name: str, sessions, changes: list[Change], company_of) -> None:
    for old in sessions:
        label = f"{class_name} at {old.starts_at}"
        if old.booked:
            raise Conflict(
                f"cannot prune the session {label}: it has {old.booked} booking(s)",
                hint=f"add it to the file, or cancel it first (`zoomctl classes sessions cancel {old.id}`)",
            )

        def cancel(s: Store, old=old) -> None:
            catalog_repo.set_session_status(s, old.id, SessionStatus.CANCELLED)
            events.record(s, company_of(s).id, "session.cancel", f"{old.class_name} #{old.id}")

        changes.append(Change("delete", "session", label, {}, cancel))


def _add_session(s: Store, company: Company, class_id: int, spec: ClassSpec, session: SessionSpec) -> None:
    from zoomctl.core.calendar import ensure_free

    pid = _provider_ids(s, company, [session.provider])[0]
    ends = to_db(from_db(session.starts_at) + timedelta(minutes=spec.duration))
    ensure_free(
        s,
        pid,
        session.provider,
        session.starts_at,
        ends,
        company.timezone,
        hint="choose another time or provider in the file",
    )
    made = catalog_repo.add_session(s, class_id, pid, session.starts_at)
    events.record(
        s, company.id, "session.add", f"{spec.name} #{made.id}", starts_at=made.starts_at, provider=session.provider
    )


def apply_plan(store: Store, p: Plan) -> Plan:
    """Write every change, in plan order, into the store's transaction (the command commits it)."""
    for change in p.changes:
        assert change.apply is not None
        try:
            change.apply(store)
        except ZoomctlError as exc:
            raise type(exc)(f"{p.path}: {change.kind} '{change.name}': {exc.message}", hint=exc.hint) from exc
    p.applied = True
    return p
