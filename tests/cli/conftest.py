"""Fixtures shared by the command tests in tests/cli."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from store.report_data import populate
from support import default_db

GENERATED = 60  # bookings an hour apart from 2031-01-01 09:00 Berlin time: 2031-01-01 09:00 … 2031-01-03 20:00


@pytest.fixture
def gen(company, isolated):
    """acme-yoga with 60 generated online bookings of service 'Lesson' and class 'Yoga' with
    providers P0 … P3 and mixed meeting states (see tests/store/report_data.py)."""
    with closing(sqlite3.connect(default_db(isolated))) as conn:
        populate(conn, 1, GENERATED, providers=4)
        conn.commit()
    return default_db(isolated)
