"""Repository queries for volunteers: teams, duties and their sign-ups, service points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class TeamRecord:
    id: int
    scope: str  # 'b:<building>' or 'c:<community>'
    name: str


@dataclass(frozen=True)
class NewDuty:
    building: str
    title: str
    place: str | None
    starts_at: datetime
    ends_at: datetime
    slots: int
    urgent: bool
    chat_id: int
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class DutyRecord:
    id: int
    building: str
    title: str
    place: str | None
    starts_at: datetime
    ends_at: datetime
    slots: int
    urgent: bool
    chat_id: int
    message_id: int | None
    created_by: int
    created_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True)
class Signup:
    id: int
    duty_id: int
    user_id: int
    status: str  # SignupStatus
    attended: bool | None
    first_name: str
    language_code: str | None
    joined_at: datetime
    # Their /lang choice and script (bot/core/i18n.py:reader_language).
    language: str | None = None
    script: str | None = None


@dataclass(frozen=True)
class NewPoints:
    user_id: int
    building: str | None
    community: str | None
    source: str  # PointsSource
    ref_id: int
    title: str
    minutes: int
    points: int
    earned_on: date
    awarded_at: datetime
    awarded_by: int | None


@dataclass(frozen=True)
class PointsRow:
    user_id: int
    first_name: str
    building: str | None
    source: str
    title: str
    minutes: int
    points: int
    earned_on: date


@dataclass(frozen=True)
class HandedOver:
    """A completed hand-over of a shared item: the giver may earn points for it."""

    match_id: int
    giver_id: int
    item: str
    building: str | None
    community: str | None
    on: datetime


def _duty(row: Row) -> DutyRecord:
    return DutyRecord(
        id=row["id"],
        building=row["building"],
        title=row["title"],
        place=row["place"],
        starts_at=datetime.fromisoformat(row["starts_at"]),
        ends_at=datetime.fromisoformat(row["ends_at"]),
        slots=row["slots"],
        urgent=bool(row["urgent"]),
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        cancelled_at=_dt(row["cancelled_at"]),
    )


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


_SIGNUP_COLUMNS = """s.id, s.duty_id, s.user_id, s.status, s.attended, s.joined_at,
                     COALESCE(u.first_name, '') AS first_name, u.language_code,
                     u.language, u.script"""


def _signup(row: Row) -> Signup:
    attended = row["attended"]
    return Signup(
        id=row["id"],
        duty_id=row["duty_id"],
        user_id=row["user_id"],
        status=row["status"],
        attended=None if attended is None else bool(attended),
        first_name=row["first_name"],
        language_code=row["language_code"],
        joined_at=datetime.fromisoformat(row["joined_at"]),
        language=row["language"],
        script=row["script"],
    )


class VolunteerQueries(TxBase):
    """Teams and members, duties and sign-ups (slots, waitlist, attendance), points."""

    # --- teams ---------------------------------------------------------------------------

    async def ensure_team(
        self, scope: str, name: str, created_by: int | None, now: datetime
    ) -> tuple[TeamRecord, bool]:
        """The team of this name in this scope, created if new; (team, created)."""
        cur = await self._db.execute(
            """INSERT INTO volunteer_teams (scope, name, created_by, created_at)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (scope, name, created_by, _ts(now)),
        )
        row = await self._one(
            "SELECT id, scope, name FROM volunteer_teams WHERE scope = ? AND name = ?",
            (scope, name),
        )
        assert row is not None
        return TeamRecord(row["id"], row["scope"], row["name"]), cur.rowcount == 1

    async def teams_in(self, scopes: Sequence[str]) -> list[TeamRecord]:
        """Teams of these scopes, in the order they were made."""
        if not scopes:
            return []
        rows = await self._all(
            f"SELECT id, scope, name FROM volunteer_teams WHERE scope IN ({_marks(scopes)}) "
            "ORDER BY id",
            tuple(scopes),
        )
        return [TeamRecord(r["id"], r["scope"], r["name"]) for r in rows]

    async def team(self, team_id: int) -> TeamRecord | None:
        row = await self._one(
            "SELECT id, scope, name FROM volunteer_teams WHERE id = ?", (team_id,)
        )
        return TeamRecord(row["id"], row["scope"], row["name"]) if row else None

    async def set_team_member(self, team_id: int, user_id: int, on: bool, now: datetime) -> bool:
        """Join (on) or leave a team; False when nothing changed."""
        if on:
            cur = await self._db.execute(
                """INSERT INTO volunteer_members (team_id, user_id, joined_at) VALUES (?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (team_id, user_id, _ts(now)),
            )
        else:
            cur = await self._db.execute(
                "DELETE FROM volunteer_members WHERE team_id = ? AND user_id = ?",
                (team_id, user_id),
            )
        return cur.rowcount == 1

    async def teams_of_member(self, user_id: int) -> set[int]:
        rows = await self._all(
            "SELECT team_id FROM volunteer_members WHERE user_id = ?", (user_id,)
        )
        return {r["team_id"] for r in rows}

    async def team_size(self, team_id: int) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM volunteer_members WHERE team_id = ?", (team_id,)
        )
        return int(row["n"]) if row else 0

    # --- duties --------------------------------------------------------------------------

    async def add_duty(self, new: NewDuty) -> DutyRecord:
        row = await self._one(
            """INSERT INTO duties (building, title, place, starts_at, ends_at, slots, urgent,
                                   chat_id, created_by, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (
                new.building,
                new.title,
                new.place,
                _ts(new.starts_at),
                _ts(new.ends_at),
                new.slots,
                int(new.urgent),
                new.chat_id,
                new.created_by,
                _ts(new.created_at),
            ),
        )
        assert row is not None
        found = await self.duty(int(row["id"]))
        assert found is not None
        return found

    async def duty(self, duty_id: int) -> DutyRecord | None:
        """One duty, cancelled or not.

        Two residents taking the last slot at once need no row lock: the sign-up reads the
        duty's sign-ups and writes one, so on PostgreSQL (SERIALIZABLE) one of two such
        transactions conflicts and is run again, and then sees the slot taken.
        """
        row = await self._one("SELECT * FROM duties WHERE id = ?", (duty_id,))
        return _duty(row) if row else None

    async def set_duty_message(self, duty_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE duties SET chat_id = ?, message_id = ? WHERE id = ?",
            (chat_id, message_id, duty_id),
        )

    async def cancel_duty(self, duty_id: int, by: int, now: datetime) -> bool:
        cur = await self._db.execute(
            """UPDATE duties SET cancelled_at = ?, cancelled_by = ?
               WHERE id = ? AND cancelled_at IS NULL""",
            (_ts(now), by, duty_id),
        )
        return cur.rowcount == 1

    async def duties_between(self, start: datetime, end: datetime) -> list[DutyRecord]:
        """Duties not cancelled starting or ending within [start, end)."""
        rows = await self._all(
            """SELECT * FROM duties WHERE cancelled_at IS NULL
               AND ((starts_at >= ? AND starts_at < ?) OR (ends_at >= ? AND ends_at < ?))
               ORDER BY starts_at, id""",
            (_ts(start), _ts(end), _ts(start), _ts(end)),
        )
        return [_duty(r) for r in rows]

    async def upcoming_duties(self, buildings: Sequence[str], after: datetime) -> list[DutyRecord]:
        if not buildings:
            return []
        rows = await self._all(
            f"""SELECT * FROM duties WHERE cancelled_at IS NULL AND starts_at > ?
                AND building IN ({_marks(buildings)}) ORDER BY starts_at, id""",
            (_ts(after), *buildings),
        )
        return [_duty(r) for r in rows]

    async def member_chats(self, user_id: int, since: datetime) -> list[int]:
        """The groups the resident was seen in as a member after `since`."""
        rows = await self._all(
            """SELECT chat_id FROM group_members WHERE user_id = ? AND member = 1
               AND checked_at >= ?""",
            (user_id, _ts(since)),
        )
        return [r["chat_id"] for r in rows]

    # --- sign-ups ------------------------------------------------------------------------

    async def duties_signed_by(self, user_id: int, after: datetime) -> list[DutyRecord]:
        """Coming duties (not cancelled) the resident holds a place or waits on."""
        rows = await self._all(
            """SELECT d.* FROM duties d JOIN duty_signups s ON s.duty_id = d.id
               WHERE s.user_id = ? AND s.status <> 'left' AND d.cancelled_at IS NULL
               AND d.starts_at > ? ORDER BY d.starts_at, d.id""",
            (user_id, _ts(after)),
        )
        return [_duty(r) for r in rows]

    async def signups(self, duty_id: int) -> list[Signup]:
        """Everyone who signed up, slots first then the waitlist, each in order of joining."""
        rows = await self._all(
            f"""SELECT {_SIGNUP_COLUMNS} FROM duty_signups s
                LEFT JOIN users u ON u.user_id = s.user_id
                WHERE s.duty_id = ? AND s.status <> 'left'
                ORDER BY CASE s.status WHEN 'signed' THEN 0 ELSE 1 END, s.joined_at, s.id""",
            (duty_id,),
        )
        return [_signup(r) for r in rows]

    async def signup(self, signup_id: int) -> Signup | None:
        row = await self._one(
            f"""SELECT {_SIGNUP_COLUMNS} FROM duty_signups s
                LEFT JOIN users u ON u.user_id = s.user_id WHERE s.id = ?""",
            (signup_id,),
        )
        return _signup(row) if row else None

    async def put_signup(self, duty_id: int, user_id: int, status: str, now: datetime) -> None:
        """Sign a resident up (or again, after leaving), at the end of the line."""
        await self._db.execute(
            """INSERT INTO duty_signups (duty_id, user_id, status, joined_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (duty_id, user_id) DO UPDATE SET
                   status = excluded.status, joined_at = excluded.joined_at""",
            (duty_id, user_id, status, _ts(now)),
        )

    async def set_signup_status(self, signup_id: int, status: str) -> None:
        await self._db.execute(
            "UPDATE duty_signups SET status = ? WHERE id = ?", (status, signup_id)
        )

    async def decide_attendance(self, signup_id: int, came: bool, by: int, now: datetime) -> bool:
        """Record the captain's tap once; False when it was already decided."""
        cur = await self._db.execute(
            """UPDATE duty_signups SET attended = ?, decided_by = ?, decided_at = ?
               WHERE id = ? AND attended IS NULL AND status = 'signed'""",
            (int(came), by, _ts(now), signup_id),
        )
        return cur.rowcount == 1

    # --- points --------------------------------------------------------------------------

    async def award_points(self, new: NewPoints) -> bool:
        """Add points once per source, reference and resident; False if already awarded."""
        cur = await self._db.execute(
            """INSERT INTO volunteer_points (user_id, building, community, source, ref_id,
                   title, minutes, points, earned_on, awarded_at, awarded_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (
                new.user_id,
                new.building,
                new.community,
                new.source,
                new.ref_id,
                new.title,
                new.minutes,
                new.points,
                new.earned_on.isoformat(),
                _ts(new.awarded_at),
                new.awarded_by,
            ),
        )
        return cur.rowcount == 1

    async def points_rows(
        self,
        *,
        user_id: int | None = None,
        buildings: Sequence[str] | None = None,
        communities: Sequence[str] = (),
        first: date | None = None,
        last: date | None = None,
    ) -> list[PointsRow]:
        """Points rows by resident and/or place and/or day range (inclusive), oldest first."""
        where: list[str] = []
        params: list[object] = []
        if user_id is not None:
            where.append("p.user_id = ?")
            params.append(user_id)
        if buildings is not None:
            places = f"p.building IN ({_marks(buildings)})" if buildings else "1 = 0"
            if communities:
                places = (
                    f"({places} OR (p.building IS NULL AND p.community IN ({_marks(communities)})))"
                )
            where.append(places)
            params.extend([*buildings, *communities])
        if first is not None:
            where.append("p.earned_on >= ?")
            params.append(first.isoformat())
        if last is not None:
            where.append("p.earned_on <= ?")
            params.append(last.isoformat())
        rows = await self._all(
            f"""SELECT p.*, COALESCE(u.first_name, '') AS first_name FROM volunteer_points p
                LEFT JOIN users u ON u.user_id = p.user_id
                WHERE {" AND ".join(where) or "1 = 1"} ORDER BY p.earned_on, p.id""",
            tuple(params),
        )
        return [
            PointsRow(
                user_id=r["user_id"],
                first_name=r["first_name"],
                building=r["building"],
                source=r["source"],
                title=r["title"],
                minutes=r["minutes"],
                points=r["points"],
                earned_on=date.fromisoformat(r["earned_on"]),
            )
            for r in rows
        ]

    async def handed_over_since(self, since: datetime) -> list[HandedOver]:
        """Hand-overs completed since `since` whose giver is still known."""
        rows = await self._all(
            """SELECT m.id, m.giver_id, m.updated_at, e.item_name, e.building, e.community
               FROM matches m JOIN entries e ON e.id = m.offer_id
               WHERE m.status = 'handed_over' AND m.giver_id <> 0 AND m.updated_at >= ?
               ORDER BY m.id""",
            (_ts(since),),
        )
        return [
            HandedOver(
                match_id=r["id"],
                giver_id=r["giver_id"],
                item=r["item_name"],
                building=r["building"],
                community=r["community"],
                on=datetime.fromisoformat(r["updated_at"]),
            )
            for r in rows
        ]

    # --- retention -----------------------------------------------------------------------

    async def purge_volunteering(self, duties_before: datetime, points_before: date) -> int:
        """Duties that ended before the cutoff (with their sign-ups), and old points."""
        cur = await self._db.execute(
            "DELETE FROM duty_signups WHERE duty_id IN (SELECT id FROM duties WHERE ends_at < ?)",
            (_ts(duties_before),),
        )
        removed = cur.rowcount
        cur = await self._db.execute("DELETE FROM duties WHERE ends_at < ?", (_ts(duties_before),))
        removed += cur.rowcount
        cur = await self._db.execute(
            "DELETE FROM volunteer_points WHERE earned_on < ?", (points_before.isoformat(),)
        )
        return removed + cur.rowcount


__all__ = [
    "DutyRecord",
    "HandedOver",
    "NewDuty",
    "NewPoints",
    "PointsRow",
    "Signup",
    "TeamRecord",
    "VolunteerQueries",
]
