"""The demo's admin adds a captain from the console, and /menu shows the menus Telegram
would: the captain's tools appear for Bob once he is one, in his private chat only."""

from __future__ import annotations

import io

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import run_console


async def console(*lines: str) -> str:
    out = io.StringIO()
    assert await run_console(load_config(DEMO_CONFIG), lines=list(lines), out=out) == 0
    return out.getvalue()


def menus(transcript: str) -> list[list[str]]:
    """Each /menu's commands, in order."""
    return [
        line.split("(menu)", 1)[1].split()
        for line in transcript.splitlines()
        if line.strip().startswith("(menu)")
    ]


async def test_the_demo_admin_makes_bob_a_captain_and_his_menu_follows():
    transcript = await console(
        "/as bob",
        "good morning",
        "/private",
        "/menu",
        "/as cathy",
        "/captain add b3 1002",
        "/captains",
        "/as bob",
        "/menu",
        "/ledger",
        "/group",
        "/menu",
    )
    before, after, in_group = menus(transcript)
    assert "/mine" in before and "/ledger" not in before
    assert "Bob 现在是 3号楼 的楼门长" in transcript  # Cathy reads Chinese
    assert "Bob（Cathy 于" in transcript  # /captains: added by Cathy, and when
    assert {"/ledger", "/reports", "/announce"} <= set(after)
    assert "No open entries in 3号楼" in transcript  # Bob acts as a captain at once
    assert in_group == ["/offer", "/need", "/events", "/help"]
