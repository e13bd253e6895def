"""Keeping the command menus and description in step with the config and the captains:
at start-up, after /reload and after a captain is added or removed."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.app.services import Services
from bot.core.menus import Menu, Profile, plan_menus, plan_profile, special_people
from bot.delivery.menus import Published, publish

logger = logging.getLogger(__name__)


async def refresh_menus(bot: Bot, services: Services) -> Published:
    """Set what changed; a Telegram outage only delays menus (never the bot's start)."""
    config = services.config
    async with services.repo.statements() as tx:  # reads only: nothing to conflict over
        known = [p for p in special_people(config) if await tx.user(p) is not None]
    items: list[Menu | Profile] = [*plan_menus(config, known), *plan_profile(config)]
    try:
        return await publish(bot, services.repo, services.clock, items)
    except TelegramError as exc:
        logger.warning("menus not updated now (%s); tried again at the next change", exc)
        return Published(failed=len(items))


__all__ = ["refresh_menus"]
