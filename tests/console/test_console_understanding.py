"""The console shows what understanding does beyond a plain offer or request: the one-tap
question, the correction learnt, a "+1" reply, a refused opioid, an item-less emergency."""

from __future__ import annotations

import re

from tests.console.test_console import button, console


async def test_an_unsure_line_is_asked_privately_and_the_answer_is_learnt():
    lines = ["家里的折叠梯"]
    transcript = await console(*lines)
    group = [ln for ln in transcript.splitlines() if ln.startswith("[3号楼邻里群")]
    assert not any("Jinlin" in ln for ln in group)  # nothing in the group while unsure
    assert "[private: Alice" in transcript and "折叠梯" in transcript
    offering = button(transcript, "我在分享")
    transcript = await console(*lines, "/private", f"/press {offering}", "/dump")
    assert re.search(r"#1 offer\s+available 折叠梯", transcript)
    assert "(learnt) “家里的折叠梯” read as" in transcript and "is offer (asked" in transcript


async def test_plus_one_under_an_offer_becomes_a_request_for_it():
    transcript = await console(
        "I have three spare boxes of ibuprofen, free to neighbours",
        "/as bob",
        "/reply 1 +1",
        "/dump",
    )
    assert re.search(r"#2 request\s+open\s+ibuprofen", transcript)
    assert "[private: Alice" in transcript and "Bob" in transcript


async def test_an_opioid_offer_is_refused_and_nothing_is_recorded():
    transcript = await console(
        "/as bob", "Got leftover oxycodone from my surgery if anyone needs painkillers", "/dump"
    )
    assert "(ledger) empty" in transcript
    assert "[private: Bob" in transcript and "oxycodone" in transcript
    assert "prescription" in transcript.lower()


async def test_an_emergency_with_no_item_is_answered_at_once():
    transcript = await console("5楼的王大爷在楼梯口晕倒了，快来人帮忙")
    answer = next(ln for ln in transcript.splitlines() if "Jinlin ↩#1" in ln)
    assert "120" in answer
    assert "[private: Cathy" in transcript and "5楼" in transcript  # the captain sees where
