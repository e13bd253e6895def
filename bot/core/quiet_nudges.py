"""Quiet hours for private nudges: decided at night, sent when the night ends.

The same `bot.quiet_hours` (in `bot.timezone`) that holds group reminders and digests holds
private nudges: an expiry reminder, a neighbour's question to a giver, a waitlist turn, a
no-show notice, everything a timed job writes privately. What is held is stamped with the
end of the quiet period (`SendMessage.not_before`) and stays in the outbox until then: a
restart neither loses nor repeats it.

Not held: answers to what the reader just did (they are awake and waiting), group posts
(their own quiet rules decide those), and urgent matters (`Timing.URGENT`: the giver of an
urgent or medicine request, emergencies, captains' urgent alerts), where an hour's wait could
cost more than a night's sleep.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.config import Config
from bot.core.effects import Effects, SendMessage, Timing
from bot.core.festivals.quiet_hours import QuietHours


def hold_nudges(
    effects: Effects,
    quiet: QuietHours | None,
    tz: ZoneInfo,
    now: datetime,
    *,
    unprompted: bool = False,
) -> Effects:
    """The effects, private nudges decided in quiet hours stamped to wait for their end.

    `unprompted`: a timed job's effects (nobody just acted): every private message there is
    a nudge unless it is urgent.
    """
    if quiet is None:
        return effects
    local = now.astimezone(tz)
    if not quiet.contains(local.time()):
        return effects
    until = quiet.shift(local).astimezone(UTC).isoformat()
    held = Effects()
    for effect in effects.items:
        if isinstance(effect, SendMessage) and _waits(effect, unprompted=unprompted):
            effect = replace(effect, not_before=until)
        held.add(effect)
    return held


def hold_nudges_for(
    config: Config, effects: Effects, now: datetime, *, unprompted: bool
) -> Effects:
    """`hold_nudges` with the deployment's quiet hours and time zone."""
    spec = config.bot.quiet_hours
    quiet = QuietHours(spec.start_time, spec.end_time) if spec is not None else None
    return hold_nudges(effects, quiet, ZoneInfo(config.bot.timezone), now, unprompted=unprompted)


def _waits(message: SendMessage, *, unprompted: bool) -> bool:
    if message.chat_id <= 0 or message.timing is Timing.URGENT:
        return False  # group posts: their own quiet rules; urgent: never
    return message.timing is Timing.NUDGE or unprompted
