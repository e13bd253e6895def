"""Repository queries of the relayed private chat between the two sides of a match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.ledger_store import _match
from storage.records import Match
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class RelayState:
    """Who of the two sides agreed to pass phone numbers; whether the chat ended."""

    giver_shares: bool = False
    requester_shares: bool = False
    ended: bool = False

    @property
    def contact_shared(self) -> bool:
        return self.giver_shares and self.requester_shares


@dataclass(frozen=True)
class HeldMessage:
    id: int
    user_id: int
    text: str


class RelayQueries(TxBase):
    """Open relayed chats, contact consent, focus among several chats, held-back texts."""

    async def open_relays_of(self, user_id: int) -> list[Match]:
        """A resident's agreed matches whose chat was not ended, most recent first."""
        rows = await self._all(
            """SELECT m.* FROM matches m LEFT JOIN relay_chats r ON r.match_id = m.id
               WHERE (m.giver_id = ? OR m.requester_id = ?) AND m.status = 'accepted'
                 AND r.ended_at IS NULL
               ORDER BY m.updated_at DESC, m.id DESC""",
            (user_id, user_id),
        )
        return [_match(r) for r in rows]

    async def relay_state(self, match_id: int) -> RelayState:
        row = await self._one("SELECT * FROM relay_chats WHERE match_id = ?", (match_id,))
        if row is None:
            return RelayState()
        return RelayState(
            bool(row["giver_shares"]), bool(row["requester_shares"]), row["ended_at"] is not None
        )

    async def agree_to_share(self, match_id: int, side: str) -> None:
        """`side` ('giver' or 'requester') lets their phone numbers through."""
        column = "giver_shares" if side == "giver" else "requester_shares"
        await self._db.execute(
            f"""INSERT INTO relay_chats (match_id, {column}) VALUES (?, 1)
                ON CONFLICT (match_id) DO UPDATE SET {column} = 1""",
            (match_id,),
        )

    async def end_relay(self, match_id: int, now: datetime) -> bool:
        """End a relayed chat; False if it had ended already."""
        state = await self.relay_state(match_id)
        if state.ended:
            return False
        await self._db.execute(
            """INSERT INTO relay_chats (match_id, ended_at) VALUES (?, ?)
               ON CONFLICT (match_id) DO UPDATE SET ended_at = excluded.ended_at""",
            (match_id, _ts(now)),
        )
        await self._db.execute("DELETE FROM relay_held WHERE match_id = ?", (match_id,))
        return True

    async def relay_focus(self, user_id: int) -> int | None:
        row = await self._one("SELECT match_id FROM relay_focus WHERE user_id = ?", (user_id,))
        return int(row["match_id"]) if row else None

    async def set_relay_focus(self, user_id: int, match_id: int) -> None:
        await self._db.execute(
            """INSERT INTO relay_focus (user_id, match_id) VALUES (?, ?)
               ON CONFLICT (user_id) DO UPDATE SET match_id = excluded.match_id""",
            (user_id, match_id),
        )

    async def hold_message(self, match_id: int, user_id: int, text: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO relay_held (match_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
            (match_id, user_id, text, _ts(now)),
        )

    async def take_held_messages(self, match_id: int) -> list[HeldMessage]:
        rows = await self._all(
            "SELECT id, user_id, text FROM relay_held WHERE match_id = ? ORDER BY id", (match_id,)
        )
        await self._db.execute("DELETE FROM relay_held WHERE match_id = ?", (match_id,))
        return [HeldMessage(r["id"], r["user_id"], r["text"]) for r in rows]
