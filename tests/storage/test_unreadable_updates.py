"""An update a worker cannot read is set aside, never left to block the inbox.

Telegram (or anyone holding the webhook secret) may send an update python-telegram-bot cannot
turn into an Update: a date past any calendar, a message that is a string. Such a row can never
be applied; kept, it would be claimed again and again, and the updates of its batch with it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Update

from bot.intake.inbox_worker import InboxWorker
from storage.repository import Repository
from tests import backends


class RecordingApp:
    """The part of an Application the inbox worker uses: which updates it was given."""

    def __init__(self) -> None:
        self.bot = None
        self.bot_data = SimpleNamespace()
        self.applied: list[int] = []

    async def process_update(self, update: Update) -> None:
        self.applied.append(update.update_id)


def _message(update_id: int, chat_id: int, date: int = 1_767_000_000, **extra: Any) -> str:
    chat = {"id": chat_id, "type": "group", "title": "Building 3"}
    sender = {"id": 1001, "is_bot": False, "first_name": "Alice"}
    message = {
        "message_id": update_id,
        "date": date,
        "chat": chat,
        "from": sender,
        "text": "Sesame ladder spare",
    }
    return json.dumps({"update_id": update_id, "message": {**message, **extra}})


@pytest.mark.parametrize(
    "unreadable",
    [
        json.dumps({"update_id": 1, "message": "not a message"}),  # AttributeError in PTB
        _message(1, -1003, date=10**20),  # OverflowError: no such date
    ],
)
async def test_an_unreadable_update_is_dropped_and_the_rest_of_its_batch_applied(
    tmp_path, caplog, unreadable
):
    repo = await Repository.open(backends.database_for(tmp_path / "inbox.db"))
    app = RecordingApp()
    worker = InboxWorker(cast(Any, app), repo, worker_id="w1")
    try:
        async with repo.statements() as tx:
            await tx.receive_updates(
                [(1, unreadable, -1003), (2, _message(2, -1004), -1004)],
                datetime.now(UTC),
            )
        with caplog.at_level(logging.WARNING):
            assert await worker.run_once() == 2
        assert app.applied == [2]
        async with repo.statements() as tx:
            assert await tx.inbox_waiting() == 0  # nothing left to claim again
        assert "cannot be read" in caplog.text
        assert "Sesame" not in caplog.text  # what residents wrote stays out of the log
    finally:
        await repo.close()
