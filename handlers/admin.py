"""Admins: /reload in a private chat, and the same reload on SIGHUP (`jinlin run`)."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import Update
from telegram.constants import ParseMode

from bot.app.menus import refresh_menus
from bot.app.reload import ReloadOutcome, reload_config, reload_message
from bot.app.services import Services
from bot.core.config import admin_ids
from bot.core.effects import Effects, SendMessage, encode
from bot.core.i18n import reader_language, say
from handlers.common import Context, reader, services

logger = logging.getLogger(__name__)


async def reload_command(update: Update, context: Context) -> None:
    """/reload: read the config file again; refuse an invalid one, keep the running config."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    user = message.from_user
    setting = reader_language(reader(user, svc), svc.config.bot.language)
    if not svc.config.is_admin(user.id, user.username):
        await message.reply_text(say(setting, "not_admin"), parse_mode=ParseMode.HTML)
        return
    if message.chat.type != "private":
        await message.reply_text(say(setting, "admin_private_only"), parse_mode=ParseMode.HTML)
        return
    outcome = await reload_config(svc)
    await _audit(svc, user.id, outcome)
    await message.reply_text(reload_message(setting, outcome), parse_mode=ParseMode.HTML)
    if outcome.ok:
        await refresh_menus(context.bot, svc)


async def reload_on_signal(app: Any) -> ReloadOutcome:
    """What SIGHUP runs: reload, log, and tell every admin privately how it went."""
    svc: Services = app.bot_data.require()
    outcome = await reload_config(svc)
    if outcome.ok:
        logger.info("SIGHUP: config reloaded")
    else:
        logger.error("SIGHUP: config refused: %s", "; ".join(outcome.problems))
    await _audit(svc, 0, outcome)
    if outcome.ok:
        await refresh_menus(app.bot, svc)
    effects = Effects()
    for admin in admin_ids(svc.config):
        effects.add(SendMessage(admin, reload_message(svc.config.bot.language, outcome)))
    async with svc.repo.transaction() as tx:
        await tx.enqueue([encode(e) for e in effects.items], svc.clock.now())
    await svc.delivery.flush(app.bot)
    return outcome


def install_sighup_reload(app: Any) -> None:
    """Reload the config on SIGHUP (kill -HUP <pid>), as daemons do; Unix only."""
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: app.create_task(reload_on_signal(app)))
    except (NotImplementedError, AttributeError, RuntimeError) as exc:
        logger.warning("SIGHUP reload is not available here: %s", exc)


async def _audit(svc: Services, actor: int, outcome: ReloadOutcome) -> None:
    async with svc.repo.transaction() as tx:
        await tx.add_audit(
            svc.clock.now(),
            actor,
            "reload" if outcome.ok else "reload_refused",
            detail=f"{len(outcome.problems)} problem(s)" if not outcome.ok else "",
        )
