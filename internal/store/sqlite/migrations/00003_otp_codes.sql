-- +goose Up
-- One-time codes sent to mobiles, kept only as salted hashes.
CREATE TABLE otp_codes (
    id         INTEGER PRIMARY KEY,
    mobile     TEXT NOT NULL,
    salt       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE INDEX otp_codes_by_mobile ON otp_codes (mobile, created_at DESC);

-- +goose Down
DROP TABLE otp_codes;
