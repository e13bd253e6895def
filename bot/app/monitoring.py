"""What an operator watches: `/healthz` and Prometheus `/metrics`, on a port of their choice.

Counters live in this process (updates, sends, send failures, parse latency); the ledger's
and the outbox's numbers are read from the database when scraped, so every worker of a
PostgreSQL deployment reports the same shared state. prometheus-client writes the
exposition format (and keeps histogram buckets right); each Application gets a registry of
its own, so tests and the console never share one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram.error import TelegramError

if TYPE_CHECKING:
    from telegram import Bot

    from bot.app.services import Services

logger = logging.getLogger(__name__)

# A probe that waits longer than this calls the part down: load balancers give up sooner.
CHECK_TIMEOUT_SECONDS = 5.0
# getMe at most this often: a probe every few seconds should not become Bot API traffic.
TELEGRAM_CHECK_EVERY_SECONDS = 30.0
# Parsing one line takes well under a millisecond; the upper buckets catch pathological text.
PARSE_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)


class Metrics:
    """The process's counters, and gauges filled from the database at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("jinlin_updates", "Telegram updates received", registry=r)
        self.sends = Counter(
            "jinlin_sends", "Messages sent to Telegram from the outbox", registry=r
        )
        self.send_failures = Counter(
            "jinlin_send_failures",
            "Outbox sends that failed, by reason (flood, network, refused, undeliverable)",
            ["reason"],
            registry=r,
        )
        self.parse_seconds = Histogram(
            "jinlin_parse_seconds",
            "Time to understand one group message",
            buckets=PARSE_BUCKETS,
            registry=r,
        )
        self.entries = Gauge(
            "jinlin_entries", "Ledger entries by kind and status", ["kind", "status"], registry=r
        )
        self.matches = Gauge("jinlin_matches", "Matches by status", ["status"], registry=r)
        self.outbox_depth = Gauge(
            "jinlin_outbox_depth", "Messages decided but not yet sent", registry=r
        )
        self.last_update = Gauge(
            "jinlin_last_update_applied_timestamp_seconds",
            "When this process last finished applying an update (Unix time)",
            registry=r,
        )
        self.last_update_at: datetime | None = None

    def update_applied(self, at: datetime) -> None:
        """An update went through every handler."""
        self.last_update_at = at
        self.last_update.set(at.timestamp())

    async def refresh(self, services: Services) -> None:
        """Read the ledger and outbox counts into the gauges."""
        async with services.repo.statements() as tx:
            entries = await tx.entry_counts()
            matches = await tx.match_counts()
            waiting = await tx.outbox_waiting()
        # A status with no rows left must disappear, not keep its last value.
        self.entries.clear()
        for (kind, status), n in entries.items():
            self.entries.labels(kind, status).set(n)
        self.matches.clear()
        for status, n in matches.items():
            self.matches.labels(status).set(n)
        self.outbox_depth.set(waiting)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class _TelegramCheck:
    """getMe's last answer, kept for TELEGRAM_CHECK_EVERY_SECONDS."""

    ok: bool = False
    detail: str = "not asked yet"
    at: float = field(default=-TELEGRAM_CHECK_EVERY_SECONDS)


class MonitoringServer:
    """An aiohttp.web server for `/healthz` and `/metrics` next to the bot, in its loop."""

    def __init__(self, services: Services, bot: Bot, listen: str, port: int) -> None:
        self._services = services
        self._bot = bot
        self._listen = listen
        self._port = port
        self._runner: web.AppRunner | None = None
        self._telegram = _TelegramCheck()
        self.address: tuple[str, int] | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        # No access log: a scrape every few seconds would drown the lines an operator reads.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._listen, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else self._port
        self.address = (self._listen, int(bound))
        logger.info("health and metrics on http://%s:%s/healthz and /metrics", self._listen, bound)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self) -> dict[str, Any]:
        """Database and Telegram reachable, the outbox backlog, the last update applied."""
        services = self._services
        report: dict[str, Any] = {}
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                async with services.repo.statements() as tx:
                    report["outbox_backlog"] = await tx.outbox_waiting()
            report["database"] = "ok"
        except Exception as exc:  # any driver's error: reported and logged, the probe answers
            report["database"] = f"unreachable: {type(exc).__name__}"
            logger.warning("health check: database error %s", type(exc).__name__)
        report["telegram"] = await self._telegram_state()
        last = services.metrics.last_update_at
        report["last_update_applied"] = last.isoformat() if last else None
        report["seconds_since_last_update"] = (
            round((services.clock.now() - last).total_seconds(), 1) if last else None
        )
        report["ok"] = report["database"] == "ok" and report["telegram"] == "ok"
        return report

    async def _telegram_state(self) -> str:
        check = self._telegram
        if time.monotonic() - check.at >= TELEGRAM_CHECK_EVERY_SECONDS:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                    await self._bot.get_me()
                check.ok, check.detail = True, "ok"
            except (TimeoutError, TelegramError) as exc:
                check.ok, check.detail = False, f"unreachable: {type(exc).__name__}"
            check.at = time.monotonic()
        return check.detail

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self.health()
        return web.Response(
            text=json.dumps(report),
            status=200 if report["ok"] else 503,
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        metrics = self._services.metrics
        try:
            await metrics.refresh(self._services)
        except Exception as exc:  # a scrape during a database outage still shows the counters
            logger.warning("metrics: database counts unavailable (%s)", type(exc).__name__)
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
