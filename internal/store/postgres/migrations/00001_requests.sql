-- +goose Up
-- The same schema as the SQLite backend's first migration, in PostgreSQL's types.
CREATE TABLE services (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    name_hi        TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    description_hi TEXT NOT NULL DEFAULT '',
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL REFERENCES services (code),
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    pincode      TEXT NOT NULL,
    email        TEXT NOT NULL,
    mobile       TEXT NOT NULL,
    details      TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL CHECK (language IN ('en', 'hi')),
    division     TEXT NOT NULL,
    region       TEXT NOT NULL DEFAULT '',
    circle       TEXT NOT NULL,
    district     TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('submitted', 'in_progress', 'completed', 'not_serviceable', 'cancelled')),
    -- Status history, oldest first: a JSON array of {status, at, remarks, actor}, only
    -- appended to, in the statement that changes the status.
    history      JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX requests_by_mobile ON requests (mobile, created_at DESC);

CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    request_id  BIGINT NOT NULL REFERENCES requests (id),
    duplicate   BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- doorstep: the catalogue's first services (internal/store/catalogue.sql) are inserted here.

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE requests;
DROP TABLE services;
