"""Companies and the "Online video meetings" custom feature."""

from __future__ import annotations

from zoomctl import textcheck
from zoomctl.core import validate
from zoomctl.errors import Conflict, NotFound
from zoomctl.models import Company
from zoomctl.store import companies as repo
from zoomctl.store import events
from zoomctl.store.db import Store
from zoomctl.textcheck import shown


def create(store: Store, name: str, timezone: str, slug: str | None = None) -> Company:
    name = validate.name(name, "company")
    timezone = validate.timezone(timezone)
    slug = validate.slug(slug) if slug else validate.slug(validate.slug_from_name(name))
    if repo.by_slug(store, slug):
        raise Conflict(f"a company with the slug '{slug}' already exists", hint="choose another with --slug")
    company = repo.insert(store, slug, name, timezone)
    events.record(store, company.id, "company.create", slug, name=name, timezone=timezone)
    return company


def get(store: Store, ref: str) -> Company:
    from zoomctl.store.catalog import MAX_ID, is_id

    ref = textcheck.ref(ref, "company")
    company = None
    if is_id(ref):
        company = repo.by_id(store, int(ref)) if int(ref) <= MAX_ID else None
    else:
        company = repo.by_slug(store, ref)
    if company is None:
        raise NotFound(
            f"no company {shown(ref)}", hint="see `zoomctl company list`, or create one with `zoomctl company create`"
        )
    return company


def list_all(store: Store) -> list[Company]:
    return repo.all_companies(store)


def set_feature(store: Store, company: Company, enabled: bool) -> bool:
    """Switch the feature; returns whether anything changed."""
    if company.online_meetings_enabled == enabled:
        return False
    repo.set_feature(store, company.id, enabled)
    events.record(store, company.id, "feature.enable" if enabled else "feature.disable", "online-video-meetings")
    company.online_meetings_enabled = enabled
    return True
