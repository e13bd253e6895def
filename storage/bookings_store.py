"""Repository queries for bookings: slots held, waitlists, loans, reminders sent once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts

# The statuses that hold a slot (the partial unique index of migration 0018 lists them too).
HOLDING = ("pending", "confirmed", "offered", "out", "blocked")
# What counts as a resident's use of a resource (limits, the monthly report).
USED = ("pending", "confirmed", "offered", "out", "returned")
# Columns stamped once, so a reminder or a prompt is never sent twice (even across restarts).
ONCE_COLUMNS = frozenset(
    {
        "reminded_at",
        "handout_asked_at",
        "due_reminded_at",
        "overdue_told_at",
        "checkin_asked_at",
        "checked_in_at",
    }
)


class OverWeeklyLimit(Exception):
    """Holding the slot would take the resident over their weekly limit: nothing was held."""

    def __init__(self, used_minutes: int) -> None:
        super().__init__(used_minutes)
        self.used_minutes = used_minutes  # before this slot


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


@dataclass(frozen=True)
class BookingRecord:
    id: int
    resource: str
    starts_at: datetime
    ends_at: datetime
    user_id: int | None
    status: str
    reason: str | None
    event_key: str | None
    created_at: datetime
    offer_expires_at: datetime | None = None
    handed_out_at: datetime | None = None
    returned_at: datetime | None = None
    checkin_asked_at: datetime | None = None
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class WaitRecord:
    id: int
    resource: str
    starts_at: datetime
    user_id: int


def _booking(row: Row) -> BookingRecord:
    return BookingRecord(
        id=row["id"],
        resource=row["resource"],
        starts_at=datetime.fromisoformat(row["starts_at"]),
        ends_at=datetime.fromisoformat(row["ends_at"]),
        user_id=row["user_id"],
        status=row["status"],
        reason=row["reason"],
        event_key=row["event_key"],
        created_at=datetime.fromisoformat(row["created_at"]),
        offer_expires_at=_dt(row["offer_expires_at"]),
        handed_out_at=_dt(row["handed_out_at"]),
        returned_at=_dt(row["returned_at"]),
        checkin_asked_at=_dt(row["checkin_asked_at"]),
        checked_in_at=_dt(row["checked_in_at"]),
    )


def _wait(row: Row) -> WaitRecord:
    return WaitRecord(
        row["id"], row["resource"], datetime.fromisoformat(row["starts_at"]), row["user_id"]
    )


class BookingQueries(TxBase):
    """Slots held (bookings, blocks, offers), waitlists and loans of things."""

    async def hold_slot(
        self,
        resource: str,
        starts_at: datetime,
        ends_at: datetime,
        status: str,
        now: datetime,
        *,
        user_id: int | None = None,
        offer_expires_at: datetime | None = None,
        reason: str | None = None,
        event_key: str | None = None,
        blocked_by: int | None = None,
    ) -> int | None:
        """Take a slot; its id, or None when someone holds it already (the unique index)."""
        row = await self._one(
            """INSERT INTO bookings (resource, starts_at, ends_at, user_id, status, reason,
                                     event_key, blocked_by, created_at, updated_at,
                                     offer_expires_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING RETURNING id""",
            (
                resource,
                _ts(starts_at),
                _ts(ends_at),
                user_id,
                status,
                reason,
                event_key,
                blocked_by,
                _ts(now),
                _ts(now),
                _ts(offer_expires_at) if offer_expires_at else None,
            ),
        )
        return int(row["id"]) if row else None

    async def hold_slot_within(
        self,
        resource: str,
        starts_at: datetime,
        ends_at: datetime,
        status: str,
        now: datetime,
        *,
        user_id: int,
        week: tuple[datetime, datetime],
        limit_minutes: int,
    ) -> int | None:
        """hold_slot for a resident under a weekly limit, counted again after the insert in
        the same transaction: two presses at once cannot both pass a check made before
        either held anything. On PostgreSQL (SERIALIZABLE) the two recounts conflict and the
        retry sees the other's slot; on SQLite writers take turns. OverWeeklyLimit if over."""
        booking_id = await self.hold_slot(
            resource, starts_at, ends_at, status, now, user_id=user_id
        )
        if booking_id is None:
            return None
        used = await self.minutes_used(user_id, resource, *week)
        if used > limit_minutes:
            await self._db.execute("DELETE FROM bookings WHERE id = ?", (booking_id,))
            raise OverWeeklyLimit(used - int((ends_at - starts_at).total_seconds() // 60))
        return booking_id

    async def booking(self, booking_id: int) -> BookingRecord | None:
        row = await self._one("SELECT * FROM bookings WHERE id = ?", (booking_id,))
        return _booking(row) if row else None

    async def slot_holder(self, resource: str, starts_at: datetime) -> BookingRecord | None:
        """Whoever holds a slot now (a booking, an offer or a block)."""
        row = await self._one(
            f"""SELECT * FROM bookings WHERE resource = ? AND starts_at = ?
                AND status IN ({_marks(HOLDING)})""",
            (resource, _ts(starts_at), *HOLDING),
        )
        return _booking(row) if row else None

    async def held_between(
        self, resources: Sequence[str], start: datetime, end: datetime
    ) -> list[BookingRecord]:
        """Held slots of these resources starting in [start, end), in time order."""
        if not resources:
            return []
        rows = await self._all(
            f"""SELECT * FROM bookings WHERE resource IN ({_marks(resources)})
                AND starts_at >= ? AND starts_at < ? AND status IN ({_marks(HOLDING)})
                ORDER BY starts_at, resource""",
            (*resources, _ts(start), _ts(end), *HOLDING),
        )
        return [_booking(r) for r in rows]

    async def minutes_used(
        self, user_id: int, resource: str, start: datetime, end: datetime
    ) -> int:
        """A resident's booked minutes of a resource in [start, end)."""
        rows = await self._all(
            f"""SELECT starts_at, ends_at FROM bookings WHERE user_id = ? AND resource = ?
                AND starts_at >= ? AND starts_at < ? AND status IN ({_marks(USED)})""",
            (user_id, resource, _ts(start), _ts(end), *USED),
        )
        return sum(
            int(
                (
                    datetime.fromisoformat(r["ends_at"]) - datetime.fromisoformat(r["starts_at"])
                ).total_seconds()
                // 60
            )
            for r in rows
        )

    async def change_booking(
        self,
        booking_id: int,
        to: str,
        now: datetime,
        *,
        only_from: Sequence[str],
        decided_by: int | None = None,
    ) -> bool:
        """Move a booking from one of `only_from` to `to`; False if it was not in one (a
        second press, a captain and a resident at once: the first one decides)."""
        stamps = {"out": ", handed_out_at = ?", "returned": ", returned_at = ?"}
        extra = stamps.get(to, "")
        params: list[object] = [to, _ts(now), decided_by]
        if extra:
            params.append(_ts(now))
        cur = await self._db.execute(
            f"""UPDATE bookings SET status = ?, updated_at = ?,
                       decided_by = COALESCE(?, decided_by){extra}
                WHERE id = ? AND status IN ({_marks(only_from)})""",
            (*params, booking_id, *only_from),
        )
        return cur.rowcount == 1

    async def stamp_once(self, booking_id: int, column: str, now: datetime) -> bool:
        """Stamp a reminder or prompt as sent; False when it already was."""
        if column not in ONCE_COLUMNS:
            raise ValueError(f"not a once-only column: {column}")
        cur = await self._db.execute(
            f"UPDATE bookings SET {column} = ? WHERE id = ? AND {column} IS NULL",
            (_ts(now), booking_id),
        )
        return cur.rowcount == 1

    async def bookings_of(self, user_id: int, ending_after: datetime) -> list[BookingRecord]:
        """A resident's bookings and loans still ahead or going on (or out), soonest first."""
        rows = await self._all(
            """SELECT * FROM bookings WHERE user_id = ?
               AND status IN ('pending', 'confirmed', 'offered', 'out')
               AND (ends_at > ? OR status = 'out')
               ORDER BY starts_at, id""",
            (user_id, _ts(ending_after)),
        )
        return [_booking(r) for r in rows]

    async def not_reminded(
        self, status: str, column: str, due_after: datetime | None, due_before: datetime
    ) -> list[BookingRecord]:
        """Bookings in `status` whose once-only `column` is unstamped, due in
        (due_after, due_before] (starts_at for bookings; ends_at for loans out)."""
        if column not in ONCE_COLUMNS:
            raise ValueError(f"not a once-only column: {column}")
        due = "ends_at" if column in ("due_reminded_at", "overdue_told_at") else "starts_at"
        after = f"AND {due} > ?" if due_after is not None else ""
        params: tuple[object, ...] = (status, _ts(due_before))
        if due_after is not None:
            params += (_ts(due_after),)
        rows = await self._all(
            f"""SELECT * FROM bookings WHERE status = ? AND {column} IS NULL AND {due} <= ?
                {after} ORDER BY {due}, id""",
            params,
        )
        return [_booking(r) for r in rows]

    async def not_checked_in(self, asked_before: datetime) -> list[BookingRecord]:
        """Confirmed bookings prompted "I'm here" before `asked_before` and never tapped."""
        rows = await self._all(
            """SELECT * FROM bookings WHERE status = 'confirmed' AND checked_in_at IS NULL
               AND checkin_asked_at IS NOT NULL AND checkin_asked_at <= ?
               ORDER BY checkin_asked_at, id""",
            (_ts(asked_before),),
        )
        return [_booking(r) for r in rows]

    async def offers_expired(self, now: datetime) -> list[BookingRecord]:
        rows = await self._all(
            """SELECT * FROM bookings WHERE status = 'offered' AND offer_expires_at <= ?
               ORDER BY offer_expires_at, id""",
            (_ts(now),),
        )
        return [_booking(r) for r in rows]

    async def used_between(self, start: datetime, end: datetime) -> list[BookingRecord]:
        """Bookings used in [start, end) (the monthly report): blocks and no-shows are not."""
        rows = await self._all(
            """SELECT * FROM bookings WHERE starts_at >= ? AND starts_at < ?
               AND status IN ('confirmed', 'out', 'returned') ORDER BY starts_at""",
            (_ts(start), _ts(end)),
        )
        return [_booking(r) for r in rows]

    async def event_blocks(self) -> list[BookingRecord]:
        """Slots held for captains' events, still holding."""
        rows = await self._all(
            "SELECT * FROM bookings WHERE event_key IS NOT NULL AND status = 'blocked'"
        )
        return [_booking(r) for r in rows]

    # --- waitlists --------------------------------------------------------------------

    async def add_wait(
        self, resource: str, starts_at: datetime, user_id: int, now: datetime
    ) -> bool:
        """Join a slot's waitlist; False if already on it."""
        cur = await self._db.execute(
            """INSERT INTO booking_waits (resource, starts_at, user_id, created_at)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (resource, _ts(starts_at), user_id, _ts(now)),
        )
        return cur.rowcount == 1

    async def first_waiting(self, resource: str, starts_at: datetime) -> WaitRecord | None:
        row = await self._one(
            """SELECT * FROM booking_waits WHERE resource = ? AND starts_at = ?
               ORDER BY created_at, id LIMIT 1""",
            (resource, _ts(starts_at)),
        )
        return _wait(row) if row else None

    async def wait(self, wait_id: int) -> WaitRecord | None:
        row = await self._one("SELECT * FROM booking_waits WHERE id = ?", (wait_id,))
        return _wait(row) if row else None

    async def remove_wait(self, wait_id: int) -> bool:
        cur = await self._db.execute("DELETE FROM booking_waits WHERE id = ?", (wait_id,))
        return cur.rowcount == 1

    async def waits_of(self, user_id: int, after: datetime) -> list[WaitRecord]:
        rows = await self._all(
            """SELECT * FROM booking_waits WHERE user_id = ? AND starts_at > ?
               ORDER BY starts_at, id""",
            (user_id, _ts(after)),
        )
        return [_wait(r) for r in rows]

    async def drop_waits(self, resource: str, starts_at: datetime) -> None:
        await self._db.execute(
            "DELETE FROM booking_waits WHERE resource = ? AND starts_at = ?",
            (resource, _ts(starts_at)),
        )

    # --- no-shows, privacy, retention --------------------------------------------------

    async def add_booking_no_show(
        self, booking_id: int, user_id: int, building: str | None, reported_by: int, now: datetime
    ) -> None:
        """Count a missed booking in the resident's no-show record (match_id 0: no match)."""
        await self._db.execute(
            """INSERT INTO no_shows (match_id, booking_id, user_id, building, reported_by,
                                     created_at) VALUES (0, ?, ?, ?, ?, ?)""",
            (booking_id, user_id, building, reported_by, _ts(now)),
        )

    async def keep_loans_anonymous(self, user_id: int, anonymous: int) -> int:
        """Things a forgotten resident still has stay on the keeper's list, without them."""
        cur = await self._db.execute(
            "UPDATE bookings SET user_id = ? WHERE user_id = ? AND status = 'out'",
            (anonymous, user_id),
        )
        return cur.rowcount

    async def purge_bookings(self, cutoff: datetime) -> int:
        """Bookings that ended before `cutoff` (not things still out) and old waits."""
        cur = await self._db.execute(
            "DELETE FROM bookings WHERE ends_at < ? AND status <> 'out'", (_ts(cutoff),)
        )
        await self._db.execute("DELETE FROM booking_waits WHERE starts_at < ?", (_ts(cutoff),))
        return cur.rowcount

    async def all_bookings(self) -> list[BookingRecord]:
        """Every booking row (tests and the console)."""
        rows = await self._all("SELECT * FROM bookings ORDER BY id")
        return [_booking(r) for r in rows]


__all__ = ["HOLDING", "USED", "BookingQueries", "BookingRecord", "OverWeeklyLimit", "WaitRecord"]
