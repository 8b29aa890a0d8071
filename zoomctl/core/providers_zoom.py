"""Meeting providers: the connected account's Zoom users, and which one hosts for each provider.

What the grant may do comes from the connection row (``auth login`` records
``can_act_for_others``, ``user_id``, ``user_email``). Server-to-Server credentials from the
environment (or a raw token, whose rights zoomctl cannot know) are taken as admin-level:
Zoom itself refuses what they may not do, and that refusal gets the same explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zoomctl import env, textcheck
from zoomctl.core import catalog
from zoomctl.core.connection import ZoomAccess
from zoomctl.errors import AuthRequired, Conflict, InvalidInput, NotFound, ZoomctlError
from zoomctl.models import Company, Provider
from zoomctl.store import bookings as bookings_repo
from zoomctl.store import catalog as catalog_repo
from zoomctl.store import companies as company_repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.textcheck import shown
from zoomctl.timefmt import now_db

USER_TYPES = {1: "Basic", 2: "Licensed", 4: "No meeting license", 99: "None"}
USER_STATUSES = ("active", "inactive", "pending")
ZoomFactory = Callable[[], Any]


@dataclass
class ZoomUser:
    id: str
    email: str
    display_name: str
    type: int | None
    status: str | None

    @property
    def type_name(self) -> str:
        return USER_TYPES.get(self.type, "Unknown") if self.type is not None else "Unknown"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "display_name": self.display_name,
            "type": self.type,
            "type_name": self.type_name,
            "status": self.status,
        }

    @classmethod
    def from_zoom(cls, data: dict[str, Any], status: str | None = None) -> ZoomUser:
        name = data.get("display_name") or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        kind = data.get("type")
        return cls(
            id=str(data.get("id", "")),
            email=str(data.get("email", "")),
            display_name=name or "",
            type=kind if isinstance(kind, int) else None,
            status=data.get("status") or status,
        )


def list_users(zoom: ZoomFactory, status: str = "active") -> list[ZoomUser]:
    """Every user of the connected account with this status (all pages)."""
    textcheck.choice(status, "user status", list(USER_STATUSES))
    from zoomctl.zoom.errors import ZoomPermissionDenied

    with zoom() as z:
        try:
            seen: dict[str, ZoomUser] = {}  # a page can repeat users (the account changed while paging)
            for data in z.iter_users(status=status):
                user = ZoomUser.from_zoom(data, status)
                seen.setdefault(user.id, user)
            return list(seen.values())
        except ZoomPermissionDenied as exc:
            raise AuthRequired(
                f"this Zoom authorization may not list the account's users ({exc.zoom_message or exc.message})",
                hint="`zoomctl auth logout`, then `zoomctl auth login --shared-access` (tick the box), or connect "
                "an admin-managed or Server-to-Server app; `providers assign P --zoom-user me` works meanwhile",
            ) from exc


# ------------------------------------------------------------------------------- the grant
@dataclass
class Grant:
    """What the Zoom credentials in use may do."""

    can_act_for_others: bool
    user_id: str | None
    user_email: str | None
    source: str

    def may_act_for(self, ref: str) -> bool:
        if self.can_act_for_others or ref == "me":
            return True
        ref = ref.lower()
        return ref in {(self.user_id or "").lower(), (self.user_email or "").lower()}


def grant(store: Store, company: Company, access: ZoomAccess) -> Grant:
    if access.env.token:
        return Grant(True, None, None, f"an access token from {env.ZOOM_TOKEN}")
    if access.env.s2s:
        return Grant(True, None, None, "Server-to-Server credentials from the environment")
    row = company_repo.connection(store, company.id)
    if row is None:
        return Grant(True, None, None, "none")
    return Grant(bool(row["can_act_for_others"]), row.get("user_id"), row.get("user_email"), f"the {row['kind']} login")


def _only_self(g: Grant, who: str) -> AuthRequired:
    """A permission limit of the authorization: a reconnect with more rights lifts it (exit 7)."""
    me = g.user_email or "the user who authorized zoomctl"
    return AuthRequired(
        f"the Zoom connection can act only for {me}, not for {who} (no shared access permissions and no admin scopes)",
        hint=f"have {who} give {me} scheduling privilege in Zoom, then `zoomctl auth logout` and "
        "`zoomctl auth login --shared-access`; or connect an admin-managed or Server-to-Server app",
    )


# ------------------------------------------------------------------------------- assigning
@dataclass
class Assignment:
    provider: Provider
    user: ZoomUser | None
    result: str  # assigned | unchanged | unassigned | no email | no match | refused
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider.name,
            "provider_email": self.provider.email,
            "zoom_user_id": self.user.id if self.user else None,
            "zoom_user_email": self.user.email if self.user else None,
            "zoom_user_type": self.user.type if self.user else None,
            "result": self.result,
            "reason": self.reason,
            "warnings": self.warnings,
        }


def _check_user(user: ZoomUser) -> list[str]:
    if user.status and user.status != "active":
        raise Conflict(
            f"Zoom user {user.email} is {user.status}, not active",
            hint="activate the user in Zoom's admin pages, or choose an active one (`zoomctl zoom users`)",
        )
    if user.type in (4, 99):
        raise Conflict(
            f"Zoom user {user.email} cannot host meetings (type: {user.type_name})",
            hint="give the user a meeting license in Zoom, or choose another (`zoomctl zoom users`)",
        )
    if user.type == 1:
        return [f"{user.email} is a Basic Zoom user: meetings end after 40 minutes, and classes need a licensed host"]
    return []


def _not_active_user(z, ref: str) -> ZoomUser | None:
    """The account's inactive or pending user ``ref`` (an id or email), if the listing shows one
    (a listing that fails only leaves the explanation as it was)."""
    for status in ("inactive", "pending"):
        try:
            for data in z.iter_users(status=status):
                if ref.lower() in (str(data.get("id", "")).lower(), str(data.get("email", "")).lower()):
                    return ZoomUser.from_zoom(data, status)
        except ZoomctlError:
            return None
    return None


def _save(store: Store, company: Company, provider: Provider, user: ZoomUser | None) -> bool:
    new = (user.id, user.email, user.type) if user else (None, None, None)
    if (provider.zoom_user_id, provider.zoom_user_email, provider.zoom_user_type) == new:
        return False
    catalog_repo.set_provider_zoom_user(store, provider.id, *new)
    events.record(
        store,
        company.id,
        "provider.zoom_user",
        provider.name,
        zoom_user=user.email if user else None,
        previous=provider.zoom_user_email,
    )
    return True


def _moved_warning(store: Store, provider: Provider, new_user_id: str | None) -> list[str]:
    if not provider.zoom_user_id or provider.zoom_user_id == new_user_id:
        return []
    count = bookings_repo.future_meetings_on_host(store, provider.id, provider.zoom_user_id, now_db())
    if not count:
        return []
    return [f"{count} meeting(s) of {provider.name}'s future bookings stay hosted by {provider.zoom_user_email}"]


def assign(
    store: Store, company: Company, access: ZoomAccess, provider_ref: str, user_ref: str, zoom: ZoomFactory
) -> Assignment:
    """Map a provider to a Zoom user (email, id or ``me``), after checking it with Zoom."""
    from zoomctl.zoom.errors import ZoomNotFound, ZoomPermissionDenied

    provider = catalog.provider(store, company, provider_ref)
    if not user_ref.strip():
        raise InvalidInput("no Zoom user given", hint="pass --zoom-user EMAIL, ID or me")
    ref = textcheck.zoom_user_ref(user_ref)
    with zoom() as z:
        g = grant(store, company, access)
        if not g.may_act_for(ref):
            raise _only_self(g, ref)
        try:
            data = z.get_user(ref)
        except ZoomNotFound:
            raise NotFound(
                f"no Zoom user {shown(ref)} in the connected Zoom account",
                hint="see `zoomctl zoom users` (add --status pending for invited users)",
            ) from None
        except ZoomPermissionDenied:
            # with shared access, Zoom refuses an inactive user as if the right were missing
            inactive = _not_active_user(z, ref) if g.can_act_for_others else None
            if inactive is not None:
                _check_user(inactive)
            raise _only_self(g, ref) from None
    user = ZoomUser.from_zoom(data)
    if not g.may_act_for(user.id) and not g.may_act_for(user.email):
        raise _only_self(g, user.email)
    warnings = _check_user(user) + _moved_warning(store, provider, user.id)
    changed = _save(store, company, provider, user)
    return Assignment(catalog_repo.provider(store, provider.id), user, "assigned" if changed else "unchanged", warnings)


def unassign(store: Store, company: Company, provider_ref: str) -> Assignment:
    provider = catalog.provider(store, company, provider_ref)
    warnings = _moved_warning(store, provider, None)
    changed = _save(store, company, provider, None)
    return Assignment(
        catalog_repo.provider(store, provider.id), None, "unassigned" if changed else "unchanged", warnings
    )


def assign_all_by_email(store: Store, company: Company, access: ZoomAccess, zoom: ZoomFactory) -> list[Assignment]:
    """Map every provider to the active Zoom user with the same email.

    One listing of the account's users; a grant that may not list them (user-level apps,
    even with shared access, lack ``user:read:admin``) looks each provider's email up instead."""
    from zoomctl.zoom.errors import ZoomNotFound, ZoomPermissionDenied

    providers = catalog.providers(store, company)
    out = []
    with zoom() as z:
        g = grant(store, company, access)
        users: dict[str, ZoomUser] | None
        try:
            users = {
                u["email"].lower(): ZoomUser.from_zoom(u, "active")
                for u in z.iter_users(status="active")
                if u.get("email")
            }
        except ZoomPermissionDenied:
            users = None
        for provider in providers:
            if not provider.email:
                out.append(Assignment(provider, None, "no email", reason="the provider has no email"))
                continue
            if not g.may_act_for(provider.email) and (users is None or provider.email.lower() not in users):
                out.append(Assignment(provider, None, "refused", reason=_only_self(g, provider.email).message))
                continue
            if users is not None:
                user = users.get(provider.email.lower())
            else:
                try:
                    user = ZoomUser.from_zoom(z.get_user(provider.email))
                except ZoomNotFound:
                    user = None
                except ZoomPermissionDenied:
                    inactive = _not_active_user(z, provider.email) if g.can_act_for_others else None
                    reason = (
                        f"Zoom user {inactive.email} is {inactive.status}, not active"
                        if inactive
                        else _only_self(g, provider.email).message
                    )
                    out.append(Assignment(provider, inactive, "refused", reason=reason))
                    continue
            if user is None or (user.status and user.status != "active"):
                out.append(Assignment(provider, None, "no match", reason="no active Zoom user has this email"))
                continue
            if not (g.may_act_for(user.id) or g.may_act_for(user.email)):
                out.append(Assignment(provider, user, "refused", reason=_only_self(g, user.email).message))
                continue
            try:
                warnings = _check_user(user) + _moved_warning(store, provider, user.id)
            except Conflict as exc:
                out.append(Assignment(provider, user, "refused", reason=exc.message))
                continue
            changed = _save(store, company, provider, user)
            out.append(
                Assignment(
                    catalog_repo.provider(store, provider.id), user, "assigned" if changed else "unchanged", warnings
                )
            )
    return out
