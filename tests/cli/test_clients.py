"""`zoomctl clients add|list`."""

from __future__ import annotations

import pytest
from support import rows

from zoomctl.exit_codes import ExitCode

CLIENT_FIELDS = {"id", "email", "name", "created_at"}


def test_add(zc, company, db):
    result = zc("clients", "add", " Pat@Example.com ", "--name", "Pat  Lee", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == CLIENT_FIELDS
    assert (data["email"], data["name"]) == ("pat@example.com", "Pat Lee")
    assert [tuple(r) for r in rows(db, "SELECT company_id, email, name FROM clients")] == [
        (1, "pat@example.com", "Pat Lee")
    ]


def test_add_without_a_name(zc, company):
    result = zc("clients", "add", "kim@example.com", "--json")
    assert result.exit_code == 0
    assert result.json()["name"] is None


@pytest.mark.parametrize("email", ["pat@example", "pat@@example.com", ""])
def test_add_an_invalid_email(zc, company, fails_cleanly, email):
    result = fails_cleanly(ExitCode.INVALID_INPUT, "clients", "add", email)
    assert "name@example.com" in result.stderr


def test_add_a_duplicate_email(zc, company, client_id, fails_cleanly):
    result = fails_cleanly(ExitCode.CONFLICT, "clients", "add", "PAT@example.com")
    assert "pat@example.com" in result.stderr


def test_list(zc, company, client_id):
    assert zc("clients", "add", "alex@example.com").exit_code == 0
    listed = zc("clients", "list", "--json").json()
    assert [c["email"] for c in listed] == ["alex@example.com", "pat@example.com"]
    assert all(set(c) == CLIENT_FIELDS for c in listed)
    assert zc("clients", "list").stdout.splitlines() == ["2\talex@example.com\t-", "1\tpat@example.com\tPat Lee"]


def test_clients_belong_to_one_company(zc, company, client_id):
    assert zc("company", "create", "Beta", "--timezone", "UTC").exit_code == 0
    assert zc("--company", "beta", "clients", "list", "--json").json() == []
    assert zc("--company", "beta", "clients", "add", "pat@example.com").exit_code == 0


def test_list_when_empty(zc, company):
    assert zc("clients", "list", "--json").json() == []
    result = zc("clients", "list")
    assert result.stdout == "" and "clients add" in result.stderr
