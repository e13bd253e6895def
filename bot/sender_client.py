"""The bot's end of the sender process (bot/sender_process.py).

`SenderProcess.perform(effect)` hands one Bot API call to the child and raises the PTB error
it met, if any, so handlers/delivery.py cannot tell it from making the call itself. A child
that dies is started again on the next call; the calls it had in flight fail as network
faults, so their outbox rows stay unsent and go out on the next flush (at most those in
flight repeat — the crash bound of handlers/delivery.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.error import BadRequest, NetworkError

from bot.effects import Effect, encode
from bot.send_outcomes import LINE_LIMIT, Outcome, raise_outcome

logger = logging.getLogger(__name__)

# Python, PTB and aiohttp importing on a slow machine, then one getMe.
START_SECONDS = 60.0
# A child that keeps dying is not started again more often than this.
RESTART_PAUSE_SECONDS = 2.0
# How long a stopping bot waits for the child's calls in flight (the child gives them 10 s).
FINISH_SECONDS = 12.0
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SenderCrashed(NetworkError):
    """The child died with this call in flight. `alone`: it was the only call in flight, so
    it may be what killed the child (handlers/delivery.py counts those, and sets aside a row
    that keeps doing it)."""

    def __init__(self, alone: bool) -> None:
        super().__init__("the sender process stopped")
        self.alone = alone


@dataclass(frozen=True)
class SenderSettings:
    token: str
    base_url: str | None = None
    base_file_url: str | None = None
    rate_limit: bool = True
    max_retries: int = 3


class SenderProcess:
    """Starts, feeds and watches the sender child; one per bot process."""

    def __init__(self, settings: SenderSettings) -> None:
        self._settings = settings
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Outcome]] = {}
        self._permits: dict[int, asyncio.Future[Outcome]] = {}
        self._ids = 0
        self._starting = asyncio.Lock()
        self._started_at = float("-inf")
        self._closed = False
        self.username: str | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def start(self) -> None:
        """Start the child and wait until it is ready; raises if it cannot start."""
        async with self._starting:
            await self._start()

    async def _start(self) -> None:
        self._started_at = time.monotonic()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
            )
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.sender_process",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                env=env,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=LINE_LIMIT)
        settings = self._settings
        writer.write(
            _line(
                {
                    "token": settings.token,
                    "base_url": settings.base_url,
                    "base_file_url": settings.base_file_url,
                    "rate_limit": settings.rate_limit,
                    "max_retries": settings.max_retries,
                    "log_level": logging.getLevelName(logging.getLogger().getEffectiveLevel()),
                }
            )
        )
        try:
            ready = json.loads(await asyncio.wait_for(reader.readline(), START_SECONDS) or b"{}")
        except (TimeoutError, ValueError):
            ready = {}
        if not ready.get("ready"):
            writer.close()
            await self._reap()
            if isinstance(ready.get("error"), dict):
                raise_outcome(ready["error"])  # e.g. InvalidToken, as the bot itself would
            raise NetworkError("the sender process did not start")
        self.username = ready.get("username")
        self._writer = writer
        self._reading = asyncio.get_running_loop().create_task(self._read(reader))
        logger.info("sender process %s ready", self._process.pid)

    async def perform(self, effect: Effect, raw: str | None = None) -> None:
        """Make one call in the child; raise the PTB error it met. `raw` is `encode(effect)`
        if the caller has it (the outbox row): it goes into the line as it is."""
        body = (raw or encode(effect)).encode()
        if b"\n" in body:  # a row written pretty-printed would end the line early
            body = encode(effect).encode()
        if len(body) + 32 > LINE_LIMIT:
            # The child could not read it (and would die trying): Telegram's own answer to
            # a message it cannot take, so the outbox sets the row aside.
            raise BadRequest(f"the message is too large for the sender process ({len(body)} bytes)")
        writer = await self._ready_writer()
        self._ids += 1
        call = self._ids
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending[call] = future
        try:
            writer.write(b'{"id": %d, "effect": %s}\n' % (call, body))
            outcome = await future
        finally:
            self._pending.pop(call, None)
        raise_outcome(outcome)

    async def permit(self, endpoint: str, chat_id: int | str) -> None:
        """Wait for a slot in the child's flood budget for a call this process makes itself.

        Raises NetworkError while the child is away (the caller then limits itself alone).
        """
        writer = self._writer
        if writer is None or writer.is_closing() or self._closed:
            raise NetworkError("the sender process is not running")
        self._ids += 1
        call = self._ids
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._permits[call] = future
        try:
            writer.write(_line({"id": call, "permit": {"endpoint": endpoint, "chat_id": chat_id}}))
            await future
        finally:
            self._permits.pop(call, None)

    async def _ready_writer(self) -> asyncio.StreamWriter:
        if self._writer is not None and not self._writer.is_closing():
            return self._writer
        if self._closed:
            raise NetworkError("the sender process is closed")
        async with self._starting:
            if self._writer is None or self._writer.is_closing():
                if time.monotonic() - self._started_at < RESTART_PAUSE_SECONDS:
                    raise NetworkError("the sender process is restarting")
                logger.warning("starting the sender process again")
                await self._start()
        assert self._writer is not None
        return self._writer

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                outcome = json.loads(line)
                call = outcome.pop("id", None)
                future = self._pending.get(call) or self._permits.get(call)
                if future is not None and not future.done():
                    future.set_result(outcome)
        except (ConnectionError, ValueError) as exc:
            logger.error("lost the sender process: %s", exc)
        finally:
            self._lost()

    def _lost(self) -> None:
        """The child is gone: its calls in flight failed as network faults."""
        if self._writer is not None:
            self._writer.close()
        waiting = [future for future in self._pending.values() if not future.done()]
        for future in waiting:
            future.set_exception(SenderCrashed(alone=len(waiting) == 1))
        for future in self._permits.values():
            if not future.done():
                future.set_exception(NetworkError("the sender process stopped"))
        if not self._closed:
            code = self._process.returncode if self._process is not None else None
            logger.warning("the sender process stopped (exit code %s)", code)

    async def close(self) -> None:
        """Let the calls in flight finish, then the child exits (it sees our end shut)."""
        self._closed = True
        writer = self._writer
        if writer is not None and not writer.is_closing() and writer.can_write_eof():
            writer.write_eof()  # half-close: the child's answers can still come back
        if self._reading is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._reading), FINISH_SECONDS)
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        await self._reap()

    async def _reap(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            logger.warning("the sender process did not stop; killing it")
            process.kill()
            await process.wait()


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode() + b"\n"
