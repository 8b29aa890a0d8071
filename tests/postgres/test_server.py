"""The test PostgreSQL server is a real one: version, a table round trip, two sessions that see
each other's committed rows, an advisory lock that blocks a second session, and a role that
needs its password."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.postgres


def connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, connect_timeout=10, **kwargs)


def test_the_server_is_a_throw_away_postgresql_on_loopback(pg_url):
    with connect(pg_url) as conn:
        version = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()[0]
        address, fsync = conn.execute("SELECT host(inet_server_addr()), current_setting('fsync')").fetchone()
        assert conn.info.server_version == version
    assert version >= 120000
    assert address == "127.0.0.1"
    assert fsync == "off"


def test_a_table_round_trip(pg_url):
    rows = [(1, "Acme Yoga", b"\x00\xffbytes"), (2, "Zoë's Pilates", b"")]
    with connect(pg_url) as conn:
        conn.execute("CREATE TABLE company (id bigint PRIMARY KEY, name text NOT NULL, blob bytea NOT NULL)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO company VALUES (%s, %s, %s)", rows)
    with connect(pg_url) as conn:
        back = conn.execute("SELECT id, name, blob FROM company ORDER BY id").fetchall()
    assert back == rows


def test_two_sessions_see_each_others_committed_rows_only(pg_url):
    with connect(pg_url, autocommit=True) as setup:
        setup.execute("CREATE TABLE booking (id bigint PRIMARY KEY)")
    with connect(pg_url) as a, connect(pg_url, autocommit=True) as b:
        a.execute("INSERT INTO booking VALUES (1)")
        assert b.execute("SELECT count(*) FROM booking").fetchone()[0] == 0  # not committed yet
        a.commit()
        assert b.execute("SELECT count(*) FROM booking").fetchone()[0] == 1
        b.execute("INSERT INTO booking VALUES (2)")
        assert a.execute("SELECT array_agg(id ORDER BY id) FROM booking").fetchone()[0] == [1, 2]


def test_an_advisory_lock_blocks_a_second_session(pg_url):
    key = 424242
    with connect(pg_url, autocommit=True) as holder, connect(pg_url, autocommit=True) as waiter:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        assert waiter.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0] is False
        waiter_pid = waiter.info.backend_pid
        acquired = threading.Event()

        def wait_for_lock():
            waiter.execute("SELECT pg_advisory_lock(%s)", (key,))
            acquired.set()

        thread = threading.Thread(target=wait_for_lock, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not holder.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = %s)",
            (waiter_pid,),
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the second session never queued for the lock"
            time.sleep(0.02)
        assert not acquired.is_set()
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        assert acquired.wait(10), "the second session did not get the lock once it was released"
        thread.join(10)
        assert waiter.execute("SELECT pg_advisory_unlock(%s)", (key,)).fetchone()[0] is True


def test_the_password_role_needs_its_password(pg_cluster, monkeypatch):
    import psycopg

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    with pytest.raises(psycopg.OperationalError, match="password"):
        connect(pg_cluster.password_url).close()
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    with connect(pg_cluster.password_url) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "zoomctl_test_pw"
    assert pg_cluster.password not in pg_cluster.password_url + pg_cluster.url + pg_cluster.superuser_url
