-- Good-neighbour awards and building deliberations (issue 17).
--
-- A nomination is one resident's private word for a neighbour (`user_id`) of a building, in
-- one award period ("2026-11" or "2026"): once per nominator, nominee and period. `reason` is
-- the nominator's own words, seen only by the building's captains; `reveal` = 1 when the
-- nominator agreed to be named to the nominee. A row with no reason yet is a draft the
-- nominator is still writing (the next private message is its reason).
CREATE TABLE nominations (
    id            INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,
    building      TEXT NOT NULL,
    user_id       INTEGER NOT NULL,
    nominated_by  INTEGER NOT NULL,
    reason        TEXT,
    reveal        INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'accepted', 'declined')),
    reviewed_by   INTEGER,
    created_at    TEXT NOT NULL,
    reviewed_at   TEXT,
    UNIQUE (nominated_by, user_id, period)
);
CREATE INDEX nominations_by_building ON nominations (building, period, status);

-- A neighbour a captain accepted for a period: asked privately whether they agree to be
-- named; announced (only if they agreed) with the captain's short citation.
CREATE TABLE awards (
    id            INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,
    building      TEXT NOT NULL,
    user_id       INTEGER NOT NULL,
    name          TEXT NOT NULL,
    citation      TEXT NOT NULL,
    consent       TEXT NOT NULL CHECK (consent IN ('asked', 'agreed', 'refused')),
    accepted_by   INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    answered_at   TEXT,
    announced_at  TEXT,
    UNIQUE (period, building, user_id)
);
CREATE INDEX awards_by_period ON awards (building, period);

-- A question a captain put to a building, as a Telegram poll in its group. `status` goes
-- opening (poll being sent) -> open -> closed exactly once (the close is claimed by an
-- UPDATE ... WHERE status = 'open', so a restart or a second worker never closes it twice).
-- `result` holds the counted totals (JSON list, one number per option); `ignored` the votes
-- that did not count (not the building's residents).
CREATE TABLE deliberations (
    id            INTEGER PRIMARY KEY,
    building      TEXT NOT NULL,
    chat_id       INTEGER NOT NULL,
    question      TEXT NOT NULL,
    options       TEXT NOT NULL,
    anonymous     INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('opening', 'open', 'closed', 'failed')),
    poll_id       TEXT,
    message_id    INTEGER,
    closes_at     TEXT NOT NULL,
    opened_by     INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT,
    result        TEXT,
    counted       INTEGER,
    ignored       INTEGER,
    telegram_total INTEGER,
    follow_up     TEXT,
    follow_up_by  INTEGER
);
CREATE UNIQUE INDEX deliberations_by_poll ON deliberations (poll_id);
CREATE INDEX deliberations_due ON deliberations (status, closes_at);

-- Each resident's latest vote (group poll or private ballot); `counts` = 1 when the voter
-- was known to be in one of the building's groups when voting. A secret ballot's rows are
-- deleted when it closes: only the totals stay.
CREATE TABLE deliberation_votes (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    options         TEXT NOT NULL,
    counts          INTEGER NOT NULL,
    via             TEXT NOT NULL CHECK (via IN ('poll', 'ballot')),
    voted_at        TEXT NOT NULL,
    PRIMARY KEY (deliberation_id, user_id)
)
