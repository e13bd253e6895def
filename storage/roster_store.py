"""Repository queries of the captain roster kept in the database (captains an admin added
from Telegram, and who changed what), and of the command menus last set with Telegram."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class AddedCaptain:
    """A captain an admin added from Telegram (not one the config file names)."""

    building: str
    user_id: int
    added_by: int
    added_at: datetime


@dataclass(frozen=True)
class CaptainChange:
    at: datetime
    building: str
    user_id: int
    change: str  # 'added' | 'removed'
    changed_by: int


def _added(r: Row | sqlite3.Row) -> AddedCaptain:
    return AddedCaptain(
        building=r["building"],
        user_id=int(r["user_id"]),
        added_by=int(r["added_by"]),
        added_at=datetime.fromisoformat(r["added_at"]),
    )


class RosterQueries(TxBase):
    """Captains added from Telegram, their audit, and the menus last sent."""

    # --- captains added from Telegram ---------------------------------------------------

    async def added_captains(self) -> list[AddedCaptain]:
        rows = await self._all(
            "SELECT * FROM building_captains ORDER BY building, added_at, user_id"
        )
        return [_added(r) for r in rows]

    async def add_captain(self, building: str, user_id: int, added_by: int, now: datetime) -> bool:
        """Make someone a captain of a building; False if they already were (no change)."""
        cur = await self._db.execute(
            """INSERT INTO building_captains (building, user_id, added_by, added_at)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (building, user_id, added_by, _ts(now)),
        )
        if cur.rowcount != 1:
            return False
        await self._captain_change(now, building, user_id, "added", added_by)
        return True

    async def remove_captain(
        self, building: str, user_id: int, removed_by: int, now: datetime
    ) -> bool:
        """Take someone off a building's captains; False if they were not added here."""
        cur = await self._db.execute(
            "DELETE FROM building_captains WHERE building = ? AND user_id = ?",
            (building, user_id),
        )
        if cur.rowcount != 1:
            return False
        await self._captain_change(now, building, user_id, "removed", removed_by)
        return True

    async def _captain_change(
        self, now: datetime, building: str, user_id: int, change: str, by: int
    ) -> None:
        await self._db.execute(
            """INSERT INTO captain_changes (at, building, user_id, change, changed_by)
               VALUES (?, ?, ?, ?, ?)""",
            (_ts(now), building, user_id, change, by),
        )

    async def captain_changes(self, limit: int = 100) -> list[CaptainChange]:
        rows = await self._all("SELECT * FROM captain_changes ORDER BY id DESC LIMIT ?", (limit,))
        return [
            CaptainChange(
                at=datetime.fromisoformat(r["at"]),
                building=r["building"],
                user_id=int(r["user_id"]),
                change=r["change"],
                changed_by=int(r["changed_by"]),
            )
            for r in rows
        ]

    # --- menus last set with Telegram ---------------------------------------------------

    async def menu_digests(self) -> dict[str, str]:
        rows = await self._all("SELECT scope, digest FROM bot_menus")
        return {r["scope"]: r["digest"] for r in rows}

    async def set_menu_digest(self, scope: str, digest: str, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO bot_menus (scope, digest, set_at) VALUES (?, ?, ?)
               ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest,
                                                 set_at = excluded.set_at""",
            (scope, digest, _ts(now)),
        )

    async def drop_menu_digest(self, scope: str) -> None:
        await self._db.execute("DELETE FROM bot_menus WHERE scope = ?", (scope,))


def added_captains_in_file(path: str | Path) -> list[AddedCaptain] | None:
    """The captains added from Telegram in a SQLite file, read-only, for `check-config --db`
    (which must not migrate or lock a running bot's database). None: the file predates them."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    db.row_factory = sqlite3.Row
    try:
        known = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'building_captains'"
        ).fetchone()
        if known is None:
            return None
        rows = db.execute(
            "SELECT * FROM building_captains ORDER BY building, added_at, user_id"
        ).fetchall()
        return [_added(r) for r in rows]
    finally:
        db.close()


__all__ = ["AddedCaptain", "CaptainChange", "RosterQueries", "added_captains_in_file"]
