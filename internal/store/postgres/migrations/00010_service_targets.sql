-- +goose Up
-- Each service's target time in hours (request.Service.TargetHours): staff see it on each
-- request, customers as the expected date, the dashboard and the desk count overdue by it.
-- From an hour to 30 days, as the admin page allows.
ALTER TABLE services ADD COLUMN target_hours INTEGER NOT NULL DEFAULT 48
    CONSTRAINT services_target_hours CHECK (target_hours BETWEEN 1 AND 720);

-- +goose Down
ALTER TABLE services DROP COLUMN target_hours;
