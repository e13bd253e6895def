"""Attacks on awards: an out-of-range period crashes /awards announce; one resident floods
the captains with nomination cards."""

from __future__ import annotations

import logging

from tests.e2e.test_attack_points import Failures
from tests.harness import Building


async def test_awards_announce_year_zero_is_refused_politely():
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        async with Building() as b:
            b.opened_bot(b.captain)
            before = len(b.private(b.captain))
            await b.dm(b.captain, "/awards announce 0000-01")
            got = b.private(b.captain)[before:]
            print([m.content for m in got], [r.getMessage() for r in failures.records])
            assert not failures.records, [r.getMessage() for r in failures.records]
            assert got
    finally:
        logging.getLogger().removeHandler(failures)


async def test_one_resident_cannot_flood_captains_with_nominations():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        neighbours = []
        for i in range(12):
            u = b.world.add_user(2000 + i, f"N{i}", language_code="en")
            b.world.join(b.g3, u)
            neighbours.append(await b.say(u, f"hello from N{i}"))
        await b.say(b.bob, "hi all")
        before = len(b.private(b.captain))
        for msg in neighbours:
            await b.say(b.bob, "/nominate always so helpful", reply_to=msg)
        cards = [m for m in b.private(b.captain)[before:] if "Nominee" in m.content]
        print(len(cards))
        assert len(cards) <= 5, f"{len(cards)} nomination cards from one resident in a minute"
