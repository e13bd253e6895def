"""/forgetme deletes the resident who asks, and nobody else: whatever their first name says
("SendMessage", "text", "ladder", "Tom & <Jerry>"), every other resident's waiting and sent
messages survive, and an agreed hand-over they leave is handed to the next in line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.telegram_sim.world import SimUser
from storage.captains_store import NOT_PERSONAL, PERSONAL_COLUMNS
from tests import backends
from tests.captains_town import Town
from tests.test_privacy_forgetme import traces_in_database

HOSTILE_NAMES = ["SendMessage", "text", "ladder", 'Tom & <Jerry> "T"', "chat_id", "Bob"]


async def _forget(b: Town, user: SimUser) -> None:
    await b.dm(user, "/forgetme")
    await b.press(user, b.last_private(user), "fm:y")


async def _rows_not_about(database: str, user_id: int) -> tuple[list[object], list[object]]:
    """Outbox and waiting rows of everyone else (matched by id in the stored effect only)."""
    outbox = await backends.fetch(database, "SELECT id, effect FROM outbox ORDER BY id")
    pending = await backends.fetch(
        database, "SELECT id, user_id, effect FROM pending_notices ORDER BY id"
    )
    mine = (f'"chat_id": {user_id},', f'"user_id": {user_id},')
    return (
        [r[0] for r in outbox if not any(m in r[1] for m in mine)],
        [r[0] for r in pending if r[1] != user_id and not any(m in r[2] for m in mine)],
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_forgetme_with_a_hostile_name_leaves_every_other_residents_rows(
    tmp_path: Path, name: str
) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        mallory = b.world.add_user(1066, name, language_code="en")
        b.world.join(b.g3, mallory)
        b.opened_bot(b.alice, b.bob, mallory)
        # Carol never opened the bot: what is meant for her waits in pending_notices.
        await b.say(b.alice, "I have a spare ladder to lend, text me")
        await b.say(b.carol, "does anyone have a ladder?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.say(b.bob, "/need drill")
        await b.say(b.alice, "/offer drill")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.say(mallory, "/offer umbrella")
        outbox_before, pending_before = await _rows_not_about(database, mallory.id)
        assert pending_before, "Carol has waiting messages"

        await _forget(b, mallory)

        outbox_after, pending_after = await _rows_not_about(database, mallory.id)
        assert set(outbox_before) <= set(outbox_after)
        assert pending_after == pending_before
        # Carol still gets her introduction when she opens the bot.
        await b.start(b.carol)
        assert any("Alice" in m.content for m in b.private(b.carol))


async def test_forgetme_removes_what_names_the_resident_even_with_markup_characters(
    tmp_path: Path,
) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        tom = b.world.add_user(1066, 'Tom & <Jerry> "T"', language_code="en")
        b.world.join(b.g3, tom)
        b.opened_bot(tom)
        await b.say(tom, "/offer ladder")
        await b.say(b.carol, "/need ladder")
        await b.press(tom, b.last_private(tom), "y:")  # Carol's introduction names Tom

        await _forget(b, tom)

        assert await traces_in_database(database, tom.id, "Jerry") == []


async def test_forgetme_ends_an_agreed_match_tells_the_other_side_and_asks_the_next_in_line():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        await b.press(b.alice, b.last_private(b.alice), "y:")  # agreed with Bob
        await b.say(b.carol, "/need ladder")  # Carol is next in line
        asked_before = len(b.private(b.alice))

        await _forget(b, b.bob)

        told = b.private(b.alice)[asked_before:]
        assert any("ladder you agreed on is off" in m.content for m in told), [
            m.content for m in told
        ]
        assert not any("Bob" in m.content for m in told)
        assert any("Carol" in m.content for m in told), [m.content for m in told]
        offer = next(e for e in await b.ledger() if e.user_id == b.alice.id)
        assert offer.status == "available"


async def test_forgetme_leaves_tables_that_are_not_jinlins_alone(tmp_path: Path) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        b.opened_bot(b.alice)
        async with b.services.repo.transaction() as tx:
            await tx._db.execute(
                "CREATE TABLE operator_notes (user_id INTEGER, note TEXT NOT NULL)"
            )
            await tx._db.execute(
                "INSERT INTO operator_notes (user_id, note) VALUES (?, ?)",
                (b.alice.id, "kept by the operator"),
            )
        await b.say(b.alice, "/offer ladder")
        await _forget(b, b.alice)
        rows = await backends.fetch(database, "SELECT note FROM operator_notes")
        assert rows == [("kept by the operator",)]
        async with b.services.repo.transaction() as tx:
            await tx._db.execute("DROP TABLE operator_notes")


async def test_every_column_of_the_schema_that_holds_a_person_is_in_forgetmes_list(
    tmp_path: Path,
) -> None:
    """A new table with a resident in it must say what /forgetme does with it."""
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b, b.services.repo.transaction() as tx:
        columns = {(t, c) for t in await tx._tables() for c in await tx._columns(t)}
    person = re.compile(r"^(user_id|actor_id|requester_id|giver_id|recipient_id|\w+_by)$")
    holding_people = {(t, c) for t, c in columns if person.match(c)}
    decided = PERSONAL_COLUMNS | set(NOT_PERSONAL)
    assert holding_people - decided == set()
