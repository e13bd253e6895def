"""/forgetme reaches the new tables too: held-back texts, relay focus, no-show records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests import backends
from tests.harness import Building
from tests.test_privacy_forgetme import traces_in_database

PHONE = "13812345678"


async def rows(database: str, table: str) -> list[tuple]:
    return await backends.fetch(database, f"SELECT * FROM {table}")


async def test_forgetme_leaves_no_trace_in_relay_and_no_show_tables(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        # Bob did not turn up for Alice's ladder...
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        b.clock.advance(timedelta(hours=2))  # a no-show is reported after bot.no_show_after_hours
        await b.press(b.alice, b.last_private(b.alice), "ns:")
        # ...and is now talking to Carol about her drill, phone number held back.
        await b.say(b.carol, "I have a spare drill to lend")
        await b.say(b.bob, "can I borrow a drill?")
        await b.press(b.carol, b.last_private(b.carol), "y:")
        await b.dm(b.carol, "In a blue bag at my door")
        await b.dm(b.bob, f"Bob here, call {PHONE}")
        assert await rows(database, "no_shows") and await rows(database, "relay_held")

        await b.dm(b.bob, "/forgetme")
        await b.press(b.bob, b.last_private(b.bob), "fm:y")
        assert await traces_in_database(database, b.bob.id, "Bob") == []
        assert not any(PHONE in str(row) for row in await rows(database, "relay_held"))
        assert await rows(database, "no_shows") == []
