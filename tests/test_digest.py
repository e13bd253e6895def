"""The digest: what is still open, posted on schedule, once, outside quiet hours."""

from __future__ import annotations

from datetime import timedelta

from tests import backends
from tests.harness import BUILDING_CONFIG, Building, make_config


def digests(b: Building, chat=None) -> list:
    return [m for m in b.group_posts(chat) if m.content.startswith("📋")]


def links(message) -> list[str]:
    return [e["url"] for e in message.entities if e.get("type") == "text_link"]


async def linked_entries(b: Building, message) -> list[int]:
    """The entries a digest's links open (each names its entry by a random token)."""
    found = []
    async with b.app.bot_data.require().repo.transaction() as tx:
        for url in links(message):
            entry_id = await tx.entry_by_token(url.split("?start=e", 1)[1])
            assert entry_id is not None, url
            found.append(entry_id)
    return found


def link_to(message, entry_id: int, linked: list[int]) -> str:
    """The /start payload of entry `entry_id` in a digest."""
    return links(message)[linked.index(entry_id)].split("?start=", 1)[1]


async def open_some_entries(b: Building) -> None:
    b.opened_bot(b.alice, b.bob, b.carol)
    await b.say(b.alice, "I have a spare ladder to lend")
    await b.say(b.bob, "anyone have a drill I can borrow?")
    await b.say(b.carol, "I have 2 boxes of ibuprofen, room 1102, call 13812345678")
    await b.say(b.carol, "I have a spare stroller")
    await b.dm(b.carol, "/mine")
    await b.press(b.carol, b.last_private(b.carol), "g:")  # the stroller is given away
    await b.say(b.dave, "谁家有梯子借用一下", chat=b.g5)  # another building


async def test_the_daily_digest_lists_exactly_the_open_entries_without_rooms_or_phones():
    async with Building(make_config(digest="daily 20:00")) as b:
        await open_some_entries(b)
        await b.later(timedelta(hours=9, minutes=59))  # 19:59 in Shanghai
        assert digests(b) == []
        await b.later(timedelta(minutes=1))
        (digest,) = digests(b)
        text = digest.content
        assert "ladder" in text and "drill" in text and "ibuprofen" in text
        assert "stroller" not in text  # given away
        assert "梯子" not in text  # building 5's request is not building 3's business
        assert "1102" not in text and "13812345678" not in text
        assert "Tools" in text and "Medicine" in text  # grouped by category
        ids = {
            e.id
            for e in await b.ledger()
            if e.building == "b3" and e.status in ("available", "open")
        }
        bot = b.world.bot.username
        assert sorted(await linked_entries(b, digest)) == sorted(ids)
        assert all(u.startswith(f"https://t.me/{bot}?start=e") for u in links(digest))
        # Building 5's group gets its own digest, in Chinese.
        (g5,) = digests(b, b.g5)
        assert "梯子" in g5.content and "ladder" not in g5.content

        await b.later(timedelta(minutes=1))
        await b.later(timedelta(hours=3))
        assert len(digests(b)) == 1  # once per day


async def test_an_empty_digest_is_not_posted():
    async with Building(make_config(digest="daily 20:00")) as b:
        await b.later(timedelta(hours=10))
        assert digests(b) == [] and digests(b, b.g5) == []


async def test_a_group_can_have_its_own_schedule_and_the_default_is_off():
    only_g5 = BUILDING_CONFIG.replace('language = "zh"', 'language = "zh"\ndigest = "daily 20:00"')
    async with Building(make_config(only_g5)) as b:
        await open_some_entries(b)
        await b.later(timedelta(hours=10))  # 20:00 in Shanghai
        assert digests(b) == []  # building 3 keeps the default: off
        assert len(digests(b, b.g5)) == 1


async def test_a_restart_never_posts_the_same_digest_twice(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(make_config(digest="daily 20:00"), database=database) as b:
        await open_some_entries(b)
        await b.later(timedelta(hours=10))
        assert len(digests(b)) == 1
    async with Building(make_config(digest="daily 20:00"), database=database) as again:
        again.clock.set(b.clock.now())
        await again.later(timedelta(minutes=1))
        assert digests(again) == []
        await again.later(timedelta(days=1))  # the next evening's digest does come
        assert len(digests(again)) == 1


async def test_no_digest_in_quiet_hours_it_waits_for_the_morning():
    async with Building(make_config(digest="daily 23:00")) as b:
        await open_some_entries(b)
        await b.later(timedelta(hours=13))  # 23:00 local, inside 22:00-07:30
        assert digests(b) == []
        await b.later(timedelta(hours=8, minutes=29))  # 07:29
        assert digests(b) == []
        await b.later(timedelta(minutes=1))  # 07:30
        assert len(digests(b)) == 1


async def test_weekly_digest():
    # T0 is Tuesday 2026-12-01 10:00 in Shanghai.
    async with Building(make_config(digest="weekly sun 20:00")) as b:
        await open_some_entries(b)
        await b.later(timedelta(days=4, hours=10))  # Saturday 20:00
        assert digests(b) == []
        await b.later(timedelta(days=1))  # Sunday 20:00
        assert len(digests(b)) == 1


async def test_captains_ask_for_the_digest_any_time_and_others_cannot():
    async with Building() as b:
        await open_some_entries(b)
        await b.say(b.bob, "/digest")
        assert "captains" in b.group_posts()[-1].content
        assert digests(b) == []
        await b.say(b.captain, "/digest")
        assert "ladder" in digests(b)[-1].content

        b.opened_bot(b.captain)
        await b.dm(b.captain, "/digest")
        private = b.last_private(b.captain).content
        assert "Building 3" in private and "ladder" in private and "梯子" not in private


async def test_a_digest_link_opens_the_entry_privately_with_a_button_to_ask():
    async with Building(make_config(digest="daily 20:00")) as b:
        await open_some_entries(b)
        await b.later(timedelta(hours=10))
        ladder = next(e for e in await b.ledger() if e.canonical == "ladder" and e.building == "b3")
        (digest,) = digests(b)
        linked = await linked_entries(b, digest)
        await b.start(b.carol, link_to(digest, ladder.id, linked))
        shown = b.last_private(b.carol)
        assert "ladder" in shown.content and "Building 3" in shown.content
        await b.press(b.carol, shown, "ea:")
        ask = b.last_private(b.alice)
        assert "Carol" in ask.content and any(d.startswith("y:") for d in ask.button_data())

        drill = next(e for e in await b.ledger() if e.canonical == "drill")
        await b.start(b.alice, link_to(digest, drill.id, linked))
        await b.press(b.alice, b.last_private(b.alice), "eo:")
        ask = b.last_private(b.alice)  # Alice now offers a drill: she is asked about Bob
        assert "Bob" in ask.content and any(d.startswith("y:") for d in ask.button_data())

        await b.start(b.bob, "e" + "x" * 16)  # no such token
        assert "given away" in b.last_private(b.bob).content
