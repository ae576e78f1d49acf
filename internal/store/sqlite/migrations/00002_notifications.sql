-- +goose Up
-- Messages to customers. A row is written in the transaction of the change that causes it,
-- with a River job that sends it; the row keeps where delivery stands for staff to see.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER REFERENCES requests (id),
    channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    language   TEXT NOT NULL CHECK (language IN ('en', 'hi')),
    status     TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sent_at    INTEGER
) STRICT;

CREATE INDEX notifications_by_request ON notifications (request_id, id);

-- +goose Down
DROP TABLE notifications;
