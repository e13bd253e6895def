"""`jinlin console` end to end: typed lines in, what residents see out."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import run_console

ROOT = Path(__file__).resolve().parents[2]


# A fixed morning: what a transcript shows never depends on the hour the tests run (quiet
# hours hold private nudges, such as a giver's question, at night).
MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def console(*lines: str) -> str:
    out = io.StringIO()
    config = load_config(DEMO_CONFIG)
    assert await run_console(config, lines=list(lines), out=out, at=MORNING) == 0
    return out.getvalue()


def button(transcript: str, label: str) -> str:
    """The number the console gave the last button with this label."""
    numbers = re.findall(r"\[(\d+)\] [^\[\n]*" + re.escape(label), transcript)
    assert numbers, f"no button {label!r} in:\n{transcript}"
    return numbers[-1]


async def test_medicine_offer_first_then_request_through_to_hand_over():
    lines = ["我这富余两盒美林，有需要的邻居找我", "/as bob", "谁家有小儿退烧药？"]
    transcript = await console(*lines)
    assert "[private: Alice" in transcript and "Bob 需要小儿退烧药" in transcript
    yes = button(transcript, "愿意分享")
    lines += ["/as alice", "/private", f"/press {yes}", "放在门口鞋柜上，自己来取"]
    transcript = await console(*lines)
    assert "[private: Bob" in transcript and "Pickup note from Alice" in transcript
    handed = button(transcript, "Handed over")
    transcript = await console(*lines, "/as bob", f"/press {handed}", "/dump")
    assert re.search(r"#1 offer\s+available 美林 ×1/2盒", transcript)
    assert re.search(r"#2 request\s+fulfilled", transcript)
    # The group never saw where the medicine is.
    group_lines = [ln for ln in transcript.splitlines() if ln.startswith("[3号楼邻里群")]
    assert not any("鞋柜" in ln for ln in group_lines if "Jinlin" in ln)


async def test_request_first_then_offer():
    transcript = await console(
        "/as bob", "anyone have a drill I can borrow?", "/as alice", "我家有电钻，谁要用可以借给你"
    )
    assert "[private: Alice" in transcript and "Bob" in transcript
    yes = button(transcript, "愿意分享")
    transcript = await console(
        "/as bob",
        "anyone have a drill I can borrow?",
        "/as alice",
        "我家有电钻，谁要用可以借给你",
        "/private",
        f"/press {yes}",
        "/dump",
    )
    # No account link: Bob reaches Alice through the bot (relayed chat).
    assert "Contact them privately: through me" in transcript
    assert re.search(r"offer\s+reserved", transcript) and re.search(
        r"request\s+matched", transcript
    )


async def test_a_resident_who_never_opened_the_bot_is_reached_through_the_group():
    lines = [
        "/as carol",
        "I have a spare ladder to lend",
        "/as bob",
        "who has a ladder I can borrow?",
    ]
    transcript = await console(*lines)
    assert "Carol，关于「ladder」有一条私信在等您" in transcript
    link = button(transcript, "打开私聊")
    transcript = await console(*lines, "/as carol", f"/press {link}")
    assert "[private: Carol" in transcript and "Bob" in transcript
    yes = button(transcript, "愿意分享")
    transcript = await console(*lines, "/as carol", f"/press {link}", f"/press {yes}", "/dump")
    assert re.search(r"match\)\s+#1 .* accepted", transcript)


async def test_console_mistakes_get_a_hint_not_a_crash():
    transcript = await console("/press 9", "/reply x", "/clock yesterday", "/as", "/group 7")
    assert transcript.count("(console)") == 5


def test_console_runs_from_the_command_line_with_piped_input():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="I have a spare ladder to lend\n/dump\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    assert "ladder" in result.stdout and "(ledger) #1 offer" in result.stdout
