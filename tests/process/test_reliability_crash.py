"""`kill -9` in the middle of a busy burst loses nothing and duplicates nothing.

The real `jinlin run` runs as a subprocess against the HTTP Bot API stand-in on 127.0.0.1.
Residents send a burst of offers and requests; the bot is killed with SIGKILL while it works
through them, more messages arrive while it is down, then it is restarted on the same
database (the SQLite file, or the PostgreSQL database in the [postgresql] run). The ledger
must hold exactly one entry per message residents sent, every match once, every update
applied once, and residents must not see acknowledgements or introductions twice.

Telegram has no idempotency key for sendMessage: a message whose HTTP call completed just
before the kill, but whose outbox row was not yet marked sent, goes out again on restart.
The outbox is sent to different chats at once, each chat one message after another, a row
marked sent before its chat's next send: a crash can repeat at most the one message per chat
in flight, SEND_CONCURRENCY in all. The test allows exactly that and nothing more.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.delivery.outbox import SEND_CONCURRENCY
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimMessage, TelegramWorld
from tests import backends
from tests.process.daytime import daytime_zone

ROOT = Path(__file__).resolve().parents[2]
GROUPS = [-1001 - i for i in range(8)]
ITEMS = ["ladder", "drill", "umbrella", "hammer", "kettle"]
# Long enough that a busy CI box cannot finish it between noticing progress and the kill.
FIRST = 150


def _config(base_url: str, database: str) -> str:
    groups = "\n".join(
        f'[[groups]]\nchat_id = {chat_id}\ntitle = "Sunny {i}"\nbuilding = "b1"\n'
        for i, chat_id in enumerate(GROUPS)
    )
    return f"""
[bot]
language = "en"
database = "{database}"
timezone = "{daytime_zone()}"

[telegram]
base_url = "{base_url}"
poll_timeout = 1

[[communities]]
key = "sunny"
name = "Sunny Garden"

[[buildings]]
key = "b1"
name = "Building 1"
community = "sunny"

{groups}
"""


async def wait_for(
    condition: Callable[[], Awaitable[object]],
    timeout: float = 60.0,
    state: Callable[[], Awaitable[object]] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the bot: {state and await state()}")
        await asyncio.sleep(0.01)


async def _start(config: Path, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--log-level", "INFO", "run", "--config", str(config),
            env=env, cwd=log.parent, stderr=stderr,
        )  # fmt: skip


def _alive(proc: asyncio.subprocess.Process, log: Path) -> None:
    if proc.returncode is not None:
        raise AssertionError(f"jinlin run exited {proc.returncode}:\n{log.read_text()[-3000:]}")


async def test_kill_9_mid_burst_then_restart_loses_and_duplicates_nothing(tmp_path):
    world = TelegramWorld()
    # One resident per message: a resident saying the same thing twice refreshes one entry, and
    # this test counts an entry per message.
    residents = [
        world.add_user(2000 + i, f"Neighbour{i}", language_code="en") for i in range(FIRST + 20)
    ]
    for user in residents:
        user.started_bot = True
    groups = [world.add_group(chat_id, f"Sunny {i}", members=residents) for i, chat_id in
              enumerate(GROUPS)]  # fmt: skip
    sent: list[SimMessage] = []

    def burst(start: int, count: int) -> None:
        for n in range(start, start + count):
            user = residents[n % len(residents)]
            item = ITEMS[n % len(ITEMS)]
            text = (
                f"I have a spare {item} to lend"
                if (n // len(ITEMS)) % 2 == 0
                else f"can anyone lend me a {item}?"
            )
            sent.append(world.send(user, groups[n % len(groups)], text))

    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with BotApiStandIn(world) as server, backends.Peek(database) as db:
        config = tmp_path / "config.toml"
        config.write_text(_config(server.base_url, database), encoding="utf-8")
        env = {**os.environ, "JINLIN_TOKEN": world.bot_token, "PYTHONPATH": str(ROOT)}

        log = tmp_path / "jinlin.log"
        proc = await _start(config, env, log)
        try:

            async def started() -> object:
                return _alive(proc, log) or world.description()  # post_init done

            await wait_for(started)
            burst(0, FIRST)
            # Kill while the burst is being worked through (some applied, some not).

            async def some_applied() -> bool:
                return await db.count("SELECT COUNT(*) FROM entries") >= 12

            await wait_for(some_applied)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        applied_before = await db.count("SELECT COUNT(*) FROM entries")
        assert 12 <= applied_before < FIRST, "the kill did not land mid-burst"
        # Resuming from the right update: Telegram still holds every update not yet applied
        # (only applied ones may have been confirmed with getUpdates' offset).
        applied = {r[0] for r in await db.rows("SELECT update_id FROM processed_updates")}
        pending = {u["update_id"] for u in world.pending_updates()}
        burst_ids = set(range(1, FIRST + 1))
        assert burst_ids - applied <= pending
        acked_before = {
            s.reply_to_message_id for s in world.outbox if s.kind == "send" and s.chat_id < 0
        } | {s.message_id for s in world.outbox if s.kind == "reaction"}

        burst(FIRST, 20)  # residents keep writing while the bot is down
        proc = await _start(config, env, log)
        try:

            async def caught_up() -> bool:
                return (
                    _alive(proc, log) is None
                    and await db.count("SELECT COUNT(*) FROM entries") >= len(sent)
                    and not world.pending_updates()
                    and not await db.rows("SELECT id FROM outbox WHERE sent_at IS NULL")
                )

            async def progress() -> object:
                return (
                    await db.count("SELECT COUNT(*) FROM entries"),
                    len(world.pending_updates()),
                    await db.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"),
                    world.failed_calls[-3:],
                )

            await wait_for(caught_up, state=progress)
            await world.wait_until_idle(quiet=0.3, timeout=10)
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    # The ledger: exactly one entry per message a resident sent, none invented.
    entries = await backends.fetch(
        database, "SELECT chat_id, message_id, kind, item_name FROM entries"
    )
    per_message = Counter((chat_id, message_id) for chat_id, message_id, _, _ in entries)
    assert set(per_message) == {(m.chat.id, m.message_id) for m in sent}
    assert max(per_message.values()) == 1
    # Every update applied exactly once, including those redelivered after the kill.
    claimed = [
        r[0] for r in await backends.fetch(database, "SELECT update_id FROM processed_updates")
    ]
    assert len(claimed) == len(set(claimed)) == len(sent)
    # No match twice, no request asked about twice at once.
    matches = await backends.fetch(database, "SELECT request_id, offer_id, status FROM matches")
    assert len({(r, o) for r, o, _ in matches}) == len(matches)
    active = Counter(r for r, _, s in matches if s in ("asked", "accepted"))
    assert not active or max(active.values()) == 1

    # What residents saw: everything acknowledged before the crash is still in the ledger,
    # and (beyond the messages in flight at the kill, one per chat) nothing arrived twice.
    in_ledger = {message_id for _, message_id, _, _ in entries}
    assert acked_before <= in_ledger
    group_acks = Counter(
        (s.chat_id, s.reply_to_message_id)
        for s in world.outbox
        if s.kind == "send" and s.chat_id is not None and s.chat_id < 0
    )
    asks = Counter(
        (s.chat_id, d) for s in world.outbox if s.kind == "send" and s.reply_markup
        for row in s.reply_markup.get("inline_keyboard", []) for b in row
        if (d := b.get("callback_data", "")).startswith("y:")
    )  # fmt: skip
    repeats_per_chat = Counter[int]()
    for (chat_id, _), n in [*group_acks.items(), *asks.items()]:
        repeats_per_chat[chat_id] += n - 1
    assert max(repeats_per_chat.values()) <= 1  # one message per chat was in flight
    assert repeats_per_chat.total() <= SEND_CONCURRENCY
    assert len({d for _, d in asks}) == len(matches)  # every match's giver was asked
    acknowledged = {m for _, m in group_acks} | {
        s.message_id for s in world.outbox if s.kind == "reaction"
    }
    assert acknowledged == {m.message_id for m in sent}  # every message acknowledged


async def test_kill_9_at_each_step_of_a_hand_over_loses_and_repeats_nothing_beyond_the_bound(
    tmp_path,
):
    """A resident who never opened the bot, her group nudge, the giver's button, her /start
    with waiting messages, the relayed chat and the hand-over: the bot is killed with SIGKILL
    right after each step reaches Telegram (wherever it is then), and restarted."""
    world = TelegramWorld()
    alice = world.add_user(2001, "Alice", language_code="en")
    carol = world.add_user(2003, "Carol", language_code="en")  # never opened the bot
    alice.started_bot = True
    group = world.add_group(GROUPS[0], "Sunny 0", members=[alice, carol])
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with BotApiStandIn(world) as server, backends.Peek(database) as db:
        config = tmp_path / "config.toml"
        config.write_text(_config(server.base_url, database), encoding="utf-8")
        env = {**os.environ, "JINLIN_TOKEN": world.bot_token, "PYTHONPATH": str(ROOT)}
        log = tmp_path / "jinlin.log"
        proc = await _start(config, env, log)

        async def restart_after(step: Callable[[], object], kill_after: float) -> None:
            nonlocal proc
            step()
            await asyncio.sleep(kill_after)  # the kill lands wherever the bot is by then
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            proc = await _start(config, env, log)

        async def settled() -> bool:
            return (
                _alive(proc, log) is None
                and not world.pending_updates()
                and not await db.rows("SELECT id FROM outbox WHERE sent_at IS NULL")
            )

        def button(user_id: int, prefix: str) -> tuple[SimMessage, str]:
            for message in reversed(world.bot_messages_in(world.users[user_id])):
                for data in message.button_data():
                    if data.startswith(prefix):
                        return message, data
            raise AssertionError(f"no {prefix} button for {user_id}")

        try:

            async def started() -> object:
                return _alive(proc, log) or world.description()

            await wait_for(started)
            steps: list[Callable[[], object]] = [
                lambda: world.send(alice, group, "I have a spare ladder to lend"),
                lambda: world.send(carol, group, "can anyone lend me a ladder?"),  # refused DM
                lambda: world.press(alice, *button(alice.id, "y:")),  # → the group nudge
                lambda: world.start_bot(carol, "go"),  # what waited for her
                lambda: world.send(carol, world.private_chat(carol), "Thanks! Tonight ok?"),
                lambda: world.press(alice, *button(alice.id, "h:")),
            ]
            for n, step in enumerate(steps):
                await wait_for(started)
                await wait_for(settled)
                await restart_after(step, kill_after=0.02 * (n % 3))
            await wait_for(settled)
            await world.wait_until_idle(quiet=0.3, timeout=10)
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    def received(chat_id: int, words: str) -> int:
        return sum(
            1
            for s in world.outbox
            if s.kind == "send" and s.chat_id == chat_id and words in (s.plain_text or "")
        )

    # Every effect arrived; a repeat only for the one message per chat in flight at a kill.
    counts = {
        "the giver's question": received(alice.id, "needs ladder. You offered"),
        "the giver's thanks": received(alice.id, "I've asked Carol to contact you"),
        "the group nudge for Carol": received(group.id, "is waiting for you"),
        "what waited for Carol": received(carol.id, "what was waiting for you"),
        "Carol's introduction": received(carol.id, "will share ladder"),
        "the relayed message": received(alice.id, "Tonight ok?"),
        "the hand-over news": received(carol.id, "confirmed the hand-over"),
        "the giver's record": received(alice.id, "Hand-over recorded"),
    }
    assert all(1 <= n <= 2 for n in counts.values()), counts
    assert sum(n - 1 for n in counts.values()) <= len(steps), counts  # one per kill at most
    [(status,)] = await backends.fetch(database, "SELECT status FROM matches")
    assert status not in ("asked", "accepted"), status
    claimed = [
        r[0] for r in await backends.fetch(database, "SELECT update_id FROM processed_updates")
    ]
    assert len(claimed) == len(set(claimed)) == len(steps)
