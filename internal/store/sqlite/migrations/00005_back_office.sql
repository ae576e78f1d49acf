-- +goose Up
-- The staff back office: accounts, their sessions and API tokens, the audit log, and what the
-- desk needs of requests.

ALTER TABLE requests ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';

-- The desk lists a unit's requests by status, oldest first, a page at a time (keyset on
-- created_at, id); one index per level of the hierarchy.
CREATE INDEX requests_desk_division ON requests (division, status, created_at, id);
CREATE INDEX requests_desk_division_all ON requests (division, created_at, id);
CREATE INDEX requests_desk_region ON requests (region, status, created_at, id);
CREATE INDEX requests_desk_circle ON requests (circle, status, created_at, id);
CREATE INDEX requests_desk_status ON requests (status, created_at, id);

-- The status a message is about, so that it says what happened even if the request has
-- moved on by the time it is sent.
ALTER TABLE notifications ADD COLUMN request_status TEXT NOT NULL DEFAULT '';

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL CHECK (role IN ('division', 'region', 'circle', 'admin')),
    unit                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER NOT NULL DEFAULT 0,
    password_changed_at INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;

-- Server-side sessions (alexedwards/scs): they survive a restart and are shared by every
-- process on the database.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_expiry ON sessions (expiry);

-- Staff API tokens, kept as hashes only.
CREATE TABLE api_tokens (
    hash       TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL DEFAULT '',
    unit    TEXT NOT NULL DEFAULT '',
    ip      TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_by_actor ON audit_log (actor, id);
CREATE INDEX audit_by_target ON audit_log (target, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE accounts;
ALTER TABLE notifications DROP COLUMN request_status;
DROP INDEX requests_desk_status;
DROP INDEX requests_desk_circle;
DROP INDEX requests_desk_region;
DROP INDEX requests_desk_division_all;
DROP INDEX requests_desk_division;
ALTER TABLE requests DROP COLUMN assigned_to;
