-- +goose Up
-- Open rows that reach zero are deleted by the change that brings them there, so the open
-- tables hold only what is open and need no index of their own: every submission had to
-- add to both partial indexes too, on SQLite's single writer.
DROP INDEX dashboard_open_now;
DROP INDEX dashboard_open_days_now;
DELETE FROM dashboard_open WHERE open = 0;
DELETE FROM dashboard_open_days WHERE open = 0;

-- +goose Down
CREATE INDEX dashboard_open_now ON dashboard_open (unit, hour, service_code, open) WHERE open <> 0;
CREATE INDEX dashboard_open_days_now ON dashboard_open_days (unit, day, service_code, open) WHERE open <> 0;
