"""`jinlin run`: the real bot on Telegram (or a self-hosted Bot API), long polling."""

from __future__ import annotations

import logging

from telegram import Update

from bot.application import build_application
from bot.config import Config

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
    app.run_polling(
        allowed_updates=Update.ALL_TYPES,
        poll_interval=0.0,
        timeout=config.telegram.poll_timeout,
    )
    return 0
