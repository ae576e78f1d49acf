-- +goose Up
-- The dashboard's counters (internal/dashboard), kept up to date in the transaction of each
-- change, at every level of the hierarchy (unit is "division:<name>", "region:<name>",
-- "circle:<name>" or "india"), so that a view reads rows in proportion to its period and
-- units, not to the number of requests. Days and hours are IST (dashboard.Day, .Hour).
CREATE TABLE dashboard_days (
    unit            TEXT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    received        INTEGER NOT NULL DEFAULT 0,
    completed       INTEGER NOT NULL DEFAULT 0,
    not_serviceable INTEGER NOT NULL DEFAULT 0,
    cancelled       INTEGER NOT NULL DEFAULT 0,
    -- Times from submission to completion of the day's completed requests: counts per
    -- bucket (dashboard.Buckets), separated by spaces, trailing zeros left out.
    completion      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unit, day, service_code)
) STRICT, WITHOUT ROWID;

-- Requests still open, by the IST hour they were submitted in.
CREATE TABLE dashboard_open (
    unit         TEXT NOT NULL,
    hour         INTEGER NOT NULL,
    service_code TEXT NOT NULL,
    open         INTEGER NOT NULL,
    PRIMARY KEY (unit, hour, service_code)
) STRICT, WITHOUT ROWID;

-- What is open now, without the hours whose requests have all been closed.
CREATE INDEX dashboard_open_now ON dashboard_open (unit, hour, service_code, open) WHERE open <> 0;

-- +goose Down
DROP TABLE dashboard_open;
DROP TABLE dashboard_days;
