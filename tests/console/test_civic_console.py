"""In `jinlin console` a nomination is made, accepted, consented to and announced, and a
deliberation is opened, voted (an outsider's vote does not count) and closed."""

from __future__ import annotations

import io

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import parse_local_time, run_console

LINES = [
    "/as alice",
    "我家多的花盆谁要",
    "/as bob",
    "/reply 1 /nominate",
    "/private",
    "她经常帮老人提菜上楼",
    "/as cathy",
    "/press 3",  # the captain accepts
    "/as alice",
    "/press 5",  # Alice agrees to be named
    "/as cathy",
    "/group",
    "/awards announce 2026-12",
    "/deliberate 是否在楼道安装感应灯？ | 同意 | 反对 | 弃权 --closes 2026-12-10 18:00",
    "/as alice",
    "/vote 1",
    "/as bob",
    "/vote 1",
    "/as dan",  # a newcomer, who leaves again and votes in a forwarded copy
    "/leave",
    "/vote 2 forwarded",
    "/clock 2026-12-10 18:05",
    "/as cathy",
    "/deliberations",
]


async def test_a_month_of_awards_and_a_deliberation_in_the_console():
    config = load_config(DEMO_CONFIG)
    out = io.StringIO()
    start = parse_local_time("2026-12-01 10:00", config.bot.timezone)
    assert await run_console(config, lines=LINES, out=out, at=start) == 0
    transcript = out.getvalue()
    # The nomination reaches the captain privately; the group sees only a reaction.
    assert "[private: Cathy #7] Jinlin: 🏅 好邻居推荐 #1" in transcript
    assert "理由：“她经常帮老人提菜上楼”" in transcript
    assert "[private: Alice #8] Jinlin: 🏅 邻居们推荐您为3号楼2026年12月的好邻居！" in transcript
    announced = transcript.index("🏅 3号楼 · 2026年12月好邻居")
    assert "🏅 Alice — 她经常帮老人提菜上楼" in transcript[announced:]
    # The poll, the votes, the close at its time and the result.
    assert "📊 是否在楼道安装感应灯？" in transcript
    closed = transcript.index("Jinlin closed the poll")
    assert transcript.index("the time is now 2026-12-10 18:05") < closed
    result = transcript[closed:]
    assert "✅ 同意: 2" in result and "· 反对: 0" in result
    assert "计入 2 票（本楼居民）；1 票不是本楼居民的，未计入。" in result
    assert transcript.count("Jinlin closed the poll") == 1
    assert "#1 是否在楼道安装感应灯？ — 同意 2 · 反对 0 · 弃权 0" in transcript
