-- +goose Up
-- The open counters summed per IST day of submission (day = hour / 24), kept with the hourly
-- ones by every change: a view reads these for the whole days before a bound and the hours
-- only within a bound's day, so that it costs the same however many hours a backlog spans.
CREATE TABLE dashboard_open_days (
    unit         TEXT NOT NULL,
    day          INTEGER NOT NULL,
    service_code TEXT NOT NULL,
    open         BIGINT NOT NULL,
    PRIMARY KEY (unit, day, service_code)
) WITH (fillfactor = 70);

CREATE INDEX dashboard_open_days_now ON dashboard_open_days (unit, day, service_code, open) WHERE open <> 0;

INSERT INTO dashboard_open_days (unit, day, service_code, open)
    SELECT unit, hour / 24, service_code, SUM(open) FROM dashboard_open GROUP BY unit, hour / 24, service_code;

-- +goose Down
DROP TABLE dashboard_open_days;
