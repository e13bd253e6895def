"""Two residents take the last place on a duty at the same moment, from two workers (two
repositories on one database, as two `jinlin run` processes): one gets it, one waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.sharing.model import Resident
from bot.core.volunteers.roster import give_up, sign_up
from storage.repository import Repository
from storage.volunteers_store import NewDuty
from tests import backends
from tests.harness import make_config

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
G3 = -1003  # building b3's group in the harness config
ALICE = Resident(user_id=1001, first_name="Alice", username=None, language_code="en")
BOB = Resident(user_id=1002, first_name="Bob", username=None, language_code="en")
CAROL = Resident(user_id=1003, first_name="Carol", username=None, language_code="en")


async def a_duty(repo: Repository, slots: int) -> int:
    async with repo.transaction() as tx:
        for who in (ALICE, BOB, CAROL):
            await tx.note_member(G3, who.user_id, True, NOW)
        duty = await tx.add_duty(
            NewDuty("b3", "stairwell cleaning", None, NOW + timedelta(days=4),
                    NOW + timedelta(days=4, hours=2), slots, False, G3, 9001, NOW)
        )  # fmt: skip
    return duty.id


async def test_two_workers_taking_the_last_place_at_once_give_it_to_one(tmp_path):
    database = backends.database_for(tmp_path / "shared.db")
    first, second = await Repository.open(database), await Repository.open(database)
    config = make_config()
    try:
        for round_ in range(5):
            duty_id = await a_duty(first, slots=1)

            async def press(repo: Repository, who: Resident, duty_id: int = duty_id) -> str:
                async def work(tx):  # type: ignore[no-untyped-def]
                    _, key = await sign_up(tx, config, NOW, who, duty_id, G3, None)
                    return key

                return await repo.run(work)

            keys = await asyncio.gather(press(first, ALICE), press(second, BOB))
            assert sorted(keys) == ["vt_signed", "vt_waitlisted"], round_
            async with first.transaction() as tx:
                statuses = sorted(s.status for s in await tx.signups(duty_id))
            assert statuses == ["signed", "waiting"]
    finally:
        await first.close()
        await second.close()


async def test_a_place_given_up_while_another_signs_up_is_never_given_twice(tmp_path):
    database = backends.database_for(tmp_path / "shared.db")
    first, second = await Repository.open(database), await Repository.open(database)
    config = make_config()
    try:
        duty_id = await a_duty(first, slots=1)
        async with first.transaction() as tx:
            await sign_up(tx, config, NOW, ALICE, duty_id, G3, None)
            await sign_up(tx, config, NOW, BOB, duty_id, G3, None)  # waiting

        async def leave(tx):  # type: ignore[no-untyped-def]
            return await give_up(tx, config, NOW, ALICE, duty_id, G3, None)

        async def join(tx):  # type: ignore[no-untyped-def]
            return await sign_up(tx, config, NOW, CAROL, duty_id, G3, None)

        await asyncio.gather(first.run(leave), second.run(join))
        async with first.transaction() as tx:
            signups = {s.first_name: s.status for s in await tx.signups(duty_id)}
        # Bob waited first: he has the place; Carol waits, whatever the order of the two.
        assert signups == {"Bob": "signed", "Carol": "waiting"}
    finally:
        await first.close()
        await second.close()
