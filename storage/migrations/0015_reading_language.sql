-- A resident's reading language (issue 16). `language` is their choice with /lang or /start
-- ('zh', 'zh-hk', 'zh-tw', 'en'), taking precedence over Telegram's language_code, which many
-- Chinese residents leave at English. `script` is how their last Chinese message was written
-- ('hans', 'hant', 'hk', 'tw'): traditional writers are answered in traditional characters
-- until they choose. Both live on the users row, so /forgetme and retention remove them with it.
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN script TEXT
