-- An outbox row that can never go out (Telegram keeps refusing it, or it keeps killing the
-- sender process) is set aside rather than retried forever in front of every later message:
-- `undeliverable` says why, and `sent_at` is set so the outbox moves on. `crashes` counts
-- the sender processes that died with the row as their only call in flight.
ALTER TABLE outbox ADD COLUMN undeliverable TEXT;
ALTER TABLE outbox ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0
