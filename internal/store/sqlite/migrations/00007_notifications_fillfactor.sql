-- +goose Up
-- PostgreSQL's migration 00007 leaves room on each page of notifications for updates in
-- place. SQLite has no such setting; this one exists so that each number means the same
-- change on both backends.
SELECT 1;

-- +goose Down
SELECT 1;
