"""Skills neighbours offer and help they ask for (issue 17): Alice cuts hair, Bob needs a
haircut; Alice is asked privately, says yes, and they talk through the bot. Nothing about
who offers or needs what is posted in the group beyond each author's own line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests import backends
from tests.e2e.test_privacy_forgetme import traces_in_database
from tests.e2e.test_relay import leaks
from tests.harness import BUILDING_CONFIG, Building, make_config


def group_texts(b: Building) -> str:
    return "\n".join(m.content for m in b.group_posts())


async def test_a_skill_is_offered_asked_for_and_the_neighbours_introduced_privately():
    async with Building() as b:
        b.alice.username = "alice_in_b3"
        b.bob.username = "bobby_b3"
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "/skill 理发")
        assert "Your skill is listed" in b.last_private(b.alice).content
        await b.dm(b.carol, "/skills")
        assert "haircut" in b.last_private(b.carol).content  # named in the reader's language

        await b.dm(b.bob, "/needhelp haircut")
        ask = b.last_private(b.alice)
        assert "needs help" in ask.content and "Bob" in ask.content
        assert not leaks(ask, b.bob)
        await b.press(b.alice, ask, "y:")
        intro = b.last_private(b.bob)
        assert "Alice" in intro.content and "will help" in intro.content
        assert "through me" in intro.content and not leaks(intro, b.alice)

        await b.dm(b.carol, "/skills")  # still listed while Alice helps Bob
        assert "haircut" in b.last_private(b.carol).content
        await b.dm(b.alice, "Come by on Saturday morning")  # the note, relayed
        assert "Saturday morning" in b.last_private(b.bob).content
        await b.dm(b.bob, "Thank you, 10 o'clock?")
        relayed = b.last_private(b.alice)
        assert "10 o'clock" in relayed.content and not leaks(relayed, b.bob)

        # The group heard only that each line was noted: no names of who helps whom.
        posts = group_texts(b)
        assert "Bob" not in posts and "haircut" not in posts.lower()
        for message in b.group_posts():
            assert not leaks(message, b.alice, b.bob)

        # The building's captain sees skills and needs in the ledger, like items.
        b.opened_bot(b.captain)
        await b.dm(b.captain, "/ledger")
        ledger = b.last_private(b.captain).content
        assert "理发" in ledger and "haircut" in ledger

        # Done once, the skill is still offered for the next neighbour.
        await b.press(b.bob, intro, "h:")
        [offer] = [e for e in await b.ledger() if e.kind == "offer"]
        assert offer.status == "available" and offer.category == "service"
        await b.dm(b.carol, "/needhelp 剪头发")
        assert "Carol" in b.last_private(b.alice).content


async def test_skills_and_items_never_match_each_other_and_the_digest_lists_only_items():
    async with Building(make_config(digest="daily 20:00")) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/skill 修电脑")
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "/need computer")
        assert not await b.matches()
        await b.say(b.bob, "/skills")
        listing = b.group_posts()[-1].content
        assert "computer and phone help" in listing and "Alice" not in listing
        assert "ladder" not in listing
        await b.later(timedelta(hours=10))  # 20:00 in Shanghai: the group's digest
        [digest] = [m for m in b.group_posts() if m.content.startswith("📋")]
        assert "ladder" in digest.content and "computer" in digest.content  # Bob's need
        assert "修电脑" not in digest.content and "phone help" not in digest.content


async def test_an_outsider_can_neither_offer_nor_ask_for_a_skill():
    async with Building() as b:
        olga = b.world.add_user(1099, "Olga", language_code="en")
        olga.started_bot = True
        b.opened_bot(b.alice)
        await b.say(b.alice, "/skill plumbing")
        await b.dm(olga, "/needhelp plumbing")
        assert "don't know your building" in b.last_private(olga).content
        await b.dm(olga, "/skill haircut")
        assert "don't know your building" in b.last_private(olga).content
        await b.dm(olga, "/skills")
        assert "plumbing" not in b.last_private(olga).content
        assert [e.user_id for e in await b.ledger()] == [b.alice.id]
        assert not await b.matches()


async def test_a_skill_written_with_markup_characters_is_listed_as_written():
    """The listing is HTML: a skill named "<b>" or "fix taps & <sinks>" broke the whole
    message (Telegram: can't parse entities) until the names were escaped."""
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.dm(b.alice, "/skill fix taps & <sinks>")
        await b.dm(b.bob, "/skills")
        assert not [c for c in b.world.failed_calls if c.error_code == 400]
        assert "fix taps & <sinks>" in b.last_private(b.bob).content


async def test_a_resident_withdraws_their_skill_and_it_is_no_longer_listed():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.dm(b.alice, "/skill tutoring")
        await b.dm(b.alice, "/mine")
        await b.press(b.alice, b.last_private(b.alice), "w:")
        await b.dm(b.bob, "/skills")
        assert "No neighbour here has listed a skill" in b.last_private(b.bob).content


async def test_forgetme_removes_skills_offered_and_help_asked_for(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/skill legal advice")
        await b.say(b.bob, "/needhelp 法律咨询")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        assert await traces_in_database(database, b.alice.id, "Alice")
        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        assert await traces_in_database(database, b.alice.id, "Alice") == []
        await b.dm(b.bob, "/skills")
        assert "legal" not in b.last_private(b.bob).content


async def test_helping_with_a_skill_earns_the_helper_points_under_the_hand_over_rule():
    from tests.e2e.test_volunteers_points import VOLUNTEERS

    cfg = make_config(BUILDING_CONFIG + VOLUNTEERS.replace("per_shift = 1", "per_handover = 2"))
    async with Building(cfg) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/skill tutoring")
        await b.dm(b.bob, "/needhelp homework help")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.press(b.bob, b.last_private(b.bob), "h:")
        await b.later(timedelta(minutes=1))
        await b.dm(b.alice, "/points")
        assert b.last_private(b.alice).content.startswith("🌟 Your service points: 2")
