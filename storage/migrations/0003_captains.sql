-- Every captain or admin action, for accountability: who did what to which thing, when.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    TEXT NOT NULL,
    building  TEXT,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit_log (at);

-- Small building requests (微诉求): filed with /report or recognised as repair complaints.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER,
    building    TEXT NOT NULL,
    text        TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('command', 'parser')),
    status      TEXT NOT NULL CHECK (status IN ('open', 'progress', 'resolved')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX reports_by_building ON reports (building, status);
CREATE INDEX reports_by_user ON reports (user_id);

-- A resident's opt-ins (e.g. 'thanks': named on the monthly good-neighbours list). Off unless here.
CREATE TABLE opt_ins (
    user_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Thank-you lists: prompted to captains at month end, posted at most once per building-month.
CREATE TABLE thanks_lists (
    building     TEXT NOT NULL,
    month        TEXT NOT NULL,
    prompted_at  TEXT,
    posted_at    TEXT,
    PRIMARY KEY (building, month)
);

-- Basic groups upgraded to supergroups: the config file may still name the old id.
CREATE TABLE chat_aliases (
    old_chat_id  INTEGER PRIMARY KEY,
    new_chat_id  INTEGER NOT NULL,
    migrated_at  TEXT NOT NULL
);

-- Groups the bot was added to that the config does not know: admins told once.
CREATE TABLE unknown_groups (
    chat_id     INTEGER PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    added_by    INTEGER,
    first_seen  TEXT NOT NULL
)
