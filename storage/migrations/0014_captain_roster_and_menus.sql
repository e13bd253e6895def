-- Captains an admin added or removed from Telegram (issue 16): /captain add b3, /captains.
-- The config file's captains are not copied here; the bot serves both, merged.
CREATE TABLE building_captains (
    building    TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    added_by    INTEGER NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (building, user_id)
);
CREATE INDEX building_captains_by_user ON building_captains (user_id);

-- Who added or removed which captain, when. Ids only, never a name: /forgetme turns the
-- forgotten person's id into 0 here, so the record stays and names nobody.
CREATE TABLE captain_changes (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    building    TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('added', 'removed')),
    changed_by  INTEGER NOT NULL
);
CREATE INDEX captain_changes_by_time ON captain_changes (at);

-- The command menus and descriptions last set with Telegram, one row per scope and
-- language: a restart or /reload sends only what changed (Telegram rate-limits these calls).
CREATE TABLE bot_menus (
    scope       TEXT PRIMARY KEY,
    digest      TEXT NOT NULL,
    set_at      TEXT NOT NULL
)
