-- Volunteer teams, duty rosters and service points (issue 17).
-- A team belongs to one building ('b:<key>') or a whole community ('c:<key>'); teams named in
-- the config are written here on first use, so joining works the same for both kinds.
CREATE TABLE volunteer_teams (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    UNIQUE (scope, name)
);
CREATE TABLE volunteer_members (
    team_id     INTEGER NOT NULL REFERENCES volunteer_teams (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX volunteer_members_by_user ON volunteer_members (user_id);

-- A shift a captain posted: "周六 9:00-11:00 楼道清洁 4人". Times are stored in UTC.
CREATE TABLE duties (
    id           INTEGER PRIMARY KEY,
    building     TEXT NOT NULL,
    title        TEXT NOT NULL,
    place        TEXT,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    slots        INTEGER NOT NULL,
    urgent       INTEGER NOT NULL DEFAULT 0,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER,
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    cancelled_at TEXT,
    cancelled_by INTEGER
);
CREATE INDEX duties_by_time ON duties (starts_at);

-- Who signed up, in order: 'signed' holds a slot, 'waiting' is on the waitlist, 'left' gave
-- it up. `attended` is the captain's tap after the shift (1 came, 0 did not, NULL not yet).
CREATE TABLE duty_signups (
    id          INTEGER PRIMARY KEY,
    duty_id     INTEGER NOT NULL REFERENCES duties (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('signed', 'waiting', 'left')),
    joined_at   TEXT NOT NULL,
    attended    INTEGER,
    decided_by  INTEGER,
    decided_at  TEXT,
    UNIQUE (duty_id, user_id)
);

-- Service points earned: one row per confirmed shift (ref = duty id) or completed hand-over
-- of a shared item (ref = match id); the unique key makes every award happen once.
CREATE TABLE volunteer_points (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    building    TEXT,
    community   TEXT,
    source      TEXT NOT NULL CHECK (source IN ('duty', 'handover')),
    ref_id      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    earned_on   TEXT NOT NULL,
    awarded_at  TEXT NOT NULL,
    awarded_by  INTEGER,
    UNIQUE (source, ref_id, user_id)
);
CREATE INDEX volunteer_points_by_user ON volunteer_points (user_id, earned_on);
CREATE INDEX volunteer_points_by_building ON volunteer_points (building, earned_on)
