-- Access and privacy (issue 13): who a stored message is for and about, group membership,
-- unguessable deep links, captains and admins named by @username.

-- /forgetme deletes a resident's messages by these ids, never by searching the text for a
-- name. `recipient_id` is the private chat a message goes to (NULL for a group post);
-- `subject_ids` the residents it names, as a JSON array of ids (NULL when it names nobody).
ALTER TABLE outbox ADD COLUMN recipient_id INTEGER;
ALTER TABLE outbox ADD COLUMN subject_ids TEXT;
CREATE INDEX outbox_by_recipient ON outbox (recipient_id);
ALTER TABLE pending_notices ADD COLUMN subject_ids TEXT;

-- Who is known to be in a building group: seen writing there, or Telegram's getChatMember
-- said so. Trusted for a day, then asked again (someone who left the group loses access).
CREATE TABLE group_members (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    member      INTEGER NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- A digest's deep link names an entry by a random token, not by its sequential id.
CREATE TABLE entry_links (
    entry_id  INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    token     TEXT NOT NULL UNIQUE
);

-- A captain or admin the config names by @username, bound to the account that first used
-- it: whoever takes the name over later is not a captain.
CREATE TABLE role_usernames (
    username    TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    bound_at    TEXT NOT NULL
);
