"""Festivals and events: pure scheduling rules (dates, offsets, quiet hours, reminder text).

No Telegram, no SQL, no wall clock: callers pass the time window, zone and events in and
get PlannedReminder values back. Config festivals (EventSpec) and captains' events both
become an EventDef, so there is one way reminders are planned.
"""

from bot.core.festivals.date_rules import (
    DateRule,
    LastDayOfLunarYear,
    LunarDate,
    NthWeekday,
    OneOff,
    SolarDate,
    SolarTerm,
    Weekly,
)
from bot.core.festivals.errors import RuleError
from bot.core.festivals.event import DEFAULT_START_TIME, EventDef, LocalizedText
from bot.core.festivals.offsets import ReminderOffset, parse_offset
from bot.core.festivals.quiet_hours import QuietHours
from bot.core.festivals.reminders import (
    PlannedReminder,
    next_occurrences,
    plan_all,
    plan_reminders,
    reminder_text,
    render_reminder,
)
from bot.core.festivals.rule_text import Schedule, parse_rule, parse_schedule, parse_time
from bot.core.festivals.spec import EventSpec, FestivalList, FestivalsConfig

__all__ = [
    "DEFAULT_START_TIME",
    "DateRule",
    "EventDef",
    "EventSpec",
    "FestivalList",
    "FestivalsConfig",
    "LastDayOfLunarYear",
    "LocalizedText",
    "LunarDate",
    "NthWeekday",
    "OneOff",
    "PlannedReminder",
    "QuietHours",
    "ReminderOffset",
    "RuleError",
    "Schedule",
    "SolarDate",
    "SolarTerm",
    "Weekly",
    "next_occurrences",
    "parse_offset",
    "parse_rule",
    "parse_schedule",
    "parse_time",
    "plan_all",
    "plan_reminders",
    "reminder_text",
    "render_reminder",
]
