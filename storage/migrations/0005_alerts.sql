-- Community features (issue 7): keyword alerts, scheduled digests, chat-export imports.

-- A resident's keyword alert: the item as the catalogue understood it, so matching goes
-- through aliases and categories rather than substrings.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    query       TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    canonical   TEXT NOT NULL,
    category    TEXT,
    known       INTEGER NOT NULL DEFAULT 1,
    medicine    INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'expired', 'removed')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX alerts_by_user ON alerts (user_id, status);
CREATE INDEX alerts_by_expiry ON alerts (status, expires_at);

-- At most one alert message per offer per resident, however many of their alerts match.
CREATE TABLE alert_hits (
    user_id     INTEGER NOT NULL,
    offer_id    INTEGER NOT NULL,
    alert_id    INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, offer_id)
);

-- Digests already decided (posted, or found empty) per group and scheduled slot, so a
-- restart never posts the same digest twice.
CREATE TABLE digest_slots (
    chat_id     INTEGER NOT NULL,
    slot        TEXT NOT NULL,
    entries     INTEGER NOT NULL,
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, slot)
);

-- Messages of a Telegram Desktop export already imported, so a second import adds nothing.
CREATE TABLE imported_messages (
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
)
