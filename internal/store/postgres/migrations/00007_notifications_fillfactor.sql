-- +goose Up
-- A notification's row is updated once or twice after it is written (the outcome of each
-- attempt). Room left on each page lets PostgreSQL update it in place (a HOT update) instead
-- of writing a new version into both of the table's indexes.
ALTER TABLE notifications SET (fillfactor = 70);

-- +goose Down
ALTER TABLE notifications RESET (fillfactor);
