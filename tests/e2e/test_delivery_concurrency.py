"""The outbox goes out to many chats at once, and in order within each chat.

Delivery is driven directly with a Bot API stand-in that holds its answers back: an answer
only comes once enough sends are waiting for one, which a one-at-a-time flush never
reaches (the test would fail, not hang). Nothing here measures time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.error import Forbidden, RetryAfter

from bot.core.clock import ManualClock
from bot.core.effects import Fallback, SendMessage, encode
from bot.delivery.outbox import OUTBOX_BATCH, SEND_CONCURRENCY, Delivery
from storage.repository import Repository
from tests import backends
from tests.fake_bots import GenericSendMessage

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GROUP = -1003


class HeldBackTelegram(GenericSendMessage):
    """Answers no send until `together` of them are in flight, then every one; records the
    most sends it ever saw in flight and what each chat received, in order."""

    username = "jinlin_bot"

    def __init__(self, together: int, refuse: frozenset[int] = frozenset()) -> None:
        self.together = together
        self.refuse = refuse  # private chats that never opened the bot (403)
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls: list[int] = []
        self.answered: list[int] = []
        self.received: dict[int, list[str]] = defaultdict(list)
        self._enough = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.calls.append(chat_id)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.in_flight >= self.together:
                self._enough.set()
            await self._enough.wait()
            for _ in range(abs(chat_id) % 4):  # answers come back in a different order
                await asyncio.sleep(0)
            if chat_id in self.refuse:
                raise Forbidden("Forbidden: bot can't initiate conversation with a user")
            self.received[chat_id].append(text)
            self.answered.append(chat_id)
        finally:
            self.in_flight -= 1


class FloodedTelegram(HeldBackTelegram):
    """As above, but `flooded` answers 429 once all first sends are in flight."""

    def __init__(self, together: int, flooded: int) -> None:
        super().__init__(together)
        self.flooded = flooded
        self.flood_answered = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        if chat_id != self.flooded:
            await super().send_message(chat_id, text, **kwargs)
            return
        self.calls.append(chat_id)
        self.in_flight += 1
        try:
            if self.in_flight >= self.together:
                self._enough.set()
            await self._enough.wait()
        finally:
            self.in_flight -= 1
        if not self.flood_answered.is_set():
            self.flood_answered.set()
            raise RetryAfter(30)
        self.received[chat_id].append(text)


async def open_outbox(tmp_path: Path, effects: list[SendMessage]) -> Repository:
    repo = await Repository.open(backends.database_for(tmp_path / "outbox.db"))
    async with repo.transaction() as tx:
        await tx.enqueue([encode(e) for e in effects], T)
    return repo


async def unsent(repo: Repository) -> int:
    async with repo.statements() as tx:
        return len(await tx.unsent())


async def test_different_chats_are_sent_at_once_and_each_chat_in_its_order(tmp_path):
    chats = [2000 + i for i in range(SEND_CONCURRENCY + 24)]
    # Three rounds over more chats than are sent at once: a chat's messages are spread over
    # several claims.
    effects = [SendMessage(c, f"{c} #{n}") for n in range(3) for c in chats]
    repo = await open_outbox(tmp_path, effects)
    telegram = HeldBackTelegram(together=SEND_CONCURRENCY)
    delivery = Delivery(repo, ManualClock(T))
    try:
        handled = await asyncio.wait_for(delivery.flush(telegram), 30)  # type: ignore[arg-type]

        assert handled == len(effects) and await unsent(repo) == 0
        assert telegram.most_in_flight == SEND_CONCURRENCY  # overlapping, and bounded
        assert {c: telegram.received[c] for c in chats} == {
            c: [f"{c} #0", f"{c} #1", f"{c} #2"] for c in chats
        }
        assert telegram.answered != [e.chat_id for e in effects]  # not simply one by one
    finally:
        await delivery.close()
        await repo.close()


async def test_messages_to_one_chat_in_one_claim_go_one_after_another(tmp_path):
    # Five chats, four messages each: one claim, five lanes of four.
    assert OUTBOX_BATCH >= 20
    effects = [SendMessage(3000 + c, f"{c}: step {n}") for n in range(4) for c in range(5)]
    repo = await open_outbox(tmp_path, effects)
    telegram = HeldBackTelegram(together=5)
    delivery = Delivery(repo, ManualClock(T))
    try:
        await asyncio.wait_for(delivery.flush(telegram), 30)  # type: ignore[arg-type]

        assert telegram.most_in_flight == 5  # one send per chat in flight, never two
        for c in range(5):
            assert telegram.received[3000 + c] == [f"{c}: step {n}" for n in range(4)]
    finally:
        await delivery.close()
        await repo.close()


async def test_a_refused_private_message_nudges_its_group_in_the_group_s_order(tmp_path):
    # The group nudge for a resident who never opened the bot lands between the group's
    # own messages where the outbox put it, though it comes from a private message's row.
    nudge = Fallback(chat_id=GROUP, user_id=4001, text="Dora, open a chat with me", button="Open")
    effects = [
        SendMessage(GROUP, "✅ Noted: ladder"),
        SendMessage(4001, "🤝 Can you lend Bob your ladder?", fallback=nudge),
        SendMessage(GROUP, "✅ Noted: drill"),
        *[SendMessage(5000 + i, f"hello {i}") for i in range(6)],
    ]
    repo = await open_outbox(tmp_path, effects)
    telegram = HeldBackTelegram(together=2, refuse=frozenset({4001}))
    delivery = Delivery(repo, ManualClock(T))
    try:
        await asyncio.wait_for(delivery.flush(telegram), 30)  # type: ignore[arg-type]

        assert telegram.received[GROUP] == [
            "✅ Noted: ladder",
            "Dora, open a chat with me",
            "✅ Noted: drill",
        ]
        async with repo.transaction() as tx:
            assert len(await tx.take_pending_notices(4001, T)) == 1  # kept for /start
    finally:
        await delivery.close()
        await repo.close()


async def test_flood_control_in_one_chat_stops_new_sends_and_the_rest_follow_later(tmp_path):
    effects = [
        SendMessage(6001, "a1"),
        SendMessage(6002, "b1"),
        SendMessage(6003, "c1"),  # Telegram answers this one with 429
        SendMessage(6001, "a2"),
        SendMessage(6002, "b2"),
        SendMessage(6004, "d1"),
    ]
    repo = await open_outbox(tmp_path, effects)
    telegram = FloodedTelegram(together=4, flooded=6003)  # a1, b1, c1 and d1 at once
    delivery = Delivery(repo, ManualClock(T))
    try:
        handled = await asyncio.wait_for(delivery.flush(telegram), 30)  # type: ignore[arg-type]

        # What was in flight finished; nothing started after the 429.
        assert dict(telegram.received) == {6001: ["a1"], 6002: ["b1"], 6004: ["d1"]}
        assert handled == 3 and await unsent(repo) == 3
        assert delivery.backlog  # the next update (or the retry) tries again

        await asyncio.wait_for(delivery.flush(telegram), 30)  # type: ignore[arg-type]
        assert dict(telegram.received) == {
            6001: ["a1", "a2"],
            6002: ["b1", "b2"],
            6003: ["c1"],
            6004: ["d1"],
        }
        assert await unsent(repo) == 0
    finally:
        await delivery.close()
        await repo.close()


async def test_flushes_asked_for_while_one_runs_are_answered_by_it(tmp_path):
    # Sixteen units finish at once and each asks for a flush: the first sends everything,
    # the others find their rows sent and return without asking the outbox again.
    effects = [SendMessage(7000 + i, f"ack {i}") for i in range(16)]
    repo = await open_outbox(tmp_path, effects)
    telegram = HeldBackTelegram(together=1)
    delivery = Delivery(repo, ManualClock(T))
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(delivery.flush(telegram) for _ in range(16))),  # type: ignore[arg-type]
            30,
        )
        assert sorted(results) == [0] * 15 + [16]
        assert sorted(telegram.calls) == [7000 + i for i in range(16)]  # each once
        assert not delivery.backlog
    finally:
        await delivery.close()
        await repo.close()
