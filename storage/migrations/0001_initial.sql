-- Residents the bot has seen. `started` = they opened a private chat, so the bot may write first.
CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL DEFAULT '',
    username      TEXT,
    language_code TEXT,
    started       INTEGER NOT NULL DEFAULT 0,
    home_chat_id  INTEGER,
    updated_at    TEXT NOT NULL
);

-- The shared-item ledger: offers and requests.
CREATE TABLE entries (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    status      TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,
    building    TEXT,
    community   TEXT,
    item_name   TEXT NOT NULL,
    canonical   TEXT NOT NULL,
    category    TEXT,
    medical     INTEGER NOT NULL DEFAULT 0,
    urgent      INTEGER NOT NULL DEFAULT 0,
    quantity    REAL,
    unit        TEXT,
    remaining   REAL NOT NULL,
    held        REAL NOT NULL DEFAULT 0,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    nudged_at   TEXT,
    closed_at   TEXT
);
CREATE INDEX entries_by_user ON entries (user_id, status);
CREATE INDEX entries_by_message ON entries (chat_id, message_id);
CREATE INDEX entries_by_expiry ON entries (status, expires_at);

-- Match keys of OPEN entries only, so matching never scans the closed history.
CREATE TABLE entry_keys (
    entry_id   INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    building   TEXT,
    community  TEXT,
    urgent     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entry_id, key)
);
CREATE INDEX entry_keys_in_building ON entry_keys (kind, key, building, entry_id);
CREATE INDEX entry_keys_in_community ON entry_keys (kind, key, community, entry_id);

-- A proposed or agreed hand-over between one request and one offer.
CREATE TABLE matches (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES entries (id),
    offer_id      INTEGER NOT NULL REFERENCES entries (id),
    requester_id  INTEGER NOT NULL,
    giver_id      INTEGER NOT NULL,
    quantity      REAL NOT NULL,
    status        TEXT NOT NULL,
    pickup_note   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX matches_by_request ON matches (request_id);
CREATE INDEX matches_by_offer ON matches (offer_id);
CREATE INDEX matches_by_giver ON matches (giver_id, status);
CREATE INDEX matches_by_requester ON matches (requester_id, status);

-- Update ids already applied: a redelivered update changes nothing.
CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);

-- Messages decided but not yet confirmed sent (written in the same transaction as the change).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    effect      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_unsent ON outbox (sent_at, id);

-- Private messages Telegram refused (the resident never opened the bot): kept until /start.
CREATE TABLE pending_notices (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    effect        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    delivered_at  TEXT
);
CREATE INDEX pending_by_user ON pending_notices (user_id, delivered_at);
