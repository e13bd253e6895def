"""Each resident's reading language as the users table holds it, kept in memory.

Handlers build a `Resident` from a Telegram user without a transaction; every private text
is worded from that value (bot/core/i18n.py:reader_language). Few residents have a choice or
a traditional script on record, so the whole set is held: loaded at start-up, changed after a
commit that changed it, and, with several workers sharing one database, read again on each
upkeep tick (a choice made through another worker counts here within a minute).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

ReadingField = Literal["language", "script", "forget"]


@dataclass(frozen=True)
class Reading:
    """A resident's /lang choice and the script of their last Chinese message."""

    language: str | None = None
    script: str | None = None


NO_READING = Reading()


class Readings:
    """user_id -> Reading, for the residents who have one."""

    def __init__(self) -> None:
        self._by_user: dict[int, Reading] = {}

    def of(self, user_id: int) -> Reading:
        return self._by_user.get(user_id, NO_READING)

    def replace_all(self, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
        """The table's rows that have a language or a script, as just read."""
        self._by_user = {uid: Reading(language, script) for uid, language, script in rows}

    def apply(self, changes: Iterable[tuple[int, ReadingField, str | None]]) -> None:
        """What a committed transaction changed, in order."""
        for user_id, field, value in changes:
            if field == "forget":
                self._by_user.pop(user_id, None)
                continue
            current = self._by_user.get(user_id, NO_READING)
            updated = replace(current, **{field: value})
            if updated == NO_READING:
                self._by_user.pop(user_id, None)
            else:
                self._by_user[user_id] = updated
