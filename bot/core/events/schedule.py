"""`jinlin schedule`: every reminder a period would bring, one JSON object per line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.config import Config, ConfigError, load_config
from bot.core.events.posting import quiet_hours, reminder_text, zone
from bot.core.events.scheduled import scheduled_events
from bot.core.festivals import plan_reminders
from storage.events_store import EventRecord


def schedule_lines(
    config: Config, records: list[EventRecord], first: date, last: date
) -> list[dict[str, Any]]:
    """Reminders from `first` to `last` (local days, inclusive), per target group, by time."""
    tz, quiet = zone(config), quiet_hours(config)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    lines: list[tuple[datetime, str, int, str]] = []
    for scheduled in scheduled_events(config, records):
        for planned in plan_reminders(scheduled.event, start, end, tz, quiet):
            for chat_id in scheduled.chats:
                setting = config.group_language(chat_id)
                text = reminder_text(planned, scheduled, setting)
                lines.append((planned.at, planned.event_key, chat_id, text))
    # Groups in the order the admin listed them, so a year reads like the config file.
    order = {group.chat_id: i for i, group in enumerate(config.groups)}
    lines.sort(key=lambda line: (line[0], line[1], order.get(line[2], len(order))))
    return [
        {"at": at.isoformat(), "event": key, "chat_id": chat_id, "text": text}
        for at, key, chat_id, text in lines
    ]


async def _stored_events(path: str) -> list[EventRecord]:
    from storage.repository import Repository

    repo = await Repository.open(path)
    try:
        async with repo.transaction() as tx:
            return await tx.active_events()
    finally:
        await repo.close()


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a date like 2026-12-01") from None


def cmd_schedule(args: argparse.Namespace) -> int:
    """Print the reminders of --from..--to for the config (and --db's captains' events)."""
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"✗ {args.config} has {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    try:
        first, last = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    except ValueError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    if last < first:
        print(f"✗ --to {last} is before --from {first}", file=sys.stderr)
        return 1
    if (last - first).days > 3660:
        print("✗ at most ten years at a time", file=sys.stderr)
        return 1
    records = asyncio.run(_stored_events(args.db)) if args.db else []
    out = sys.stdout
    for line in schedule_lines(config, records, first, last):
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return 0
