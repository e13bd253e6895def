-- Issue 16: quiet hours hold private nudges; complaints become reports only on their
-- author's yes, and later complaints about the same thing join the open report.

-- A private nudge decided in quiet hours is not sent before this instant (UTC).
ALTER TABLE outbox ADD COLUMN not_before TEXT;

-- What a report is about (lift, light, water, ...: bot/core/understanding/repair.py), so a
-- later complaint about the same thing in the same building joins it. NULL: not known.
ALTER TABLE reports ADD COLUMN topic TEXT;
CREATE INDEX reports_by_topic ON reports (building, topic, status);

-- Neighbours who complained about the same thing after the report was filed (its author is
-- not counted here): captains see how many residents are affected.
CREATE TABLE report_voices (
    report_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
CREATE INDEX report_voices_by_user ON report_voices (user_id);

-- A complaint written in the group, waiting for its author's one tap: send it to the floor
-- captains? `answer` is 'yes' or 'no' once pressed; answered and stale ones are purged.
CREATE TABLE complaint_asks (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,
    building    TEXT NOT NULL,
    text        TEXT NOT NULL,
    topic       TEXT,
    created_at  TEXT NOT NULL,
    answer      TEXT
);
CREATE INDEX complaint_asks_by_user ON complaint_asks (user_id)
