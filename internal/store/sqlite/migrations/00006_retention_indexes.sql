-- +goose Up
-- What the hourly clean-up deletes by age, found without reading whole tables.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
CREATE INDEX otp_codes_by_expiry ON otp_codes (expires_at);
CREATE INDEX api_tokens_by_expiry ON api_tokens (expires_at);

-- +goose Down
DROP INDEX api_tokens_by_expiry;
DROP INDEX otp_codes_by_expiry;
DROP INDEX idempotency_keys_by_age;
