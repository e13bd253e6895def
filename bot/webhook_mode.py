"""`jinlin run --webhook`: the Application's life with a webhook server and an inbox worker.

Start: the Application and its resources (post_init), then the HTTP server, the worker,
and only then setWebhook, so Telegram's first deliveries find someone listening. Several
processes may run this against one PostgreSQL database with the same url: each stores what
it receives and every worker applies what any of them stored.

Stop (SIGTERM/SIGINT): the server stops accepting and answers the requests in flight, the
worker finishes its batch and hands back what it did not start, and the webhook stays set:
Telegram keeps (and retries) updates while no worker listens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
)

from bot.app_life import live
from bot.config import WebhookSection
from bot.inbox_worker import InboxWorker
from bot.polling import AnyApp
from bot.webhook_server import WebhookServer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookLaunch:
    """What one webhook process needs: where Telegram posts, where we listen, the secret."""

    url: str
    listen: str
    port: int
    path: str
    secret: str
    max_connections: int = 40
    lease: timedelta = timedelta(seconds=30)

    @classmethod
    def from_config(cls, section: WebhookSection, secret: str) -> WebhookLaunch:
        return cls(
            url=section.url,
            listen=section.listen,
            port=section.port,
            path=section.local_path,
            secret=secret,
            max_connections=section.max_connections,
            lease=timedelta(seconds=section.lease_seconds),
        )

    def __repr__(self) -> str:  # the secret never reaches a log line or a traceback
        return f"WebhookLaunch(url={self.url!r}, listen={self.listen!r}, port={self.port})"


def allowed_updates_for(app: AnyApp) -> list[str]:
    """The update types the registered handlers can use (all of them if one is unknown).

    Asking Telegram for only these spares the workers updates that every handler would skip.
    """
    wanted: set[str] = set()
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler | MessageHandler):
                wanted |= {Update.MESSAGE, Update.EDITED_MESSAGE}
            elif isinstance(handler, CallbackQueryHandler):
                wanted.add(Update.CALLBACK_QUERY)
            elif isinstance(handler, TypeHandler):
                continue  # cross-cutting (handlers/roles.py): asks for no update type
            elif isinstance(handler, ChatMemberHandler):
                kind = handler.chat_member_types
                if kind in (ChatMemberHandler.MY_CHAT_MEMBER, ChatMemberHandler.ANY_CHAT_MEMBER):
                    wanted.add(Update.MY_CHAT_MEMBER)
                if kind in (ChatMemberHandler.CHAT_MEMBER, ChatMemberHandler.ANY_CHAT_MEMBER):
                    wanted.add(Update.CHAT_MEMBER)
            else:
                return list(Update.ALL_TYPES)
    return sorted(wanted)


class _HideSecret(logging.Filter):
    """PTB logs Bot API parameters at DEBUG, setWebhook's secret_token among them."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg = message.replace(self._secret, "[webhook secret]")
            record.args = None
        return True


async def run_webhook(
    app: AnyApp, launch: WebhookLaunch, *, allowed_updates: Sequence[str]
) -> None:
    """The Application's whole life in webhook mode, until SIGTERM or SIGINT."""
    hide = _HideSecret(launch.secret)
    for handler in logging.getLogger().handlers:
        # First: the redaction filter rewrites digit runs, after which the secret is unfindable.
        handler.filters.insert(0, hide)
    await live(app, lambda stop: serve(app, launch, stop, allowed_updates=allowed_updates))


async def serve(
    app: AnyApp, launch: WebhookLaunch, stop: asyncio.Event, *, allowed_updates: Sequence[str]
) -> None:
    """Server and worker of an initialised, started Application, until `stop` is set."""
    repo = app.bot_data.require().repo
    # The same name as the outbox's: a restarted worker takes back at once what it held.
    worker = InboxWorker(
        app, repo, worker_id=app.bot_data.require().delivery.worker, lease=launch.lease
    )
    server = WebhookServer(repo, path=launch.path, secret=launch.secret, on_received=worker.wake)
    await server.start(launch.listen, launch.port)
    working = asyncio.ensure_future(worker.run(stop))
    try:
        await app.bot.set_webhook(
            launch.url,
            secret_token=launch.secret,
            allowed_updates=list(allowed_updates),
            max_connections=launch.max_connections,
        )
        logger.info("webhook set: Telegram posts to %s (worker %s)", launch.url, worker.worker_id)
        await stop.wait()
        logger.info("stopping: no new deliveries; finishing the updates in hand")
    finally:
        stop.set()
        await server.stop()
        await working
