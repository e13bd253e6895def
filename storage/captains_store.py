"""Repository queries of captains, admins and privacy: audit log, reports, opt-ins,
statistics, chat migrations, forgetting a resident and purging old history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.driver import Dialect, Row
from storage.ledger_store import OPEN_OFFER, OPEN_REQUEST, _entry, _match
from storage.records import Entry, Match
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts

ANONYMOUS = 0  # the user id left on records others still need after /forgetme

# Jinlin's own tables that hold a resident, and what /forgetme does there. An explicit list:
# a table the operator added to the same database is never touched, and a new table with
# a person in it must be added here (tests/e2e/test_forgetme_others.py checks the schema).
# entries and matches are handled one by one in bot/core/privacy.py.
_DELETE_ROWS_OF = (
    ("reports", "user_id"),
    # Complaints of the same thing joined to a report, and complaints waiting for an answer.
    ("report_voices", "user_id"),
    ("complaint_asks", "user_id"),
    ("opt_ins", "user_id"),
    ("pending_notices", "user_id"),
    ("outbox", "recipient_id"),
    ("alerts", "user_id"),
    ("alert_hits", "user_id"),
    ("event_attendance", "user_id"),
    ("reminder_optins", "user_id"),
    ("no_shows", "user_id"),
    ("relay_focus", "user_id"),
    ("relay_held", "user_id"),
    ("group_members", "user_id"),
    # What a resident told the parser a message meant (its text is theirs).
    ("corrections", "user_id"),
    # A private reminder's chat is the resident's own (groups have negative ids).
    ("sent_reminders", "chat_id"),
    # Bookings and waits (a thing still out is kept anonymous first: bot/core/bookings).
    ("bookings", "user_id"),
    ("booking_waits", "user_id"),
    # Awards and deliberations (issue 17): a nomination by or of the resident, their award,
    # their votes. A poll's totals stay (numbers, nobody in them).
    ("nominations", "user_id"),
    ("nominations", "nominated_by"),
    ("awards", "user_id"),
    ("deliberation_votes", "user_id"),
    # Volunteering: team memberships, sign-ups and points are the resident's own record.
    ("volunteer_members", "user_id"),
    ("duty_signups", "user_id"),
    ("volunteer_points", "user_id"),
    # A captain an admin added from Telegram stops being one (issue 16).
    ("building_captains", "user_id"),
)
# Records others still need (the audit log, events, a no-show reported): kept anonymous.
_ANONYMISE = (
    ("audit_log", "actor_id"),
    ("events", "created_by"),
    ("events", "cancelled_by"),
    ("no_shows", "reported_by"),
    ("bookings", "blocked_by"),
    ("bookings", "decided_by"),
    ("nominations", "reviewed_by"),
    ("awards", "accepted_by"),
    ("deliberations", "opened_by"),
    ("deliberations", "follow_up_by"),
    # A duty or team the resident set up as a captain stays for the others on it.
    ("volunteer_teams", "created_by"),
    ("duties", "created_by"),
    ("duties", "cancelled_by"),
    ("duty_signups", "decided_by"),
    ("volunteer_points", "awarded_by"),
    ("building_captains", "added_by"),
    ("captain_changes", "user_id"),
    ("captain_changes", "changed_by"),
)
# Messages naming the resident (`subject_ids`, a JSON array of ids) are deleted too.
_NAMING = ("outbox", "pending_notices")
# Columns named like people's that are not a resident's data: a captain's binding to the
# operator's config, and the worker (a host name) holding a row.
NOT_PERSONAL = (
    ("role_usernames", "user_id"),
    ("outbox", "claimed_by"),
    ("inbox", "claimed_by"),
)
PERSONAL_COLUMNS = frozenset(
    {*_DELETE_ROWS_OF, *_ANONYMISE, ("users", "user_id"), ("unknown_groups", "added_by")}
    | {("entries", "user_id"), ("matches", "requester_id"), ("matches", "giver_id")}
)


@dataclass(frozen=True)
class Report:
    id: int
    user_id: int
    chat_id: int | None
    building: str
    text: str
    source: str
    status: str
    created_at: datetime
    updated_at: datetime
    topic: str | None = None  # what it is about (RepairTopic), None when not known
    residents: int = 1  # its author and the neighbours who complained of the same thing


@dataclass(frozen=True)
class ComplaintAsk:
    """A complaint in the group waiting for its author's answer: send it to the captains?"""

    id: int
    user_id: int
    chat_id: int
    message_id: int | None
    building: str
    text: str
    topic: str | None
    created_at: datetime
    answer: str | None


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor_id: int
    action: str
    building: str | None
    target: str
    detail: str


@dataclass(frozen=True)
class HandOver:
    """A completed hand-over, as statistics see it."""

    giver_id: int
    requested_at: datetime
    handed_at: datetime


@dataclass(frozen=True)
class GiverCount:
    user_id: int
    first_name: str
    handovers: int


def _report(row: Row) -> Report:
    return Report(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        building=row["building"],
        text=row["text"],
        source=row["source"],
        status=row["status"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        topic=row["topic"],
        residents=int(row["residents"]),
    )


# A report with how many residents it speaks for (its author and those who joined it).
_REPORTS = """SELECT r.*, 1 + (SELECT COUNT(*) FROM report_voices v WHERE v.report_id = r.id)
                  AS residents FROM reports r"""


def _ask(row: Row) -> ComplaintAsk:
    return ComplaintAsk(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        building=row["building"],
        text=row["text"],
        topic=row["topic"],
        created_at=datetime.fromisoformat(row["created_at"]),
        answer=row["answer"],
    )


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class CaptainQueries(TxBase):
    """Captains' and admins' questions, and the privacy bookkeeping."""

    # --- audit log ----------------------------------------------------------------------

    async def add_audit(
        self,
        now: datetime,
        actor_id: int,
        action: str,
        *,
        building: str | None = None,
        target: str = "",
        detail: str = "",
    ) -> None:
        await self._db.execute(
            """INSERT INTO audit_log (at, actor_id, action, building, target, detail)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (_ts(now), actor_id, action, building, target, detail),
        )

    async def count_audit_since(
        self,
        action: str,
        since: datetime,
        *,
        actor_id: int | None = None,
        target: str | None = None,
    ) -> int:
        """How many `action` rows since `since`, by one actor or about one target."""
        sql = "SELECT COUNT(*) AS n FROM audit_log WHERE at >= ? AND action = ?"
        params: list[object] = [_ts(since), action]
        if actor_id is not None:
            sql += " AND actor_id = ?"
            params.append(actor_id)
        if target is not None:
            sql += " AND target = ?"
            params.append(target)
        row = await self._one(sql, tuple(params))
        return int(row["n"]) if row else 0

    async def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        rows = await self._all("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [
            AuditRecord(
                at=datetime.fromisoformat(r["at"]),
                actor_id=r["actor_id"],
                action=r["action"],
                building=r["building"],
                target=r["target"],
                detail=r["detail"],
            )
            for r in rows
        ]

    # --- the ledger as captains see it ------------------------------------------------

    async def captain_ledger(
        self,
        buildings: Sequence[str],
        *,
        limit: int,
        offset: int = 0,
        communities: Sequence[str] = (),
    ) -> tuple[list[Entry], int]:
        """Open offers and requests of these buildings, and of these communities' community-wide
        groups (entries without a building), newest first, and how many in all."""
        if not buildings:
            return [], 0
        statuses = (*OPEN_OFFER, *OPEN_REQUEST)
        places = f"building IN ({_marks(buildings)})"
        if communities:
            places = f"({places} OR (building IS NULL AND community IN ({_marks(communities)})))"
        where = f"{places} AND status IN ({_marks(statuses)})"
        params = (*buildings, *communities, *statuses)
        count = await self._one(f"SELECT COUNT(*) AS n FROM entries WHERE {where}", params)
        rows = await self._all(
            f"SELECT * FROM entries WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_entry(r) for r in rows], int(count["n"]) if count else 0

    # --- reports ------------------------------------------------------------------------

    async def add_report(
        self,
        *,
        user_id: int,
        chat_id: int | None,
        building: str,
        text: str,
        source: str,
        now: datetime,
        topic: str | None = None,
    ) -> Report:
        row = await self._one(
            """INSERT INTO reports (user_id, chat_id, building, text, source, status,
                   created_at, updated_at, topic)
               VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id""",
            (user_id, chat_id, building, text, source, _ts(now), _ts(now), topic),
        )
        assert row is not None
        report = await self.report(row["id"])
        assert report is not None
        return report

    async def count_reports_since(self, user_id: int, since: datetime) -> int:
        """How many reports a resident filed since `since`."""
        row = await self._one(
            "SELECT COUNT(*) AS n FROM reports WHERE user_id = ? AND created_at >= ?",
            (user_id, _ts(since)),
        )
        return int(row["n"]) if row else 0

    async def report(self, report_id: int) -> Report | None:
        row = await self._one(f"{_REPORTS} WHERE r.id = ?", (report_id,))
        return _report(row) if row else None

    async def set_report_status(self, report_id: int, status: str, now: datetime) -> bool:
        """Move a report to `status`; False when it already was there (a double press)."""
        cur = await self._db.execute(
            """UPDATE reports SET status = ?, updated_at = ?,
                   resolved_at = CASE WHEN ? = 'resolved' THEN ? ELSE NULL END
               WHERE id = ? AND status != ?""",
            (status, _ts(now), status, _ts(now), report_id, status),
        )
        return cur.rowcount == 1

    async def reports_in(
        self, buildings: Sequence[str], statuses: Sequence[str] = ("open", "progress")
    ) -> list[Report]:
        if not buildings:
            return []
        rows = await self._all(
            f"""{_REPORTS} WHERE r.building IN ({_marks(buildings)})
                AND r.status IN ({_marks(statuses)}) ORDER BY r.id""",
            (*buildings, *statuses),
        )
        return [_report(r) for r in rows]

    async def reports_of(self, user_id: int) -> list[Report]:
        rows = await self._all(
            f"{_REPORTS} WHERE r.user_id = ? ORDER BY r.id DESC LIMIT 20", (user_id,)
        )
        return [_report(r) for r in rows]

    async def open_reports_about(self, building: str, topic: str) -> list[Report]:
        """Unresolved reports of a building about one topic, the most recently active first."""
        rows = await self._all(
            f"""{_REPORTS} WHERE r.building = ? AND r.topic = ? AND r.status != 'resolved'
                ORDER BY r.updated_at DESC, r.id DESC""",
            (building, topic),
        )
        return [_report(r) for r in rows]

    async def add_report_voice(
        self, report_id: int, user_id: int, text: str, now: datetime
    ) -> bool:
        """A neighbour complains of the same thing; False if they already had."""
        rows = await self._all(
            """INSERT INTO report_voices (report_id, user_id, text, created_at)
               VALUES (?, ?, ?, ?) ON CONFLICT (report_id, user_id) DO NOTHING
               RETURNING report_id""",
            (report_id, user_id, text, _ts(now)),
        )
        if rows:
            # A fresh complaint keeps the report "the same thing" for later ones.
            await self._db.execute(
                "UPDATE reports SET updated_at = ? WHERE id = ?", (_ts(now), report_id)
            )
        return bool(rows)

    async def report_voices(self, report_id: int) -> list[int]:
        """Who joined a report, in order (its author not included)."""
        rows = await self._all(
            "SELECT user_id FROM report_voices WHERE report_id = ? ORDER BY created_at, user_id",
            (report_id,),
        )
        return [int(r["user_id"]) for r in rows]

    # --- complaints waiting for their author's answer -------------------------------------

    async def add_complaint_ask(
        self,
        *,
        user_id: int,
        chat_id: int,
        message_id: int | None,
        building: str,
        text: str,
        topic: str | None,
        now: datetime,
    ) -> int:
        row = await self._one(
            """INSERT INTO complaint_asks (user_id, chat_id, message_id, building, text, topic,
                   created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (user_id, chat_id, message_id, building, text, topic, _ts(now)),
        )
        assert row is not None
        return int(row["id"])

    async def complaint_ask(self, ask_id: int) -> ComplaintAsk | None:
        row = await self._one("SELECT * FROM complaint_asks WHERE id = ?", (ask_id,))
        return _ask(row) if row else None

    async def answer_complaint_ask(self, ask_id: int, answer: str) -> bool:
        """Record the author's answer; False if it was answered already (a double press)."""
        cur = await self._db.execute(
            "UPDATE complaint_asks SET answer = ? WHERE id = ? AND answer IS NULL",
            (answer, ask_id),
        )
        return cur.rowcount == 1

    async def unanswered_ask_about(
        self, user_id: int, building: str, topic: str | None, since: datetime
    ) -> bool:
        """Whether the resident was asked about this already and has not answered yet."""
        same = "topic IS NULL" if topic is None else "topic = ?"
        row = await self._one(
            f"""SELECT 1 AS found FROM complaint_asks WHERE user_id = ? AND building = ?
               AND {same} AND answer IS NULL AND created_at >= ?""",
            (user_id, building, *(() if topic is None else (topic,)), _ts(since)),
        )
        return row is not None

    # --- opt-ins ------------------------------------------------------------------------

    async def set_opt_in(self, user_id: int, kind: str, on: bool, now: datetime) -> None:
        if on:
            await self._db.execute(
                """INSERT INTO opt_ins (user_id, kind, created_at) VALUES (?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (user_id, kind, _ts(now)),
            )
        else:
            await self._db.execute(
                "DELETE FROM opt_ins WHERE user_id = ? AND kind = ?", (user_id, kind)
            )

    async def opted_in(self, user_id: int, kind: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM opt_ins WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
        return row is not None

    # --- statistics -----------------------------------------------------------------------

    async def entries_created_in(
        self, buildings: Sequence[str], since: datetime, until: datetime
    ) -> list[tuple[str, datetime]]:
        """(kind, created_at) of every entry of these buildings created in [since, until)."""
        rows = await self._all(
            f"""SELECT kind, created_at FROM entries WHERE building IN ({_marks(buildings)})
                AND created_at >= ? AND created_at < ?""",
            (*buildings, _ts(since), _ts(until)),
        )
        return [(r["kind"], datetime.fromisoformat(r["created_at"])) for r in rows]

    async def matches_created_in(
        self, buildings: Sequence[str], since: datetime, until: datetime
    ) -> list[datetime]:
        rows = await self._all(
            f"""SELECT m.created_at FROM matches m JOIN entries r ON r.id = m.request_id
                WHERE r.building IN ({_marks(buildings)})
                AND m.created_at >= ? AND m.created_at < ?""",
            (*buildings, _ts(since), _ts(until)),
        )
        return [datetime.fromisoformat(r["created_at"]) for r in rows]

    async def handovers_in(
        self, buildings: Sequence[str], since: datetime, until: datetime
    ) -> list[HandOver]:
        rows = await self._all(
            f"""SELECT m.giver_id, r.created_at AS requested_at, m.updated_at AS handed_at
                FROM matches m JOIN entries r ON r.id = m.request_id
                WHERE r.building IN ({_marks(buildings)}) AND m.status = 'handed_over'
                AND m.updated_at >= ? AND m.updated_at < ?""",
            (*buildings, _ts(since), _ts(until)),
        )
        return [
            HandOver(
                giver_id=r["giver_id"],
                requested_at=datetime.fromisoformat(r["requested_at"]),
                handed_at=datetime.fromisoformat(r["handed_at"]),
            )
            for r in rows
        ]

    async def consenting_givers(
        self, building: str, since: datetime, until: datetime
    ) -> list[GiverCount]:
        """Givers who opted in to the thank-you list, with their hand-overs in the period."""
        rows = await self._all(
            """SELECT m.giver_id, u.first_name, COUNT(*) AS n
               FROM matches m JOIN entries o ON o.id = m.offer_id
               JOIN users u ON u.user_id = m.giver_id
               JOIN opt_ins oi ON oi.user_id = m.giver_id AND oi.kind = 'thanks'
               WHERE o.building = ? AND m.status = 'handed_over'
               AND m.updated_at >= ? AND m.updated_at < ?
               GROUP BY m.giver_id, u.first_name ORDER BY n DESC, u.first_name""",
            (building, _ts(since), _ts(until)),
        )
        return [GiverCount(r["giver_id"], r["first_name"], r["n"]) for r in rows]

    async def thanks_state(self, building: str, month: str) -> tuple[bool, bool]:
        """(prompted, posted) for a building's thank-you list of `month` (YYYY-MM)."""
        row = await self._one(
            "SELECT prompted_at, posted_at FROM thanks_lists WHERE building = ? AND month = ?",
            (building, month),
        )
        if row is None:
            return False, False
        return row["prompted_at"] is not None, row["posted_at"] is not None

    async def mark_thanks(self, building: str, month: str, what: str, now: datetime) -> None:
        column = "posted_at" if what == "posted" else "prompted_at"
        await self._db.execute(
            "INSERT INTO thanks_lists (building, month) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (building, month),
        )
        await self._db.execute(
            f"UPDATE thanks_lists SET {column} = ? WHERE building = ? AND month = ?",
            (_ts(now), building, month),
        )

    # --- groups: unknown ones and migrations ---------------------------------------------

    async def note_unknown_group(
        self, chat_id: int, title: str, added_by: int | None, now: datetime
    ) -> bool:
        """Remember an unconfigured group; True the first time it is seen."""
        cur = await self._db.execute(
            """INSERT INTO unknown_groups (chat_id, title, added_by, first_seen)
               VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (chat_id, title, added_by, _ts(now)),
        )
        return cur.rowcount == 1

    async def add_chat_alias(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """Record a supergroup upgrade; False if it was recorded already."""
        cur = await self._db.execute(
            """INSERT INTO chat_aliases (old_chat_id, new_chat_id, migrated_at)
               VALUES (?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (old_chat_id, new_chat_id, _ts(now)),
        )
        return cur.rowcount == 1

    async def chat_aliases(self) -> dict[int, int]:
        rows = await self._all("SELECT old_chat_id, new_chat_id FROM chat_aliases")
        return {r["old_chat_id"]: r["new_chat_id"] for r in rows}

    async def follow_chat_migration(self, old_chat_id: int, new_chat_id: int) -> dict[str, int]:
        """Point every stored chat reference (any table's chat_id / home_chat_id) at the new id.

        Generic over tables so features added later (events, …) follow the group too.
        """
        changed: dict[str, int] = {}
        for table in await self._tables():
            if table in ("chat_aliases", "unknown_groups"):
                continue
            for column in await self._columns(table):
                if column not in ("chat_id", "home_chat_id"):
                    continue
                cur = await self._db.execute(
                    f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                    (new_chat_id, old_chat_id),
                )
                if cur.rowcount:
                    changed[f"{table}.{column}"] = cur.rowcount
        return changed

    # --- forgetting a resident -----------------------------------------------------------

    async def use_secure_delete(self) -> None:
        """Overwrite deleted content on disk too (SQLite otherwise leaves it in free pages).

        PostgreSQL has no such switch (deleted rows' space is reused once vacuumed).
        """
        if self.dialect is Dialect.SQLITE:
            await self._db.execute("PRAGMA secure_delete = ON")

    async def all_matches_involving(self, user_id: int) -> list[Match]:
        rows = await self._all(
            "SELECT * FROM matches WHERE requester_id = ? OR giver_id = ? ORDER BY id",
            (user_id, user_id),
        )
        return [_match(r) for r in rows]

    async def delete_match(self, match_id: int) -> None:
        await self._db.execute("DELETE FROM matches WHERE id = ?", (match_id,))

    async def anonymise_match(self, match_id: int, user_id: int) -> None:
        """Keep a completed hand-over for the other side, without this resident in it."""
        await self._db.execute(
            """UPDATE matches SET
                   requester_id = CASE WHEN requester_id = ? THEN ? ELSE requester_id END,
                   giver_id = CASE WHEN giver_id = ? THEN ? ELSE giver_id END,
                   pickup_note = NULL
               WHERE id = ?""",
            (user_id, ANONYMOUS, user_id, ANONYMOUS, match_id),
        )

    async def all_entries_of(self, user_id: int) -> list[Entry]:
        rows = await self._all("SELECT * FROM entries WHERE user_id = ? ORDER BY id", (user_id,))
        return [_entry(r) for r in rows]

    async def entry_is_referenced(self, entry_id: int) -> bool:
        row = await self._one(
            "SELECT 1 FROM matches WHERE request_id = ? OR offer_id = ? LIMIT 1",
            (entry_id, entry_id),
        )
        return row is not None

    async def delete_entry(self, entry_id: int) -> None:
        await self._db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    async def anonymise_entry(self, entry_id: int) -> None:
        """Keep the item of a completed hand-over; drop who wrote it and their words."""
        await self._db.execute(
            "UPDATE entries SET user_id = ?, text = '', message_id = NULL WHERE id = ?",
            (ANONYMOUS, entry_id),
        )
        await self._db.execute("DELETE FROM entry_keys WHERE entry_id = ?", (entry_id,))

    async def erase_person(self, user_id: int) -> None:
        """Delete the rest of a resident from Jinlin's own tables: by their id, never by
        searching stored text for a name (which would find other people's rows)."""
        for table, column in _DELETE_ROWS_OF:
            await self._db.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', (user_id,))
        for table, column in _ANONYMISE:
            await self._db.execute(
                f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?', (ANONYMOUS, user_id)
            )
        await self._db.execute(
            "UPDATE unknown_groups SET added_by = NULL WHERE added_by = ?", (user_id,)
        )
        for table in _NAMING:
            # LIKE narrows the rows in the database; the JSON check below is the exact one
            # (1066 must not match 10660).
            rows = await self._all(
                f'SELECT id, subject_ids FROM "{table}" WHERE subject_ids LIKE ?',
                (f"%{user_id}%",),
            )
            naming = [r["id"] for r in rows if user_id in json.loads(r["subject_ids"])]
            if naming:
                await self._db.execute(
                    f'DELETE FROM "{table}" WHERE id IN ({_marks(naming)})', tuple(naming)
                )
        await self._db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        self._user_row_changed(user_id)
        self.reading_changes.append((user_id, "forget", None))

    # --- retention ------------------------------------------------------------------------

    async def purge_closed(self, cutoff: datetime, *, delivery_cutoff: datetime) -> dict[str, int]:
        """Delete closed history older than `cutoff`, and sent messages before delivery_cutoff."""
        counts: dict[str, int] = {}
        old = _ts(cutoff)
        open_statuses = (*OPEN_OFFER, *OPEN_REQUEST)
        cur = await self._db.execute(
            f"""DELETE FROM matches WHERE status NOT IN ('asked', 'accepted')
                AND updated_at < ?
                AND request_id IN (SELECT id FROM entries WHERE closed_at IS NOT NULL
                                   AND closed_at < ?)
                AND offer_id IN (SELECT id FROM entries WHERE status NOT IN
                                 ({_marks(open_statuses)}) AND closed_at IS NOT NULL
                                 AND closed_at < ?)""",
            (old, old, *open_statuses, old),
        )
        counts["matches"] = cur.rowcount
        cur = await self._db.execute(
            f"""DELETE FROM entries WHERE closed_at IS NOT NULL AND closed_at < ?
                AND status NOT IN ({_marks(open_statuses)})
                AND NOT EXISTS (SELECT 1 FROM matches m
                                WHERE m.request_id = entries.id OR m.offer_id = entries.id)""",
            (old, *open_statuses),
        )
        counts["entries"] = cur.rowcount
        cur = await self._db.execute(
            "DELETE FROM reports WHERE status = 'resolved' AND resolved_at < ?", (old,)
        )
        counts["reports"] = cur.rowcount
        cur = await self._db.execute(
            "DELETE FROM report_voices WHERE report_id NOT IN (SELECT id FROM reports)"
        )
        counts["report_voices"] = cur.rowcount
        # An answered question about a complaint has done its work (the report, if any,
        # keeps the text); an unanswered one goes with the record of sent messages.
        cur = await self._db.execute(
            "DELETE FROM complaint_asks WHERE answer IS NOT NULL OR created_at < ?",
            (_ts(delivery_cutoff),),
        )
        counts["complaint_asks"] = cur.rowcount
        cur = await self._db.execute(
            "DELETE FROM pending_notices WHERE delivered_at IS NOT NULL AND delivered_at < ?",
            (old,),
        )
        counts["pending_notices"] = cur.rowcount
        cur = await self._db.execute("DELETE FROM audit_log WHERE at < ?", (old,))
        counts["audit_log"] = cur.rowcount
        cur = await self._db.execute("DELETE FROM captain_changes WHERE at < ?", (old,))
        counts["captain_changes"] = cur.rowcount
        cur = await self._db.execute("DELETE FROM corrections WHERE created_at < ?", (old,))
        counts["corrections"] = cur.rowcount
        cur = await self._db.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?",
            (_ts(delivery_cutoff),),
        )
        counts["outbox"] = cur.rowcount
        counts.update(await self._purge_personal(old, _ts(delivery_cutoff)))
        return counts

    async def _purge_personal(self, old: str, done: str) -> dict[str, int]:
        """What /privacy promises: pickup notes and held relay messages go once a hand-over
        is over (`done`), and a resident with nothing left in Jinlin is forgotten after the
        retention period (`old`); both are ISO timestamps."""
        counts: dict[str, int] = {}
        over = "SELECT id FROM matches WHERE status NOT IN ('asked', 'accepted') AND updated_at < ?"
        cur = await self._db.execute(
            f"""UPDATE matches SET pickup_note = NULL
                WHERE pickup_note IS NOT NULL AND id IN ({over})""",
            (done,),
        )
        counts["pickup_notes"] = cur.rowcount
        cur = await self._db.execute(f"DELETE FROM relay_held WHERE match_id IN ({over})", (done,))
        counts["relay_held"] = cur.rowcount
        cur = await self._db.execute("DELETE FROM group_members WHERE checked_at < ?", (old,))
        counts["group_members"] = cur.rowcount
        rows = await self._all(
            """SELECT user_id FROM users u WHERE updated_at < ?
               AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.user_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM matches m
                               WHERE m.requester_id = u.user_id OR m.giver_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.user_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM alerts a
                               WHERE a.user_id = u.user_id AND a.status = 'active')
               AND NOT EXISTS (SELECT 1 FROM opt_ins o WHERE o.user_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM volunteer_members v WHERE v.user_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM volunteer_points p WHERE p.user_id = u.user_id)
               AND NOT EXISTS (SELECT 1 FROM pending_notices p
                               WHERE p.user_id = u.user_id AND p.delivered_at IS NULL)""",
            (old,),
        )
        for row in rows:
            await self.erase_person(row["user_id"])
        counts["users"] = len(rows)
        return counts


__all__ = [
    "ANONYMOUS",
    "AuditRecord",
    "CaptainQueries",
    "ComplaintAsk",
    "GiverCount",
    "HandOver",
    "Report",
]
