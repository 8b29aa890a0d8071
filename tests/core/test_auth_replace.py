"""Another user of the same Zoom account replaces a connection only once confirmed."""

from __future__ import annotations

import pytest

from zoomctl.core.auth import _confirm_other_user
from zoomctl.errors import Conflict, InvalidInput
from zoomctl.models import Company

ACME = Company(
    id=1, slug="acme-yoga", name="Acme Yoga", timezone="UTC", online_meetings_enabled=True, created_at="2031-01-01"
)
WAS = {"user_id": "U1", "user_email": "ava@example.com"}
NOW = {"id": "U2", "email": "liam@example.com"}


def test_the_question_names_both_users_and_a_yes_goes_on():
    asked = []
    _confirm_other_user(ACME, WAS, NOW, lambda q: asked.append(q) or True)
    assert "ava@example.com" in asked[0] and "liam@example.com" in asked[0]


def test_a_no_keeps_the_connection():
    with pytest.raises(Conflict, match="the connection as ava@example.com is kept") as refused:
        _confirm_other_user(ACME, WAS, NOW, lambda q: False)
    assert "--yes" in refused.value.hint


def test_without_a_way_to_ask_it_fails_naming_yes():
    with pytest.raises(InvalidInput, match="needs confirmation") as refused:
        _confirm_other_user(ACME, WAS, NOW, None)
    assert "--yes" in refused.value.hint
