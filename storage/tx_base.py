"""What every group of repository queries shares: the open connection and row helpers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from storage.driver import Connection, Dialect, Row
from storage.known_users import KnownUsers
from storage.reader_languages import ReadingField
from storage.records import UserRecord


def ts(value: datetime) -> str:
    """A datetime as stored: one fixed format in UTC, so text comparison is time comparison."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str | None) -> datetime | None:
    """A stored timestamp back as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


class TxBase:
    """Bound to one open transaction; subclasses add one method per question."""

    def __init__(
        self,
        db: Connection,
        known_users: KnownUsers | None = None,
        *,
        notice_as: str | None = None,
    ) -> None:
        self._db = db
        self._known_users = known_users or KnownUsers()
        # This worker's name on the residents' change channel (PostgreSQL, several workers):
        # a saved row is announced by the statement that saves it (see save_user).
        self._notice_as = notice_as
        # Residents saved in this transaction: known to the cache only once it commits.
        self.saved_users: list[tuple[UserRecord, datetime]] = []
        # Reading languages written in this transaction: applied to Readings once it commits.
        self.reading_changes: list[tuple[int, ReadingField, str | None]] = []
        # Residents whose row changed some other way: other workers' caches hear of them.
        self.changed_users: set[int] = set()
        # Residents whose row this transaction created: in no other worker's cache yet.
        self.created_users: set[int] = set()
        # Residents the other workers were already told of, by the statement that wrote them.
        self.announced_users: set[int] = set()

    def _user_row_changed(self, user_id: int) -> None:
        """Any write to a `users` row other than save_user must call this."""
        self._known_users.forget(user_id)
        self.changed_users.add(user_id)
        self.saved_users = [s for s in self.saved_users if s[0].user_id != user_id]

    @property
    def dialect(self) -> Dialect:
        return self._db.dialect

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._db.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _tables(self) -> list[str]:
        """Every table of the schema, for work that must follow a column wherever it is."""
        if self.dialect is Dialect.POSTGRESQL:
            rows = await self._all(
                """SELECT table_name AS name FROM information_schema.tables
                   WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"""
            )
        else:
            rows = await self._all(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        return [r["name"] for r in rows]

    async def _columns(self, table: str) -> list[str]:
        if self.dialect is Dialect.POSTGRESQL:
            rows = await self._all(
                """SELECT column_name AS name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = ?""",
                (table,),
            )
        else:
            rows = await self._all("SELECT name FROM pragma_table_info(?)", (table,))
        return [r["name"] for r in rows]

    async def _integer_columns(self, table: str) -> list[str]:
        """A table's integer columns: where ids of people and chats can be."""
        if self.dialect is Dialect.POSTGRESQL:
            rows = await self._all(
                """SELECT column_name AS name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = ?
                   AND data_type IN ('bigint', 'integer', 'smallint')""",
                (table,),
            )
        else:
            rows = await self._all(
                "SELECT name FROM pragma_table_info(?) WHERE upper(type) LIKE '%INT%'", (table,)
            )
        return [r["name"] for r in rows]
