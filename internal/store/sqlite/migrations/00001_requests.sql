-- +goose Up
CREATE TABLE services (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    name_hi        TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    description_hi TEXT NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sort_order     INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Times are Unix milliseconds (UTC): they sort and compare as integers.
CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,
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
    history      TEXT NOT NULL CHECK (json_valid(history)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX requests_by_mobile ON requests (mobile, created_at DESC);

CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES requests (id),
    duplicate   INTEGER NOT NULL CHECK (duplicate IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;

-- doorstep: the catalogue's first services (internal/store/catalogue.sql) are inserted here.

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE requests;
DROP TABLE services;
