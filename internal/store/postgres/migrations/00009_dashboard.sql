-- +goose Up
-- The dashboard's counters (internal/dashboard), kept up to date in the transaction of each
-- change, at every level of the hierarchy (unit is "division:<name>", "region:<name>",
-- "circle:<name>" or "india"), so that a view reads rows in proportion to its period and
-- units, not to the number of requests. Days and hours are IST (dashboard.Day, .Hour).
-- Rows are updated in place many times a day: room is left for updates on the same page.
CREATE TABLE dashboard_days (
    unit            TEXT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    received        BIGINT NOT NULL DEFAULT 0,
    completed       BIGINT NOT NULL DEFAULT 0,
    not_serviceable BIGINT NOT NULL DEFAULT 0,
    cancelled       BIGINT NOT NULL DEFAULT 0,
    -- Times from submission to completion of the day's completed requests: counts per
    -- bucket (dashboard.Buckets), trailing zeros left out.
    completion      BIGINT[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (unit, day, service_code)
) WITH (fillfactor = 70);

-- Requests still open, by the IST hour they were submitted in.
CREATE TABLE dashboard_open (
    unit         TEXT NOT NULL,
    hour         INTEGER NOT NULL,
    service_code TEXT NOT NULL,
    open         BIGINT NOT NULL,
    PRIMARY KEY (unit, hour, service_code)
) WITH (fillfactor = 70);

-- What is open now, without the hours whose requests have all been closed.
CREATE INDEX dashboard_open_now ON dashboard_open (unit, hour, service_code, open) WHERE open <> 0;

-- +goose Down
DROP TABLE dashboard_open;
DROP TABLE dashboard_days;
