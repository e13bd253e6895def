"""Festivals and captains' events in the running bot: who gets which reminder, and when.

Pure of Telegram: functions take a repository transaction, the current config and the
time, and return `Effects`. Date arithmetic lives in `bot.festivals`; this package adds
targets (groups), the sent-reminder bookkeeping, captains' commands and attendance.
The config is passed in on every call, so a reload takes effect at the next upkeep tick.
"""

from bot.core.events.captain import add_event, cancel_event, upcoming_events
from bot.core.events.command import AddRequest, EventRefusal, parse_add
from bot.core.events.posting import (
    attend,
    post_due_reminders,
    reminder_moments,
    toggle_private_reminder,
)
from bot.core.events.schedule import schedule_lines
from bot.core.events.scheduled import ScheduledEvent, chats_for_targets, scheduled_events

__all__ = [
    "AddRequest",
    "EventRefusal",
    "ScheduledEvent",
    "add_event",
    "attend",
    "cancel_event",
    "chats_for_targets",
    "parse_add",
    "post_due_reminders",
    "reminder_moments",
    "schedule_lines",
    "scheduled_events",
    "toggle_private_reminder",
    "upcoming_events",
]
