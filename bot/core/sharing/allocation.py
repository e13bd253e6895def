"""Fair allocation rules: which rule an offer follows and who is next. Pure: values in, values out.

first_come    the first request to arrive is asked first (urgent ones before the rest).
giver_chooses requests collect during a waiting window ("let it simmer", Buy Nothing's
              practice); at its end the giver picks one of the candidates.
lottery       requests collect during the window; at its end one is drawn by lot with the
              injected `random.Random`, so tests (and audits) can replay a draw.
Urgent and medicine requests never wait for a window: whoever needs medicine now is asked
for first, whatever the group chose.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from bot.core.config import AllocationMode, Config

T = TypeVar("T")

WINDOWED: frozenset[str] = frozenset({"giver_chooses", "lottery"})


def allocation_for(
    config: Config, chat_id: int, categories: Sequence[str], *, medical: bool
) -> AllocationMode:
    """The rule for an offer posted in `chat_id`: its nearest configured category (of
    `categories`, nearest first), then the group's, then the default."""
    if medical:
        return "first_come"
    for category in categories:
        if category in config.allocation.categories:
            return config.allocation.categories[category]
    group = config.group(chat_id)
    if group is not None and group.allocation is not None:
        return group.allocation
    return config.allocation.mode


def window_end(config: Config, mode: str, posted_at: datetime) -> datetime | None:
    """When requests stop collecting for an offer (None: first come, no window)."""
    if mode not in WINDOWED:
        return None
    return posted_at + timedelta(hours=config.allocation.window_hours)


def skips_window(*, urgent: bool, medical: bool) -> bool:
    """Urgent and medicine requests are asked for at once, window or not."""
    return urgent or medical


def draw(candidates: Sequence[T], rng: random.Random) -> T:
    """The lottery: one candidate, uniformly, from the order given (the order they joined)."""
    if not candidates:
        raise ValueError("a lottery needs at least one candidate")
    return candidates[rng.randrange(len(candidates))]
