-- +goose Up
-- The requests not yet counted by the dashboard's counters: a submission adds its request
-- here, with no row lock on the shared counters, and a fold counts and deletes them, in
-- one transaction; every read of the counters adds them meanwhile (store.Folder). The
-- counters written so far count every request there is.
-- What the fold needs of each is kept with it, so that neither a fold nor a read joins the
-- requests.
CREATE TABLE dashboard_unfolded (
    request_id   BIGINT PRIMARY KEY,
    service_code TEXT NOT NULL,
    division     TEXT NOT NULL,
    region       TEXT NOT NULL,
    circle       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
-- The earlier code counts a request when it is submitted: the unfolded ones are counted
-- here as a fold would (dashboard.Tally.Submitted: received on their IST day, open in
-- their IST hour, at each level of the hierarchy), so that none goes uncounted.
CREATE TEMP TABLE unfolded ON COMMIT DROP AS
    WITH r AS (
        SELECT service_code, division, region, circle,
            floor(extract(epoch FROM created_at) / 3600 + 5.5)::int AS hour
        FROM dashboard_unfolded)
    SELECT 'division:' || division AS unit, service_code, hour FROM r
    UNION ALL SELECT 'region:' || region, service_code, hour FROM r WHERE region <> ''
    UNION ALL SELECT 'circle:' || circle, service_code, hour FROM r
    UNION ALL SELECT 'india', service_code, hour FROM r;

INSERT INTO dashboard_days AS d (unit, day, service_code, received)
    SELECT unit, floor(hour / 24.0)::int, service_code, count(*) FROM unfolded GROUP BY 1, 2, 3
    UNION ALL
    SELECT unit, floor(hour / 24.0)::int, '', count(*) FROM unfolded WHERE unit <> 'india' GROUP BY 1, 2
    ON CONFLICT (unit, day, service_code) DO UPDATE SET received = d.received + excluded.received;

INSERT INTO dashboard_open AS o (unit, hour, service_code, open)
    SELECT unit, hour, service_code, count(*) FROM unfolded GROUP BY 1, 2, 3
    ON CONFLICT (unit, hour, service_code) DO UPDATE SET open = o.open + excluded.open;

INSERT INTO dashboard_open_days AS o (unit, day, service_code, open)
    SELECT unit, floor(hour / 24.0)::int, service_code, count(*) FROM unfolded GROUP BY 1, 2, 3
    UNION ALL
    SELECT unit, -1, service_code, count(*) FROM unfolded GROUP BY 1, 3
    ON CONFLICT (unit, day, service_code) DO UPDATE SET open = o.open + excluded.open;

DROP TABLE dashboard_unfolded;
