"""Numbered schema migrations. Append only: never edit a migration that has shipped.

The SQL stays portable (no AUTOINCREMENT, no SQLite-only types): a PostgreSQL backend for
shared workspaces will run the same list. Times are ISO-8601 UTC text ("…Z").
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the workspace
    """
    CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        timezone TEXT NOT NULL,
        online_meetings_enabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE zoom_connections (
        company_id INTEGER PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        oauth_url TEXT NOT NULL,
        api_url TEXT NOT NULL,
        client_id TEXT,
        account_id TEXT,
        user_id TEXT,
        user_email TEXT,
        scopes TEXT NOT NULL DEFAULT '',
        can_act_for_others INTEGER NOT NULL DEFAULT 0,
        token_location TEXT,
        status TEXT NOT NULL DEFAULT 'connected',
        status_reason TEXT,
        connected_at TEXT NOT NULL,
        connected_by TEXT NOT NULL
    );
    CREATE TABLE providers (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT,  -- NULL once removed (frees the name)
        email TEXT,
        zoom_user_id TEXT,
        zoom_user_email TEXT,
        zoom_user_type INTEGER,
        created_at TEXT NOT NULL,
        removed_at TEXT,
        UNIQUE (company_id, name_key)
    );
    CREATE TABLE services (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT,  -- NULL once removed (frees the name)
        duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
        online INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        removed_at TEXT,
        UNIQUE (company_id, name_key)
    );
    CREATE TABLE service_providers (
        service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
        PRIMARY KEY (service_id, provider_id)
    );
    CREATE TABLE classes (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT,  -- NULL once removed (frees the name)
        duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
        capacity INTEGER NOT NULL CHECK (capacity >= 1),
        online INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        removed_at TEXT,
        UNIQUE (company_id, name_key)
    );
    CREATE TABLE class_sessions (
        id INTEGER PRIMARY KEY,
        class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
        provider_id INTEGER NOT NULL REFERENCES providers(id),
        starts_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'scheduled',
        created_at TEXT NOT NULL
    );
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        name TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (company_id, email)
    );
    CREATE TABLE bookings (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        service_id INTEGER REFERENCES services(id),
        class_session_id INTEGER REFERENCES class_sessions(id),
        provider_id INTEGER NOT NULL REFERENCES providers(id),
        client_id INTEGER NOT NULL REFERENCES clients(id),
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'booked',
        is_test INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        CHECK ((service_id IS NULL) <> (class_session_id IS NULL))
    );
    CREATE INDEX bookings_provider_start ON bookings (provider_id, starts_at);
    CREATE TABLE meetings (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        booking_id INTEGER UNIQUE REFERENCES bookings(id) ON DELETE CASCADE,
        class_session_id INTEGER UNIQUE REFERENCES class_sessions(id) ON DELETE CASCADE,
        zoom_meeting_id INTEGER,
        host_zoom_user_id TEXT,
        join_url TEXT,
        password TEXT,
        marker TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE registrants (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        booking_id INTEGER NOT NULL UNIQUE REFERENCES bookings(id) ON DELETE CASCADE,
        zoom_registrant_id TEXT,
        join_url TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE templates (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (company_id, name)
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        company_id INTEGER REFERENCES companies(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        details TEXT
    );
    """,
    # 2: indexes for the report's filters (the date window, service, class session, client)
    """
    CREATE INDEX bookings_company_start ON bookings (company_id, starts_at);
    CREATE INDEX bookings_service_start ON bookings (service_id, starts_at);
    CREATE INDEX bookings_client_start ON bookings (client_id, starts_at);
    CREATE INDEX bookings_session ON bookings (class_session_id);
    CREATE INDEX class_sessions_class ON class_sessions (class_id, starts_at);
    """,
    # 3: notification template overrides per company, kind, channel, service and provider
    """
    CREATE TABLE template_overrides (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        service_id INTEGER REFERENCES services(id) ON DELETE CASCADE,
        provider_id INTEGER REFERENCES providers(id) ON DELETE CASCADE,
        subject TEXT,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX template_overrides_level ON template_overrides
        (company_id, kind, channel, COALESCE(service_id, 0), COALESCE(provider_id, 0));
    """,
    # 4: Zoom webhooks (the events received; what Zoom said about each meeting; who joined)
    """
    CREATE TABLE webhook_events (
        id INTEGER PRIMARY KEY,
        body_sha256 TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        event_ts INTEGER,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,
        status TEXT NOT NULL DEFAULT 'received',
        outcome TEXT
    );
    CREATE INDEX webhook_events_received ON webhook_events (received_at);
    ALTER TABLE meetings ADD COLUMN deleted_in_zoom_at TEXT;
    ALTER TABLE meetings ADD COLUMN zoom_start_time TEXT;
    ALTER TABLE meetings ADD COLUMN host_started_at TEXT;
    ALTER TABLE meetings ADD COLUMN ended_at TEXT;
    CREATE TABLE meeting_joins (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        booking_id INTEGER REFERENCES bookings(id) ON DELETE CASCADE,
        participant_key TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        UNIQUE (meeting_id, participant_key, joined_at)
    );
    CREATE INDEX meeting_joins_booking ON meeting_joins (booking_id);
    CREATE TABLE booking_attendance (
        booking_id INTEGER PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
        client_joined_at TEXT,
        attended_seconds INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 5: shared workspace: Zoom tokens and client secrets, encrypted on the client (store/crypto.py)
    """
    CREATE TABLE workspace_secrets (
        name TEXT PRIMARY KEY,
        envelope TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 6: who did what: the host name and zoomctl version of every event
    """
    ALTER TABLE events ADD COLUMN host TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN zoomctl_version TEXT NOT NULL DEFAULT '';
    CREATE INDEX events_company_at ON events (company_id, at);
    CREATE INDEX events_at ON events (at);
    """,
]
