"""Command menus and descriptions set with Telegram, only where they changed.

Telegram rate-limits these calls, and a restart or /reload usually changes nothing: what
was last set is remembered in the database (bot_menus) by a digest, so only a changed menu
is sent, and a person who is no longer a captain or admin has their own menu deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import BadRequest, Forbidden

from bot.core.clock import Clock
from bot.core.menus import Audience, Menu, Profile, ProfileText, digest
from storage.repository import Repository, Tx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    sent: int = 0
    deleted: int = 0
    failed: int = 0


def _scope(audience: Audience, person: int | None) -> BotCommandScope:
    if audience is Audience.PRIVATE:
        return BotCommandScopeAllPrivateChats()
    if audience is Audience.GROUPS:
        return BotCommandScopeAllGroupChats()
    assert person is not None
    return BotCommandScopeChat(person)


async def _send(bot: Bot, item: Menu | Profile) -> None:
    if isinstance(item, Menu):
        await bot.set_my_commands(
            [BotCommand(name, description) for name, description in item.commands],
            scope=_scope(item.audience, item.person),
            language_code=item.language or None,
        )
    elif item.kind is ProfileText.DESCRIPTION:
        await bot.set_my_description(item.text, language_code=item.language or None)
    else:
        await bot.set_my_short_description(item.text, language_code=item.language or None)


def _person_of(key: str) -> tuple[int, str] | None:
    # "commands:chat:<user id>:<language>", as Menu.key spells it.
    parts = key.split(":")
    if len(parts) == 4 and parts[0] == "commands" and parts[1] == Audience.PERSON:
        return (int(parts[2]), parts[3]) if parts[2].isdigit() else None
    return None


async def publish(
    bot: Bot, repo: Repository, clock: Clock, items: list[Menu | Profile]
) -> Published:
    """Send every menu and description whose content changed; delete people's menus no
    longer planned. A call Telegram refuses is logged and tried again next time."""
    async with repo.statements() as tx:
        last = await tx.menu_digests()
    sent = deleted = failed = 0
    done: list[tuple[str, str | None]] = []  # (key, digest or None when deleted)
    try:
        for item in items:
            wanted = digest(item, bot.id)
            if last.get(item.key) == wanted:
                continue
            try:
                await _send(bot, item)
            except (BadRequest, Forbidden) as exc:
                # e.g. "chat not found": someone Telegram has no chat with the bot for.
                logger.info("menu %s not set: %s", item.key, exc)
                failed += 1
                continue
            sent += 1
            done.append((item.key, wanted))
        planned = {item.key for item in items}
        for key in sorted(set(last) - planned):
            person = _person_of(key)
            if person is not None:
                user_id, language = person
                try:
                    await bot.delete_my_commands(
                        scope=BotCommandScopeChat(user_id), language_code=language or None
                    )
                except (BadRequest, Forbidden) as exc:
                    logger.info("menu %s not deleted: %s", key, exc)
                deleted += 1
            done.append((key, None))
    finally:
        # Recorded even when Telegram stops answering half-way (a flood wait past the
        # retries): what went through is not sent again next time.
        await _record(repo, clock, done)
    if sent or deleted:
        logger.info("menus: %s set, %s deleted, %s refused", sent, deleted, failed)
    return Published(sent, deleted, failed)


async def _record(repo: Repository, clock: Clock, done: list[tuple[str, str | None]]) -> None:
    if not done:
        return
    now = clock.now()

    async def write(tx: Tx) -> None:
        for key, value in done:
            if value is None:
                await tx.drop_menu_digest(key)
            else:
                await tx.set_menu_digest(key, value, now)

    # Every worker publishes the menus as it starts: two starting together write the same
    # rows, and on PostgreSQL the later write is refused as a conflict. Run again (the rows
    # are whole values: writing them twice is the same as once) rather than end the start-up.
    await repo.run(write)


__all__ = ["Published", "publish"]
