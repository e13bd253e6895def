"""An Application's whole life, the same in long polling and webhook mode.

init → post_init → (a step before start) → start → the mode's work until SIGTERM/SIGINT →
stop → post_stop → shutdown → post_shutdown. Not `Application.run_polling`/`run_webhook`:
their updaters confirm updates to Telegram before they are applied (see bot/intake/polling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

AnyApp = Application[Any, Any, Any, Any, Any, Any]


async def live(
    app: AnyApp,
    work: Callable[[asyncio.Event], Awaitable[None]],
    *,
    before_start: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Run `work(stop)` inside the Application's life; SIGTERM/SIGINT set `stop`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        if before_start is not None:
            await before_start()
        await app.start()
        try:
            await work(stop)
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
