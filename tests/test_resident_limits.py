"""Per-resident bounds: one resident cannot flood the group, the ledger or the captains.

Three messages once made 33 group posts, 33 entries and 9 captain messages. Each bound is in
`[limits]`; reaching one earns a polite private word, never a crash or a silent loss.
"""

from __future__ import annotations

from datetime import timedelta

from tests.harness import BUILDING_CONFIG, Building, make_config

LIMITS = """
[limits]
items_per_message = 3
open_entries_per_resident = 4
urgent_per_resident_per_day = 2
reports_per_resident_per_day = 2
"""


def limited() -> Building:
    return Building(make_config(BUILDING_CONFIG + LIMITS))


async def test_one_message_lists_at_most_the_bounded_number_of_items():
    async with limited() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder, drill, hammer, umbrella and kettle to lend")
        assert [e.item_name for e in await b.ledger()] == ["ladder", "drill", "hammer"]
        assert "at most 3 items" in b.last_private(b.alice).content


async def test_a_resident_keeps_a_bounded_number_of_entries_open():
    async with limited() as b:
        b.opened_bot(b.alice)
        for item in ("ladder", "drill", "hammer", "umbrella", "kettle", "tent"):
            await b.say(b.alice, f"I have a spare {item} to lend")
        assert len(await b.ledger()) == 4
        assert len(b.group_posts()) == 4  # no acknowledgement for what was not listed
        note = b.last_private(b.alice).content
        assert "4 open listings" in note and "/mine" in note
        assert sum("4 open listings" in m.content for m in b.private(b.alice)) == 2

        await b.dm(b.alice, "/mine")  # closing one makes room again
        mine = b.last_private(b.alice)
        await b.press(b.alice, mine, "w:")
        await b.say(b.alice, "I have a spare tent to lend")
        assert "tent" in [e.item_name for e in await b.ledger()]


async def test_urgent_requests_reach_the_captains_a_bounded_number_of_times_a_day():
    async with limited() as b:
        b.opened_bot(b.bob, b.captain)
        for item in ("aspirin", "ibuprofen", "paracetamol"):
            await b.say(b.bob, f"Urgent! anyone have {item}?")
        urgent_posts = [p for p in b.group_posts() if "120" in p.content]
        assert len(urgent_posts) == 2
        assert len(b.private(b.captain)) == 2
        assert "urgent requests today" in b.last_private(b.bob).content
        assert len(await b.ledger()) == 3  # the request itself is still listed and matched

        await b.later(timedelta(hours=24, minutes=1))
        await b.say(b.bob, "Urgent! anyone have a thermometer? fever")
        assert len(b.private(b.captain)) == 2  # not medicine: no captain alert anyway
        assert "120" in b.group_posts()[-1].content


async def test_reports_to_the_captains_are_bounded_per_resident_per_day():
    async with limited() as b:
        b.opened_bot(b.alice, b.captain)
        for text in ("the stairwell light is out", "the lift is stuck", "the door is broken"):
            await b.say(b.alice, f"/report {text}")
        assert len(b.private(b.captain)) == 2
        assert "2 reports" in b.last_private(b.alice).content
        await b.later(timedelta(hours=24, minutes=1))
        await b.say(b.alice, "/report the door is broken")
        assert len(b.private(b.captain)) == 3
