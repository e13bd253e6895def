"""Reloading the admin's config file while the bot runs (/reload, SIGHUP), and keeping
upgraded groups (supergroup migrations) pointed at their new chat ids.

A file that fails validation changes nothing: the running config stays and the admin gets
every problem with its key path.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import Config, ConfigError, GroupSpec, load_config, warnings_for
from bot.core.i18n import say
from bot.core.understanding import Catalogue
from bot.core.understanding.intent_model import load_model

if TYPE_CHECKING:
    from bot.app.services import Services
    from storage.repository import Repository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    problems: list[str] = field(default_factory=list)
    changes: list[tuple[str, int, int]] = field(default_factory=list)  # (what, old, new)
    settings_changed: bool = False
    warnings: list[str] = field(default_factory=list)
    no_path: bool = False


def apply_chat_aliases(config: Config, aliases: dict[int, int]) -> Config:
    """The config with upgraded groups under their new ids (the file may name the old ones)."""
    known = {g.chat_id for g in config.groups}
    groups: list[GroupSpec] = []
    changed = False
    for group in config.groups:
        new_id = group.chat_id
        for _ in range(len(aliases)):  # follow group → supergroup chains, never loop
            if new_id not in aliases:
                break
            new_id = aliases[new_id]
        if new_id != group.chat_id and new_id not in known:
            groups.append(group.model_copy(update={"chat_id": new_id}))
            changed = True
        else:
            groups.append(group)
    if not changed:
        return config
    # Built afresh (not model_copy) so the chat-id index is computed for the new groups.
    return config.rebuilt(groups=groups)


def role_usernames(config: Config) -> set[str]:
    """The @usernames (lower case, without @) the config gives a captain's or admin's role."""
    people = [*config.bot.admins, *(p for b in config.buildings for p in b.captains)]
    return {p[1:].lower() for p in people if isinstance(p, str)}


def apply_username_bindings(config: Config, bindings: dict[str, int]) -> Config:
    """The config with each bound @username replaced by the account id it was bound to, so
    whoever takes the name over later is nobody special."""
    wanted = role_usernames(config) & set(bindings)
    if not wanted:
        return config

    def bound(people: list[int | str]) -> list[int | str]:
        return [
            bindings[p[1:].lower()] if isinstance(p, str) and p[1:].lower() in wanted else p
            for p in people
        ]

    return config.rebuilt(
        bot=config.bot.model_copy(update={"admins": bound(config.bot.admins)}),
        buildings=[b.model_copy(update={"captains": bound(b.captains)}) for b in config.buildings],
    )


def _captains(config: Config) -> int:
    return sum(len(b.captains) for b in config.buildings)


def compare(old: Config, new: Config) -> tuple[list[tuple[str, int, int]], bool]:
    """What an admin wants to know changed: counts per section, and whether settings did."""
    counts = [
        ("what_communities", len(old.communities), len(new.communities)),
        ("what_buildings", len(old.buildings), len(new.buildings)),
        ("what_groups", len(old.groups), len(new.groups)),
        ("what_captains", _captains(old), _captains(new)),
        ("what_admins", len(old.bot.admins), len(new.bot.admins)),
        ("what_items", len(old.catalogue.items), len(new.catalogue.items)),
    ]
    changed = [c for c in counts if c[1] != c[2]]
    same_people = old.buildings == new.buildings and old.groups == new.groups
    settings = old.bot != new.bot or old.festivals != new.festivals
    if not changed and not same_people:
        # Same sizes, different contents (a captain swapped): still say so.
        changed = [c for c in counts if c[0] in ("what_buildings", "what_groups")]
    return changed, settings


async def reload_config(services: Services) -> ReloadOutcome:
    """Parse and validate the config file again; swap it in only when it is valid."""
    path = services.config_path
    if not path:
        return ReloadOutcome(ok=False, no_path=True)
    try:
        new = await asyncio.to_thread(load_config, Path(path))
        catalogue = Catalogue.load(new.catalogue.items)
    except ConfigError as error:
        logger.warning(
            "config reload refused, the running config stays: %s",
            "; ".join(str(p) for p in error.problems),
        )
        return ReloadOutcome(ok=False, problems=[str(p) for p in error.problems])
    except ValueError as error:
        return ReloadOutcome(ok=False, problems=[f"catalogue.items: {error}"])
    if new.bot.model_file is not None:
        try:
            await asyncio.to_thread(load_model, Path(new.bot.model_file))
        except (OSError, ValueError, KeyError) as error:
            problem = f"bot.model_file: cannot read {new.bot.model_file} ({error})"
            return ReloadOutcome(ok=False, problems=[problem])
    new = await config_with_aliases(services.repo, new)
    changes, settings = compare(services.config, new)
    services.use_config(new, catalogue)
    logger.info(
        "config reload applied from %s: now %s groups, %s buildings, %s communities",
        path,
        len(new.groups),
        len(new.buildings),
        len(new.communities),
    )
    return ReloadOutcome(
        ok=True,
        changes=changes,
        settings_changed=settings,
        warnings=[str(w) for w in warnings_for(new)],
    )


def reload_message(setting: str, outcome: ReloadOutcome) -> str:
    """The admin's answer: what changed, or every problem of the refused file."""
    if outcome.no_path:
        return say(setting, "reload_no_path")
    if not outcome.ok:
        problems = "\n".join(f"• {p}" for p in outcome.problems)
        return say(setting, "reload_failed", n=len(outcome.problems), problems=problems)
    if not outcome.changes and not outcome.settings_changed:
        return say(setting, "reload_unchanged")

    def changes(lang: str) -> str:
        parts = [
            say(lang, "change_counts", what=say(lang, what), old=old, new=new)
            for what, old, new in outcome.changes
        ]
        if outcome.settings_changed:
            parts.append(say(lang, "what_settings"))
        return "; ".join(parts)

    return say(setting, "reload_ok", changes=changes)


async def config_with_aliases(repo: Repository, config: Config) -> Config:
    """The config as the bot serves it: upgraded groups under their supergroup ids,
    captains and admins named by @username under the account id first seen with the name,
    and the captains admins added from Telegram (/captain add)."""
    async with repo.transaction() as tx:
        aliases = await tx.chat_aliases()
        bindings = await tx.username_bindings()
        added = await tx.added_captains()
    roster: dict[str, list[int]] = {}
    for captain in added:
        roster.setdefault(captain.building, []).append(captain.user_id)
    served = apply_username_bindings(apply_chat_aliases(config, aliases), bindings)
    return served.with_added_captains(roster)
