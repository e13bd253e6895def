"""`jinlin run`: the real bot on Telegram (or a self-hosted Bot API), long polling."""

from __future__ import annotations

import logging
import os
import socket

import uvloop
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.app.application import build_application
from bot.app.webhook_mode import WebhookLaunch, allowed_updates_for, run_webhook
from bot.core.config import Config
from bot.core.redaction import redact_log_line
from bot.intake.polling import run_polling

logger = logging.getLogger(__name__)


def worker_name(webhook: WebhookLaunch | None) -> str:
    """This process's name in the outbox and inbox leases: stable across its restarts.

    A restarted worker then takes back at once the rows it held when it died, instead of
    waiting for their lease to end. Unique while it runs: one host cannot bind one port
    twice, and Telegram refuses two long pollers for one bot — provided the machines' host
    names differ; JINLIN_WORKER_NAME overrides it where they may not (containers).
    """
    override = os.environ.get("JINLIN_WORKER_NAME", "").strip()
    if override:
        return override
    host = socket.gethostname()
    return f"{host}:{webhook.port}" if webhook is not None else f"{host}:polling"


def run_bot(
    config: Config,
    *,
    token: str,
    database: str,
    config_path: str | None = None,
    webhook: WebhookLaunch | None = None,
    serve_monitoring: bool = False,
) -> int:
    """Run until interrupted; returns the exit code. SIGHUP reloads `config_path`.

    Long polling, or with `webhook` a webhook server and inbox worker (bot/app/webhook_mode.py).
    """
    app = build_application(
        config,
        token=token,
        database=database,
        config_path=config_path,
        reload_on_sighup=config_path is not None,
        worker=worker_name(webhook),
        sender_process=config.telegram.sender_process,
        serve_monitoring=serve_monitoring,
    )
    logger.info(
        "starting Jinlin (%s), database %s",
        "webhook" if webhook is not None else "long polling",
        redact_log_line(database),
    )
    # Not app.run_polling(): PTB's Updater confirms updates before they are applied, so a
    # crash could lose them. bot.polling confirms each one only after its unit of work.
    try:
        if webhook is not None:
            allowed = allowed_updates_for(app)
            uvloop.run(run_webhook(app, webhook, allowed_updates=allowed))
        else:
            run_polling(app, timeout=config.telegram.poll_timeout, allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        logger.error("Telegram rejected the bot token: check JINLIN_TOKEN / telegram.token")
        return 2
    except BadRequest as exc:  # e.g. setWebhook refused the url
        logger.error("Telegram refused the request: %s", exc.message)
        return 1
    except OSError as exc:  # the webhook or monitoring port is taken or not ours to bind
        logger.error("cannot listen: %s", exc)
        return 1
    except NetworkError as exc:
        where = config.telegram.base_url or "api.telegram.org"
        logger.error("cannot reach the Bot API at %s (%s); is the network up?", where, exc)
        return 1
    return 0
