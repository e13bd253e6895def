-- What residents told Jinlin a message meant (issue 14): this deployment's own labelled
-- examples, learnt by `jinlin train --with-corrections`. A row with no label yet is a question
-- waiting for the author's one tap. The text is stored with phone numbers redacted, kept for
-- bot.retention_days like other history, and deleted by /forgetme.
CREATE TABLE corrections (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER,
    thread_id       INTEGER,
    text            TEXT NOT NULL,
    reply_to_intent TEXT,
    guess           TEXT NOT NULL,
    label           TEXT CHECK (label IN ('offer', 'request', 'none', 'closing')),
    source          TEXT NOT NULL CHECK (source IN ('asked', 'explicit', 'withdrawn', 'removed')),
    created_at      TEXT NOT NULL,
    answered_at     TEXT
);
CREATE INDEX corrections_by_user ON corrections (user_id, created_at);
CREATE INDEX corrections_by_label ON corrections (label, created_at)
