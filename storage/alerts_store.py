"""Repository queries of the community features: keyword alerts, digests, imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.driver import Row
from storage.ledger_store import _entry
from storage.records import Entry
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class AlertRecord:
    """One keyword alert of one resident."""

    id: int
    user_id: int
    query: str
    item_name: str
    canonical: str
    category: str | None
    known: bool
    medicine: bool
    status: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class NewAlert:
    user_id: int
    query: str
    item_name: str
    canonical: str
    category: str | None
    known: bool
    medicine: bool
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AlertSubscriber:
    """An active alert with where its resident lives (their last group)."""

    alert: AlertRecord
    home_chat_id: int | None


def _alert(row: Row) -> AlertRecord:
    return AlertRecord(
        id=row["id"],
        user_id=row["user_id"],
        query=row["query"],
        item_name=row["item_name"],
        canonical=row["canonical"],
        category=row["category"],
        known=bool(row["known"]),
        medicine=bool(row["medicine"]),
        status=row["status"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
    )


class AlertQueries(TxBase):
    """Keyword alerts, the digest slots already decided, and imported export messages."""

    # --- alerts -------------------------------------------------------------------------

    async def add_alert(self, new: NewAlert) -> AlertRecord:
        row = await self._one(
            """INSERT INTO alerts (user_id, query, item_name, canonical, category, known,
                   medicine, status, created_at, expires_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id""",
            (
                new.user_id,
                new.query,
                new.item_name,
                new.canonical,
                new.category,
                int(new.known),
                int(new.medicine),
                _ts(new.created_at),
                _ts(new.expires_at),
            ),
        )
        assert row is not None
        alert = await self.alert(row["id"])
        assert alert is not None
        return alert

    async def alert(self, alert_id: int) -> AlertRecord | None:
        row = await self._one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return _alert(row) if row else None

    async def alert_for_item(self, user_id: int, canonical: str) -> AlertRecord | None:
        """The resident's latest alert for this item, active or expired (not removed)."""
        row = await self._one(
            """SELECT * FROM alerts WHERE user_id = ? AND canonical = ?
               AND status IN ('active', 'expired') ORDER BY id DESC LIMIT 1""",
            (user_id, canonical),
        )
        return _alert(row) if row else None

    async def active_alerts_of(self, user_id: int) -> list[AlertRecord]:
        """A resident's active alerts in the order /alerts numbers them."""
        rows = await self._all(
            "SELECT * FROM alerts WHERE user_id = ? AND status = 'active' ORDER BY id",
            (user_id,),
        )
        return [_alert(r) for r in rows]

    async def set_alert(
        self, alert_id: int, status: str, now: datetime, *, expires_at: datetime | None = None
    ) -> None:
        """Renew (status 'active' with a new expiry), expire or remove an alert."""
        if expires_at is not None:
            await self._db.execute(
                "UPDATE alerts SET status = ?, expires_at = ?, ended_at = NULL WHERE id = ?",
                (status, _ts(expires_at), alert_id),
            )
            return
        await self._db.execute(
            "UPDATE alerts SET status = ?, ended_at = ? WHERE id = ?",
            (status, _ts(now), alert_id),
        )

    async def alerts_expired(self, now: datetime) -> list[AlertRecord]:
        rows = await self._all(
            "SELECT * FROM alerts WHERE status = 'active' AND expires_at <= ? ORDER BY id",
            (_ts(now),),
        )
        return [_alert(r) for r in rows]

    async def alert_subscribers(self, exclude_user: int) -> list[AlertSubscriber]:
        """Every active alert of everyone else, with each resident's home group."""
        rows = await self._all(
            """SELECT a.*, u.home_chat_id AS home_chat_id FROM alerts a
               LEFT JOIN users u ON u.user_id = a.user_id
               WHERE a.status = 'active' AND a.user_id != ? ORDER BY a.id""",
            (exclude_user,),
        )
        return [AlertSubscriber(_alert(r), r["home_chat_id"]) for r in rows]

    async def claim_alert_hit(
        self, user_id: int, offer_id: int, alert_id: int, now: datetime
    ) -> bool:
        """Record that a resident is alerted about an offer; False if they already were."""
        cur = await self._db.execute(
            """INSERT INTO alert_hits (user_id, offer_id, alert_id, sent_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (user_id, offer_id, alert_id, _ts(now)),
        )
        return cur.rowcount == 1

    async def set_home_chat(self, user_id: int, chat_id: int) -> None:
        await self._db.execute(
            "UPDATE users SET home_chat_id = ? WHERE user_id = ?", (chat_id, user_id)
        )
        self._user_row_changed(user_id)

    async def delete_alerts_of(self, user_id: int) -> int:
        """Forget a resident's alerts entirely (for /forgetme); returns how many."""
        await self._db.execute("DELETE FROM alert_hits WHERE user_id = ?", (user_id,))
        cur = await self._db.execute("DELETE FROM alerts WHERE user_id = ?", (user_id,))
        return cur.rowcount

    # --- digests ------------------------------------------------------------------------

    async def open_entries_in(self, *, building: str | None, community: str | None) -> list[Entry]:
        """Offers with something left and requests still unmet, in a building or community."""
        where = "building = ?" if building is not None else "community = ?"
        rows = await self._all(
            f"""SELECT * FROM entries WHERE {where}
                AND ((kind = 'offer' AND status = 'available' AND remaining > held)
                     OR (kind = 'request' AND status = 'open'))
                ORDER BY id""",
            (building if building is not None else community,),
        )
        return [_entry(r) for r in rows]

    async def claim_digest_slot(self, chat_id: int, slot: str, entries: int, now: datetime) -> bool:
        """Record a group's digest slot as decided; False if it was decided before."""
        cur = await self._db.execute(
            """INSERT INTO digest_slots (chat_id, slot, entries, decided_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (chat_id, slot, entries, _ts(now)),
        )
        return cur.rowcount == 1

    async def digest_slot_decided(self, chat_id: int, slot: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM digest_slots WHERE chat_id = ? AND slot = ?", (chat_id, slot)
        )
        return row is not None

    # --- imports ------------------------------------------------------------------------

    async def was_imported(self, chat_id: int, message_id: int) -> bool:
        """True if this message was imported before or the live bot already recorded it."""
        row = await self._one(
            """SELECT 1 FROM imported_messages WHERE chat_id = ? AND message_id = ?
               UNION ALL SELECT 1 FROM entries WHERE chat_id = ? AND message_id = ? LIMIT 1""",
            (chat_id, message_id, chat_id, message_id),
        )
        return row is not None

    async def mark_imported(self, chat_id: int, message_id: int, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO imported_messages (chat_id, message_id, imported_at)
               VALUES (?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (chat_id, message_id, _ts(now)),
        )
