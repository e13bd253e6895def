"""Messages at Telegram's limit and one past it, counted as Telegram counts: UTF-16 units.

An emoji is one Python character but two units, so a text can look short to Python and
still be refused with "message is too long". At exactly 4,096 units a message goes as one;
at 4,097 it goes in two that together say everything; a resident's longest message is
relayed whole.
"""

from __future__ import annotations

from bot.effects import SendMessage
from bot.message_parts import units
from bot.telegram_sim.world import FailedCall
from tests.harness import Building
from tests.test_delivery_limits import enqueue
from tests.test_relay import agreed_ladder

LADDER = "🪜"  # two UTF-16 units


def text_of_units(n: int, line: str = f"{LADDER * 20} a&b <ok> 梯子\n") -> str:
    """Lines of emoji and text exactly `n` units long (by default with characters HTML must
    escape)."""
    text = line * (n // units(line))
    text += "x" * (n - units(text))
    assert units(text) == n
    return text


def too_long(calls: list[FailedCall]) -> list[FailedCall]:
    return [c for c in calls if "too long" in c.description.lower()]


async def test_a_message_of_exactly_4096_units_goes_as_one_and_4097_as_two():
    async with Building() as b:
        b.opened_bot(b.bob)
        svc = b.app.bot_data.require()
        for n, expected_parts in ((4096, 1), (4097, 2)):
            before = len(b.private(b.bob))
            # No markup or escapes: the HTML is then exactly what Telegram counts (with an
            # `&amp;` the bot measures the longer HTML and may split a little early).
            text = text_of_units(n, f"{LADDER * 20} 梯子 ladder\n")
            await enqueue(svc.repo, SendMessage(b.bob.id, text))
            await svc.delivery.flush(b.app.bot)
            got = [m.content for m in b.private(b.bob)[before:]]
            assert len(got) == expected_parts, (n, [units(g) for g in got])
            assert all(units(g) <= 4096 for g in got)
            assert "\n".join(g.rstrip("\n") for g in got).replace("\n\n", "\n").strip() == (
                text.strip()
            )
        assert not too_long(b.world.failed_calls)
        async with svc.repo.statements() as tx:
            assert not await tx.undeliverable() and not await tx.unsent()


async def test_a_residents_longest_private_message_is_relayed_whole():
    async with Building() as b:
        await agreed_ladder(b)
        await b.dm(b.alice, "On the shoe rack")  # the pickup note comes first
        longest = text_of_units(4096)  # what a Telegram client lets Bob send at most
        before = len(b.private(b.alice))
        await b.dm(b.bob, longest)

        got = "\n".join(m.content for m in b.private(b.alice)[before:])
        for line in longest.splitlines():
            assert line in got
        assert not too_long(b.world.failed_calls)


async def test_a_group_message_of_4096_units_is_understood():
    async with Building() as b:
        offer = "I have a spare ladder to lend. " + text_of_units(4096 - 31)
        assert units(offer) == 4096
        await b.say(b.alice, offer)
        assert [e.item_name for e in await b.ledger()] == ["ladder"]
