"""A week of bookings in `jinlin console`: a room booked, a conflict lost, a waitlist taking
the freed slot, a reminder, the wheelchair borrowed and returned late, a captain's block.

The console's lines are typed as an operator would; buttons are pressed by their label
(the console numbers them as they appear)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app.cli import DEMO_CONFIG
from bot.core.clock import ManualClock
from bot.core.config import load_config
from bot.telegram_sim.world import TelegramWorld
from bot.tools.console import Console

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=SH)


class Week:
    """The demo building in the console, from Monday 7 Dec 2026, 08:00."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        clock = ManualClock(MONDAY)
        world = TelegramWorld(bot_token="100000:CONSOLE-OFFLINE", clock=lambda: 0.0)
        world.tick(clock.now().timestamp())
        self.console = Console(load_config(DEMO_CONFIG), world, clock, self.out)
        self.console.populate()

    async def type(self, *lines: str) -> None:
        for line in lines:
            self.console.say(f"{self.console.prompt()}{line}")
            await self.console.handle(line)

    async def press(self, label: str) -> None:
        """Press the newest button in the current resident's private chat labelled `label`."""
        assert self.console.user is not None
        mine = self.console.world.private_chat(self.console.user).id
        numbered = list(enumerate(self.console.buttons, 1))
        number = next(
            n for n, ref in reversed(numbered) if label in ref.text and ref.chat_id == mine
        )
        await self.type(f"/press {number}")

    @property
    def transcript(self) -> str:
        return self.out.getvalue()

    def after(self, marker: str) -> str:
        """What the console showed since the last `marker` line."""
        return self.transcript.rsplit(marker, 1)[-1]


async def test_a_week_of_bookings_in_the_console():
    week = Week()
    await week.console.start(":memory:")
    try:
        # Monday: Alice books the activity room at 10:00.
        await week.type("/as alice", "/private", "/book")
        await week.press("活动室")
        await week.press("10:00")
        assert "✅ 已预约「活动室」\n    12月7日（周一） 10:00–11:00" in week.transcript
        # Bob wanted the same slot: it is taken; he joins the waitlist.
        await week.type("/as bob", "/private", "/book")
        await week.press("Activity room")
        assert "⏳ 10:00" in week.after("Bob presses")
        await week.press("⏳ 10:00")
        assert "⏳ Waiting for “Activity room” Mon 7 Dec 10:00" in week.transcript
        # A race for 11:00: Bob's view was open when Alice booked it.
        await week.type("/as alice", "/book")
        await week.press("活动室")
        await week.type("/as bob")
        await week.press("Activity room")
        await week.type("/as alice")
        await week.press("11:00")
        await week.type("/as bob")
        await week.press("🟢 11:00")  # a stale button in Bob's view
        assert "A neighbour booked “Activity room” Mon 7 Dec 11:00 just before you" in (
            week.transcript
        )
        # Alice cancels 10:00: Bob, first in line, is offered it and takes it.
        await week.type("/as alice", "/mybookings")
        await week.press("取消第 1 个")
        assert "已取消「活动室」12月7日（周一） 10:00" in week.transcript
        assert "is free again, and you are first in line!" in week.transcript
        await week.type("/as bob")
        await week.press("I'll take it")
        assert "✅ Booked “Activity room”\n    Mon 7 Dec 10:00–11:00" in week.transcript
        # 09:00: Bob's reminder arrives once, an hour before.
        await week.type("/clock 2026-12-07 09:30")
        reminder = "⏰ Reminder: you booked “Activity room” Mon 7 Dec 10:00–11:00"
        assert week.transcript.index("the time is now 2026-12-07 09:00") < week.transcript.index(
            reminder
        )
        assert week.transcript.count(reminder) == 1
        # Alice borrows the wheelchair for Tuesday; Cathy (the keeper) hands it out.
        await week.type("/as alice", "/book")
        await week.press("轮椅")
        await week.press("12月8日（周二） ▶")
        await week.press("08:00")
        assert "✅ 已预约借用「轮椅」" in week.transcript
        await week.type("/clock 2026-12-08 08:05", "/as cathy")
        assert "📦 Alice 预约借用「轮椅」12月8日（周二） 08:00–20:00" in week.transcript
        await week.press("已交给")
        assert "📦 您借了「轮椅」，请在 12月8日（周二） 20:00 前还给保管人" in week.transcript
        # It is not back at 20:00: a kind reminder before, then Cathy hears it is overdue.
        await week.type("/clock 2026-12-08 21:30")
        assert "⏰ 温馨提醒：「轮椅」请在 20:00 前还给保管人" in week.transcript
        assert "⚠️ 「轮椅」应在 12月8日（周二） 20:00 归还，还没有还。借用人：Alice。" in (
            week.transcript
        )
        await week.press("已归还")
        assert "✅ 「轮椅」已归还（晚了 1.5 小时）" in week.transcript
        # Cathy, the captain, blocks Wednesday morning for repairs and looks at the week.
        await week.type("/bookings block activity_room 2026-12-09 09:00-12:00 维修", "/bookings")
        assert "🔧 已暂停「活动室」12月9日（周三） 的 3 个时段（维修）" in week.transcript
        overview = week.after("Cathy: /bookings\n")
        assert "12/9 周三 09:00–10:00 🔧 维修" in overview
        await week.type("/as bob", "/book")
        await week.press("Activity room")
        await week.press("Tue 8 Dec ▶")
        await week.press("Wed 9 Dec ▶")
        assert "Not available: 09:00 维修; 10:00 维修; 11:00 维修" in week.after("Bob presses")
        await week.type("/as cathy", "/bookings report")
        assert "• 活动室：2 小时，2 次" in week.transcript
    finally:
        await week.console.stop()
