"""Quiet hours hold private nudges: one decided at night waits for the morning; replies to
someone who just acted, group posts and urgent matters go at once."""

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.effects import Effects, Fallback, SendMessage, Timing, decode, encode
from bot.core.festivals import QuietHours
from bot.core.quiet_nudges import hold_nudges

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22, 0), time(7, 30))
ALICE = 1001
GROUP = -1003


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def held_until(message: SendMessage, now: datetime, *, unprompted: bool = False) -> object:
    (out,) = hold_nudges(Effects([message]), NIGHT, SHANGHAI, now, unprompted=unprompted).items
    assert isinstance(out, SendMessage)
    return datetime.fromisoformat(out.not_before) if out.not_before else None


NUDGE = SendMessage(ALICE, "⏰ Is your ladder still available?", timing=Timing.NUDGE)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(7, 23, 16), local(8, 7, 30)),  # late evening: tomorrow morning
        (local(8, 6, 13), local(8, 7, 30)),  # early morning: this morning
        (local(7, 22, 0), local(8, 7, 30)),  # the start is quiet already
        (local(8, 7, 30), None),  # the end is not
        (local(8, 10, 0), None),  # daytime: at once
        (local(7, 21, 59), None),
    ],
)
def test_a_nudge_decided_in_quiet_hours_waits_for_their_end(now, expected):
    assert held_until(NUDGE, now) == expected


def test_the_time_kept_is_utc_and_survives_the_outbox_round_trip():
    (out,) = hold_nudges(Effects([NUDGE]), NIGHT, SHANGHAI, local(7, 23, 16)).items
    back = decode(encode(out))
    assert isinstance(back, SendMessage)
    assert back.not_before == datetime(2026, 12, 7, 23, 30, tzinfo=UTC).isoformat()
    assert back.timing is Timing.NUDGE


def test_urgent_matters_are_never_held_even_from_the_timed_job():
    urgent = SendMessage(ALICE, "🚨 Bob urgently needs an EpiPen", timing=Timing.URGENT)
    assert held_until(urgent, local(8, 2, 0), unprompted=True) is None


def test_a_reply_to_someone_who_just_acted_goes_at_once():
    reply = SendMessage(ALICE, "OK, ladder stays listed for 7 more days.")
    assert held_until(reply, local(7, 23, 16)) is None


def test_everything_private_from_the_timed_job_waits():
    # Nobody just acted: a tick's private message is a nudge unless marked urgent.
    expired = SendMessage(ALICE, "Your listing ladder has expired.")
    assert held_until(expired, local(8, 6, 13), unprompted=True) == local(8, 7, 30)


def test_group_posts_follow_their_own_rules():
    post = SendMessage(GROUP, "📅 Charity fair tomorrow", timing=Timing.NUDGE)
    assert held_until(post, local(7, 23, 16), unprompted=True) is None


def test_a_nudge_with_a_group_fallback_waits_whole():
    fallback = Fallback(GROUP, ALICE, "Alice, a message is waiting for you", "Open")
    nudge = SendMessage(ALICE, "⏰ Do you still need a drill?", fallback=fallback)
    nudge = replace(nudge, timing=Timing.NUDGE)
    assert held_until(nudge, local(7, 23, 16)) == local(8, 7, 30)


def test_no_quiet_hours_hold_nothing():
    (out,) = hold_nudges(Effects([NUDGE]), None, SHANGHAI, local(7, 23, 16)).items
    assert isinstance(out, SendMessage) and out.not_before is None
