"""Attack: an outsider enumerates /start dl<N> links and reads other buildings' questions;
a captain of one building lists another building's captains."""

from __future__ import annotations

from tests.harness import Building


async def test_an_outsider_cannot_read_a_buildings_question_by_guessing_the_link():
    async with Building() as b:
        b.opened_bot(b.captain)
        await b.say(b.captain, "/deliberate Evict the noisy tenant in 1203? | Yes | No --anonymous")
        mallory = b.world.add_user(1066, "Mallory", language_code="en")  # in no group
        await b.start(mallory, "dl1")
        got = [m.content for m in b.private(mallory)]
        print(got)
        assert not any("noisy tenant" in c for c in got)
        assert not any(m.button_data() for m in b.private(mallory))


async def test_a_resident_of_building_5_cannot_read_building_3s_question():
    async with Building() as b:
        b.opened_bot(b.captain, b.dave)
        await b.say(b.captain, "/deliberate Raise the B3 fee? | Yes | No")
        await b.start(b.dave, "dl1")
        got = [m.content for m in b.private(b.dave)]
        print(got)
        assert not any("B3 fee" in c for c in got)


async def test_a_captain_of_building_3_cannot_list_building_5s_captains():
    async with Building() as b:
        b.opened_bot(b.captain)
        b.world.add_user(9002, "Wei", language_code="en")
        await b.dm(b.captain, "/captains b5")
        got = b.last_private(b.captain).content
        print(got)
        assert "Building 5" not in got
