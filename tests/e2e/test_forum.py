"""Forum supergroups: replies stay in their topic; a group pinned to one topic ignores others."""

from __future__ import annotations

from tests.harness import BUILDING_CONFIG, Building, make_config

FORUM = -1007


def forum_config(topic: int | None) -> str:
    pinned = f"topic = {topic}\n" if topic is not None else ""
    return BUILDING_CONFIG + f'\n[[groups]]\nchat_id = {FORUM}\nbuilding = "b3"\n{pinned}'


def a_forum(b: Building):
    members = [b.alice, b.bob, b.carol, b.captain]
    forum = b.world.add_group(FORUM, "Sunny forum", members=members, supergroup=True, forum=True)
    sharing = b.world.create_topic(forum, "互助 / sharing", by=b.captain)
    chatter = b.world.create_topic(forum, "闲聊 / chatter", by=b.captain)
    return forum, sharing, chatter


async def test_acknowledgements_stay_in_the_topic_of_the_message():
    b = Building(make_config(forum_config(None)))
    forum, sharing, chatter = a_forum(b)
    async with b:
        b.world.send(b.alice, forum, "I have a spare ladder to lend", thread_id=chatter)
        await b.pump()
        ack = b.group_posts(forum)[-1]
        assert "ladder" in ack.content and ack.thread_id == chatter
        b.world.send(b.bob, forum, "anyone have a drill I can borrow?", thread_id=sharing)
        await b.pump()
        assert b.group_posts(forum)[-1].thread_id == sharing


async def test_a_group_pinned_to_one_topic_reads_and_posts_only_there():
    b = Building()
    forum, sharing, chatter = a_forum(b)
    b.config = make_config(forum_config(sharing))
    async with b:
        b.opened_bot(b.bob, b.captain)  # Carol never opened a private chat with the bot
        b.world.send(b.alice, forum, "I have a spare ladder to lend", thread_id=chatter)
        b.world.send(b.alice, forum, "I have a spare drill to lend")  # the general topic
        await b.pump()
        assert await b.ledger() == [] and b.group_posts(forum) == []

        b.world.send(b.carol, forum, "I have a spare ladder to lend", thread_id=sharing)
        await b.pump()
        assert b.group_posts(forum)[-1].thread_id == sharing
        b.world.send(b.bob, forum, "anyone have a ladder I can borrow?", thread_id=sharing)
        await b.pump()
        nudge = b.group_posts(forum)[-1]
        assert "Carol" in nudge.content and nudge.thread_id == sharing  # the 403 fallback

        b.world.send(b.captain, forum, "/digest", thread_id=chatter)
        await b.pump()
        digest = b.group_posts(forum)[-1]
        assert "ladder" in digest.content.lower() and digest.thread_id == sharing


async def test_reminders_go_to_the_sharing_topic():
    from tests.e2e.test_events_reminders import FESTIVALS, local, until

    b = Building()
    forum, sharing, _chatter = a_forum(b)
    b.config = make_config(forum_config(sharing) + FESTIVALS)
    async with b:
        await until(b, local(5, 15))
        [reminder] = [m for m in b.group_posts(forum) if m.content.startswith("📅")]
        assert "Neighbours' day" in reminder.content and reminder.thread_id == sharing
