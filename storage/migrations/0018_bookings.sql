-- Shared spaces and community-owned things booked by the slot (issue 19). A captain's block
-- is a row too (status 'blocked', no resident), so one unique index makes a double booking
-- impossible on either database: two residents pressing the same slot at once, one insert
-- wins and the other changes nothing.
CREATE TABLE bookings (
    id               INTEGER PRIMARY KEY,
    resource         TEXT NOT NULL,
    starts_at        TEXT NOT NULL,
    ends_at          TEXT NOT NULL,
    user_id          INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'offered', 'out',
                         'blocked', 'returned', 'cancelled', 'refused', 'no_show')),
    reason           TEXT,
    event_key        TEXT,
    blocked_by       INTEGER,
    decided_by       INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    offer_expires_at TEXT,
    reminded_at      TEXT,
    handout_asked_at TEXT,
    handed_out_at    TEXT,
    due_reminded_at  TEXT,
    overdue_told_at  TEXT,
    returned_at      TEXT
);
CREATE UNIQUE INDEX bookings_one_per_slot ON bookings (resource, starts_at)
    WHERE status IN ('pending', 'confirmed', 'offered', 'out', 'blocked');
CREATE INDEX bookings_by_user ON bookings (user_id, starts_at);
CREATE INDEX bookings_by_time ON bookings (starts_at, status);

-- Neighbours waiting for a taken slot, first come first offered.
CREATE TABLE booking_waits (
    id         INTEGER PRIMARY KEY,
    resource   TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (resource, starts_at, user_id)
);
CREATE INDEX booking_waits_by_user ON booking_waits (user_id);

-- A booking nobody came for counts in the resident's no-show record beside hand-overs
-- (match_id is 0 for those rows).
ALTER TABLE no_shows ADD COLUMN booking_id INTEGER
