"""The matcher's reads and writes, on both databases.

An offer's allocation rule comes with it in the candidate query, and asking a giver writes
the match and the hold together (one statement on PostgreSQL); both must say exactly what
the separate reads and writes said.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.allocation_store import EntryExtras
from storage.records import Entry, NewEntry, UserRecord
from storage.repository import Repository, Tx
from tests import backends

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GROUP = -1009
KEY = "item:ibuprofen"


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await Repository.open(backends.database_for(tmp_path / "m.db"))
    yield repo
    await repo.close()


async def _add(tx: Tx, kind: str, user_id: int, quantity: float | None) -> Entry:
    return await tx.add_entry(
        NewEntry(
            kind=kind,  # type: ignore[arg-type]
            user_id=user_id,
            chat_id=GROUP,
            message_id=user_id,
            building="3",
            community="east",
            item_name="布洛芬",
            canonical="ibuprofen",
            category="medicine",
            medical=True,
            urgent=False,
            quantity=quantity,
            unit="盒",
            text="…",
            created_at=T,
            expires_at=T + timedelta(days=7),
            keys=frozenset({KEY}),
        )
    )


async def _offers_for(tx: Tx, *, asker: int) -> list[tuple[Entry, EntryExtras]]:
    return await tx.candidate_offers(KEY, building="3", community="east", exclude_user=asker)


async def test_candidate_offers_come_with_their_allocation_rule(repo: Repository):
    async with repo.transaction() as tx:
        plain = await _add(tx, "offer", 1, 2)
        lottery = await _add(tx, "offer", 2, 5)
        await tx.set_entry_extras(
            lottery.id,
            photo="photo-1",
            allocation="lottery",
            window_ends_at=T + timedelta(hours=2),
        )
        mine = await _add(tx, "offer", 3, 1)  # the asker's own: never a candidate
    async with repo.transaction() as tx:
        found = await _offers_for(tx, asker=3)
        separately = [(e, await tx.entry_extras(e.id)) for e, _ in found]
    assert [(e.id, x.allocation) for e, x in found] == [
        (plain.id, "first_come"),
        (lottery.id, "lottery"),
    ]
    assert found == separately
    assert found[1][1].photo == "photo-1" and found[1][1].window_open(T)
    assert mine.id not in {e.id for e, _ in found}


async def test_asking_a_giver_holds_the_quantity_until_the_offer_is_spoken_for(repo: Repository):
    async with repo.transaction() as tx:
        offer = await _add(tx, "offer", 1, 3)
        first = await _add(tx, "request", 2, 2)
        second = await _add(tx, "request", 4, 1)
    async with repo.transaction() as tx:
        match = await tx.add_match(first, offer, 2, T)
    assert (match.request_id, match.offer_id, match.quantity) == (first.id, offer.id, 2)
    assert (match.requester_id, match.giver_id, match.status) == (2, 1, "asked")
    async with repo.transaction() as tx:
        held = await tx.entry(offer.id)
        assert held is not None and held.held == 2
        still = await _offers_for(tx, asker=4)
        assert [e.id for e, _ in still] == [offer.id]  # one of three is left
        await tx.add_match(second, offer, 1, T)
    async with repo.transaction() as tx:
        spoken = await tx.entry(offer.id)
        assert spoken is not None and spoken.held == 3
        assert await _offers_for(tx, asker=4) == []


async def test_asking_a_giver_brings_both_neighbours_as_stored(repo: Repository):
    async with repo.transaction() as tx:
        await tx.save_user(
            UserRecord(1, "Alice", username="alice", language_code="en", home_chat_id=GROUP), T
        )
        offer = await _add(tx, "offer", 1, 3)
        request = await _add(tx, "request", 2, 1)  # Bob never wrote where the bot saw him
    async with repo.transaction() as tx:
        match, requester, giver = await tx.add_match_between(request, offer, 1, T)
        assert (requester, giver) == tuple(await tx.users(2, 1))
        assert await tx.match(match.id) == match
        held = await tx.entry(offer.id)
    assert requester is None
    assert giver is not None and (giver.first_name, giver.home_chat_id) == ("Alice", GROUP)
    assert (match.request_id, match.offer_id, match.quantity, match.status) == (
        request.id,
        offer.id,
        1,
        "asked",
    )
    assert held is not None and held.held == 1
