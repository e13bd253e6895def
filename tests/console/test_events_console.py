"""In `jinlin console` a captain adds an event and its reminders appear at the right moments."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import run_console

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_captain_adds_an_event_and_one_clock_jump_brings_each_reminder_in_turn():
    # The console's clock starts at the real now; the event is ten days later.
    day = (datetime.now(SHANGHAI) + timedelta(days=10)).date()
    out = io.StringIO()
    lines = [
        "/as cathy",
        f"/event add {day.isoformat()} 10:00 跳蚤市场 @ 1号楼前广场",
        "/as alice",
        f"/event add {day.isoformat()} 10:00 冒名活动",
        f"/clock {day.isoformat()} 12:00",
    ]
    assert await run_console(load_config(DEMO_CONFIG), lines=lines, out=out) == 0
    transcript = out.getvalue()
    assert "✅ 已添加活动 #1：跳蚤市场" in transcript
    assert "只有楼门长可以添加或取消活动" in transcript
    seven = f"(console) the time is now {day - timedelta(days=7):%Y-%m-%d} 10:00"
    one = f"(console) the time is now {day - timedelta(days=1):%Y-%m-%d} 10:00"
    today = f"(console) the time is now {day:%Y-%m-%d} 09:00"
    assert transcript.index(seven) < transcript.index("📅 跳蚤市场 — 7天后")
    assert transcript.index(one) < transcript.index("📅 跳蚤市场 — 明天 10:00")
    assert transcript.index(today) < transcript.index("📅 跳蚤市场 — 今天 10:00")
    assert transcript.count("📅 跳蚤市场 — 今天 10:00") == 1
