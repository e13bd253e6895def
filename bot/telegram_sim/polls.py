"""Native polls in the in-memory Telegram: sendPoll, stopPoll, residents voting.

As the Bot API has it: `options` are InputPollOption objects (or plain strings), polls are
anonymous unless `is_anonymous` is false, a regular poll allows changing one's vote, and
the bot hears `poll_answer` (who chose what; non-anonymous polls only) and `poll` (the new
counts) for polls it sent. A forwarded copy is the same poll: anyone who receives it can
vote, which is why a bot must check who the voters are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.telegram_sim.world import (
    ACTIVE_STATUSES,
    JSON,
    SimMessage,
    SimulationError,
    SimUser,
    TelegramWorld,
    _method,
    _Params,
    _reply_markup,
    bad_request,
)

MAX_QUESTION = 300
MAX_OPTION = 100
MAX_OPTIONS = 12  # Bot API 9.1
MIN_OPTIONS = 1  # Bot API 10.0
MIN_OPEN_PERIOD, MAX_OPEN_PERIOD = 5, 600


@dataclass(eq=False)
class SimPoll:
    id: str
    question: str
    options: list[str]
    is_anonymous: bool
    allows_multiple_answers: bool
    allows_revoting: bool
    type: str = "regular"
    is_closed: bool = False
    close_date: int | None = None
    open_period: int | None = None
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def to_api(self) -> JSON:
        """The Bot API `Poll` object."""
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        data: JSON = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": counts[n], "persistent_id": str(n)}
                for n, text in enumerate(self.options)
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.open_period is not None:
            data["open_period"] = self.open_period
        if self.close_date is not None:
            data["close_date"] = self.close_date
        return data


def _option_text(option: Any) -> str:
    if isinstance(option, str):
        return option
    if isinstance(option, dict) and isinstance(option.get("text"), str):
        return option["text"]
    raise bad_request("can't parse InputPollOption JSON object")


@_method("sendPoll")
def _send_poll(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._writable_chat(params)
    world._throttle(chat)
    question = (params.text("question") or "").strip()
    if not question:
        raise bad_request("poll question must be non-empty")
    if len(question) > MAX_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_QUESTION}")
    raw = params.json("options", "can't parse options JSON object")
    if not isinstance(raw, list):
        raise bad_request("can't parse options JSON object")
    options = [_option_text(o).strip() for o in raw]
    if len(options) < MIN_OPTIONS:
        raise bad_request("poll must have at least 1 option")
    if len(options) > MAX_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_OPTIONS} options")
    if any(not o for o in options):
        raise bad_request("poll options must be non-empty")
    if any(len(o) > MAX_OPTION for o in options):
        raise bad_request(f"poll options length must not exceed {MAX_OPTION}")
    kind = params.text("type") or "regular"
    if kind not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    anonymous = not params.has("is_anonymous") or params.flag("is_anonymous")
    if not anonymous and chat.type == "channel":
        raise bad_request("non-anonymous polls can't be sent to channel chats")
    open_period = params.integer("open_period", "wrong open period specified")
    close_date = params.integer("close_date", "wrong close date specified")
    if open_period is not None and close_date is not None:
        raise bad_request("can't use open_period and close_date together")
    now = int(world.now())
    if open_period is not None:
        if not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            raise bad_request("wrong open period specified")
        close_date = now + open_period
    elif close_date is not None and not (MIN_OPEN_PERIOD <= close_date - now <= MAX_OPEN_PERIOD):
        raise bad_request("wrong close date specified")
    revoting = (
        params.flag("allows_revoting") if params.has("allows_revoting") else kind == "regular"
    )
    markup = _reply_markup(params)
    message = world._bot_message(chat, params)
    poll = SimPoll(
        id=str(5_800_000_000_000_000_000 + len(world.polls) + 1),
        question=question,
        options=options,
        is_anonymous=anonymous,
        allows_multiple_answers=params.flag("allows_multiple_answers"),
        allows_revoting=revoting,
        type=kind,
        is_closed=params.flag("is_closed"),
        close_date=close_date,
        open_period=open_period,
    )
    world.polls[poll.id] = poll
    message.poll, message.reply_markup = poll, markup
    world._store(message)
    world._record("poll", message, _Params({**params.raw, "text": question}))
    if close_date is not None:
        world.on_tick.append(lambda: _close_when_due(world, poll))
    return message.to_api()


def _close_when_due(world: TelegramWorld, poll: SimPoll) -> None:
    if not poll.is_closed and poll.close_date is not None and world.now() >= poll.close_date:
        poll.is_closed = True
        world._enqueue("poll", poll.to_api())


@_method("stopPoll")
def _stop_poll(world: TelegramWorld, params: _Params) -> JSON:
    message = world._message_for_change(params, "message with poll to stop not found")
    if message.poll is None:
        raise bad_request("message with poll to stop not found")
    if not message.from_bot:
        raise bad_request("poll can't be stopped")
    poll: SimPoll = message.poll
    if poll.is_closed:
        raise bad_request("poll has already been closed")
    markup = _reply_markup(params)
    poll.is_closed = True
    message.reply_markup = markup
    world._record("stop_poll", message, _Params({"text": poll.question}))
    world._enqueue("poll", poll.to_api())
    return poll.to_api()


def vote(
    world: TelegramWorld,
    user: SimUser,
    message: SimMessage,
    options: list[int],
    *,
    forwarded: bool = False,
) -> None:
    """A resident taps options of a poll (an empty list takes the vote back).

    `forwarded`: the vote is cast in a copy someone forwarded to `user`, who need not be in
    the poll's chat (a forwarded poll is the same poll)."""
    poll: SimPoll | None = message.poll
    if poll is None or message.deleted:
        raise SimulationError("that message has no poll")
    chat = message.chat
    if not forwarded:
        if chat.private_with is not None and chat.private_with is not user:
            raise SimulationError("only the chat's user can vote in a private chat's poll")
        if chat.is_group and chat.statuses.get(user.id) not in ACTIVE_STATUSES:
            raise SimulationError(f"{user.first_name} is not in {chat.title}")
    if poll.is_closed:
        raise SimulationError("the poll is closed")
    chosen = tuple(sorted(set(options)))
    if any(not 0 <= o < len(poll.options) for o in chosen):
        raise SimulationError("no such option")
    if len(chosen) > 1 and not poll.allows_multiple_answers:
        raise SimulationError("this poll takes one answer")
    if user.id in poll.votes and not poll.allows_revoting:
        raise SimulationError("this poll does not allow changing a vote")
    if not chosen and user.id not in poll.votes:
        raise SimulationError("there is no vote to take back")
    if chosen:
        poll.votes[user.id] = chosen
    else:
        poll.votes.pop(user.id, None)
    if not message.from_bot:
        return  # bots hear only about their own polls
    if not poll.is_anonymous:
        world._enqueue(
            "poll_answer",
            {
                "poll_id": poll.id,
                "user": user.to_api(),
                "option_ids": list(chosen),
                "option_persistent_ids": [str(o) for o in chosen],
            },
        )
    world._enqueue("poll", poll.to_api())


def latest_poll(world: TelegramWorld, chat: Any) -> SimMessage | None:
    """The newest message with an open poll in a chat (the console's /vote)."""
    polls = [m for m in world.messages_in(chat) if m.poll is not None and not m.poll.is_closed]
    return polls[-1] if polls else None
