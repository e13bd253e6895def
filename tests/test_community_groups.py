"""A community-wide group (no building: the whole garden) is moderated like a building's:
captains of any building of that community list its entries and take them down; captains of
another community cannot."""

from __future__ import annotations

from tests.captains_town import Town
from tests.harness import BUILDING_CONFIG

GARDEN = (
    BUILDING_CONFIG
    + """
[[groups]]
chat_id = -1009
title = "Sunny Garden"
community = "sunny"

[[communities]]
key = "hill"
name = "Hill Court"

[[buildings]]
key = "h1"
name = "Hill 1"
community = "hill"
captains = [9011]
"""
)


class Garden(Town):
    def __init__(self) -> None:
        super().__init__(GARDEN)
        self.garden = self.world.add_group(
            -1009, "Sunny Garden", members=[self.alice, self.bob, self.captain, self.wang]
        )
        self.hill_captain = self.world.add_user(9011, "Hugo", language_code="en")
        self.opened_bot(self.hill_captain)


async def test_captains_of_the_community_list_and_remove_a_community_wide_groups_entries():
    async with Garden() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend", chat=b.garden)
        [entry] = await b.ledger()
        assert entry.building is None and entry.community == "sunny"

        await b.dm(b.captain, "/ledger")
        assert "ladder" in b.last_private(b.captain).content
        await b.dm(b.wang, "/ledger")  # Building 5's captain: the same community
        assert (
            "ladder" in b.last_private(b.wang).content or "梯子" in b.last_private(b.wang).content
        )

        await b.dm(b.wang, f"/remove {entry.id} not sharing")
        [after] = await b.ledger()
        assert after.status == "removed"
        assert any("not sharing" in m.content for m in b.private(b.alice))


async def test_a_captain_of_another_community_cannot_touch_a_community_wide_entry():
    async with Garden() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend", chat=b.garden)
        [entry] = await b.ledger()
        await b.dm(b.hill_captain, "/ledger")
        assert "ladder" not in b.last_private(b.hill_captain).content
        await b.dm(b.hill_captain, f"/remove {entry.id}")
        [after] = await b.ledger()
        assert after.status == "available"
