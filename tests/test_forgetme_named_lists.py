"""/forgetme also reaches lists that name the resident: a captain's /reports and /noshows,
and the relay's "sent to …, you have N open chats" note. Each such message carries the ids of
the residents it names, so one still waiting for its reader is deleted with the resident."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.telegram_sim.world import SimUser
from tests import backends
from tests.captains_town import Town
from tests.test_relay import agreed_ladder
from tests.test_waitlist import a_ladder_and_two_neighbours


async def _forget(b: Town, user: SimUser) -> None:
    await b.dm(user, "/forgetme")
    await b.press(user, b.last_private(user), "fm:y")


def _captain_away(b: Town) -> None:
    """The captain has blocked the bot for now: what is for them waits for their /start."""
    b.captain.started_bot = False


async def test_a_waiting_reports_list_naming_a_resident_goes_with_their_forgetme():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/report the stairwell light on floor 3 is out")
        await b.say(b.bob, "/report the lift is stuck again")
        _captain_away(b)
        await b.say(b.captain, "/reports")  # in the group: the list waits for the captain

        await _forget(b, b.alice)
        before = len(b.private(b.captain))
        b.opened_bot(b.captain)
        await b.start(b.captain)

        seen = "\n".join(m.content for m in b.private(b.captain)[before:])
        assert "Alice" not in seen and "stairwell" not in seen
        # The list went whole (it named her); asked again, it still holds Bob's report.
        await b.dm(b.captain, "/reports")
        listing = b.last_private(b.captain).content
        assert "lift is stuck" in listing and "Alice" not in listing


async def test_a_waiting_noshows_list_naming_a_resident_goes_with_their_forgetme():
    async with Town() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        accepted = b.last_private(b.alice)
        await b.later(timedelta(hours=2))  # bot.no_show_after_hours
        await b.press(b.alice, accepted, "ns:")
        _captain_away(b)
        await b.say(b.captain, "/noshows")

        b.opened_bot(b.bob)
        await _forget(b, b.bob)
        before = len(b.private(b.captain))
        b.opened_bot(b.captain)
        await b.start(b.captain)

        arrived = b.private(b.captain)[before:]
        assert arrived  # the /start greeting at least
        assert not any("Bob" in m.content for m in arrived)


async def test_the_relays_which_chat_note_names_the_other_sides_for_forgetme(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")
        await b.say(b.alice, "I have a spare drill to lend")
        await b.say(b.carol, "can I borrow a drill?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "The drill is in a blue bag at my door")
        await b.dm(b.alice, "Do you need the drill bits too?")
        which = b.last_private(b.alice)
        assert "2 open chats" in which.content

        rows = await backends.fetch(
            database,
            "SELECT effect, subject_ids FROM outbox WHERE recipient_id = ?",
            (b.alice.id,),
        )
        [(_, named)] = [(e, s) for e, s in rows if "open chats" in e]
        # The note names Carol (sent to) and Bob (the other chat's button).
        assert set(json.loads(named or "[]")) >= {b.carol.id, b.bob.id}
