"""Captains and admins the config names by @username: the account that first uses the name
keeps the role; whoever takes the name over later does not inherit it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests import backends
from tests.captains_town import Town
from tests.harness import BUILDING_CONFIG

BY_NAME = BUILDING_CONFIG.replace("captains = [9001]", 'captains = ["@cathy_b3"]')


async def test_a_captain_named_by_username_keeps_the_role_when_someone_takes_the_name_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Town(BY_NAME) as b:
        b.opened_bot(b.alice)
        b.captain.username = "cathy_b3"
        await b.say(b.alice, "I have a spare ladder to lend")
        with caplog.at_level(logging.WARNING):
            await b.dm(b.captain, "/ledger")
        assert "ladder" in b.last_private(b.captain).content
        assert any(
            "cathy_b3" in r.getMessage() and "9001" in r.getMessage() for r in caplog.records
        )

        # Cathy renames herself; Mallory grabs the old name.
        b.captain.username = "cathy_new"
        mallory = b.world.add_user(6666, "Mallory", username="cathy_b3", language_code="en")
        b.opened_bot(mallory)
        await b.dm(mallory, "/ledger")
        assert "ladder" not in b.last_private(mallory).content
        [entry] = await b.ledger()
        await b.dm(mallory, f"/remove {entry.id}")
        assert [e.status for e in await b.ledger()] == ["available"]
        # Cathy, under her new name, is still the captain.
        await b.dm(b.captain, "/ledger")
        assert "ladder" in b.last_private(b.captain).content


async def test_a_binding_survives_a_restart(tmp_path: Path) -> None:
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(BY_NAME, database=database) as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        b.captain.username = "cathy_b3"
        await b.dm(b.captain, "/ledger")
        assert "ladder" in b.last_private(b.captain).content
    async with Town(BY_NAME, database=database) as b:
        b.world._next_update_id = 1000  # a new stand-in: its update ids must not repeat
        mallory = b.world.add_user(6666, "Mallory", username="cathy_b3", language_code="en")
        b.opened_bot(mallory)
        await b.dm(mallory, "/ledger")
        assert "ladder" not in b.last_private(mallory).content
