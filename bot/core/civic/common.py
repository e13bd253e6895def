"""What awards and deliberations share: whose buildings, which groups, whose language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.config import Config
from bot.core.effects import Button
from bot.core.i18n import reader_language, say
from bot.core.sharing.model import Resident


def building_name(config: Config, key: str) -> str:
    spec = config.building(key)
    return spec.name if spec else key


def building_chats(config: Config, building: str) -> tuple[int, ...]:
    """The groups whose members are this building's residents: its own groups, else (a
    building without a group of its own) its community's groups."""
    own = tuple(g.chat_id for g in config.groups if g.building == building)
    if own:
        return own
    spec = config.building(building)
    community = spec.community if spec else None
    return tuple(
        g.chat_id
        for g in config.groups
        if g.building is None and config.community_of_group(g) == community
    )


def building_of_chat(config: Config, chat_id: int) -> str | None:
    group = config.group(chat_id)
    return group.building if group is not None else None


def reader(config: Config, chat_id: int, who: Resident) -> str:
    """The language of a reply: the group's in a group, the resident's in private."""
    if chat_id < 0:
        return config.group_language(chat_id)
    return reader_language(who, config.bot.language)


def local_day(config: Config, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(config.bot.timezone))


def when_local(config: Config, moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(config.bot.timezone)):%Y-%m-%d %H:%M}"


def button(setting: str, key: str, data: str | None = None, url: str | None = None) -> Button:
    return Button(say(setting, key).replace("\n", " / "), data=data, url=url)
