-- Spaces configured with check_in: the "I'm here" prompt sent at a booking's start, and the
-- tap. Stamped in the row, so a restart neither prompts twice nor releases a slot twice.
ALTER TABLE bookings ADD COLUMN checkin_asked_at TEXT;
ALTER TABLE bookings ADD COLUMN checked_in_at TEXT;
