-- Webhook mode (issue 8): updates Telegram POSTed, kept until a worker has applied them.
-- Telegram forgets an update once it got a 2xx, so the row is written before that answer;
-- a worker claims a row for a while (its lease) and deletes it once applied. A worker that
-- dies leaves its claim to expire, and another takes the row over.
CREATE TABLE inbox (
    update_id      INTEGER PRIMARY KEY,
    payload        TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    claimed_by     TEXT,
    claimed_until  TEXT
);
CREATE INDEX inbox_by_claim ON inbox (claimed_until, update_id);
