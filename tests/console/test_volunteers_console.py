"""`jinlin console` plays a month of volunteering: a cleaning duty posted and filled with a
waitlist, the volunteers reminded, the shift confirmed, points listed and exported."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import run_console

SHANGHAI = ZoneInfo("Asia/Shanghai")

MONTH = """
/as cathy
/duty 周六 9:00-11:00 楼道清洁 2人
/as alice
/press 1
/as bob
/press 1
/as carol
/press 1
/as bob
/press 2
/clock 2026-12-04 20:00
/clock 2026-12-05 11:00
/as cathy
/private
/press 16
/press 18
/as alice
/private
/points
/as cathy
/points
/points export 2026-12
/clock +30d
/as alice
/points
"""


async def test_a_month_of_a_cleaning_duty_from_posting_to_the_points_export():
    out = io.StringIO()
    lines = MONTH.strip().splitlines()
    start = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a Monday
    assert await run_console(load_config(DEMO_CONFIG), lines=lines, out=out, at=start) == 0
    transcript = out.getvalue()

    def after(marker: str, *expected: str) -> None:
        tail = transcript[transcript.index(marker) :]
        for text in expected:
            assert text in tail, text

    # Posted in the group, bilingual, counts only.
    assert (
        "🧹 值班 #1：楼道清洁\n    12月5日 周六 09:00–11:00（3号楼）\n    已报名 0/2" in transcript
    )
    assert "已报名 2/2，候补 1" in transcript and "Signed up 2/2, waitlist 1" in transcript
    assert "(popup) 名额已满，您在候补名单上" in transcript
    # Bob gives his place up: Carol (who never opened the bot) is nudged in the group.
    after("Bob presses [2]", "Carol，近邻有一条关于值班「楼道清洁」的私信给您")
    # The evening before and, after quiet hours, in the morning: Alice is reminded twice.
    reminder = "Jinlin: ⏰ 提醒：您报名了值班「楼道清洁」，12月5日 周六 09:00–11:00"
    after("the time is now 2026-12-04 20:00", "[private: Alice #", reminder)
    after("the time is now 2026-12-05 07:30", reminder)
    assert transcript.count("⏰ 提醒") == 2
    # After the shift the captain taps once per volunteer; the list keeps what was decided.
    after(
        "the time is now 2026-12-05 11:00",
        "📋 值班 #1「楼道清洁」（12月5日 周六 09:00–11:00）结束了。请逐一确认谁到了：",
        "[16] ✅ Alice 到了   [17] ❌ 没来   [18] ✅ Carol 到了",
    )
    after("Cathy presses [16]", "Jinlin: 🌟 谢谢您参加值班「楼道清洁」！获得 4 积分。")
    after("Cathy presses [18]", "✅ Alice 到了\n    ✅ Carol 到了")
    # Points: Alice's own, the captain's ranking, the office's CSV.
    after(
        "Alice @ private: Alice> /points",
        "🌟 您的服务积分：4（1 条记录）\n    · 2026-12-05 楼道清洁 +4",
    )
    after(
        "Cathy @ private: Cathy> /points",
        "1. Alice 4 分（1 次值班）\n    2. Carol 4 分（1 次值班）",
    )
    after(
        "/points export 2026-12", "📎 jinlin-points-2026-12.csv", "2026-12 的服务积分（2 条记录）"
    )
    # A month on, nothing was reminded or asked again.
    assert transcript.count("Jinlin: 📋 值班 #1") == 1
    assert transcript.count("⏰ 提醒") == 2
    assert transcript.rstrip().endswith(
        "您的积分不会在群里显示（/points public on 可以同意显示）。"
    )
