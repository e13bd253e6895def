"""What the core decides should be sent: plain values, persisted in the outbox before sending.

The core never talks to Telegram; handlers turn these into Bot API calls. Because effects
are stored in the same transaction as the ledger change, a crash between the two loses
nothing: the outbox is flushed again on restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Timing(StrEnum):
    """Whether a private message may wait out the building's quiet hours (bot.quiet_hours).

    NOW: an answer to what the reader just did (they are awake), or nothing waits on it.
    NUDGE: nobody is waiting on it this minute (an expiry reminder, a question to a giver,
    a waitlist turn): decided in quiet hours, it is sent when they end.
    URGENT: never held (the giver of an urgent or medicine request, a life in danger), even
    from a timed job.
    A timed job's private messages are nudges unless marked URGENT (bot/core/quiet_nudges.py).
    """

    NOW = "now"
    NUDGE = "nudge"
    URGENT = "urgent"


@dataclass(frozen=True)
class Button:
    """An inline button: a callback (data) or a link (url)."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Fallback:
    """Where to nudge a resident the bot may not write to privately (Telegram's 403)."""

    chat_id: int
    user_id: int
    text: str  # the group line, already rendered in the group's language(s), HTML-safe
    button: str  # the deep-link button label
    thread_id: int | None = None  # forum groups: the sharing topic (None: general topic)
    # Skipped when the group's posting budget is spent (the message still waits for /start):
    # a question nobody else is waiting on is not worth a group post over the budget.
    optional: bool = False


@dataclass(frozen=True)
class SendMessage:
    """Send `text` (HTML) to a chat; private messages carry a group fallback."""

    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    reply_to: int | None = None
    thread_id: int | None = None
    fallback: Fallback | None = None
    photo: str | None = None  # a Telegram file_id shown above the text
    # Optional group posts (plain acknowledgements) become a reaction or are skipped when
    # the group's posting budget is spent (bot/core/posting_budget.py).
    optional: bool = False
    # Pinned once posted (a captain's /announce pin); no pin rights leave the post standing.
    pin: bool = False
    # Residents the text names besides the reader (an introduction names the other side):
    # /forgetme deletes a waiting message by these ids, never by searching for a name.
    about: tuple[int, ...] = ()
    timing: Timing = Timing.NOW
    # Not sent before this instant (ISO 8601, UTC): a nudge decided in quiet hours. The
    # outbox keeps the row until then, so a restart neither loses nor repeats it.
    not_before: str | None = None


@dataclass(frozen=True)
class React:
    """A quiet acknowledgement: an emoji reaction on the resident's message."""

    chat_id: int
    message_id: int
    emoji: str = "👌"


@dataclass(frozen=True)
class EditMessage:
    """Change a message the bot posted earlier: its text (None = keep) and its buttons."""

    chat_id: int
    message_id: int
    text: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Residents the new text names (see SendMessage.about): /forgetme finds it by them.
    about: tuple[int, ...] = ()


@dataclass(frozen=True)
class StopPoll:
    """Close a poll the bot sent (a deliberation's closing time): no more votes."""

    chat_id: int
    message_id: int


Effect = SendMessage | React | EditMessage | StopPoll


@dataclass(frozen=True)
class Effects:
    """Everything one event produced, in order."""

    items: list[Effect] = field(default_factory=list)

    def add(self, effect: Effect) -> None:
        self.items.append(effect)

    def extend(self, more: Effects) -> None:
        self.items.extend(more.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def encode(effect: Effect) -> str:
    """Serialise one effect for the outbox."""
    # What dataclasses.asdict gives, without its deep copy of every value (it was a tenth
    # of a unit of work's CPU): effects hold plain values, Buttons and one Fallback.
    data: dict[str, Any] = {"type": type(effect).__name__, **vars(effect)}
    if "buttons" in data:
        data["buttons"] = [[vars(b) for b in row] for row in data["buttons"]]
    if data.get("fallback") is not None:
        data["fallback"] = vars(data["fallback"])
    return json.dumps(data, ensure_ascii=False)


def decode(raw: str) -> Effect:
    """Read one effect back from the outbox."""
    return from_data(json.loads(raw))


def from_data(data: dict[str, Any]) -> Effect:
    """An effect from `encode`'s JSON, already parsed (the sender process's link)."""
    data = dict(data)
    kind = data.pop("type")
    if kind == "React":
        return React(**data)
    if kind == "StopPoll":
        return StopPoll(**data)
    if kind not in ("SendMessage", "EditMessage"):
        raise ValueError(f"unknown effect type {kind!r}")
    buttons = tuple(tuple(Button(**b) for b in row) for row in data.pop("buttons"))
    if kind == "EditMessage":
        return EditMessage(buttons=buttons, about=tuple(data.pop("about", ())), **data)
    fallback = data.pop("fallback")
    about = tuple(data.pop("about", ()))
    timing = Timing(data.pop("timing", Timing.NOW))  # rows written before timing existed
    return SendMessage(
        buttons=buttons,
        fallback=Fallback(**fallback) if fallback else None,
        about=about,
        timing=timing,
        **data,
    )
