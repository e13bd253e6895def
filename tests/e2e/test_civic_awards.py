"""Good-neighbour awards: a private nomination, the captain's review, the nominee's consent,
the announcement of those who agreed."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import BUILDING_CONFIG, Building, make_config


async def _nominate_alice(b: Building) -> None:
    """Bob nominates Alice by replying to her message in Building 3's group."""
    b.opened_bot(b.alice, b.bob, b.carol, b.captain)
    hello = await b.say(b.alice, "I can water your plants while you're away")
    await b.say(b.bob, "hi all")
    await b.say(b.bob, "/nominate", reply_to=hello)


async def test_a_nomination_made_privately_reaches_the_captain_without_the_nominators_name():
    async with Building() as b:
        await _nominate_alice(b)
        ask = b.last_private(b.bob)
        assert "You are nominating Alice" in ask.content
        # The group hears nothing about whom Bob nominated.
        assert not any("Alice" in m.content for m in b.group_posts())
        await b.dm(b.bob, "She waters everyone's plants and carries groceries for Mrs Li")
        assert "Thank you" in b.last_private(b.bob).content
        card = b.last_private(b.captain)
        assert "Nominee: Alice" in card.content
        assert "carries groceries" in card.content
        assert "Nominations of Alice this period: 1" in card.content
        assert "Bob" not in card.content
        # The reason was not read as an offer of groceries (Alice's own offer to water
        # plants, which Bob replied to, may be in the ledger: it is hers).
        assert not any("grocer" in e.item_name for e in await b.ledger())


async def test_accepted_consented_and_announced_only_with_consent():
    async with Building() as b:
        await _nominate_alice(b)
        await b.dm(b.bob, "She waters everyone's plants")
        # Carol nominates Bob, who will not want to be named.
        hello = b.world.send(b.bob, b.g3, "spare umbrella at the door")
        await b.pump()
        await b.say(b.carol, "/nominate Always lends umbrellas", reply_to=hello)
        cards = [m for m in b.private(b.captain) if "nomination #" in m.content]
        assert len(cards) == 2
        for card in cards:
            await b.press(b.captain, card, "gn:a:")
        ask_alice = b.last_private(b.alice)
        assert "May we name you" in ask_alice.content
        assert "Bob" not in ask_alice.content  # Bob did not choose to be named
        await b.press(b.alice, ask_alice, "gn:y:")
        await b.press(b.bob, b.last_private(b.bob), "gn:n:")
        await b.say(b.captain, "/awards announce 2026-12")
        post = b.group_posts()[-1].content
        assert "Good neighbours of Building 3" in post
        assert "Alice" in post and "waters everyone's plants" in post
        assert "Bob" not in post
        # Announced once: a second announcement has nothing new.
        await b.say(b.captain, "/awards announce 2026-12")
        assert "No new good neighbours" in b.group_posts()[-1].content
        await b.say(b.carol, "/awards")
        assert "Alice" in b.group_posts()[-1].content
        # Every captain's decision is in the audit log, by id (no names, no reasons).
        async with b.app.bot_data.require().repo.transaction() as tx:
            audit = [(r.actor_id, r.action, r.target) for r in await tx.audit_log()]
        assert (b.captain.id, "nomination_accepted", "nomination #1") in audit
        assert (b.captain.id, "awards_announce", "awards 2026-12") in audit


async def test_one_nomination_per_neighbour_per_period_and_not_oneself():
    async with Building() as b:
        await _nominate_alice(b)
        await b.dm(b.bob, "Kind to everyone")
        hello = b.world.send(b.alice, b.g3, "good morning")
        await b.pump()
        await b.say(b.bob, "/nominate", reply_to=hello)
        assert "already nominated Alice" in b.group_posts()[-1].content
        mine = b.world.send(b.bob, b.g3, "me again")
        await b.pump()
        await b.say(b.bob, "/nominate", reply_to=mine)
        assert "cannot nominate yourself" in b.group_posts()[-1].content


async def test_captains_act_only_for_their_own_buildings():
    async with Building() as b:
        kim = b.world.add_user(9002, "Kim", language_code="en")  # captain of Building 5
        b.opened_bot(kim)
        b.world.join(b.g3, kim)
        await b.pump()
        await _nominate_alice(b)
        await b.dm(b.bob, "Kind to everyone")
        await b.say(kim, "/awards announce 2026-12")
        assert "You are not a captain of Building 3" in b.group_posts()[-1].content
        # Privately, each captain sees the nominations of their own buildings only.
        await b.dm(b.captain, "/awards")
        assert "Alice" in b.last_private(b.captain).content
        await b.dm(kim, "/awards")
        assert "Alice" not in b.last_private(kim).content
        # A resident who is not a captain cannot announce.
        await b.say(b.carol, "/awards announce 2026-12")
        assert "Only floor captains" in b.group_posts()[-1].content


async def test_a_scheduled_announcement_posts_last_months_good_neighbours_once():
    config = make_config(
        BUILDING_CONFIG + '\n[civic]\nannounce = "scheduled"\nannounce_time = "10:00"\n'
    )
    async with Building(config) as b:
        await _nominate_alice(b)
        await b.dm(b.bob, "She waters everyone's plants")
        await b.press(b.captain, b.last_private(b.captain), "gn:a:")
        await b.press(b.alice, b.last_private(b.alice), "gn:y:")
        before = len(b.group_posts())
        await b.later(timedelta(days=29))  # still December: nothing yet
        assert len(b.group_posts()) == before
        # 1 January 2027, 10:00 in Shanghai is 02:00 UTC; T0 is 1 December 02:00 UTC.
        await b.later(timedelta(days=2, minutes=1))
        posts = [m.content for m in b.group_posts()[before:]]
        assert len(posts) == 1 and "Good neighbours of Building 3 · December 2026" in posts[0]
        await b.later(timedelta(hours=1))
        assert len(b.group_posts()) == before + 1


async def test_no_room_number_or_phone_in_the_reason_reaches_the_group():
    async with Building() as b:
        await _nominate_alice(b)
        await b.dm(b.bob, "Carries shopping up to room 1102 for Mrs Li, call 13812345678")
        assert "1102" in b.last_private(b.captain).content  # the captain reads it whole
        await b.press(b.captain, b.last_private(b.captain), "gn:a:")
        await b.press(b.alice, b.last_private(b.alice), "gn:y:")
        await b.say(b.captain, "/awards announce 2026-12")
        await b.say(b.carol, "/awards")
        for post in b.group_posts()[-2:]:
            assert "Carries shopping" in post.content
            assert "1102" not in post.content and "13812345678" not in post.content


async def test_by_username_privately_and_the_nominator_may_choose_to_be_named():
    async with Building() as b:
        lily = b.world.add_user(1010, "Lily", username="lily_b3", language_code="en")
        b.world.join(b.g3, lily)
        b.opened_bot(b.bob, b.captain, lily, b.dave)
        await b.say(lily, "Bike pump by the door if anyone needs it")
        await b.say(b.bob, "morning")
        await b.say(b.dave, "早上好", chat=b.g5)
        # Dave lives in Building 5: he may not nominate in Building 3.
        await b.dm(b.dave, "/nominate @lily_b3 修自行车")
        assert "只有Building 3群里的邻居可以推荐" in b.last_private(b.dave).content
        await b.dm(b.bob, "/nominate @lily_b3 Fixes everyone's bikes")
        done = b.last_private(b.bob)
        assert "went to the captains" in done.content
        await b.press(b.bob, done, "gn:r:")
        await b.press(b.captain, b.last_private(b.captain), "gn:a:")
        told = [m.content for m in b.private(lily)]
        assert any("May we name you" in t for t in told)
        assert any("The neighbour who nominated you: Bob" in t for t in told)
        await b.dm(b.bob, "/nominate @nobody_here Kind")
        assert "I don't know @nobody_here" in b.last_private(b.bob).content
