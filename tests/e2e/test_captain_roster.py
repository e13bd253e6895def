"""Admins add and remove a building's captains from Telegram (issue 16): the change is stored,
audited, effective at once (ledger, reports, menus), and undone by /forgetme."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app.cli import main as jinlin
from tests import backends
from tests.admin_config_files import write_config
from tests.captains_town import ADMIN_ID, Town


async def changes(b: Town) -> list[Any]:
    async with b.services.repo.transaction() as tx:
        return list(reversed(await tx.captain_changes()))


async def test_an_admin_replies_to_a_resident_and_they_act_as_captain_at_once():
    async with Town() as b:
        b.opened_bot(b.bob, b.alice)
        b.g3.statuses[b.ada.id] = "member"
        await b.say(b.captain, "I'm Cathy, your captain")
        await b.say(b.alice, "/offer ladder")
        hello = await b.say(b.bob, "good morning everyone")

        await b.say(b.ada, "/captain add b3", reply_to=hello)

        assert "Bob is now a captain of Building 3" in b.group_posts()[-1].content
        welcome = b.last_private(b.bob).content
        assert "Ada made you a floor captain of Building 3" in welcome
        # No /reload: Bob's ledger, residents' reports and his menu follow at once.
        await b.dm(b.bob, "/ledger")
        assert "ladder" in b.last_private(b.bob).content
        await b.dm(b.alice, "/report the lift is broken again")
        assert "lift is broken" in b.last_private(b.bob).content
        assert "ledger" in b.world.menu_seen_by(b.bob)
        assert "ledger" not in b.world.menu_seen_by(b.alice)
        [change] = await changes(b)
        assert (change.building, change.user_id, change.change, change.changed_by) == (
            "b3",
            b.bob.id,
            "added",
            ADMIN_ID,
        )

        await b.dm(b.ada, "/captains b3")
        listing = b.last_private(b.ada).content
        assert "Cathy (config file)" in listing
        assert "Bob (added by Ada, 12-01" in listing


async def test_the_person_added_is_told_in_their_own_language_only_if_they_opened_the_bot():
    async with Town() as b:
        await b.say(b.dave, "大家好", chat=b.g5)  # Dave is known, but never opened the bot
        await b.dm(b.ada, f"/captain add b5 {b.dave.id}")
        assert "Dave is now a captain of Building 5" in b.last_private(b.ada).content
        assert b.private(b.dave) == []

        await b.dm(b.ada, f"/captain remove b5 {b.dave.id}")
        b.opened_bot(b.dave)
        await b.dm(b.ada, f"/captain add b5 {b.dave.id}")
        assert "请你担任 Building 5 的楼门长" in b.last_private(b.dave).content


async def test_refusals_and_mistakes_get_one_clear_line_and_change_nothing():
    async with Town() as b:
        b.opened_bot(b.alice)
        hello = await b.say(b.bob, "hello")
        await b.say(b.carol, "morning")
        await b.say(b.captain, "hello from your captain")
        await b.say(b.alice, "/captain add b3", reply_to=hello)
        assert b.group_posts()[-1].content == "Only an admin can add or remove captains."

        answers = {}
        for line in (
            "/captain",
            "/captain promote b3 1002",
            "/captain add b3 1002 1003",
            "/captain add b9 1002",
            "/captain add b3",
            "/captain add 1002",
            "/captain add b3 @ghost_neighbour",
            "/captain remove b3 9001",
            "/captain remove b3 1003",
            "/captain add b3 9001",
        ):
            await b.dm(b.ada, line)
            answers[line] = b.last_private(b.ada).content
        usage = answers["/captain"]
        assert usage.startswith("Usage: reply /captain add b3")
        assert answers["/captain promote b3 1002"] == usage
        assert answers["/captain add b3 1002 1003"] == usage
        assert answers["/captain add b9 1002"] == 'There is no building "b9". Buildings: b3, b5'
        assert answers["/captain add b3"].startswith("Add whom?")
        assert answers["/captain add 1002"].startswith("Say which building")
        assert answers["/captain add b3 @ghost_neighbour"].startswith("I haven't seen @ghost_n")
        assert "captain in the config file" in answers["/captain remove b3 9001"]
        assert answers["/captain remove b3 1003"] == "Carol is not a captain of Building 3."
        assert answers["/captain add b3 9001"] == "Cathy is already a captain of Building 3."
        assert await changes(b) == []
        assert not b.services.config.is_captain(b.bob.id, None)

        await b.dm(b.alice, "/captains")
        assert "Only admins and captains" in b.last_private(b.alice).content


async def test_removed_or_forgotten_a_captain_stops_being_one_and_the_audit_names_no_one():
    async with Town() as b:
        b.bob.username = "Bob_B3"
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi all")  # the bot learns @Bob_B3 is user 1002
        await b.dm(b.ada, "/captain add b3 @bob_b3")
        assert b.services.config.is_captain(b.bob.id, None, "b3")

        await b.dm(b.ada, "/captain remove b3 @bob_b3")
        assert "no longer a captain of Building 3" in b.last_private(b.bob).content
        await b.dm(b.bob, "/ledger")
        assert "Only a floor captain" in b.last_private(b.bob).content
        assert "ledger" not in b.world.menu_seen_by(b.bob)

        await b.dm(b.ada, "/captain add b3 @bob_b3")
        await b.dm(b.bob, "/forgetme")
        await b.press(b.bob, b.last_private(b.bob), "fm:y")
        assert not b.services.config.is_captain(b.bob.id, None)
        assert "ledger" not in b.world.menu_seen_by(b.bob)
        history = await changes(b)
        assert [c.change for c in history] == ["added", "removed", "added"]
        assert {c.user_id for c in history} == {0}  # who it was is gone; the admin is kept
        assert {c.changed_by for c in history} == {ADMIN_ID}
        await b.dm(b.ada, "/captains b3")
        assert "Bob" not in b.last_private(b.ada).content


async def test_check_config_lists_the_captains_added_from_telegram_when_given_the_database(
    tmp_path, capsys
):
    if backends.current() != "sqlite":
        pytest.skip("check-config --db reads a SQLite file")
    database = str(tmp_path / "jinlin.sqlite3")
    path = write_config(tmp_path)
    async with Town(database=database) as b:
        await b.say(b.bob, "hi")
        await b.dm(b.ada, f"/captain add b3 {b.bob.id}")

    assert jinlin(["check-config", path]) == 0
    out = capsys.readouterr().out
    assert "captains added from Telegram (/captain add) are kept in the database" in out
    assert jinlin(["check-config", path, "--db", database]) == 0
    out = capsys.readouterr().out
    assert (
        f"captain {b.bob.id} of Building 3: added from Telegram by {ADMIN_ID} on 2026-12-01" in out
    )
