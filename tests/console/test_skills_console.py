"""Skills in `jinlin console`: a neighbour offers one, another asks, they are introduced."""

from __future__ import annotations

from tests.console.test_console import button, console


async def test_a_skill_is_offered_asked_for_and_agreed_in_the_console():
    lines = ["/as alice", "/skill 修水管", "/as bob", "/private", "/needhelp fix a leaking tap"]
    transcript = await console(*lines)
    yes = button(transcript, "愿意")
    lines += ["/as alice", "/private", f"/press {yes}", "/as bob", "/skills"]
    transcript = await console(*lines)
    assert "修水管" in transcript or "plumbing" in transcript
    assert "tg://user" not in transcript
    assert "will help" in transcript or "愿意帮忙" in transcript
