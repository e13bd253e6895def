"""Alerts and the digest tried in `jinlin console`, as a new user would."""

from __future__ import annotations

import io

from bot.app.cli import DEMO_CONFIG
from bot.core.config import load_config
from bot.tools.console import run_console
from tests.console.test_console import MORNING, button


async def console(*lines: str) -> str:
    out = io.StringIO()
    config = load_config(DEMO_CONFIG)
    assert await run_console(config, lines=list(lines), out=out, at=MORNING) == 0
    return out.getvalue()


async def test_an_alert_fires_in_the_console_and_asking_reaches_the_giver():
    lines = [
        "/as bob",
        "hello neighbours",
        "/private",
        "/alert stroller",
        "/as alice",
        "/group",
        "闲置婴儿车一辆，免费送，电话13812345678",
    ]
    transcript = await console(*lines)
    assert "[private: Bob" in transcript and "your alert: “stroller”" in transcript
    ask = button(transcript, "I'd like it")
    transcript = await console(*lines, "/as bob", "/private", f"/press {ask}")
    assert "Bob 需要婴儿车" in transcript or "Bob needs" in transcript

    transcript = await console(*lines, "/as cathy", "/group", "/digest")
    digest = transcript.split("Cathy: /digest", 1)[1]
    assert "婴儿车" in digest and "13812345678" not in digest
