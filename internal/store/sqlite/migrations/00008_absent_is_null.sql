-- +goose NO TRANSACTION
-- +goose Up
-- "Absent" is NULL on every backend: an account that is not locked has no locked_until, a
-- token not revoked no revoked_at (this backend wrote 0 for both). SQLite cannot drop a
-- NOT NULL constraint, so both tables are made again, in one transaction, with foreign keys
-- off while the referenced table is replaced (SQLite's documented way to change a table).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE accounts_new (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL CHECK (role IN ('division', 'region', 'circle', 'admin')),
    unit                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER,
    password_changed_at INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;
INSERT INTO accounts_new (id, username, role, unit, password_hash, disabled, failed_logins, locked_until,
    password_changed_at, created_at, updated_at)
SELECT id, username, role, unit, password_hash, disabled, failed_logins, NULLIF(locked_until, 0),
    password_changed_at, created_at, updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

CREATE TABLE api_tokens_new (
    hash       TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
INSERT INTO api_tokens_new (hash, account_id, created_at, expires_at, revoked_at)
SELECT hash, account_id, created_at, expires_at, NULLIF(revoked_at, 0) FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_by_expiry ON api_tokens (expires_at);

COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE accounts_old (
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
INSERT INTO accounts_old SELECT id, username, role, unit, password_hash, disabled, failed_logins, COALESCE(locked_until, 0),
    password_changed_at, created_at, updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_old RENAME TO accounts;
CREATE TABLE api_tokens_old (
    hash       TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO api_tokens_old SELECT hash, account_id, created_at, expires_at, COALESCE(revoked_at, 0) FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
CREATE INDEX api_tokens_by_expiry ON api_tokens (expires_at);
COMMIT;
PRAGMA foreign_keys = ON;
