"""What the users table holds for residents seen lately, kept in memory.

Most group lines are chatter: nothing to record except "this resident lives in this group,
with these names", which is almost always what the table says already. Knowing that without
asking SQLite lets such a line skip its transaction entirely (see handlers/offers.py).

Written through only after a commit, forgotten on any other write to a resident's row, and
refreshed at least every MAX_AGE so `updated_at` stays roughly current and a change made by
another process (an import run beside the bot) is picked up within that time. With several
workers on PostgreSQL, each one's cache hears the others' changes (storage/user_changes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.records import UserRecord

MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class _Profile:
    first_name: str
    username: str | None
    language_code: str | None
    home_chat_id: int | None
    script: str | None = None


class KnownUsers:
    """Residents' profile columns as last committed by this process."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._rows: dict[int, tuple[_Profile, datetime]] = {}
        self._enabled = enabled

    def enable(self) -> None:
        """Start keeping rows (PostgreSQL: once other workers' changes can be heard)."""
        self._enabled = True

    def disable(self) -> None:
        """Stop keeping rows and forget those kept: changes may now pass unheard."""
        self._enabled = False
        self._rows.clear()

    def unchanged(self, user: UserRecord, now: datetime) -> bool:
        """True if saving `user` (not `started`) would leave its row as it is."""
        known = self._rows.get(user.user_id)
        if known is None or user.started:
            return False
        profile, written_at = known
        return now - written_at < MAX_AGE and _after_save(profile, user) == profile

    def saved(self, user: UserRecord, now: datetime) -> None:
        """`user` was saved in a transaction that committed."""
        if not self._enabled:
            return
        known = self._rows.get(user.user_id)
        if known is None and (user.language_code is None or user.home_chat_id is None):
            # The row may keep a language or home group this save left out: not known exactly.
            return
        self._rows[user.user_id] = (_after_save(known[0] if known else None, user), now)

    def load(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        language_code: str | None,
        home_chat_id: int | None,
        updated_at: datetime,
        script: str | None = None,
    ) -> None:
        """A row as read from the table (at start-up, so a restart does not rewrite them all)."""
        if not self._enabled:
            return
        profile = _Profile(first_name, username, language_code, home_chat_id, script)
        self._rows[user_id] = (profile, updated_at)

    def forget(self, user_id: int) -> None:
        """The row changed some other way (or is gone): ask SQLite next time."""
        self._rows.pop(user_id, None)


def _after_save(old: _Profile | None, user: UserRecord) -> _Profile:
    # Mirrors LedgerQueries.save_user: language, home group and script are kept when not given.
    return _Profile(
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code
        if user.language_code is not None
        else (old.language_code if old else None),
        home_chat_id=user.home_chat_id
        if user.home_chat_id is not None
        else (old.home_chat_id if old else None),
        script=user.script if user.script is not None else (old.script if old else None),
    )
