"""A resource's `teams`: volunteers of those teams may book it though they live elsewhere."""

from __future__ import annotations

from tests.e2e.test_bookings import RESOURCES, alerts, book, bookings
from tests.harness import BUILDING_CONFIG, Building, make_config

TEAMS = RESOURCES.replace(
    'buildings = ["b3"]\nhours = { all = "08:00-20:00" }',
    'buildings = ["b3"]\nteams = ["安全巡查"]\nhours = { all = "08:00-20:00" }',
    1,
)


async def dave_joins(b: Building, team: str) -> None:
    async with b.app.bot_data.require().repo.transaction() as tx:
        record, _ = await tx.ensure_team("b:b5", team, None, b.clock.now())
        await tx.set_team_member(record.id, b.dave.id, True, b.clock.now())


async def test_a_patrol_volunteer_from_another_building_may_borrow_the_wheelchair():
    assert "teams = [" in TEAMS
    b = Building(make_config(BUILDING_CONFIG + TEAMS))
    b.opened_bot(b.alice, b.bob, b.carol, b.dave, b.captain)
    async with b:
        # Dave lives in building 5; the wheelchair is building 3's.
        await dave_joins(b, "垃圾分类监督")  # another team does not count
        await b.dm(b.dave, "/book")
        await b.press(b.dave, b.last_private(b.dave), "bk:r:wheelchair")
        assert "「轮椅」只供本楼（本小区）的居民预约" in alerts(b)[-1]
        await dave_joins(b, "安全巡查")
        await book(b, b.dave, "wheelchair", 2, 8)
        assert "✅" in b.last_private(b.dave).content
        (held,) = await bookings(b)
        assert (held.user_id, held.status) == (b.dave.id, "confirmed")
