"""Nobody acts on others' entries, buttons cannot be replayed, and logs keep secrets.

Forged callback data is what a modified client can send: any string on any of the forger's
own bot messages. Replays are the same button pressed again (double taps, slow networks).
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram.error import NetworkError

from bot.core.log_redaction import setup_logging
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimMessage, SimUser
from tests.harness import Building


async def forge(b: Building, user: SimUser, data: str) -> None:
    """`user` sends callback `data` from a bot message in their own private chat."""
    await b.dm(user, "/mine")  # any bot message in the forger's chat will do
    carrier = b.world.bot_messages_in(user)[-1]
    carrier.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    b.world.press(user, carrier, data)
    await b.pump()


def alerts(b: Building) -> int:
    return sum(1 for s in b.world.outbox if s.kind == "answer_callback" and s.show_alert)


async def _asked(b: Building) -> SimMessage:
    b.opened_bot(b.alice, b.bob, b.carol)
    await b.say(b.alice, "I have 2 spare boxes of ibuprofen")
    await b.say(b.bob, "does anyone have ibuprofen?")
    return b.last_private(b.alice)


async def test_only_the_giver_can_answer_an_introduction():
    async with Building() as b:
        await _asked(b)
        [match] = await b.matches()
        for intruder in (b.bob, b.carol):  # the requester and a bystander
            before = alerts(b)
            await forge(b, intruder, f"y:{match.id}")
            assert alerts(b) == before + 1
        assert [m.status for m in await b.matches()] == ["asked"]
        assert not any("Alice" in m.content for m in b.private(b.bob))


async def test_only_the_two_sides_can_confirm_a_hand_over_and_only_once():
    async with Building() as b:
        ask = await _asked(b)
        await b.press(b.alice, ask, "y:")
        [match] = await b.matches()
        await forge(b, b.carol, f"h:{match.id}")
        assert [m.status for m in await b.matches()] == ["accepted"]

        intro = next(m for m in b.private(b.bob) if "Alice" in m.content)
        data = next(d for d in intro.button_data() if d.startswith("h:"))
        for _ in range(3):  # double taps and a replay from the giver's side
            b.world.press(b.bob, intro, data)
        await b.pump()
        await forge(b, b.alice, data)
        offer, request = await b.ledger()
        assert (offer.remaining, offer.held, request.status) == (1, 0, "fulfilled")
        assert [m.status for m in await b.matches()] == ["handed_over"]


async def test_forged_entry_buttons_cannot_withdraw_give_or_keep_others_entries():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        [entry] = await b.ledger()
        for action in "wgk":
            await forge(b, b.bob, f"{action}:{entry.id}")
        [after] = await b.ledger()
        assert (after.status, after.expires_at) == ("available", entry.expires_at)


async def test_forged_ids_that_do_not_exist_or_do_not_parse_are_refused_quietly():
    async with Building() as b:
        b.opened_bot(b.bob)
        for data in ["y:999999", "h:0", "w:-1", "y:1;DROP TABLE matches", "z:1", "y:" + "9" * 60]:
            await forge(b, b.bob, data)
        assert await b.ledger() == [] and await b.matches() == []
        assert not [c for c in b.world.failed_calls if c.error_code == 400]


async def test_a_withdraw_replayed_after_the_entry_closed_changes_nothing():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.dm(b.alice, "/mine")
        listing = b.last_private(b.alice)
        withdraw = next(d for d in listing.button_data() if d.startswith("w:"))
        given = next(d for d in listing.button_data() if d.startswith("g:"))
        b.world.press(b.alice, listing, withdraw)
        b.world.press(b.alice, listing, withdraw)
        b.world.press(b.alice, listing, given)
        await b.pump()
        assert [e.status for e in await b.ledger()] == ["withdrawn"]


PHONE = "13812345678"
ROOM = "1102"


async def test_contact_details_never_reach_the_group_and_are_redacted_in_logs(capsys):
    setup_logging("DEBUG")
    try:
        async with Building() as b:
            b.opened_bot(b.alice, b.bob)
            await b.say(b.alice, f"I have spare ibuprofen, room {ROOM}, call me {PHONE}")
            await b.say(b.bob, f"anyone have a ladder? I'm in 3号楼2单元{ROOM}, {PHONE}")
            await b.say(b.bob, f"/need ladder {PHONE}")
            posts = "\n".join(m.content for m in b.group_posts())
            assert posts and PHONE not in posts and ROOM not in posts
    finally:
        logging.getLogger().handlers.clear()
    log = capsys.readouterr().err
    assert "ibuprofen" in log  # the log is there...
    assert PHONE not in log and f"room {ROOM}" not in log and f"单元{ROOM}" not in log


async def test_the_token_never_appears_in_logs_or_errors_across_a_run_with_failures(caplog, capsys):
    """The real HTTP path (httpx URLs carry the token), a handler crash and a server outage."""
    b = Building()
    b.world.bot_token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw7"  # shaped like a real one
    secret = b.world.bot_token.split(":")[1]
    setup_logging("DEBUG")
    logging.getLogger().addHandler(caplog.handler)  # raw records too, not only the output
    caplog.handler.setLevel(logging.DEBUG)
    try:
        async with BotApiStandIn(b.world) as server:
            from bot.app.application import build_application

            app = build_application(
                b.config.model_copy(
                    update={
                        "telegram": b.config.telegram.model_copy(
                            update={"base_url": server.base_url}
                        )
                    }
                ),
                token=b.world.bot_token,
                database=b.database,
                clock=b.clock,
                with_job_queue=False,
            )
            b.app = app
            await app.initialize()
            await app.post_init(app)
            b.opened_bot(b.alice)
            await b.say(b.alice, "I have a spare ladder to lend")
            sharing = app.bot_data.require().sharing
            sharing.on_group_message = _raise_with(b.world.bot_token)  # type: ignore[method-assign]
            await b.say(b.bob, "I have a spare drill to lend")
        # The stand-in is gone: sending now fails at the network level.
        await app.bot_data.require().delivery.flush(app.bot)
        try:
            await app.bot.send_message(b.alice.id, "hello")
        except NetworkError as exc:  # the stand-in is gone
            assert secret not in str(exc) and secret not in repr(exc)
        await asyncio.sleep(0)
        await app.post_shutdown(app)
        await app.shutdown()
    finally:
        logging.getLogger().handlers.clear()
    err = capsys.readouterr().err
    assert "handler failed" in err and "[token]" in err  # the crash was logged, redacted
    assert secret not in err
    raw = "\n".join(r.getMessage() for r in caplog.records)
    assert "ladder" in raw
    assert secret not in re.sub(r"\[token\]", "", raw)


def _raise_with(token: str):
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"could not reach https://api.telegram.org/bot{token}/getMe")

    return broken
