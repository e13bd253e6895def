"""Repository queries for festivals and events: captains' events, reminders sent, attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class EventRecord:
    """A captain's event as stored; `schedule` is the date rule text as typed."""

    id: int
    title: str
    schedule: str
    start_time: str | None
    place: str | None
    reminders: tuple[str, ...]
    buildings: tuple[str, ...]
    created_by: int
    created_at: datetime
    cancelled_at: datetime | None = None

    @property
    def key(self) -> str:
        """The event key used in reminder keys (stable: from the database id)."""
        return f"event_{self.id}"


@dataclass(frozen=True)
class NewEvent:
    title: str
    schedule: str
    start_time: str | None
    place: str | None
    reminders: tuple[str, ...]
    buildings: tuple[str, ...]
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class OptIn:
    """A resident who wants a private copy of an event's reminders."""

    event_key: str
    user_id: int
    chat_id: int
    language: str


@dataclass(frozen=True)
class ReminderRecord:
    reminder_key: str
    chat_id: int
    due_at: datetime
    sent_at: datetime
    skipped: str | None


def _event(row: Row, buildings: tuple[str, ...]) -> EventRecord:
    return EventRecord(
        id=row["id"],
        title=row["title"],
        schedule=row["schedule"],
        start_time=row["start_time"],
        place=row["place"],
        reminders=tuple(r for r in row["reminders"].split(",") if r),
        buildings=buildings,
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        cancelled_at=_dt(row["cancelled_at"]),
    )


class EventQueries(TxBase):
    """Captains' events, sent/skipped reminders, the planning watermark, attendance, opt-ins."""

    # --- captains' events ---------------------------------------------------------------

    async def add_event(self, new: NewEvent) -> EventRecord:
        """Store a new event for its buildings; returns it with its id."""
        row = await self._one(
            """INSERT INTO events (title, schedule, start_time, place, reminders, created_by,
                                   created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (
                new.title,
                new.schedule,
                new.start_time,
                new.place,
                ",".join(new.reminders),
                new.created_by,
                _ts(new.created_at),
            ),
        )
        assert row is not None
        event_id: int = row["id"]
        await self._db.executemany(
            "INSERT INTO event_buildings (event_id, building) VALUES (?, ?)",
            [(event_id, b) for b in new.buildings],
        )
        found = await self.event(event_id)
        assert found is not None
        return found

    async def event(self, event_id: int) -> EventRecord | None:
        """One event by id, cancelled or not."""
        row = await self._one("SELECT * FROM events WHERE id = ?", (event_id,))
        return _event(row, await self._event_buildings(event_id)) if row else None

    async def active_events(self) -> list[EventRecord]:
        """Every event not cancelled, oldest first."""
        rows = await self._all("SELECT * FROM events WHERE cancelled_at IS NULL ORDER BY id")
        return [_event(r, await self._event_buildings(r["id"])) for r in rows]

    async def cancel_event(self, event_id: int, by: int, now: datetime) -> bool:
        """Mark an event cancelled; False when it already was (or does not exist)."""
        cur = await self._db.execute(
            """UPDATE events SET cancelled_at = ?, cancelled_by = ?
               WHERE id = ? AND cancelled_at IS NULL""",
            (_ts(now), by, event_id),
        )
        return cur.rowcount == 1

    async def _event_buildings(self, event_id: int) -> tuple[str, ...]:
        rows = await self._all(
            "SELECT building FROM event_buildings WHERE event_id = ? ORDER BY building",
            (event_id,),
        )
        return tuple(r["building"] for r in rows)

    # --- reminders sent -----------------------------------------------------------------

    async def record_reminder(
        self,
        reminder_key: str,
        chat_id: int,
        due_at: datetime,
        now: datetime,
        skipped: str | None = None,
    ) -> bool:
        """Record a reminder as sent (or skipped) to a chat; False if it already was."""
        cur = await self._db.execute(
            """INSERT INTO sent_reminders (reminder_key, chat_id, due_at, sent_at, skipped)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (reminder_key, chat_id, _ts(due_at), _ts(now), skipped),
        )
        return cur.rowcount == 1

    async def sent_reminders(self) -> list[ReminderRecord]:
        """Every recorded reminder, in the order recorded (for tests and the console)."""
        rows = await self._all("SELECT * FROM sent_reminders ORDER BY sent_at, reminder_key")
        return [
            ReminderRecord(
                reminder_key=r["reminder_key"],
                chat_id=r["chat_id"],
                due_at=datetime.fromisoformat(r["due_at"]),
                sent_at=datetime.fromisoformat(r["sent_at"]),
                skipped=r["skipped"],
            )
            for r in rows
        ]

    async def reminder_watermark(self) -> datetime | None:
        """Up to when reminders have been planned, if ever."""
        row = await self._one("SELECT checked_to FROM reminder_watermark WHERE id = 1")
        return _dt(row["checked_to"]) if row else None

    async def set_reminder_watermark(self, checked_to: datetime) -> None:
        await self._db.execute(
            """INSERT INTO reminder_watermark (id, checked_to) VALUES (1, ?)
               ON CONFLICT (id) DO UPDATE SET checked_to = excluded.checked_to""",
            (_ts(checked_to),),
        )

    # --- attendance and private reminders -----------------------------------------------

    async def occurrence_id(self, event_key: str, occurrence: date) -> int:
        """The short id of one occurrence of an event (created on first use)."""
        await self._db.execute(
            """INSERT INTO event_occurrences (event_key, occurrence) VALUES (?, ?)
               ON CONFLICT DO NOTHING""",
            (event_key, occurrence.isoformat()),
        )
        row = await self._one(
            "SELECT id FROM event_occurrences WHERE event_key = ? AND occurrence = ?",
            (event_key, occurrence.isoformat()),
        )
        assert row is not None
        return int(row["id"])

    async def occurrence(self, occurrence_id: int) -> tuple[str, date] | None:
        """(event key, date) of an occurrence id."""
        row = await self._one("SELECT * FROM event_occurrences WHERE id = ?", (occurrence_id,))
        return (row["event_key"], date.fromisoformat(row["occurrence"])) if row else None

    async def attend(self, occurrence_id: int, user_id: int, chat_id: int, now: datetime) -> bool:
        """Count a resident in; False when they already were."""
        cur = await self._db.execute(
            """INSERT INTO event_attendance (occurrence_id, user_id, chat_id, created_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (occurrence_id, user_id, chat_id, _ts(now)),
        )
        return cur.rowcount == 1

    async def attendance_count(self, occurrence_id: int) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM event_attendance WHERE occurrence_id = ?",
            (occurrence_id,),
        )
        return int(row["n"]) if row else 0

    async def toggle_optin(self, optin: OptIn, now: datetime) -> bool:
        """Opt a resident in to private reminders of an event, or out if they were; True = in."""
        cur = await self._db.execute(
            "DELETE FROM reminder_optins WHERE event_key = ? AND user_id = ?",
            (optin.event_key, optin.user_id),
        )
        if cur.rowcount:
            return False
        await self._db.execute(
            """INSERT INTO reminder_optins (event_key, user_id, chat_id, language, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (optin.event_key, optin.user_id, optin.chat_id, optin.language, _ts(now)),
        )
        return True

    async def people_of_event(self, event_key: str) -> list[int]:
        """Residents who said they would come to, or asked reminders of, an event."""
        rows = await self._all(
            """SELECT user_id FROM reminder_optins WHERE event_key = ?
               UNION
               SELECT a.user_id FROM event_attendance a
               JOIN event_occurrences o ON o.id = a.occurrence_id WHERE o.event_key = ?""",
            (event_key, event_key),
        )
        return sorted(int(r["user_id"]) for r in rows)

    async def optins(self, event_key: str) -> list[OptIn]:
        """Residents who want a private copy of this event's reminders."""
        rows = await self._all(
            "SELECT * FROM reminder_optins WHERE event_key = ? ORDER BY created_at, user_id",
            (event_key,),
        )
        return [OptIn(r["event_key"], r["user_id"], r["chat_id"], r["language"]) for r in rows]
