-- Captains' events (config festivals live in the config file, not here).
-- `buildings` are the building keys the event is for; its groups get the reminders.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    start_time  TEXT,
    place       TEXT,
    reminders   TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    cancelled_at TEXT,
    cancelled_by INTEGER
);
CREATE TABLE event_buildings (
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    building  TEXT NOT NULL,
    PRIMARY KEY (event_id, building)
);
CREATE INDEX event_buildings_by_building ON event_buildings (building, event_id);

-- Every reminder posted (or deliberately skipped) per chat, recorded in the transaction
-- that enqueues it, so a restart never posts it twice. Private reminders use the user id.
CREATE TABLE sent_reminders (
    reminder_key TEXT NOT NULL,
    chat_id      INTEGER NOT NULL,
    due_at       TEXT NOT NULL,
    sent_at      TEXT NOT NULL,
    skipped      TEXT,
    PRIMARY KEY (reminder_key, chat_id)
);

-- How far reminders have been planned: the next run looks from here, so reminders that
-- fell due while the bot was down are found (posted within the grace period, else skipped).
CREATE TABLE reminder_watermark (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    checked_to  TEXT NOT NULL
);

-- One occurrence of an event (event key + date): a short id for buttons' callback data.
CREATE TABLE event_occurrences (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT NOT NULL,
    occurrence  TEXT NOT NULL,
    UNIQUE (event_key, occurrence)
);

-- "I'll come / 我参加": one row per resident and occurrence.
CREATE TABLE event_attendance (
    occurrence_id INTEGER NOT NULL REFERENCES event_occurrences (id),
    user_id       INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);

-- Residents who asked for a private copy of an event's reminders.
CREATE TABLE reminder_optins (
    event_key   TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    language    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_key, user_id)
)
