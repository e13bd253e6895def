-- Several workers apply one chat's updates in the order Telegram sent them: a worker claims a
-- chat's oldest waiting update only (see InboxQueries.claim_inbox), found through chat_id.
-- Rows received before this migration have no chat and keep the old, unordered behaviour.
ALTER TABLE inbox ADD COLUMN chat_id INTEGER;
CREATE INDEX inbox_by_chat ON inbox (chat_id, update_id)
