-- Several `jinlin run` workers on one PostgreSQL database (issue 8).

-- A worker takes outbox rows before sending them, for a while (its lease): two workers
-- flushing at once never send one row twice, and a worker that dies holding rows lets
-- another send them once the lease has passed.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

-- Bot API calls counted per window, shared by every worker, so together they stay inside
-- Telegram's flood limits. `scope` is 'all' (per second) or 'chat:<id>' (per minute);
-- `window_start` is the window's first second (Unix time).
CREATE TABLE rate_windows (
    scope         TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (scope, window_start)
);
CREATE INDEX rate_windows_by_start ON rate_windows (window_start);

-- Jinlin's own posts per group, counted against its posting budget by every worker.
CREATE TABLE group_posts (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    posted_at  TEXT NOT NULL
);
CREATE INDEX group_posts_by_chat ON group_posts (chat_id, posted_at);
