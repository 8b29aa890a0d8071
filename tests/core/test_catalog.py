"""Addressing by id or name, as properties: exact names win, prefixes must be unambiguous, removed
things are never found again, and nothing resolves across companies."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zoomctl.core import catalog, companies, removal
from zoomctl.errors import Conflict, InvalidInput, NotFound
from zoomctl.models import CatalogKind
from zoomctl.store.db import Store

# a small alphabet makes shared prefixes and case clashes likely
NAMES = (
    st.text(alphabet="abAB -", min_size=1, max_size=6)
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and not s.isdigit())
)


def memory_store() -> Store:
    return Store(Path(":memory:"))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=6, unique_by=str.casefold), data=st.data())
def test_removed_items_never_resolve(names, data):
    store = memory_store()
    try:
        company = companies.create(store, "Acme", "UTC")
        ids = {name: catalog.add_provider(store, company, name, None).id for name in names}
        removed = data.draw(st.sets(st.sampled_from(names)))
        for name in removed:
            removal.remove_provider(store, company, str(ids[name]))
        removed_ids = {ids[n] for n in removed}
        live = {n: i for n, i in ids.items() if n not in removed}

        refs = [*names, *(str(i) for i in ids.values()), *(n[:k] for n in names for k in range(1, len(n)))]
        for ref in refs:
            try:
                found = catalog.resolve(store, company, CatalogKind.PROVIDER, ref)
            except (NotFound, Conflict):
                continue
            assert found not in removed_ids, (ref, found)
            assert found in live.values()

        for name, pid in live.items():  # an exact name (any case) and an id always find the live item
            assert catalog.resolve(store, company, CatalogKind.PROVIDER, name) == pid
            assert catalog.resolve(store, company, CatalogKind.PROVIDER, name.swapcase()) == pid
            assert catalog.resolve(store, company, CatalogKind.PROVIDER, str(pid)) == pid
        for pid in removed_ids:
            with pytest.raises(NotFound):
                catalog.resolve(store, company, CatalogKind.PROVIDER, str(pid))
    finally:
        store.finish(commit=False)


@settings(max_examples=60, deadline=None, database=None)
@given(names=st.lists(NAMES, min_size=1, max_size=6, unique_by=str.casefold), ref=NAMES)
def test_a_prefix_resolves_only_when_it_is_unambiguous(names, ref):
    store = memory_store()
    try:
        company = companies.create(store, "Acme", "UTC")
        ids = {name: catalog.add_service(store, company, name, 30, []).id for name in names}
        exact = [n for n in names if n.casefold() == ref.casefold()]
        starting = [n for n in names if n.casefold().startswith(ref.casefold())]
        if exact:
            assert catalog.resolve(store, company, CatalogKind.SERVICE, ref) == ids[exact[0]]
        elif len(starting) == 1:
            assert catalog.resolve(store, company, CatalogKind.SERVICE, ref) == ids[starting[0]]
        elif not starting:
            with pytest.raises(NotFound):
                catalog.resolve(store, company, CatalogKind.SERVICE, ref)
        else:
            with pytest.raises(Conflict) as caught:
                catalog.resolve(store, company, CatalogKind.SERVICE, ref)
            for name in starting:  # the error lists every candidate
                assert f"{name} (id {ids[name]})" in caught.value.message
    finally:
        store.finish(commit=False)


@settings(max_examples=30, deadline=None, database=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4, unique_by=str.casefold))
def test_nothing_resolves_across_companies(names):
    store = memory_store()
    try:
        acme = companies.create(store, "Acme", "UTC")
        beta = companies.create(store, "Beta", "UTC")
        ids = [catalog.add_class(store, acme, name, 30, 5).id for name in names]
        for ref in [*names, *map(str, ids)]:
            with pytest.raises(NotFound):
                catalog.resolve(store, beta, CatalogKind.CLASS, ref)
    finally:
        store.finish(commit=False)


@settings(max_examples=40, deadline=None, database=None)
@given(st.text(min_size=1, max_size=40))
@example("9223372036854775808")  # beyond SQLite's INTEGER
@example("²")  # str.isdigit() is true, int() refuses it
@example("100%")
def test_any_reference_gives_an_answer_or_a_user_error(ref):
    """Whatever the user types (wildcards, quotes, backslashes, unicode), resolution never crashes."""
    store = memory_store()
    try:
        company = companies.create(store, "Acme", "UTC")
        catalog.add_provider(store, company, "Dana Smith", None)
        catalog.add_provider(store, company, "100% Dana_X", None)
        try:
            catalog.resolve(store, company, CatalogKind.PROVIDER, ref)
        except (NotFound, Conflict, InvalidInput):
            pass
    finally:
        store.finish(commit=False)
