"""The relayed chat and the waitlist in `jinlin console`, as a new user would try them."""

from __future__ import annotations

from tests.console.test_console import button, console


async def test_neighbours_talk_through_the_bot_in_the_console():
    lines = [
        "/as bob",
        "anyone have a drill I can borrow?",
        "/as alice",
        "我家有电钻，谁要用可以借给你",
    ]
    transcript = await console(*lines)
    yes = button(transcript, "愿意分享")
    lines += [
        "/private",
        f"/press {yes}",
        "在门口鞋柜上",
        "/as bob",
        "Thanks! my number 13812345678",
    ]
    transcript = await console(*lines)
    assert "through me" in transcript and "tg://user" not in transcript
    assert "[phone hidden]" in transcript or "[电话已隐藏]" in transcript
    # Only what Bob typed (prompt echo and his own message) shows the number: Alice's copy
    # waits until both press "Share my contact".
    assert transcript.count("13812345678") == 2
    assert "Bob（3号楼）关于「电钻」" in transcript


async def test_an_unconfirmed_hand_over_is_followed_up_in_the_console():
    lines = [
        "/as bob",
        "anyone have a drill I can borrow?",
        "/as alice",
        "我家有电钻，谁要用可以借给你",
    ]
    transcript = await console(*lines)
    yes = button(transcript, "愿意分享")
    transcript = await console(*lines, "/private", f"/press {yes}", "/clock +49h", "/clock +25h")
    assert "Did the hand-over" in transcript or "交接完成了吗" in transcript
    assert "never confirmed" in transcript or "一直没确认" in transcript
