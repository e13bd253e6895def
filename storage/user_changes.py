"""Keeping each PostgreSQL worker's residents cache (storage/known_users.py) true to the table.

Most group lines are chatter from a resident the database already knows as they are; the
cache lets such a line skip its transaction. With one process that is sound by construction.
With several workers on one database, another worker may change or erase a resident's row,
so every transaction that writes `users` rows sends their ids on a PostgreSQL channel
(NOTIFY is transactional: it goes out when the transaction commits, never for one rolled
back) and every worker LISTENs on a connection of its own and forgets those residents.

A worker's own announcements carry its name and are ignored: its cache already holds what it
committed. While the listening connection is down the cache is off and emptied (a change
could pass unheard), and it comes back only once LISTEN is in place again. A connection the
network dropped silently is never closed by itself: a listener hears nothing on it and would
go on trusting its cache, so it asks the server something every HEARTBEAT_SECONDS and takes
the connection for lost when no answer comes within that time: the cache trusts a silent
channel for twice that at most.

What remains is the moment between another worker's commit and its notice arriving (a few
milliseconds): a chatter line of that resident in that moment may skip a write that would
have rewritten their names, or re-created the row of someone who just used /forgetme. The
next line after the notice writes it. Nothing is sent or recorded on such a line either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg

from storage.driver import SERVER_KEEPALIVE, Connection, close_within
from storage.known_users import KnownUsers

logger = logging.getLogger(__name__)

CHANNEL = "jinlin_users"
RECONNECT_SECONDS = 2.0
CONNECT_SECONDS = 10.0
HEARTBEAT_SECONDS = 10.0
# NOTIFY's payload must stay under 8000 bytes: ids go out in chunks of this many.
IDS_PER_NOTICE = 400


def notice(sender: str, user_ids: Iterable[int]) -> str:
    """A notice's payload: who sends it, then the residents whose rows changed (`_heard`)."""
    return f"{sender}:{','.join(str(i) for i in user_ids)}"


class UserChanges:
    """This worker's ear on the channel, and its voice (`announce`)."""

    def __init__(self, url: str, known: KnownUsers) -> None:
        self._url = url
        self._known = known
        self.me = uuid.uuid4().hex[:12]
        self._conn: Any = None
        self._reconnect: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """LISTEN, then turn the cache on (empty: the caller loads it after this)."""
        conn = await asyncpg.connect(
            self._url,
            timeout=CONNECT_SECONDS,
            command_timeout=HEARTBEAT_SECONDS,
            server_settings=SERVER_KEEPALIVE,
        )
        try:
            await conn.add_listener(CHANNEL, self._heard)
        except BaseException:
            conn.terminate()
            raise
        conn.add_termination_listener(self._lost)
        self._conn = conn
        self._known.enable()
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        while not self._closed:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            conn = self._conn
            if conn is None or conn.is_closed():
                continue  # lost already: _come_back is at work
            try:
                await conn.fetchval("SELECT 1")  # bounded by the connection's command_timeout
            except Exception as exc:
                # Whatever went wrong, the channel cannot vouch for the cache any more.
                logger.warning(
                    "residents' change channel does not answer (%s)", str(exc) or type(exc).__name__
                )
                conn.terminate()  # its termination listener (_lost) turns the cache off

    async def announce(self, db: Connection, user_ids: Iterable[int]) -> None:
        """Inside the writing transaction: tell the other workers these rows changed."""
        ids = sorted(set(user_ids))
        for start in range(0, len(ids), IDS_PER_NOTICE):
            chunk = ids[start : start + IDS_PER_NOTICE]
            await db.execute("SELECT pg_notify(?, ?)", (CHANNEL, notice(self.me, chunk)))

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        sender, _, ids = payload.partition(":")
        if sender == self.me:
            return
        for user_id in ids.split(","):
            with contextlib.suppress(ValueError):
                self._known.forget(int(user_id))

    def _lost(self, _conn: Any) -> None:
        self._known.disable()
        self._conn = None
        if self._closed:
            return
        logger.warning("residents' change channel lost; cache off until it is back")
        if self._reconnect is None or self._reconnect.done():
            self._reconnect = asyncio.get_running_loop().create_task(self._come_back())

    async def _come_back(self) -> None:
        while not self._closed:
            await asyncio.sleep(RECONNECT_SECONDS)
            try:
                await self.start()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.debug("residents' change channel still down: %s", exc)
                continue
            logger.info("residents' change channel back; cache on")
            return

    async def close(self) -> None:
        self._closed = True
        self._known.disable()
        tasks = [t for t in (self._reconnect, self._heartbeat) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # closing goes on regardless
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await close_within(conn, HEARTBEAT_SECONDS)
