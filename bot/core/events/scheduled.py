"""Config festivals and captains' events as one list of events with their target groups."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.config import Config
from bot.core.festivals import (
    EventDef,
    LocalizedText,
    RuleError,
    parse_offset,
    parse_rule,
    parse_time,
)
from bot.core.festivals.spec import BuildingTargets, CommunityTargets
from storage.events_store import EventRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledEvent:
    """An event and the group chats its reminders go to; `record` is set for captains' events."""

    event: EventDef
    chats: tuple[int, ...]
    record: EventRecord | None = None


def chats_for_targets(
    config: Config, targets: str | CommunityTargets | BuildingTargets
) -> tuple[int, ...]:
    """The configured group chats a festival's targets reach, in config order."""
    if isinstance(targets, BuildingTargets):
        wanted = set(targets.buildings)
        return tuple(g.chat_id for g in config.groups if g.building in wanted)
    if isinstance(targets, CommunityTargets):
        communities = set(targets.communities)
        return tuple(
            g.chat_id for g in config.groups if config.community_of_group(g) in communities
        )
    return tuple(g.chat_id for g in config.groups)


def captain_event_def(record: EventRecord) -> EventDef:
    """A stored captain's event as the scheduler's EventDef (RuleError if it no longer parses)."""
    title = LocalizedText(zh=record.title, en=record.title)
    return EventDef(
        key=record.key,
        name=title,
        rule=parse_rule(record.schedule),
        start_time=parse_time(record.start_time) if record.start_time else None,
        reminders=tuple(parse_offset(r) for r in record.reminders),
        place=LocalizedText(zh=record.place, en=record.place) if record.place else None,
    )


def scheduled_events(config: Config, records: list[EventRecord]) -> list[ScheduledEvent]:
    """Every festival of the current config and every active captain's event."""
    out = [
        ScheduledEvent(spec.to_event(), chats_for_targets(config, spec.targets))
        for spec in config.festivals
    ]
    for record in records:
        try:
            event = captain_event_def(record)
        except (RuleError, ValueError) as exc:
            logger.error("event #%s cannot be scheduled any more: %s", record.id, exc)
            continue
        out.append(
            ScheduledEvent(
                event,
                chats_for_targets(config, BuildingTargets(buildings=list(record.buildings))),
                record,
            )
        )
    return out
