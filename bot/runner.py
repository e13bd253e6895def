"""`jinlin run`: the real bot on Telegram (or a self-hosted Bot API), long polling."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.application import build_application
from bot.config import Config
from bot.polling import run_polling

logger = logging.getLogger(__name__)


def run_bot(config: Config, *, token: str, database: str, config_path: str | None = None) -> int:
    """Run until interrupted; returns the exit code. SIGHUP reloads `config_path`."""
    app = build_application(
        config,
        token=token,
        database=database,
        config_path=config_path,
        reload_on_sighup=config_path is not None,
    )
    logger.info("starting Jinlin with %s groups, database %s", len(config.groups), database)
    # Not app.run_polling(): PTB's Updater confirms updates before they are applied, so a
    # crash could lose them. bot.polling confirms each one only after its unit of work.
    try:
        run_polling(app, timeout=config.telegram.poll_timeout, allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        logger.error("Telegram rejected the bot token: check JINLIN_TOKEN / telegram.token")
        return 2
    except NetworkError as exc:
        where = config.telegram.base_url or "api.telegram.org"
        logger.error("cannot reach the Bot API at %s (%s); is the network up?", where, exc)
        return 1
    return 0
