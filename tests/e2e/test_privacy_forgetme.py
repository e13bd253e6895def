"""Residents' privacy: /privacy says what is kept; /forgetme leaves no trace of the resident
in the database (every table is scanned, on either backend); old history is purged."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests import backends
from tests.captains_town import Town


async def traces_in_database(database: str, user_id: int, name: str) -> list[str]:
    """Every cell of every table that holds the user id or the name."""
    found = []
    id_pattern = re.compile(rf"(?<!\d){user_id}(?!\d)")
    tables = await backends.tables(database)
    assert {"users", "entries", "matches", "reports", "outbox", "opt_ins"} <= set(tables)
    for table in tables:
        for row in await backends.fetch(database, f'SELECT * FROM "{table}"'):
            for cell in row:
                if cell == user_id or (
                    isinstance(cell, str) and (name in cell or id_pattern.search(cell))
                ):
                    found.append(f"{table}: {row}")
    return found


async def test_privacy_explains_what_is_kept_and_for_how_long():
    async with Town(retention_days=90) as b:
        b.opened_bot(b.alice)
        await b.dm(b.alice, "/privacy")
        text = b.last_private(b.alice).content
        assert "What Jinlin keeps" in text and "90 days" in text and "/forgetme" in text


async def test_forgetme_leaves_no_trace_and_keeps_an_anonymous_record_for_the_other_side(
    tmp_path: Path,
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        # A completed hand-over Alice -> Bob, an introduction still waiting (Carol asks
        # Alice's drill), an open request, a report and the thank-you opt-in.
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.press(b.bob, b.last_private(b.bob), "h:")
        await b.say(b.alice, "/offer drill")
        await b.say(b.carol, "/need drill")
        await b.say(b.alice, "/need umbrella")
        await b.say(b.alice, "/report the stairwell light is out")
        await b.dm(b.alice, "/thanks on")
        assert await traces_in_database(database, b.alice.id, "Alice")

        await b.dm(b.alice, "/forgetme")
        prompt = b.last_private(b.alice)
        assert "cannot be undone" in prompt.content
        await b.press(b.alice, prompt, "fm:y")
        assert "Deleted: 3 entries" in prompt.content  # the prompt becomes the receipt

        assert await traces_in_database(database, b.alice.id, "Alice") == []
        # Bob keeps his hand-over, without Alice in it; Carol's request is open again.
        [kept] = [m for m in await b.matches() if m.status == "handed_over"]
        assert kept.giver_id == 0 and kept.requester_id == b.bob.id
        carol_request = next(e for e in await b.ledger() if e.user_id == b.carol.id)
        assert carol_request.status == "open"
        assert len(await b.matches()) == 1
        # And the bot still works for everyone, Alice included if she comes back.
        await b.say(b.alice, "/offer drill")
        assert [m.status for m in await b.matches()][-1] == "asked"


async def test_forgetme_can_be_cancelled_and_only_in_private():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.alice, "/forgetme")
        assert "private chat" in b.group_posts()[-1].content
        await b.dm(b.alice, "/forgetme")
        prompt = b.last_private(b.alice)
        await b.press(b.alice, prompt, "fm:n")
        assert "nothing was deleted" in prompt.content
        assert len(await b.ledger()) == 1


async def test_closed_history_is_purged_after_the_retention_period():
    async with Town(retention_days=30) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.press(b.bob, b.last_private(b.bob), "h:")
        await b.say(b.alice, "/report hallway light")
        await b.say(b.alice, "/report lift noise")
        card = next(m for m in b.private(b.captain) if "hallway" in m.content)
        await b.press(b.captain, card, "rs:1:r")
        await b.later(timedelta(days=20))
        assert len(await b.ledger()) == 2  # closed, but not old enough yet
        await b.later(timedelta(days=11))
        assert await b.ledger() == [] and await b.matches() == []
        async with b.services.repo.transaction() as tx:
            assert await tx.report(1) is None  # resolved and old: gone
            assert await tx.report(2) is not None  # still open: kept


async def test_a_captain_who_leaves_is_forgotten_too_but_the_audit_log_keeps_the_actions(
    tmp_path: Path,
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "/offer ladder")
        await b.dm(b.captain, "/remove 1 duplicate")
        await b.dm(b.captain, "/announce Lift maintenance on Friday")
        await b.dm(b.captain, "/forgetme")
        await b.press(b.captain, b.last_private(b.captain), "fm:y")
        assert await traces_in_database(database, b.captain.id, "Cathy") == []
        assert [(r.actor_id, r.action) for r in await b.audit()] == [
            (0, "remove"),
            (0, "announce"),
        ]
