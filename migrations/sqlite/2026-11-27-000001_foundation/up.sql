-- Foundation: organisations, people, the estate registry, sessions and devices.
-- Ids are UUIDv7 text; times are UTC; money is integer fen. The PostgreSQL twin of this file has
-- the same tables with the same column names and types, so one diesel schema serves both.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('housing_bureau', 'developer', 'property_manager', 'repair_unit')),
    name TEXT NOT NULL,
    jurisdiction TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'housing_bureau') = (jurisdiction IS NOT NULL))
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'developer', 'property_manager', 'owner', 'technician')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_by_organisation ON memberships (organisation_id);

CREATE TABLE estates (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    developer_id TEXT NOT NULL REFERENCES organisations(id),
    property_manager_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX estates_by_jurisdiction ON estates (jurisdiction);

CREATE TABLE buildings (
    id TEXT PRIMARY KEY NOT NULL,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    name TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('low_rise', 'multi_storey', 'small_high_rise', 'high_rise')),
    construction_cost_fen BIGINT NOT NULL CHECK (construction_cost_fen >= 0),
    design_life_years INTEGER NOT NULL CHECK (design_life_years > 0),
    handover_date DATE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (estate_id, name)
);

CREATE TABLE units (
    id TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    number TEXT NOT NULL,
    floor INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (building_id, number)
);

CREATE TABLE unit_owners (
    unit_id TEXT NOT NULL REFERENCES units(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_owners_by_user ON unit_owners (user_id);

CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    enrolled_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE INDEX devices_by_user ON devices (user_id);

-- A session is one login; its refresh tokens form one rotation family.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Only the SHA-256 of a refresh token is stored; the token itself is shown once.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
