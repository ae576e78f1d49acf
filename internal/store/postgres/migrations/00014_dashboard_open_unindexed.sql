-- +goose Up
-- Open rows that reach zero are deleted by the change that brings them there, so the open
-- tables hold only what is open and need no index but their primary keys. Without an index
-- on open, adding to it is a HOT update (room is left in each page for it): a fold's
-- thousands of upserts no longer write three index entries each.
DROP INDEX dashboard_open_now;
DROP INDEX dashboard_open_days_now;
DELETE FROM dashboard_open WHERE open = 0;
DELETE FROM dashboard_open_days WHERE open = 0;
ALTER TABLE dashboard_open SET (fillfactor = 70);
ALTER TABLE dashboard_open_days SET (fillfactor = 70);
ALTER TABLE dashboard_days SET (fillfactor = 70);

-- +goose Down
ALTER TABLE dashboard_days RESET (fillfactor);
ALTER TABLE dashboard_open_days RESET (fillfactor);
ALTER TABLE dashboard_open RESET (fillfactor);
CREATE INDEX dashboard_open_now ON dashboard_open (unit, hour, service_code, open) WHERE open <> 0;
CREATE INDEX dashboard_open_days_now ON dashboard_open_days (unit, day, service_code, open) WHERE open <> 0;
