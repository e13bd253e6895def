"""Relayed private chat: neighbours talk through the bot without revealing their accounts."""

from __future__ import annotations

from tests.harness import Building, make_config

PHONE = "13812345678"


def leaks(message, *users) -> list[str]:
    """Usernames, user ids or account links of `users` in a message's text or entities."""
    found = []
    blob = message.content + " " + str(message.entities) + " " + str(message.caption_entities)
    for user in users:
        for trace in (user.username, str(user.id), "tg://user"):
            if trace and trace in blob:
                found.append(trace)
    return found


async def agreed_ladder(b: Building) -> None:
    b.alice.username = "alice_in_b3"
    b.bob.username = "bobby_b3"
    b.opened_bot(b.alice, b.bob, b.carol)
    await b.say(b.alice, "I have a spare ladder to lend")
    await b.say(b.bob, "anyone have a ladder I can borrow?")
    await b.press(b.alice, b.last_private(b.alice), "y:")


async def test_a_relayed_conversation_reaches_the_other_side_without_accounts():
    async with Building() as b:
        await agreed_ladder(b)
        intro = b.last_private(b.bob)
        assert "through me" in intro.content and not leaks(intro, b.alice)

        await b.dm(b.alice, "It's on the shoe rack by my door")  # first: the pickup note
        note = b.last_private(b.bob)
        assert "shoe rack" in note.content and not leaks(note, b.alice)

        await b.dm(b.bob, "Thanks! Can I come at 7pm?")
        relayed = b.last_private(b.alice)
        assert "Bob (Building 3)" in relayed.content and "come at 7pm" in relayed.content
        assert not leaks(relayed, b.bob)
        await b.dm(b.alice, "Sure, see you then")
        back = b.last_private(b.bob)
        assert "Alice (Building 3)" in back.content and "see you then" in back.content
        assert not leaks(back, b.alice)
        for message in b.private(b.alice) + b.private(b.bob):
            assert not leaks(message, b.alice, b.bob), message.content


async def test_usernames_show_only_when_the_admin_allows_it():
    async with Building(make_config(show_usernames=True)) as b:
        await agreed_ladder(b)
        assert "@alice_in_b3" in b.last_private(b.bob).content


async def test_a_phone_number_is_hidden_until_both_agree_to_share():
    async with Building() as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")
        await b.dm(b.bob, f"Call me on {PHONE} when you're home")
        relayed = b.last_private(b.alice)
        assert PHONE not in relayed.content and "[phone hidden]" in relayed.content
        assert "hid the phone number" in b.last_private(b.bob).content

        await b.press(b.bob, b.last_private(b.bob), "sc:")
        assert "once Alice agrees" in b.last_private(b.bob).content
        assert PHONE not in b.last_private(b.alice).content
        await b.press(b.alice, relayed, "sc:")
        assert "both agreed" in b.private(b.bob)[-1].content
        held = b.last_private(b.alice)
        assert PHONE in held.content and "Bob (Building 3)" in held.content

        await b.dm(b.alice, "Mine is 13987654321")
        assert "13987654321" in b.last_private(b.bob).content


async def test_either_side_can_end_the_chat_and_a_handover_ends_it_too():
    async with Building() as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")
        await b.dm(b.bob, "thanks!")
        await b.press(b.alice, b.last_private(b.alice), "re:")
        assert "Alice ended the chat" in b.last_private(b.bob).content
        before = len(b.private(b.alice))
        await b.dm(b.bob, "hello?")
        assert len(b.private(b.alice)) == before

    async with Building() as b:
        await agreed_ladder(b)
        await b.press(b.bob, b.last_private(b.bob), "h:")
        before = len(b.private(b.alice))
        await b.dm(b.bob, "thanks again")
        assert len(b.private(b.alice)) == before


async def test_with_two_open_chats_the_most_recent_is_used_and_the_sender_can_switch():
    async with Building() as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")
        await b.say(b.alice, "I have a spare drill to lend")
        await b.say(b.carol, "can I borrow a drill?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "The drill is in a blue bag at my door")  # Carol's pickup note
        assert "blue bag" in b.last_private(b.carol).content

        await b.dm(b.alice, "Do you need the drill bits too?")
        assert "drill bits" in b.last_private(b.carol).content
        which = b.last_private(b.alice)
        assert "2 open chats" in which.content and "most recent" in which.content
        await b.press(b.alice, which, "rt:")
        await b.dm(b.alice, "Bob, the ladder is heavy, bring a friend")
        assert "heavy" in b.last_private(b.bob).content
        assert "heavy" not in b.last_private(b.carol).content


async def test_after_choosing_a_chat_the_sender_is_not_reminded_each_time():
    async with Building() as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")
        await b.say(b.alice, "I have a spare drill to lend")
        await b.say(b.carol, "can I borrow a drill?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "The drill is at my door")
        await b.dm(b.alice, "Ring twice")
        await b.press(b.alice, b.last_private(b.alice), "rt:")
        assert "next messages go to Bob" in b.last_private(b.alice).content
        before = len(b.private(b.alice))
        await b.dm(b.alice, "Bob, come after 6")
        assert "come after 6" in b.last_private(b.bob).content
        assert len(b.private(b.alice)) == before  # no "which chat?" note this time
