-- Fair allocation, waitlists, no-shows, relayed private chat and offer photos (issue 7).

-- What an entry carries beyond the core ledger: the offer's photo and how it is allocated.
CREATE TABLE entry_extras (
    entry_id          INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    photo             TEXT,
    allocation        TEXT NOT NULL DEFAULT 'first_come',
    -- While set and in the future, requests collect in offer_line instead of being asked.
    window_ends_at    TEXT,
    window_closed_at  TEXT
);
CREATE INDEX entry_extras_by_window ON entry_extras (window_closed_at, window_ends_at);

-- Requests waiting in line for one offer (giver_chooses / lottery), in the order they joined.
CREATE TABLE offer_line (
    offer_id    INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    request_id  INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (offer_id, request_id)
);

-- An agreed hand-over being watched: asked "did it happen?" after a while, released later.
CREATE TABLE match_watch (
    match_id     INTEGER PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    accepted_at  TEXT NOT NULL,
    checked_at   TEXT
);
CREATE INDEX match_watch_by_time ON match_watch (checked_at, accepted_at);

-- A hand-over that did not happen, counted against the side who did not show up.
CREATE TABLE no_shows (
    id           INTEGER PRIMARY KEY,
    match_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    building     TEXT,
    reported_by  INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX no_shows_by_user ON no_shows (user_id);

-- The relayed chat of an agreed match: who agreed to share contact details, and its end.
CREATE TABLE relay_chats (
    match_id          INTEGER PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    giver_shares      INTEGER NOT NULL DEFAULT 0,
    requester_shares  INTEGER NOT NULL DEFAULT 0,
    ended_at          TEXT
);

-- Which of their chats a resident with several open ones is writing to.
CREATE TABLE relay_focus (
    user_id   INTEGER PRIMARY KEY,
    match_id  INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE
);

-- Relayed messages whose phone numbers were hidden, passed on once both sides agree.
CREATE TABLE relay_held (
    id          INTEGER PRIMARY KEY,
    match_id    INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
)
