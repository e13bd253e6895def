"""The bot's command menus and description, per audience and language (issue 16).

Telegram shows each person the most specific menu it has: their own chat's (captains and
admins get theirs, with their tools added), else private chats' or groups', each in the
person's app language when one is set, else the default. The plan is pure data; the calls
are made by bot/delivery/menus.py, which sends only what changed since the last time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from bot.core.config import Config
from bot.core.i18n import Lang, text

# Every command a menu can show, with its literal text key (grep finds them).
_DESCRIPTION_KEY = {
    "start": "menu_start",
    "mine": "menu_mine",
    "offer": "menu_offer",
    "need": "menu_need",
    "events": "menu_events",
    "report": "menu_report",
    "myreports": "menu_myreports",
    "alerts": "menu_alerts",
    "privacy": "menu_privacy",
    "help": "menu_help",
    "ledger": "menu_ledger",
    "reports": "menu_reports",
    "announce": "menu_announce",
    "event": "menu_event",
    "stats": "menu_stats",
    "noshows": "menu_noshows",
    "remove": "menu_remove",
    "captains": "menu_captains",
    "captain": "menu_captain",
    "reload": "menu_reload",
    "id": "menu_id",
    "book": "menu_book",
    "mybookings": "menu_mybookings",
    "bookings": "menu_bookings",
    "teams": "menu_teams",
    "skill": "menu_skill",
    "needhelp": "menu_needhelp",
    "skills": "menu_skills",
    "points": "menu_points",
    "nominate": "menu_nominate",
    "deliberations": "menu_deliberations",
    "duty": "menu_duty",
    "team": "menu_team",
    "deliberate": "menu_deliberate",
    "awards": "menu_awards",
}
# Residents in their private chat with the bot: what they do most first.
RESIDENT_PRIVATE: tuple[str, ...] = (
    "mine",
    "offer",
    "need",
    "report",
    "myreports",
    "events",
    "alerts",
    "book",
    "mybookings",
    "skills",
    "skill",
    "needhelp",
    "teams",
    "points",
    "nominate",
    "deliberations",
    "privacy",
    "help",
)
# In a group a short list: posting is done by writing, the rest happens privately.
RESIDENT_GROUP: tuple[str, ...] = ("offer", "need", "events", "help")
CAPTAIN_EXTRA = (
    "ledger", "reports", "announce", "event", "stats", "noshows", "remove", "captains",
    "duty", "team", "deliberate", "awards", "bookings",
)  # fmt: skip
ADMIN_EXTRA = ("captains", "captain", "reload", "id")
LANGUAGES: tuple[Lang, ...] = ("zh", "en")


class Audience(StrEnum):
    """Telegram's BotCommandScope types Jinlin uses."""

    PRIVATE = "all_private_chats"
    GROUPS = "all_group_chats"
    PERSON = "chat"  # one person's private chat: a captain's or admin's own menu


class ProfileText(StrEnum):
    DESCRIPTION = "description"
    SHORT_DESCRIPTION = "short_description"


@dataclass(frozen=True)
class Menu:
    """One setMyCommands call: an audience, a language ("" = the default) and commands."""

    audience: Audience
    language: str
    commands: tuple[tuple[str, str], ...]
    person: int | None = None

    @property
    def key(self) -> str:
        return f"commands:{self.audience}:{self.person or ''}:{self.language}"


@dataclass(frozen=True)
class Profile:
    """One setMyDescription or setMyShortDescription call."""

    kind: ProfileText
    language: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.language}"


def digest(item: Menu | Profile, bot_id: int) -> str:
    """What was sent, in a few bytes: equal digests mean the call would change nothing.
    The bot's id is part of it: a new token on the same database sets everything afresh."""
    body = json.dumps(item.commands, ensure_ascii=False) if isinstance(item, Menu) else item.text
    return hashlib.sha256(f"{bot_id}\n{body}".encode()).hexdigest()[:32]


def commands_for(names: tuple[str, ...], lang: Lang) -> tuple[tuple[str, str], ...]:
    """The menu rows for these commands in one language, each command once."""
    unique = dict.fromkeys(names)
    return tuple((name, text(lang, _DESCRIPTION_KEY[name])) for name in unique)


def default_language(config: Config) -> Lang:
    """The menu language for people whose app language has no menu of its own."""
    return "en" if config.bot.language == "en" else "zh"


def person_commands(config: Config, user_id: int) -> tuple[str, ...]:
    """A captain's or admin's own menu: the residents' commands and their tools; () for
    everyone else (they see the private-chat menu)."""
    captain = bool(config.captain_buildings(user_id, None))
    admin = config.is_admin(user_id, None)
    if not captain and not admin:
        return ()
    names: tuple[str, ...] = RESIDENT_PRIVATE[:-2]  # their tools before privacy and help
    if captain:
        names += CAPTAIN_EXTRA
    if admin:
        names += ADMIN_EXTRA
    return tuple(dict.fromkeys((*names, "privacy", "help")))  # a captain-admin: each once


def special_people(config: Config) -> list[int]:
    """Captains and admins with a numeric id (an @username has no chat to set a menu in)."""
    people = [*config.bot.admins, *(p for b in config.buildings for p in b.captains)]
    return sorted({p for p in people if isinstance(p, int)})


def plan_menus(config: Config, known: Collection[int] | None = None) -> list[Menu]:
    """Every menu the bot should have, each in both languages and the default: Telegram
    picks by the person's app language, which the bot may not have learnt yet.

    `known`: the captains and admins the bot has met. Telegram refuses a menu for a private
    chat it has no record of ("chat not found"); someone's own menu only shows in their chat
    with the bot, which they open with /start, and that sets it. None: everyone.
    """
    menus: list[Menu] = []
    fallback = default_language(config)
    for audience, names in (
        (Audience.PRIVATE, RESIDENT_PRIVATE),
        (Audience.GROUPS, RESIDENT_GROUP),
    ):
        menus.append(Menu(audience, "", commands_for(names, fallback)))
        menus.extend(Menu(audience, lang, commands_for(names, lang)) for lang in LANGUAGES)
    for person in special_people(config):
        if known is not None and person not in known:
            continue
        names = person_commands(config, person)
        menus.append(Menu(Audience.PERSON, "", commands_for(names, fallback), person=person))
        menus.extend(
            Menu(Audience.PERSON, lang, commands_for(names, lang), person=person)
            for lang in LANGUAGES
        )
    return menus


def plan_profile(config: Config) -> list[Profile]:
    """The description (the empty chat's first screen) and short description (the profile
    and shared links), in both languages and the default."""
    fallback = default_language(config)
    profiles: list[Profile] = []
    for kind, key in (
        (ProfileText.DESCRIPTION, "bot_description"),
        (ProfileText.SHORT_DESCRIPTION, "bot_short_description"),
    ):
        profiles.append(Profile(kind, "", text(fallback, key)))
        profiles.extend(Profile(kind, lang, text(lang, key)) for lang in LANGUAGES)
    return profiles


__all__ = [
    "ADMIN_EXTRA",
    "CAPTAIN_EXTRA",
    "RESIDENT_GROUP",
    "RESIDENT_PRIVATE",
    "Audience",
    "Menu",
    "Profile",
    "ProfileText",
    "commands_for",
    "digest",
    "person_commands",
    "plan_menus",
    "plan_profile",
    "special_people",
]
