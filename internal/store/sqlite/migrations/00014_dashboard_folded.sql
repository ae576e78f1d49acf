-- +goose Up
-- The dashboard's counters count the requests up to this id; those after it are added by
-- the next fold, and every read of the counters adds them meanwhile (fold.go). The
-- counters written so far count every request there is.
CREATE TABLE dashboard_folded (
    through INTEGER NOT NULL
) STRICT;

INSERT INTO dashboard_folded (through) SELECT coalesce(max(id), 0) FROM requests;

-- +goose Down
-- The earlier code counts a request when it is submitted: the requests past the mark are
-- counted here as a fold would (dashboard.Tally.Submitted: received on their IST day, open
-- in their IST hour, at each level of the hierarchy), so that none goes uncounted.
CREATE TEMP TABLE unfolded AS
    WITH r AS (
        SELECT service_code, division, region, circle, (created_at + 19800000) / 3600000 AS hour
        FROM requests WHERE id > (SELECT through FROM dashboard_folded))
    SELECT 'division:' || division AS unit, service_code, hour FROM r
    UNION ALL SELECT 'region:' || region, service_code, hour FROM r WHERE region <> ''
    UNION ALL SELECT 'circle:' || circle, service_code, hour FROM r
    UNION ALL SELECT 'india', service_code, hour FROM r;

INSERT INTO dashboard_days (unit, day, service_code, received)
    SELECT unit, hour / 24, service_code, count(*) FROM unfolded GROUP BY unit, hour / 24, service_code
    UNION ALL
    SELECT unit, hour / 24, '', count(*) FROM unfolded WHERE unit <> 'india' GROUP BY unit, hour / 24
    ON CONFLICT (unit, day, service_code) DO UPDATE SET received = received + excluded.received;

INSERT INTO dashboard_open (unit, hour, service_code, open)
    SELECT unit, hour, service_code, count(*) FROM unfolded WHERE true GROUP BY unit, hour, service_code
    ON CONFLICT (unit, hour, service_code) DO UPDATE SET open = open + excluded.open;

INSERT INTO dashboard_open_days (unit, day, service_code, open)
    SELECT unit, hour / 24, service_code, count(*) FROM unfolded GROUP BY unit, hour / 24, service_code
    UNION ALL
    SELECT unit, -1, service_code, count(*) FROM unfolded GROUP BY unit, service_code
    ON CONFLICT (unit, day, service_code) DO UPDATE SET open = open + excluded.open;

DROP TABLE unfolded;
DROP TABLE dashboard_folded;
