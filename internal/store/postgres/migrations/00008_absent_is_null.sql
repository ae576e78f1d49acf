-- +goose Up
-- SQLite's migration 00008 makes "absent" NULL there too (an account not locked, a token not
-- revoked): this backend always wrote NULL. This one exists so that each number means the
-- same change on both backends.
SELECT 1;

-- +goose Down
SELECT 1;
