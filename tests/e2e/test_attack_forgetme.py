"""Attack: /forgetme after using today's features leaves no trace of the resident."""

from __future__ import annotations

from pathlib import Path

from tests import backends
from tests.e2e.test_bookings import RESOURCES, book
from tests.e2e.test_privacy_forgetme import traces_in_database
from tests.harness import BUILDING_CONFIG, Building, make_config

VOLUNTEERS = "\n[volunteers]\npoints = { per_half_hour = 1, per_shift = 1 }\n"


async def test_forgetme_after_complaints_bookings_duties_and_private_text(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    b = Building(make_config(BUILDING_CONFIG + RESOURCES + VOLUNTEERS), database=database)
    async with b:
        b.opened_bot(b.alice, b.bob, b.carol, b.captain)
        await b.say(b.alice, "the lift is broken again, stuck on 12th floor")
        ask = b.last_private(b.alice)
        await b.press(b.alice, ask, "cp:")  # yes: a report
        await b.say(b.alice, "the corridor light is out again near my door")  # left unanswered
        await b.say(b.bob, "the lift is broken again!!")  # Bob joins... Alice's report
        bob_ask = b.last_private(b.bob)
        if any(d.startswith("cp:") for d in bob_ask.button_data()):
            await b.press(b.bob, bob_ask, "cp:")
        await book(b, b.alice, "activity_room", 2, 10)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 2 people")
        post = [m for m in b.group_posts() if any(d.startswith("vt:s:") for d in m.button_data())][
            -1
        ]
        await b.press(b.alice, post, "vt:s:")
        await b.dm(b.alice, "I have a spare ladder to lend")  # question pending
        await b.dm(b.alice, "/lang")
        await b.press(b.alice, b.last_private(b.alice), "lg:l:zh")
        await b.dm(b.alice, "/forgetme")
        confirm = b.last_private(b.alice)
        await b.press(b.alice, confirm, "fm:y")
        left = await traces_in_database(database, b.alice.id, "Alice")
        left += [t for t in await traces_in_database(database, -999999, "12th floor")]
        left += [t for t in await traces_in_database(database, -999999, "corridor light")]
        print("\n".join(left))
        assert left == []
        assert "Alice" not in post.content, post.content
