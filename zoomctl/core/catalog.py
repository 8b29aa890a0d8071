"""Providers, services, classes, class sessions and clients: validation, lookup, changes.

Removing a provider with their bookings (``--force``) is ``core.removal``'s.
"""

from __future__ import annotations

from datetime import timedelta

from zoomctl import textcheck
from zoomctl.core import validate
from zoomctl.errors import Conflict, NotFound
from zoomctl.models import CatalogKind, ClassDef, ClassSession, Client, Company, Provider, Service, SessionStatus
from zoomctl.store import catalog as repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.textcheck import shown
from zoomctl.timefmt import local, now_db, to_db

PROVIDER, SERVICE, CLASS = CatalogKind.PROVIDER, CatalogKind.SERVICE, CatalogKind.CLASS


def resolve(store: Store, company: Company, kind: CatalogKind, ref: str) -> int:
    """The id that an id or a name (or an unambiguous start of one) means."""
    ref = textcheck.ref(ref, str(kind))
    rows = repo.candidates(store, kind, company.id, ref)
    if not rows:
        raise NotFound(f"no {kind} {shown(ref)} in {company.slug}", hint=f"see `zoomctl {kind.plural} list`")
    if len(rows) > 1:
        names = ", ".join(f"{r['name']} (id {r['id']})" for r in rows)
        raise Conflict(f"{shown(ref)} could mean more than one {kind}: {names}", hint="give the full name or the id")
    return int(rows[0]["id"])


def _unique_name(store: Store, company: Company, kind: CatalogKind, name: str) -> str:
    name = validate.name(name, kind)
    if repo.name_taken(store, kind, company.id, name):
        raise Conflict(f"a {kind} named '{name}' already exists in {company.slug}", hint="choose another name")
    return name


# ---- providers ---------------------------------------------------------------------------
def add_provider(store: Store, company: Company, name: str, email: str | None) -> Provider:
    name = _unique_name(store, company, PROVIDER, name)
    email = validate.email(email) if email is not None else None
    provider = repo.add_provider(store, company.id, name, email)
    events.record(store, company.id, "provider.add", name, email=email)
    return provider


def providers(store: Store, company: Company) -> list[Provider]:
    return repo.providers(store, company.id)


def provider(store: Store, company: Company, ref: str) -> Provider:
    return repo.provider(store, resolve(store, company, PROVIDER, ref))


# ---- services ----------------------------------------------------------------------------
def add_service(store: Store, company: Company, name: str, duration: int, provider_refs: list[str]) -> Service:
    name = _unique_name(store, company, SERVICE, name)
    duration = validate.duration(duration)
    provider_ids = sorted({resolve(store, company, PROVIDER, ref) for ref in provider_refs})
    service = repo.add_service(store, company.id, name, duration, provider_ids)
    events.record(store, company.id, "service.add", name, duration=duration, providers=service.providers)
    return service


def services(store: Store, company: Company) -> list[Service]:
    return repo.services(store, company.id)


def service(store: Store, company: Company, ref: str) -> Service:
    return repo.service(store, resolve(store, company, SERVICE, ref))


def remove_service(store: Store, company: Company, ref: str) -> Service:
    target = service(store, company, ref)
    future = repo.future_bookings_of_service(store, target.id, now_db())
    if future:
        raise Conflict(
            f"{target.name} has {future} future booking(s)", hint="cancel them first (`zoomctl bookings cancel ID`)"
        )
    repo.remove_named(store, SERVICE, target.id)
    events.record(store, company.id, "service.remove", target.name)
    return target


def set_online(
    store: Store, company: Company, kind: CatalogKind, ref: str, online: bool
) -> tuple[Service | ClassDef, bool]:
    """Make a service or class an online-meeting one, or not; returns it and whether it changed."""
    target: Service | ClassDef = service(store, company, ref) if kind is SERVICE else class_def(store, company, ref)
    changed = target.online != online
    if changed:
        repo.set_online(store, kind, target.id, online)
        events.record(store, company.id, f"{kind}.online", target.name, online=online)
        target.online = online
    return target, changed


# ---- classes -----------------------------------------------------------------------------
def add_class(store: Store, company: Company, name: str, duration: int, capacity: int) -> ClassDef:
    name = _unique_name(store, company, CLASS, name)
    cls = repo.add_class(store, company.id, name, validate.duration(duration), validate.capacity(capacity))
    events.record(store, company.id, "class.add", name, duration=duration, capacity=capacity)
    return cls


def classes(store: Store, company: Company) -> list[ClassDef]:
    return repo.classes(store, company.id)


def class_def(store: Store, company: Company, ref: str) -> ClassDef:
    return repo.class_def(store, resolve(store, company, CLASS, ref))


def remove_class(store: Store, company: Company, ref: str) -> ClassDef:
    target = class_def(store, company, ref)
    ahead = repo.future_sessions(store, now_db(), class_id=target.id)
    if ahead:
        raise Conflict(
            f"{target.name} has {len(ahead)} future session(s)",
            hint="cancel them first (`zoomctl classes sessions cancel ID`)",
        )
    repo.remove_named(store, CLASS, target.id)
    events.record(store, company.id, "class.remove", target.name)
    return target


def add_session(store: Store, company: Company, class_ref: str, start: str, provider_ref: str) -> ClassSession:
    # bookings are imported by the session commands only: listings start without them
    from zoomctl.core.calendar import ensure_free
    from zoomctl.store import bookings as bookings_repo

    starts = validate.start_time(start, company.timezone)
    cls = class_def(store, company, class_ref)
    prov = provider(store, company, provider_ref)
    starts_at, ends_at = to_db(starts), to_db(starts + timedelta(minutes=cls.duration_minutes))
    same = bookings_repo.session_at(store, cls.id, starts_at)
    if same is not None:
        raise Conflict(
            f"'{cls.name}' already has a session at {local(starts_at, company.timezone)} (session {same})",
            hint=f'book into it (`zoomctl bookings create --class "{cls.name}" --session {same} …`), '
            "or choose another time",
        )
    ensure_free(
        store,
        prov.id,
        prov.name,
        starts_at,
        ends_at,
        company.timezone,
        hint="choose another time or provider; see `zoomctl classes sessions list` and `zoomctl bookings list --upcoming`",
    )
    session = repo.add_session(store, cls.id, prov.id, starts_at)
    events.record(
        store, company.id, "session.add", f"{cls.name} #{session.id}", starts_at=session.starts_at, provider=prov.name
    )
    return session


def session(store: Store, company: Company, session_id: int) -> ClassSession:
    found = repo.session(store, session_id, company.id) if 0 < session_id <= repo.MAX_ID else None
    if found is None:
        raise NotFound(f"no class session {session_id} in {company.slug}", hint="see `zoomctl classes sessions list`")
    return found


def sessions(
    store: Store, company: Company, class_ref: str | None, include_cancelled: bool = False
) -> list[ClassSession]:
    class_id = resolve(store, company, CLASS, class_ref) if class_ref is not None else None
    return repo.sessions(store, company.id, class_id, include_cancelled)


def cancel_session(store: Store, company: Company, session_id: int, zoom=None) -> ClassSession:
    """Cancel a session and its bookings. ``zoom`` (a factory of Zoom clients) is called
    only when the session has a Zoom meeting, which is then deleted first."""
    target = session(store, company, session_id)
    if target.status == SessionStatus.CANCELLED:
        raise Conflict(
            f"class session {session_id} is already cancelled", hint="see `zoomctl classes sessions list --all`"
        )
    if zoom is not None:
        from zoomctl.core import meetings

        meetings.delete_session_meeting(store, company, target.id, zoom)
    from zoomctl.store import bookings as bookings_repo

    repo.set_session_status(store, target.id, SessionStatus.CANCELLED)
    bookings_repo.cancel_session_bookings(store, target.id)
    events.record(store, company.id, "session.cancel", f"{target.class_name} #{target.id}")
    target.status = SessionStatus.CANCELLED
    return target


# ---- clients -----------------------------------------------------------------------------
def add_client(store: Store, company: Company, email: str, name: str | None) -> Client:
    email = validate.email(email)
    if repo.client_by_email(store, company.id, email):
        raise Conflict(
            f"a client with the email {email} already exists in {company.slug}", hint="see `zoomctl clients list`"
        )
    if name is not None:
        name = validate.name(name, "client")
    client = repo.add_client(store, company.id, email, name)
    events.record(store, company.id, "client.add", email, name=name)
    return client


def client_for_booking(store: Store, company: Company, email: str, name: str | None) -> Client:
    """The client with this email, created on first booking (a name given is checked either way)."""
    email = validate.email(email)
    if name is not None:
        name = validate.name(name, "client")
    existing = repo.client_by_email(store, company.id, email)
    if existing:
        return existing
    return add_client(store, company, email, name)


def clients(store: Store, company: Company) -> list[Client]:
    return repo.clients(store, company.id)
