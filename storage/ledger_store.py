"""Repository queries of the core loop: residents, ledger entries, matches, outbox."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from storage.driver import Dialect, Row
from storage.records import Entry, Match, NewEntry, OutboxRow, PendingNotice, UserRecord
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts
from storage.user_changes import CHANNEL, notice

logger = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours; an hour more for clocks that disagree.
REDELIVERY_HORIZON = timedelta(hours=25)

OPEN_OFFER = ("available", "reserved")
OPEN_REQUEST = ("open", "matched")


def _entry(row: Row) -> Entry:
    return Entry(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        building=row["building"],
        community=row["community"],
        item_name=row["item_name"],
        canonical=row["canonical"],
        category=row["category"],
        medical=bool(row["medical"]),
        urgent=bool(row["urgent"]),
        quantity=row["quantity"],
        unit=row["unit"],
        remaining=row["remaining"],
        held=row["held"],
        text=row["text"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        nudged_at=_dt(row["nudged_at"]),
        closed_at=_dt(row["closed_at"]),
    )


_USER_FIELDS = tuple(field.name for field in dataclasses.fields(UserRecord))


def _user(row: Row, prefix: str = "") -> UserRecord:
    return UserRecord(
        user_id=row[f"{prefix}user_id"],
        first_name=row[f"{prefix}first_name"],
        username=row[f"{prefix}username"],
        language_code=row[f"{prefix}language_code"],
        started=bool(row[f"{prefix}started"]),
        home_chat_id=row[f"{prefix}home_chat_id"],
        language=row[f"{prefix}language"],
        script=row[f"{prefix}script"],
    )


def _user_columns(table: str, prefix: str) -> str:
    return ", ".join(f"{table}.{field} AS {prefix}{field}" for field in _USER_FIELDS)


def _match(row: Row) -> Match:
    return Match(
        id=row["id"],
        request_id=row["request_id"],
        offer_id=row["offer_id"],
        requester_id=row["requester_id"],
        giver_id=row["giver_id"],
        quantity=row["quantity"],
        status=row["status"],
        pickup_note=row["pickup_note"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


_SAVE_USER = """INSERT INTO users (user_id, first_name, username, language_code, started,
                                   home_chat_id, script, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        first_name = excluded.first_name,
        username = excluded.username,
        language_code = COALESCE(excluded.language_code, users.language_code),
        script = COALESCE(excluded.script, users.script),
        started = CASE WHEN excluded.started > users.started
                       THEN excluded.started ELSE users.started END,
        home_chat_id = COALESCE(excluded.home_chat_id, users.home_chat_id),
        updated_at = excluded.updated_at"""
_ON_MEMBER = (
    "ON CONFLICT (chat_id, user_id) DO UPDATE SET member = 1, checked_at = excluded.checked_at"
)
_SAVE_MEMBER = f"""INSERT INTO group_members (chat_id, user_id, member, checked_at)
    VALUES (?, ?, 1, ?) {_ON_MEMBER}"""
# The same, inside one PostgreSQL statement with the user's row: written only when the last
# parameter is true (a home group is known).
_SAVE_MEMBER_IF = f"""INSERT INTO group_members (chat_id, user_id, member, checked_at)
    SELECT ?, ?, 1, ? WHERE ? {_ON_MEMBER}"""


_INSERT_ENTRY = """INSERT INTO entries (kind, status, user_id, chat_id, message_id, building,
        community, item_name, canonical, category, medical, urgent, quantity, unit, remaining,
        held, text, created_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING *"""


_INSERT_MATCH = """INSERT INTO matches (request_id, offer_id, requester_id, giver_id, quantity,
        status, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, 'asked', ?, ?) RETURNING *"""
_HOLD = "UPDATE entries SET held = held + ? WHERE id = ?"


def _match_values(request: Entry, offer: Entry, quantity: float, now: datetime) -> tuple[Any, ...]:
    stamp = _ts(now)
    return (request.id, offer.id, request.user_id, offer.user_id, quantity, stamp, stamp)


_QUEUE = "INSERT INTO outbox (effect, created_at, recipient_id, subject_ids, not_before)"
_QUEUE_ROW = "(?, ?, ?, ?, ?)"
# Messages queued by the claim's own statement at most: past it (a notice to a whole building)
# they go in a statement of their own, well inside PostgreSQL's limit of parameters.
_QUEUE_WITH_CLAIM = 200


def _outbox_rows(effects: Iterable[str], now: datetime) -> list[tuple[Any, ...]]:
    rows = []
    for effect in effects:
        data = json.loads(effect)
        recipient, about = _people_of(data)
        held = data.get("not_before")  # a nudge decided in quiet hours
        not_before = _ts(datetime.fromisoformat(held)) if isinstance(held, str) else None
        rows.append((effect, _ts(now), recipient, _subject_ids(about), not_before))
    return rows


class LedgerQueries(TxBase):
    """Residents, the ledger, matches, the outbox and exactly-once bookkeeping."""

    # --- exactly-once -------------------------------------------------------------------

    async def claim_update(
        self, update_id: int, now: datetime, *, effects: Sequence[str] = ()
    ) -> bool:
        """Record an update as applied, with the messages its unit sends (`effects`, encoded:
        queued in the outbox); False if it was applied before (a redelivery) — then the
        caller rolls the transaction back, as the messages may be queued already.

        A unit that claims at its end (handlers.common.run_unit's `claim_last`) passes its
        messages here: on PostgreSQL the claim and the messages go in one statement, a round
        trip fewer per update than claiming first and queueing after.

        An id applied longer ago than Telegram keeps an update cannot be a redelivery: its
        ids started again (a week without updates, or a new token on this database).
        """
        rows = _outbox_rows(effects, now)
        if rows and len(rows) <= _QUEUE_WITH_CLAIM and self.dialect is Dialect.POSTGRESQL:
            claimed = bool(
                await self._all(
                    f"""WITH queued AS ({_QUEUE} VALUES {", ".join(_QUEUE_ROW for _ in rows)})
                    INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)
                    ON CONFLICT DO NOTHING RETURNING update_id""",
                    (*(v for row in rows for v in row), update_id, _ts(now)),
                )
            )
            rows = []  # queued
        else:
            cur = await self._db.execute(
                """INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)
                   ON CONFLICT DO NOTHING""",
                (update_id, _ts(now)),
            )
            claimed = cur.rowcount == 1
        if not claimed:
            cur = await self._db.execute(
                """UPDATE processed_updates SET processed_at = ?
                   WHERE update_id = ? AND processed_at < ?""",
                (_ts(now), update_id, _ts(now - REDELIVERY_HORIZON)),
            )
            if cur.rowcount != 1:
                return False
            logger.warning(
                "update id %s was applied long ago: Telegram restarted its ids", update_id
            )
        if rows:
            await self._db.executemany(f"{_QUEUE} VALUES {_QUEUE_ROW}", rows)
        return True

    async def applied_before(self, update_id: int, now: datetime) -> bool:
        """Whether `claim_update` would call the update a redelivery. False when this
        transaction can no longer answer (a statement in it failed): the caller's error
        stands."""
        try:
            row = await self._one(
                "SELECT 1 FROM processed_updates WHERE update_id = ? AND processed_at >= ?",
                (update_id, _ts(now - REDELIVERY_HORIZON)),
            )
        except Exception:
            return False
        return row is not None

    async def forget_applied_updates(self, now: datetime) -> int:
        """Drop the ids of updates Telegram can no longer redeliver; returns how many."""
        cur = await self._db.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?",
            (_ts(now - REDELIVERY_HORIZON),),
        )
        return cur.rowcount

    # --- residents ----------------------------------------------------------------------

    async def save_user(self, user: UserRecord, now: datetime) -> None:
        """Insert or refresh what Telegram told us about a resident (keeps `started`).

        A home group is where they were just seen writing: proof of membership, which private
        buttons and links ask for (bot/core/membership.py), refreshed with the row (at least
        hourly while they write), well within the day it is trusted.
        """
        if self._known_users.unchanged(user, now):
            return  # the row says this already (storage/known_users.py): no write
        row = (
            user.user_id,
            user.first_name,
            user.username,
            user.language_code,
            int(user.started),
            user.home_chat_id,
            user.script,
            _ts(now),
        )
        if self.dialect is Dialect.POSTGRESQL:
            # One round trip for both rows, and whether the resident's row is new: a row
            # that did not exist is in no other worker's cache, so nobody need hear of it;
            # the others are told by the same statement (delivered when it commits).
            sender = self._notice_as
            told = "(SELECT 1 FROM pg_notify(?, ?) WHERE NOT saved.created)" if sender else "NULL"
            found = await self._one(
                f"""WITH saved AS ({_SAVE_USER} RETURNING (xmax = 0) AS created),
                    member AS ({_SAVE_MEMBER_IF})
                    SELECT created, {told} AS told FROM saved""",
                (
                    *row,
                    user.home_chat_id,
                    user.user_id,
                    _ts(now),
                    user.home_chat_id is not None,
                    *((CHANNEL, notice(sender, [user.user_id])) if sender else ()),
                ),
            )
            if found is not None and found["created"]:
                self.created_users.add(user.user_id)
            elif sender:
                self.announced_users.add(user.user_id)
        else:
            await self._db.execute(_SAVE_USER, row)
            if user.home_chat_id is not None:
                await self._db.execute(_SAVE_MEMBER, (user.home_chat_id, user.user_id, _ts(now)))
        self.saved_users.append((user, now))
        if user.script is not None:
            self.reading_changes.append((user.user_id, "script", user.script))

    async def user(self, user_id: int) -> UserRecord | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row is not None else None

    async def users(self, *user_ids: int) -> list[UserRecord | None]:
        """Several residents in one round trip, in the order asked (None: never seen)."""
        ids = list(dict.fromkeys(user_ids))
        marks = ", ".join("?" * len(ids))
        rows = await self._db.execute_fetchall(
            f"SELECT * FROM users WHERE user_id IN ({marks})", ids
        )
        found = {row["user_id"]: _user(row) for row in rows}
        return [found.get(user_id) for user_id in user_ids]

    async def user_by_username(self, username: str) -> UserRecord | None:
        """The resident last seen with this public @username (case-insensitive), if any."""
        row = await self._one(
            "SELECT * FROM users WHERE LOWER(username) = ? ORDER BY updated_at DESC LIMIT 1",
            (username.lower().lstrip("@"),),
        )
        return _user(row) if row is not None else None

    async def set_language(self, user_id: int, language: str | None, now: datetime) -> None:
        """A resident's /lang choice (None: back to their app's language and writing)."""
        await self._db.execute(
            """INSERT INTO users (user_id, first_name, language, updated_at)
               VALUES (?, '', ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET
                   language = excluded.language, updated_at = excluded.updated_at""",
            (user_id, language, _ts(now)),
        )
        self._user_row_changed(user_id)
        self.reading_changes.append((user_id, "language", language))

    # --- ledger -------------------------------------------------------------------------

    async def add_entry(self, new: NewEntry) -> Entry:
        """Open a ledger entry with its match keys."""
        status = "available" if new.kind == "offer" else "open"
        remaining = new.quantity if new.quantity and new.quantity > 0 else 1.0
        keys = sorted(new.keys)
        values = (
            new.kind,
            status,
            new.user_id,
            new.chat_id,
            new.message_id,
            new.building,
            new.community,
            new.item_name,
            new.canonical,
            new.category,
            int(new.medical),
            int(new.urgent),
            new.quantity,
            new.unit,
            remaining,
            new.text,
            _ts(new.created_at),
            _ts(new.expires_at),
        )
        key_rows = [(new.kind, key, new.building, new.community, int(new.urgent)) for key in keys]
        if self.dialect is Dialect.POSTGRESQL and keys:
            # The row and its keys in one statement: one round trip instead of two.
            marks = ", ".join("(?::text)" for _ in keys)
            row = await self._one(
                f"""WITH e AS ({_INSERT_ENTRY}),
                    k AS (INSERT INTO entry_keys (entry_id, kind, key, building, community, urgent)
                          SELECT e.id, ?::text, v.key, ?::text, ?::text, ?::bigint
                          FROM e, (VALUES {marks}) AS v (key)
                          ON CONFLICT DO NOTHING)
                    SELECT * FROM e""",
                (*values, new.kind, new.building, new.community, int(new.urgent), *keys),
            )
            assert row is not None
            return _entry(row)
        # RETURNING: the stored row comes back with the insert, no second round trip.
        row = await self._one(_INSERT_ENTRY, values)
        assert row is not None
        entry = _entry(row)
        await self._db.executemany(
            """INSERT INTO entry_keys (entry_id, kind, key, building, community, urgent)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            [(entry.id, *key_row) for key_row in key_rows],
        )
        return entry

    async def entry(self, entry_id: int) -> Entry | None:
        row = await self._one("SELECT * FROM entries WHERE id = ?", (entry_id,))
        return _entry(row) if row else None

    async def entries_for_message(self, chat_id: int, message_id: int) -> list[Entry]:
        rows = await self._all(
            "SELECT * FROM entries WHERE chat_id = ? AND message_id = ? ORDER BY id",
            (chat_id, message_id),
        )
        return [_entry(r) for r in rows]

    async def open_entries_of(self, user_id: int) -> list[Entry]:
        """A resident's offers and requests still in play, newest first."""
        rows = await self._all(
            """SELECT * FROM entries WHERE user_id = ? AND status IN (?, ?, ?, ?)
               ORDER BY id DESC""",
            (user_id, *OPEN_OFFER, *OPEN_REQUEST),
        )
        return [_entry(r) for r in rows]

    async def count_open_entries(self, user_id: int) -> int:
        """How many offers and requests of a resident are still in play."""
        rows = await self._all(
            "SELECT COUNT(*) AS n FROM entries WHERE user_id = ? AND status IN (?, ?, ?, ?)",
            (user_id, *OPEN_OFFER, *OPEN_REQUEST),
        )
        return int(rows[0]["n"])

    async def count_urgent_since(self, user_id: int, since: datetime) -> int:
        """How many urgent messages (not items) of a resident were recorded since `since`."""
        rows = await self._all(
            """SELECT COUNT(DISTINCT message_id) AS n FROM entries
               WHERE user_id = ? AND urgent = 1 AND created_at >= ?""",
            (user_id, _ts(since)),
        )
        return int(rows[0]["n"])

    async def update_entry(
        self,
        entry_id: int,
        *,
        status: str | None = None,
        quantity: float | None = None,
        remaining: float | None = None,
        held: float | None = None,
        expires_at: datetime | None = None,
        nudged_at: datetime | bool | None = False,
        closed_at: datetime | None = None,
    ) -> None:
        """Change an entry's state; a closing status also drops its match keys."""
        sets: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("status", status),
            ("quantity", quantity),
            ("remaining", remaining),
            ("held", held),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        if expires_at is not None:
            sets.append("expires_at = ?")
            params.append(_ts(expires_at))
        if nudged_at is not False:
            sets.append("nudged_at = ?")
            params.append(_ts(nudged_at) if isinstance(nudged_at, datetime) else None)
        if closed_at is not None:
            sets.append("closed_at = ?")
            params.append(_ts(closed_at))
        if sets:
            await self._db.execute(
                f"UPDATE entries SET {', '.join(sets)} WHERE id = ?", (*params, entry_id)
            )
        if closed_at is not None:
            await self._db.execute("DELETE FROM entry_keys WHERE entry_id = ?", (entry_id,))

    async def lock_open_offer(self, offer_id: int) -> Entry | None:
        """The offer, row-locked for this transaction, if it still has something to give.

        None when another worker's transaction holds it right now (SKIP LOCKED: the caller
        moves on to the next offer instead of waiting to conflict) or it is taken.
        """
        row = await self._one(
            f"""SELECT * FROM entries WHERE id = ? AND status = 'available'
                AND remaining > held {self.dialect.skip_locked}""",
            (offer_id,),
        )
        return _entry(row) if row else None

    async def candidate_requests(
        self,
        keys: Iterable[str],
        *,
        building: str | None,
        community: str | None,
        exclude_user: int,
        limit: int = 5,
    ) -> list[Entry]:
        """Open requests wanting one of `keys` in scope and not already being served."""
        keys = sorted(set(keys))
        if not keys:
            return []
        scope_where, scope = scope_sql(building, community)
        rows = await self._all(
            f"""SELECT e.* FROM entry_keys k JOIN entries e ON e.id = k.entry_id
                WHERE k.kind = 'request' AND k.key IN ({",".join("?" * len(keys))})
                  AND {scope_where} AND e.user_id != ? AND e.status = 'open'
                  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.request_id = e.id
                                  AND m.status IN ('asked', 'accepted'))
                ORDER BY k.urgent DESC, e.id LIMIT ?""",
            (*keys, scope, exclude_user, limit),
        )
        return [_entry(r) for r in rows]

    async def entries_to_nudge(self, before: datetime) -> list[Entry]:
        """Open entries expiring before `before` that were not nudged yet."""
        rows = await self._all(
            """SELECT * FROM entries WHERE status IN ('available', 'open')
               AND nudged_at IS NULL AND expires_at <= ? ORDER BY expires_at""",
            (_ts(before),),
        )
        return [_entry(r) for r in rows]

    async def entries_expired(self, now: datetime) -> list[Entry]:
        """Open entries past their expiry with no agreed hand-over pending."""
        rows = await self._all(
            """SELECT * FROM entries WHERE status IN ('available', 'open')
               AND expires_at <= ? ORDER BY expires_at""",
            (_ts(now),),
        )
        return [_entry(r) for r in rows]

    # --- matches ------------------------------------------------------------------------

    async def add_match(
        self, request: Entry, offer: Entry, quantity: float, now: datetime
    ) -> Match:
        """Propose a hand-over and hold the quantity on the offer."""
        values = _match_values(request, offer, quantity, now)
        if self.dialect is Dialect.POSTGRESQL:
            # The hold rides with the insert: one round trip per ask, not two (SQLite has no
            # UPDATE inside WITH, and no round trips to save).
            row = await self._one(
                f"WITH held AS ({_HOLD}) {_INSERT_MATCH}", (quantity, offer.id, *values)
            )
        else:
            row = await self._one(_INSERT_MATCH, values)
            await self._db.execute(_HOLD, (quantity, offer.id))
        assert row is not None
        return _match(row)

    async def add_match_between(
        self, request: Entry, offer: Entry, quantity: float, now: datetime
    ) -> tuple[Match, UserRecord | None, UserRecord | None]:
        """`add_match`, with the requester and the giver as stored (None: never seen).

        On PostgreSQL the residents come back with the insert: one round trip per ask.
        """
        if self.dialect is not Dialect.POSTGRESQL:
            match = await self.add_match(request, offer, quantity, now)
            requester, giver = await self.users(request.user_id, offer.user_id)
            return match, requester, giver
        row = await self._one(
            f"""WITH held AS ({_HOLD}), m AS ({_INSERT_MATCH})
                SELECT m.*, {_user_columns("r", "r_")}, {_user_columns("g", "g_")}
                FROM m LEFT JOIN users r ON r.user_id = m.requester_id
                       LEFT JOIN users g ON g.user_id = m.giver_id""",
            (quantity, offer.id, *_match_values(request, offer, quantity, now)),
        )
        assert row is not None
        requester = _user(row, "r_") if row["r_user_id"] is not None else None
        giver = _user(row, "g_") if row["g_user_id"] is not None else None
        return _match(row), requester, giver

    async def match(self, match_id: int) -> Match | None:
        row = await self._one("SELECT * FROM matches WHERE id = ?", (match_id,))
        return _match(row) if row else None

    async def set_match(
        self, match_id: int, status: str, now: datetime, *, expect: str | None = None
    ) -> bool:
        """Move a match to `status`; with `expect`, only from that status (no replays)."""
        sql = "UPDATE matches SET status = ?, updated_at = ? WHERE id = ?"
        params: tuple[Any, ...] = (status, _ts(now), match_id)
        if expect is not None:
            sql += " AND status = ?"
            params += (expect,)
        cur = await self._db.execute(sql, params)
        return cur.rowcount == 1

    async def set_pickup_note(self, match_id: int, note: str) -> None:
        await self._db.execute("UPDATE matches SET pickup_note = ? WHERE id = ?", (note, match_id))

    async def offers_tried_for(self, request_id: int) -> list[int]:
        rows = await self._all(
            "SELECT DISTINCT offer_id FROM matches WHERE request_id = ?", (request_id,)
        )
        return [r["offer_id"] for r in rows]

    async def active_matches_of_entry(self, entry_id: int) -> list[Match]:
        rows = await self._all(
            """SELECT * FROM matches WHERE (request_id = ? OR offer_id = ?)
               AND status IN ('asked', 'accepted') ORDER BY id""",
            (entry_id, entry_id),
        )
        return [_match(r) for r in rows]

    async def match_awaiting_note(self, giver_id: int) -> Match | None:
        """The giver's latest agreed hand-over without a pickup note yet."""
        row = await self._one(
            """SELECT * FROM matches WHERE giver_id = ? AND status = 'accepted'
               AND pickup_note IS NULL ORDER BY updated_at DESC, id DESC LIMIT 1""",
            (giver_id,),
        )
        return _match(row) if row else None

    # --- outbox and refused private messages ------------------------------------------

    async def enqueue(self, effects: Iterable[str], now: datetime) -> None:
        await self._db.executemany(f"{_QUEUE} VALUES {_QUEUE_ROW}", _outbox_rows(effects, now))

    async def unsent(self, limit: int = 100) -> list[OutboxRow]:
        rows = await self._all(
            "SELECT id, effect FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,)
        )
        return [OutboxRow(r["id"], r["effect"]) for r in rows]

    async def mark_sent(
        self,
        outbox_ids: Sequence[int],
        now: datetime,
        *,
        posts: Sequence[tuple[int, datetime]] = (),
    ) -> None:
        """Rows sent (those of sends that finished together: one statement for them all).

        `posts`: group posts (chat, when) to count in the shared posting budget, written by
        the same statement on PostgreSQL (a round trip fewer per group post).
        """
        counted = ", ".join("(?, ?)" for _ in posts)
        post_params = [v for chat_id, at in posts for v in (chat_id, _ts(at))]
        if posts and (not outbox_ids or self.dialect is not Dialect.POSTGRESQL):
            await self._db.execute(
                f"INSERT INTO group_posts (chat_id, posted_at) VALUES {counted}", post_params
            )
            posts = ()
        if not outbox_ids:
            return
        marks = ",".join("?" * len(outbox_ids))
        mark = f"UPDATE outbox SET sent_at = ? WHERE id IN ({marks})"
        if posts:
            mark = f"""WITH counted AS (INSERT INTO group_posts (chat_id, posted_at)
                                       VALUES {counted})
                       {mark}"""
        await self._db.execute(mark, (*post_params, _ts(now), *outbox_ids))

    async def replace_outbox_effect(self, outbox_id: int, effect: str) -> None:
        """What an unsent row will send instead (a refused private message's group nudge)."""
        await self._db.execute("UPDATE outbox SET effect = ? WHERE id = ?", (effect, outbox_id))

    async def set_aside(self, outbox_id: int, reason: str, now: datetime) -> None:
        """A row that will never go out: kept with why, out of the way of the rows after it."""
        await self._db.execute(
            "UPDATE outbox SET sent_at = ?, undeliverable = ? WHERE id = ?",
            (_ts(now), reason, outbox_id),
        )

    async def count_crash(self, outbox_id: int) -> int:
        """One more sender process died sending this row alone; how many so far."""
        await self._db.execute("UPDATE outbox SET crashes = crashes + 1 WHERE id = ?", (outbox_id,))
        row = await self._one("SELECT crashes FROM outbox WHERE id = ?", (outbox_id,))
        return int(row["crashes"]) if row else 0

    async def undeliverable(self) -> list[tuple[int, str]]:
        """Rows set aside, oldest first, with why (logs, tests)."""
        rows = await self._all(
            "SELECT id, undeliverable FROM outbox WHERE undeliverable IS NOT NULL ORDER BY id"
        )
        return [(r["id"], r["undeliverable"]) for r in rows]

    async def add_pending_notice(self, user_id: int, effect: str, now: datetime) -> bool:
        """Keep a refused private message; True if it is the user's first waiting one."""
        row = await self._one(
            "SELECT COUNT(*) AS n FROM pending_notices WHERE user_id = ? AND delivered_at IS NULL",
            (user_id,),
        )
        await self._db.execute(
            """INSERT INTO pending_notices (user_id, effect, created_at, subject_ids)
               VALUES (?, ?, ?, ?)""",
            (user_id, effect, _ts(now), _subject_ids(_people(effect)[1])),
        )
        return row is None or row["n"] == 0

    async def take_pending_notices(self, user_id: int, now: datetime) -> list[PendingNotice]:
        rows = await self._all(
            """SELECT id, user_id, effect FROM pending_notices
               WHERE user_id = ? AND delivered_at IS NULL ORDER BY id""",
            (user_id,),
        )
        await self._db.execute(
            """UPDATE pending_notices SET delivered_at = ?
               WHERE user_id = ? AND delivered_at IS NULL""",
            (_ts(now), user_id),
        )
        return [PendingNotice(r["id"], r["user_id"], r["effect"]) for r in rows]

    async def mark_started(self, user_id: int) -> None:
        await self._db.execute("UPDATE users SET started = 1 WHERE user_id = ?", (user_id,))

    # --- inspection (console, captains, tests) -----------------------------------------

    async def all_entries(self) -> list[Entry]:
        rows = await self._all("SELECT * FROM entries ORDER BY id")
        return [_entry(r) for r in rows]

    async def all_matches(self) -> list[Match]:
        rows = await self._all("SELECT * FROM matches ORDER BY id")
        return [_match(r) for r in rows]


def _people(effect: str) -> tuple[int | None, tuple[int, ...]]:
    """Whom a stored effect (bot/core/effects.py encode) is for, and whom it names: a private
    chat's id (None for a group post) and the ids of its `about` field."""
    return _people_of(json.loads(effect))


def _people_of(data: dict[str, object]) -> tuple[int | None, tuple[int, ...]]:
    chat_id = data.get("chat_id")
    recipient = chat_id if isinstance(chat_id, int) and chat_id > 0 else None
    named = data.get("about")
    if not isinstance(named, list):
        named = []
    about = tuple(i for i in named if isinstance(i, int) and i > 0)
    return recipient, about


def _subject_ids(about: tuple[int, ...]) -> str | None:
    return json.dumps(sorted(set(about))) if about else None


def scope_sql(building: str | None, community: str | None) -> tuple[str, str | None]:
    # Building scope when the entry has a building; otherwise the whole community.
    if building is not None:
        return "k.building = ?", building
    return "k.community = ?", community
