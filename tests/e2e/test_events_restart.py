"""Restarts: no reminder twice; one missed while down is posted within grace, else skipped."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from tests import backends
from tests.harness import BUILDING_CONFIG, T0, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")

FAIR = """
[[festivals]]
key = "fair"
name = { zh = "义卖会", en = "Charity fair" }
date = "2026-12-10"
time = "10:00"
reminders = ["7d", "1d", "0d@09:00"]
targets = "all"
"""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def reminders(b: Building, chat=None) -> list[str]:
    return [m.content for m in b.group_posts(chat) if m.content.startswith("📅")]


async def started_at(b: Building, when: datetime) -> Building:
    """Start the bot (a new process on the same database) at a later moment."""
    b.clock.set(when)
    b.world.tick((when - T0).total_seconds())
    await b.__aenter__()
    await b.later(when - when)  # the first upkeep tick after start-up
    return b


async def recorded(b: Building):
    async with b.app.bot_data.require().repo.transaction() as tx:
        return await tx.sent_reminders()


async def first_run(database: str) -> None:
    async with Building(make_config(BUILDING_CONFIG + FAIR), database=database) as b:
        await b.later(local(3, 10) - b.clock.now())
        assert reminders(b) == ["📅 Charity fair — in 7 days, Thu 10 Dec 10:00"]
        assert reminders(b, b.g5) == ["📅 义卖会 — 7天后，12月10日（周四）10:00"]


async def test_after_a_restart_within_the_grace_period_the_missed_reminder_is_posted_once(
    tmp_path,
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    await first_run(database)
    # Down from 3 Dec until 9 Dec 13:00: the "1 day before" (9 Dec 10:00) is 3 h late.
    b = await started_at(Building(make_config(BUILDING_CONFIG + FAIR), database), local(9, 13))
    try:
        assert reminders(b) == ["📅 Charity fair — tomorrow 10:00"]  # 7d not repeated
        assert reminders(b, b.g5) == ["📅 义卖会 — 明天 10:00"]
        await b.later(local(10, 9) - b.clock.now())
        assert reminders(b)[-1] == "📅 Charity fair — today 10:00"
        assert len(reminders(b)) == 2
    finally:
        await b.__aexit__(None, None, None)
    # And once more: a restart right after posts nothing again.
    b = await started_at(Building(make_config(BUILDING_CONFIG + FAIR), database), local(10, 9, 30))
    try:
        assert reminders(b) == [] and reminders(b, b.g5) == []
        rows = await recorded(b)
        assert len(rows) == 6 and all(r.skipped is None for r in rows)  # 3 reminders x 2 groups
    finally:
        await b.__aexit__(None, None, None)


async def test_after_a_restart_beyond_the_grace_period_the_missed_reminder_is_skipped_and_logged(
    tmp_path, caplog
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    await first_run(database)
    caplog.set_level(logging.WARNING, logger="bot.core.events.posting")
    # Down until 9 Dec 20:00: the "1 day before" is 10 h late (grace: 6 h).
    b = await started_at(Building(make_config(BUILDING_CONFIG + FAIR), database), local(9, 20))
    try:
        assert reminders(b) == [] and reminders(b, b.g5) == []
        assert "skipped reminder fair:2026-12-10:1d" in caplog.text
        skipped = [r for r in await recorded(b) if r.skipped]
        assert {(r.reminder_key, r.chat_id) for r in skipped} == {
            ("fair:2026-12-10:1d", -1003),
            ("fair:2026-12-10:1d", -1005),
        }
        await b.later(local(10, 9) - b.clock.now())
        assert reminders(b) == ["📅 Charity fair — today 10:00"]  # the rest goes on as planned
    finally:
        await b.__aexit__(None, None, None)
