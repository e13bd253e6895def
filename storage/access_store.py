"""Repository queries of access: who is known to be in which group, digest links' tokens,
and captains or admins the config names by @username, bound to the account first seen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from storage.tx_base import TxBase
from storage.tx_base import ts as _ts


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class AccessQueries(TxBase):
    """Group membership as last seen, entry link tokens, @username bindings."""

    # --- group membership -----------------------------------------------------------------

    async def note_member(self, chat_id: int, user_id: int, member: bool, now: datetime) -> None:
        """What we learnt of a resident in a group: they wrote there, or Telegram said."""
        await self._db.execute(
            """INSERT INTO group_members (chat_id, user_id, member, checked_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (chat_id, user_id) DO UPDATE SET
                   member = excluded.member, checked_at = excluded.checked_at""",
            (chat_id, user_id, int(member), _ts(now)),
        )

    async def member_since(self, user_id: int, chat_ids: Sequence[int], since: datetime) -> bool:
        """True if the resident was seen as a member of one of these groups after `since`."""
        if not chat_ids:
            return False
        row = await self._one(
            f"""SELECT 1 FROM group_members WHERE user_id = ? AND member = 1
                AND checked_at >= ? AND chat_id IN ({_marks(chat_ids)}) LIMIT 1""",
            (user_id, _ts(since), *chat_ids),
        )
        return row is not None

    async def refused_since(
        self, user_id: int, chat_ids: Sequence[int], since: datetime
    ) -> set[int]:
        """The groups that said, after `since`, that the resident is not in them."""
        if not chat_ids:
            return set()
        rows = await self._all(
            f"""SELECT chat_id FROM group_members WHERE user_id = ? AND member = 0
                AND checked_at >= ? AND chat_id IN ({_marks(chat_ids)})""",
            (user_id, _ts(since), *chat_ids),
        )
        return {int(r["chat_id"]) for r in rows}

    async def groups_of_member(self, user_id: int, since: datetime) -> list[int]:
        """The groups a resident was seen a member of after `since`, most recent first."""
        rows = await self._all(
            """SELECT chat_id FROM group_members WHERE user_id = ? AND member = 1
               AND checked_at >= ? ORDER BY checked_at DESC, chat_id""",
            (user_id, _ts(since)),
        )
        return [int(r["chat_id"]) for r in rows]

    # --- digest links -----------------------------------------------------------------

    async def entry_tokens(
        self, entry_ids: Sequence[int], new_token: Callable[[], str]
    ) -> dict[int, str]:
        """Each entry's link token, made (by `new_token`) the first time it is asked for."""
        if not entry_ids:
            return {}
        rows = await self._all(
            f"SELECT entry_id, token FROM entry_links WHERE entry_id IN ({_marks(entry_ids)})",
            tuple(entry_ids),
        )
        tokens = {r["entry_id"]: r["token"] for r in rows}
        for entry_id in entry_ids:
            if entry_id not in tokens:
                tokens[entry_id] = new_token()
                await self._db.execute(
                    "INSERT INTO entry_links (entry_id, token) VALUES (?, ?)",
                    (entry_id, tokens[entry_id]),
                )
        return tokens

    async def entry_by_token(self, token: str) -> int | None:
        row = await self._one("SELECT entry_id FROM entry_links WHERE token = ?", (token,))
        return int(row["entry_id"]) if row else None

    # --- captains and admins named by @username ---------------------------------------

    async def bind_username(self, username: str, user_id: int, now: datetime) -> int:
        """The account a config @username belongs to: the first one seen with it, kept."""
        await self._db.execute(
            """INSERT INTO role_usernames (username, user_id, bound_at)
               VALUES (?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (username.lower(), user_id, _ts(now)),
        )
        row = await self._one(
            "SELECT user_id FROM role_usernames WHERE username = ?", (username.lower(),)
        )
        assert row is not None
        return int(row["user_id"])

    async def username_bindings(self) -> dict[str, int]:
        rows = await self._all("SELECT username, user_id FROM role_usernames")
        return {r["username"]: int(r["user_id"]) for r in rows}


__all__ = ["AccessQueries"]
