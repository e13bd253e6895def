"""An admin finds every id through the bot: /id privately and in a group (admins only), and a
group the config does not know is logged with its id and reported to the admins."""

from __future__ import annotations

import logging

from tests.captains_town import Town

FORUM = -1001777


async def test_id_in_a_private_chat_tells_the_resident_their_user_id():
    async with Town() as b:
        b.opened_bot(b.bob)
        await b.dm(b.bob, "/id")
        assert f"user id: {b.bob.id}" in b.last_private(b.bob).content


async def test_a_configured_admin_gets_the_group_id_privately_and_the_group_sees_nothing():
    async with Town() as b:
        b.world.join(b.g3, b.ada)
        before = len(b.group_posts())
        await b.say(b.ada, "/id")
        told = b.last_private(b.ada).content
        assert "-1003" in told and "Building 3" in told
        assert "not in a topic" in told and "serves this group (b3)" in told
        assert len(b.group_posts()) == before


async def test_a_group_admin_who_never_opened_the_bot_gets_a_short_reply_with_the_ids():
    async with Town() as b:
        lobby = b.world.add_group(-1009, "Lobby chat", members=[b.carol, b.bob])
        await b.say(b.carol, "/id", chat=lobby)  # Carol created the group: its owner
        [reply] = [m for m in b.group_posts(lobby) if "-1009" in m.content]
        assert reply.reply_to is not None and reply.reply_to.content == "/id"
        assert "not in the config yet" in reply.content and "chat_id = -1009" in reply.content


async def test_a_resident_who_is_no_admin_gets_no_ids():
    async with Town() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "/id")
        assert not [m for m in b.group_posts() if "-1003" in m.content]
        assert not [m for m in b.private(b.bob) if "-1003" in m.content]


async def test_id_in_a_forum_topic_names_the_topic_id():
    async with Town() as b:
        forum = b.world.add_group(
            FORUM, "Sunny forum", members=[b.captain], supergroup=True, forum=True
        )
        b.world.join(forum, b.ada)
        topic = b.world.create_topic(forum, "sharing", by=b.captain)
        await b.pump()
        b.world.send(b.ada, forum, "/id", thread_id=topic)
        await b.pump()
        told = b.last_private(b.ada).content
        assert f"topic's id: {topic}" in told and str(FORUM) in told


async def test_an_unknown_group_is_logged_at_warning_once_with_its_id(caplog):
    async with Town() as b:
        lobby = b.world.add_group(-1009, "Lobby chat", members=[b.carol], bot_status="left")
        with caplog.at_level(logging.WARNING):
            b.world.add_bot_to_group(lobby, by=b.carol)
            await b.pump()
            await b.say(b.carol, "hello", chat=lobby)
            await b.say(b.carol, "anyone have a ladder?", chat=lobby)
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        added = [w for w in warnings if "added to group" in w]
        ignored = [w for w in warnings if "ignoring group" in w]
        assert len(added) == 1 and "-1009" in added[0]
        assert len(ignored) == 1 and "-1009" in ignored[0]
        told = b.last_private(b.ada).content
        assert "-1009" in told and "/id" in told
