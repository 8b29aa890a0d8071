"""The template_overrides table: one override per company, kind, channel, service and provider."""

from __future__ import annotations

import sqlite3

import pytest
from support import default_db, workspace

from zoomctl.core import catalog, companies
from zoomctl.store import templates as repo


@pytest.fixture
def acme(company, isolated):
    with workspace(default_db(isolated)) as store:
        found = companies.get(store, company)
        catalog.add_provider(store, found, "Dana Smith", None)
        catalog.add_service(store, found, "Private lesson", 60, ["Dana Smith"])
        return found


def test_each_level_holds_one_override_and_save_replaces_it(acme, isolated):
    with workspace(default_db(isolated)) as store:
        for service_id, provider_id in [(None, None), (1, None), (None, 1), (1, 1)]:
            repo.save(
                store,
                acme.id,
                "client-confirmation",
                "email",
                service_id,
                provider_id,
                "S",
                f"{service_id}/{provider_id}",
            )
        repo.save(store, acme.id, "client-confirmation", "email", None, None, "S2", "company again")
        repo.save(store, acme.id, "client-confirmation", "sms", None, None, None, "an sms")
    with workspace(default_db(isolated)) as store:
        found = repo.overrides(store, acme.id, "client-confirmation", "email")
        assert [(o.service_id, o.provider_id, o.body) for o in found] == [
            (None, None, "company again"),
            (None, 1, "None/1"),
            (1, None, "1/None"),
            (1, 1, "1/1"),
        ]
        assert found[2].service == "Private lesson" and found[1].provider == "Dana Smith"
        assert len(repo.overrides(store, acme.id)) == 5
        assert repo.delete(store, acme.id, "client-confirmation", "email", None, None) is True
        assert repo.delete(store, acme.id, "client-confirmation", "email", None, None) is False
        assert len(repo.overrides(store, acme.id, "client-confirmation")) == 4


def test_the_unique_index_treats_a_missing_service_or_provider_as_one_value(acme, isolated):
    with workspace(default_db(isolated)) as store:
        repo.save(store, acme.id, "client-reminder", "sms", None, None, None, "one")
    conn = sqlite3.connect(default_db(isolated))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO template_overrides (company_id, kind, channel, body, updated_at)"
            " VALUES (?, 'client-reminder', 'sms', 'two', 'now')",
            (acme.id,),
        )
    conn.close()


def test_overrides_on_both_engines_one_per_level(engine):
    """The table, its expression index and the store functions on SQLite and on PostgreSQL."""
    from zoomctl.store import catalog as sc
    from zoomctl.store import companies as sco

    with workspace(engine) as store:
        acme = sco.insert(store, "acme-yoga", "Acme Yoga", "Europe/Berlin")
        provider_id = sc.add_provider(store, acme.id, "Dana Smith", None).id
        repo.save(store, acme.id, "client-reminder", "sms", None, provider_id, None, "one")
        repo.save(store, acme.id, "client-reminder", "sms", None, provider_id, None, "two")  # replaces it
        found = repo.overrides(store, acme.id, "client-reminder", "sms")
        assert [(o.provider_id, o.body) for o in found] == [(provider_id, "two")]
    with workspace(engine) as store, pytest.raises(Exception) as refused:
        store.execute(
            "INSERT INTO template_overrides (company_id, kind, channel, provider_id, body, updated_at)"
            " VALUES (?, 'client-reminder', 'sms', ?, 'three', 'now')",
            (acme.id, provider_id),
        )
    assert "unique" in str(refused.value).lower()
