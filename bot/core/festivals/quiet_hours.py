"""Quiet hours: a daily local period in which no reminder is posted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.core.festivals.errors import RuleError


@dataclass(frozen=True)
class QuietHours:
    """The local period [start, end); wraps midnight when start > end (22:00–07:30)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            # Zero length is almost certainly a config slip; "no quiet hours" is None.
            raise RuleError(
                "免打扰开始和结束时间不能相同", "quiet hours must start and end at different times"
            )
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times, without tzinfo")

    @property
    def wraps_midnight(self) -> bool:
        """True for an overnight period such as 22:00–07:30."""
        return self.start > self.end

    def contains(self, t: time) -> bool:
        """Whether a local wall-clock time is inside the quiet period."""
        t = t.replace(tzinfo=None)
        if self.wraps_midnight:
            return t >= self.start or t < self.end
        return self.start <= t < self.end

    def shift(self, dt: datetime) -> datetime:
        """Move an aware datetime inside the quiet period to its end (same zone); else unchanged."""
        if dt.tzinfo is None:
            raise ValueError("QuietHours.shift needs an aware datetime")
        local = dt.timetz().replace(tzinfo=None)
        if not self.contains(local):
            return dt
        # After midnight in a wrapping period the end is today; before midnight, tomorrow.
        day = dt.date()
        if self.wraps_midnight and local >= self.start:
            day += timedelta(days=1)
        end = datetime.combine(day, self.end, tzinfo=dt.tzinfo)
        # Round-trip through UTC so an end that falls in a DST gap becomes a real instant.
        return end.astimezone(UTC).astimezone(dt.tzinfo)
