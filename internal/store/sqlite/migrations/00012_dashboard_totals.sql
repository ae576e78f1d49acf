-- +goose Up
-- The daily counters of all services together (service_code '', dashboard.AllServices) for
-- every unit but the nation: a view reads these for the units one level down, a row per
-- unit and day instead of one per service. Every change writes them from now on; here they
-- are summed from the rows per service, histograms bucket by bucket (a histogram is its
-- counts separated by spaces, read here as a JSON array).
INSERT INTO dashboard_days (unit, day, service_code, received, completed, not_serviceable, cancelled, completion)
SELECT d.unit, d.day, '', SUM(d.received), SUM(d.completed), SUM(d.not_serviceable), SUM(d.cancelled),
    COALESCE((SELECT group_concat(buckets.n, ' ' ORDER BY buckets.i) FROM (
        SELECT h.key AS i, SUM(h.value) AS n
        FROM dashboard_days AS e, json_each('[' || replace(e.completion, ' ', ',') || ']') AS h
        WHERE e.unit = d.unit AND e.day = d.day AND e.service_code <> '' AND e.completion <> ''
        GROUP BY h.key) AS buckets), '')
FROM dashboard_days AS d
WHERE d.unit <> 'india' AND d.service_code <> ''
GROUP BY d.unit, d.day;

-- What is open now per unit and service, over all days of submission (day -1,
-- dashboard.AllDays): a view reads these and only the days since its earliest bound.
INSERT INTO dashboard_open_days (unit, day, service_code, open)
SELECT unit, -1, service_code, SUM(open) FROM dashboard_open_days
GROUP BY unit, service_code HAVING SUM(open) <> 0;

-- +goose Down
DELETE FROM dashboard_days WHERE service_code = '';
DELETE FROM dashboard_open_days WHERE day = -1;
