"""/stats gives a captain their building's month in numbers plus a PNG chart; the thank-you
board names only neighbours who agreed."""

from __future__ import annotations

from datetime import timedelta

from tests.captains_town import Town

PNG = b"\x89PNG\r\n\x1a\n"


async def hand_over(b, giver, requester, item: str, *, after: timedelta = timedelta(0)) -> None:
    await b.say(giver, f"/offer {item}")
    await b.say(requester, f"/need {item}")
    ask = b.last_private(giver)
    await b.press(giver, ask, "y:")
    b.clock.advance(after)
    await b.press(giver, b.last_private(giver), "h:")


async def test_stats_text_and_chart_for_the_captains_building():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await hand_over(b, b.alice, b.bob, "ladder", after=timedelta(hours=3))
        await b.say(b.carol, "/offer drill")
        await b.say(b.dave, "/offer kettle", chat=b.g5)  # building 5 is not counted

        await b.dm(b.captain, "/stats")
        sent = b.private(b.captain)
        text, chart = sent[-2], sent[-1]
        assert "Building 3 · 2026-12" in text.content
        assert "Offers: 2" in text.content and "Requests: 1" in text.content
        assert "Matches made: 1" in text.content and "Hand-overs completed: 1" in text.content
        assert "Median time from request to hand-over: 3 h" in text.content
        assert "Neighbours who gave: 1" in text.content
        assert chart.photo and "last 8 weeks" in chart.content
        stored = b.world.files[chart.photo[-1]["file_id"]]
        assert stored.content.startswith(PNG)

        await b.dm(b.captain, "/stats 2026-11")
        assert "Offers: 0" in b.private(b.captain)[-2].content


async def test_stats_refused_for_residents_and_the_other_building():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.dm(b.alice, "/stats")
        assert "Only a floor captain" in b.last_private(b.alice).content
        b.g5.statuses[b.captain.id] = "member"
        await b.say(b.captain, "/stats", chat=b.g5)
        assert "building you don't look after" in b.group_posts(b.g5)[-1].content
        assert not any(m.photo for m in b.private(b.captain))
        await b.dm(b.captain, "/stats November")
        assert "Usage: /stats" in b.last_private(b.captain).content


async def test_thanks_board_names_only_consenting_givers_once_a_month():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.dm(b.alice, "/thanks")
        assert "not agreed" in b.last_private(b.alice).content
        await b.dm(b.alice, "/thanks on")
        await hand_over(b, b.alice, b.bob, "ladder")
        await hand_over(b, b.carol, b.bob, "drill")  # Carol never agreed

        await b.dm(b.captain, "/thanks post")
        board = b.group_posts(b.g3)[-1].content
        assert "Good neighbours of Building 3" in board
        assert "Alice: helped 1 time" in board and "Carol" not in board
        await b.dm(b.captain, "/thanks post")
        assert "already posted" in b.last_private(b.captain).content

        await b.dm(b.alice, "/thanks off")
        await b.dm(b.wang, "/thanks post")  # building 5 had no consenting giver
        assert "没有同意公开" in b.last_private(b.wang).content
        await b.dm(b.bob, "/thanks post")
        assert "Only a floor captain" in b.last_private(b.bob).content


async def test_at_month_end_captains_are_offered_the_thank_you_list():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.dm(b.alice, "/thanks on")
        await hand_over(b, b.alice, b.bob, "ladder")
        await b.later(timedelta(days=31))  # into January: December is over
        prompt = b.last_private(b.captain)
        assert "2026-12 is over" in prompt.content
        assert not any("2026-12 is over" in m.content for m in b.private(b.wang))
        await b.later(timedelta(hours=1))
        assert len([m for m in b.private(b.captain) if "is over" in m.content]) == 1
        await b.press(b.captain, prompt, "tp:b3:2026-12")
        assert "Alice" in b.group_posts(b.g3)[-1].content
