"""Native polls in the simulated Telegram, driven by the real python-telegram-bot: sendPoll
with InputPollOption, poll and poll_answer updates, stopPoll, Telegram's refusals."""

from __future__ import annotations

import pytest
from telegram import Bot, InputPollOption
from telegram.error import BadRequest

from bot.telegram_sim import polls
from bot.telegram_sim.world import SimulationError
from tests.process.test_telegram_sim import Building, bot, building, unknown_fields

__all__ = ["bot", "building"]  # the fixtures, shared with the stand-in's main tests


async def test_a_non_anonymous_poll_tells_the_bot_who_voted(building: Building, bot: Bot) -> None:
    sent = await bot.send_poll(
        building.group.id,
        "是否安装感应灯？",
        [InputPollOption("同意"), InputPollOption("反对")],
        is_anonymous=False,
    )
    assert sent.poll is not None and sent.poll.is_anonymous is False
    assert [o.text for o in sent.poll.options] == ["同意", "反对"]
    message = building.world.message(building.group, sent.message_id)
    polls.vote(building.world, building.alice, message, [1])
    polls.vote(building.world, building.alice, message, [0])  # regular polls allow revoting
    updates = await bot.get_updates()
    answers = [u.poll_answer for u in updates if u.poll_answer is not None]
    states = [u.poll for u in updates if u.poll is not None]
    assert [(a.user.id, a.option_ids) for a in answers if a.user] == [
        (building.alice.id, (1,)),
        (building.alice.id, (0,)),
    ]
    assert answers[0].poll_id == sent.poll.id
    assert states[-1].total_voter_count == 1 and states[-1].options[0].voter_count == 1
    assert not [f for u in updates for f in unknown_fields(u)]


async def test_an_anonymous_poll_gives_only_counts(building: Building, bot: Bot) -> None:
    sent = await bot.send_poll(building.group.id, "Paint?", ["Yes", "No"])  # anonymous default
    message = building.world.message(building.group, sent.message_id)
    polls.vote(building.world, building.bob, message, [0])
    updates = await bot.get_updates()
    assert [u.poll_answer for u in updates if u.poll_answer] == []
    assert [u.poll.total_voter_count for u in updates if u.poll] == [1]


async def test_outsiders_vote_only_in_a_forwarded_copy(building: Building, bot: Bot) -> None:
    dave = building.world.add_user(1004, "Dave")
    sent = await bot.send_poll(building.group.id, "Paint?", ["Yes", "No"], is_anonymous=False)
    message = building.world.message(building.group, sent.message_id)
    with pytest.raises(SimulationError):
        polls.vote(building.world, dave, message, [0])
    polls.vote(building.world, dave, message, [0], forwarded=True)
    updates = await bot.get_updates()
    assert [u.poll_answer.user.id for u in updates if u.poll_answer and u.poll_answer.user] == [
        dave.id
    ]


async def test_stop_poll_closes_it_once(building: Building, bot: Bot) -> None:
    sent = await bot.send_poll(building.group.id, "Paint?", ["Yes", "No"], is_anonymous=False)
    message = building.world.message(building.group, sent.message_id)
    polls.vote(building.world, building.alice, message, [1])
    stopped = await bot.stop_poll(building.group.id, sent.message_id)
    assert stopped.is_closed and stopped.options[1].voter_count == 1
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(building.group.id, sent.message_id)
    with pytest.raises(SimulationError):
        polls.vote(building.world, building.bob, message, [0])
    text = await bot.send_message(building.group.id, "not a poll")
    with pytest.raises(BadRequest, match=r"(?i)message with poll to stop not found"):
        await bot.stop_poll(building.group.id, text.message_id)


async def test_send_poll_refuses_what_telegram_refuses(building: Building, bot: Bot) -> None:
    group = building.group.id
    with pytest.raises(BadRequest, match=r"(?i)poll question must be non-empty"):
        await bot.send_poll(group, " ", ["Yes", "No"])
    with pytest.raises(BadRequest, match=r"(?i)can't have more than 12 options"):
        await bot.send_poll(group, "Q?", [str(n) for n in range(13)])
    with pytest.raises(BadRequest, match=r"(?i)options length must not exceed 100"):
        await bot.send_poll(group, "Q?", ["x" * 101, "No"])
    with pytest.raises(BadRequest, match=r"(?i)open_period and close_date together"):
        await bot.send_poll(group, "Q?", ["Yes", "No"], open_period=60, close_date=2_000_000_000)
    with pytest.raises(BadRequest, match=r"(?i)wrong open period"):
        await bot.send_poll(group, "Q?", ["Yes", "No"], open_period=601)


async def test_open_period_closes_the_poll_by_itself(building: Building, bot: Bot) -> None:
    sent = await bot.send_poll(building.group.id, "Q?", ["Yes", "No"], open_period=60)
    assert sent.poll is not None and sent.poll.open_period == 60
    building.world.tick(61)
    updates = await bot.get_updates()
    assert [u.poll.is_closed for u in updates if u.poll] == [True]
