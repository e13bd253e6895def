"""What /privacy promises is what the database holds: phone numbers are not stored with
entries or reports, pickup notes and held relay messages go once the hand-over is over, and
a resident's profile does not outlive the retention period."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests import backends
from tests.captains_town import Town

PHONE = "13812345678"


async def cells_with(database: str, needle: str) -> list[str]:
    found = []
    for table in await backends.tables(database):
        for row in await backends.fetch(database, f'SELECT * FROM "{table}"'):
            if any(isinstance(c, str) and needle in c for c in row) and table not in (
                "outbox",
                "inbox",
            ):
                found.append(f"{table}: {row}")
    return found


async def test_phone_numbers_are_not_kept_with_entries_or_reports(tmp_path: Path) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, f"I have a spare ladder to lend, call {PHONE}")
        await b.say(b.alice, f"/report the lift is stuck, call me on {PHONE}")
        assert (
            "lift is stuck" in next(m for m in b.private(b.captain) if "lift" in m.content).content
        )
        assert await cells_with(database, PHONE) == []


async def test_pickup_notes_and_profiles_do_not_outlive_their_use(tmp_path: Path) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database, retention_days=30) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.carol, "good morning")  # Carol only chats
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "behind the bike shed by door 7")
        intro = next(m for m in b.private(b.bob) if "Alice" in m.content and m.button_data())
        await b.press(b.bob, intro, "h:")
        assert await cells_with(database, "bike shed")
        await b.later(timedelta(days=3))
        assert await cells_with(database, "bike shed") == []
        await b.later(timedelta(days=28))
        users = await backends.fetch(database, "SELECT user_id FROM users ORDER BY user_id")
        assert (b.carol.id,) not in users


async def test_privacy_notice_says_what_is_kept_why_and_how_long_in_both_languages() -> None:
    async with Town(retention_days=90) as b:
        b.opened_bot(b.alice, b.dave)
        await b.dm(b.alice, "/privacy")
        text = b.last_private(b.alice).content
        assert "No phone or room numbers" not in text
        assert "phone numbers are hidden" in text and "90 days" in text and "why" in text.lower()
        await b.dm(b.dave, "/privacy")
        zh = b.last_private(b.dave).content
        assert "电话号码会被隐去" in zh and "90 天" in zh
