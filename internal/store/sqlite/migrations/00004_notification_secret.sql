-- +goose Up
-- What a message must carry but is kept only until it is sent (a one-time code): emptied when
-- the message is sent or given up.
ALTER TABLE notifications ADD COLUMN secret TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notifications DROP COLUMN secret;
