"""A PostgreSQL link that goes silent (a half-open connection) costs a worker seconds, not
its life.

When the network between a worker and its database drops a connection without a word (a
NAT forgetting it, a host moved, a failover), the server closes its end but the worker's
socket stays open, waiting for an answer that never comes. Without a bound on each
statement the worker would wait for good: no update applied, no error logged. Here a proxy
in front of the server plays that network: `go_silent()` drops every link it carries, and
links made afterwards work again, as after a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

from storage import driver, user_changes
from storage.driver import is_passing_fault
from storage.records import UserRecord
from storage.repository import Repository
from tests import backends

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ANNA = UserRecord(7001, "Anna", "anna", "zh", home_chat_id=-1003)
BOUND = 1.5  # each statement's bound in these tests (production: driver.STATEMENT_SECONDS)
PATIENCE = 20.0  # far past BOUND: a test that waits this long has found a hang
T_ = TypeVar("T_")


class SilentNetwork:
    """A TCP relay to the database; `go_silent()` cuts the links it carries silently."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._links: list[tuple[asyncio.StreamWriter, list[bool]]] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._carry, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def go_silent(self) -> None:
        """The server's side of every link closes; the worker's side hears nothing, ever."""
        for upstream, silent in self._links:
            silent[0] = True
            upstream.close()
        self._links.clear()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=PATIENCE)

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        silent = [False]
        self._links.append((up_writer, silent))
        self._writers += [writer, up_writer]

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    if not silent[0]:
                        sink.write(data)
                        await sink.drain()
            if not silent[0]:
                sink.close()

        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        finally:
            self._tasks.discard(task)


@pytest.fixture
async def network() -> AsyncIterator[SilentNetwork]:
    if backends.current() == "sqlite":
        pytest.skip("SQLite is a file, not a link")
    server = urlsplit(backends.ADMIN_URL)
    relay = SilentNetwork(server.hostname or "127.0.0.1", server.port or 5432)
    await relay.start()
    yield relay
    await relay.close()


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver, "STATEMENT_SECONDS", BOUND)
    monkeypatch.setattr(user_changes, "HEARTBEAT_SECONDS", BOUND)


@pytest.fixture
async def repo(network: SilentNetwork, bounded: None, tmp_path: Path) -> AsyncIterator[Repository]:
    """A worker's repository whose every connection goes through `network`."""
    database = urlsplit(backends.database_for(tmp_path / "shared.db"))
    via = database._replace(netloc=f"{database.username}@127.0.0.1:{network.port}")
    opened = await Repository.open(urlunsplit(via))
    yield opened
    await _within(opened.close(), "closing")


async def _within(work: Awaitable[T_], what: str) -> T_:
    """`work`'s result, or a failure once PATIENCE has passed (not a hung test run: a call
    stuck on a dead link may never finish even cancelling, so it is not waited for)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=PATIENCE)
    if not done:
        task.cancel()
        pytest.fail(f"{what} waited on a dead link")
    return task.result()


async def _fails_in_time(work: Awaitable[object]) -> BaseException:
    with pytest.raises(Exception) as failed:
        await _within(work, "the statement")
    return failed.value


async def test_a_claim_on_a_silent_link_fails_in_time_and_the_next_claim_gets_the_update(
    network: SilentNetwork, repo: Repository
) -> None:
    async with repo.statements() as tx:
        assert await tx.receive_update(1, '{"update_id": 1}', T, chat_id=-1003)

    async def claim() -> list[int]:
        async with repo.inbox_statements() as tx:
            items = await tx.claim_inbox("w", T, T + timedelta(seconds=30), 10)
        return [item.update_id for item in items]

    assert await claim() == [1]  # the claim's own connection is open now
    network.go_silent()
    failed = await _fails_in_time(claim())
    assert is_passing_fault(failed)  # the worker logs it and claims again shortly
    assert await _within(claim(), "the next claim") == [1]  # a new link, its lease


async def test_a_unit_on_a_silent_link_fails_as_a_passing_fault_and_the_next_one_commits(
    network: SilentNetwork, repo: Repository
) -> None:
    await _within(repo.run(lambda tx: tx.save_user(ANNA, T)), "the first unit")
    network.go_silent()
    renamed = UserRecord(ANNA.user_id, "Anna Li", "anna", "zh", home_chat_id=-1003)
    failed = await _fails_in_time(repo.run(lambda tx: tx.save_user(renamed, T)))
    assert is_passing_fault(failed)  # the update is applied again, not dropped
    await _within(repo.run(lambda tx: tx.save_user(renamed, T)), "the next unit")
    async with repo.statements() as tx:
        row = await tx.user(ANNA.user_id)
    assert row is not None and row.first_name == "Anna Li"


async def test_when_the_change_channel_goes_silent_the_cache_is_off_until_it_listens_again(
    network: SilentNetwork, repo: Repository
) -> None:
    await _within(repo.run(lambda tx: tx.save_user(ANNA, T)), "the first unit")
    assert repo.user_unchanged(ANNA, T)
    network.go_silent()
    # Another worker's change would pass unheard: the cache must stop vouching for rows.
    deadline = time.monotonic() + PATIENCE
    while repo.user_unchanged(ANNA, T):
        assert time.monotonic() < deadline, "the cache trusted a silent channel"
        await asyncio.sleep(0.05)
    while not (repo._changes is not None and repo._changes._conn is not None):
        assert time.monotonic() < deadline, "the channel never came back"
        await asyncio.sleep(0.05)
    later = T + timedelta(seconds=1)
    # The units' own connection went silent too: as the inbox worker does, run the unit
    # again after a passing fault.
    while True:
        try:
            await _within(repo.run(lambda tx: tx.save_user(ANNA, later)), "the unit")
            break
        except Exception as exc:
            assert is_passing_fault(exc) and time.monotonic() < deadline
    assert repo.user_unchanged(ANNA, later)


async def test_the_server_probes_every_worker_connection_so_a_vanished_ones_locks_go(
    tmp_path: Path,
) -> None:
    if backends.current() == "sqlite":
        pytest.skip("SQLite is a file, not a link")
    repo = await Repository.open(backends.database_for(tmp_path / "shared.db"))
    try:
        probes = "SELECT current_setting('tcp_keepalives_idle') AS idle"
        async with repo.statements() as tx:  # the units' connections
            (units,) = await tx._db.execute_fetchall(probes)
        async with repo.inbox_statements() as tx:  # the claims' connection
            (claims,) = await tx._db.execute_fetchall(probes)
        assert units["idle"] == claims["idle"] == driver.SERVER_KEEPALIVE["tcp_keepalives_idle"]
    finally:
        await repo.close()
