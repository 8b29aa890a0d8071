"""Four CI jobs at once on one shared PostgreSQL workspace: `bookings create --test --count 50`
into four companies, in real processes against the sandbox. No lost write, no deadlock, no
duplicate meeting."""

from __future__ import annotations

import os
import subprocess

import pytest
from support import sandbox_meetings, workspace, zoomctl_executable

from zoomctl.models import CatalogKind
from zoomctl.sandbox import SandboxOptions
from zoomctl.store import crypto

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(240)]

COMPANIES = 4
COUNT = 50
#: the four jobs share one Zoom account, and so its per-second limit: each takes a quarter
RATE = 24 / COMPANIES


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(users=8)


def test_four_concurrent_test_bookings_into_four_companies(sb, s2s_env, pg_url):
    from zoomctl.core import catalog, companies
    from zoomctl.store import catalog as catalog_repo

    with sb.world.lock:
        licensed = [dict(u) for u in sb.world.users.values() if u["type"] == 2 and u["status"] == "active"]
    slugs = []
    with workspace(pg_url) as store:
        for n in range(COMPANIES):
            company = companies.create(store, f"Studio {n}", "Europe/Berlin")
            companies.set_feature(store, company, True)
            user = licensed[n % len(licensed)]
            provider = catalog.add_provider(store, company, "Dana Smith", user["email"])
            catalog_repo.set_provider_zoom_user(store, provider.id, user["id"], user["email"], user["type"])
            catalog.add_service(store, company, "Private lesson", 60, ["Dana Smith"])
            catalog.set_online(store, company, CatalogKind.SERVICE, "Private lesson", True)
            slugs.append(company.slug)

    environ = dict(os.environ, **s2s_env, ZOOMCTL_DB=pg_url, ZOOMCTL_WORKSPACE_KEY=crypto.new_key().export())
    environ.update(NO_COLOR="1", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    exe = zoomctl_executable()
    procs = [
        subprocess.Popen(
            [
                exe,
                "--company",
                slug,
                "bookings",
                "create",
                "--test",
                "--count",
                str(COUNT),
                "--service",
                "Private lesson",
                "--rate",
                str(RATE),
                "--json",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ,
        )
        for slug in slugs
    ]
    outputs = [p.communicate(timeout=200) for p in procs]
    assert [p.returncode for p in procs] == [0] * COMPANIES, [err[-2000:] for _, err in outputs]

    with workspace(pg_url) as store:
        per_company = store.all(
            "SELECT c.slug, COUNT(b.id) FROM companies c JOIN bookings b ON b.company_id = c.id GROUP BY c.slug"
        )
        assert {row[0]: row[1] for row in per_company} == dict.fromkeys(slugs, COUNT)
        meetings = store.all("SELECT zoom_meeting_id, status, marker FROM meetings")
    assert len(meetings) == COMPANIES * COUNT
    assert {m[1] for m in meetings} == {"created"}
    assert len({m[0] for m in meetings}) == COMPANIES * COUNT  # no two bookings share a meeting
    in_zoom = [m for m in sandbox_meetings(sb) if "zoomctl-booking:" in (m.get("agenda") or "")]
    assert len(in_zoom) == COMPANIES * COUNT  # and Zoom holds no extra (duplicate) one
    assert {m["id"] for m in in_zoom} == {m[0] for m in meetings}
