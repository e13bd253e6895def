"""Timed work: expiry nudges and expiries, and retrying unsent messages."""

from __future__ import annotations

import logging
import time

from telegram.ext import Application

from bot.app.services import Services
from bot.core.alerts import AlertService
from bot.core.bookings.timed import booking_tick
from bot.core.civic.awards import AwardsDesk
from bot.core.civic.deliberations import DeliberationDesk
from bot.core.digest import DigestService
from bot.core.effects import encode
from bot.core.events import post_due_reminders
from bot.core.privacy import purge_old
from bot.core.quiet_nudges import hold_nudges_for
from bot.core.thanks import ThanksDesk
from bot.core.volunteers.roster import duty_tick
from bot.delivery.rate_limit import WINDOW_RETENTION_SECONDS
from storage.repository import Tx

logger = logging.getLogger(__name__)


async def run_upkeep(services: Services, app: Application) -> None:
    """Apply the passage of time to the ledger, then send what it produced."""

    async def tick(tx: Tx) -> None:
        effects = await services.sharing.tick(tx)
        effects.extend(await post_due_reminders(tx, services.config, services.clock.now()))
        effects.extend(await booking_tick(tx, services.config, services.clock))
        effects.extend(await ThanksDesk(services.config, services.clock).month_end_prompts(tx))
        effects.extend(await duty_tick(tx, services.config, services.clock.now()))
        alerts = AlertService(services.config, services.catalogue, services.clock)
        effects.extend(await alerts.tick(tx))
        digests = DigestService(services.config, services.catalogue, services.clock)
        effects.extend(await digests.due(tx, app.bot.username))
        effects.extend(await DeliberationDesk(services.config).close_due(tx, services.clock.now()))
        effects.extend(await AwardsDesk(services.config).scheduled(tx, services.clock.now()))
        await purge_old(tx, services.config, services.clock.now())
        await tx.forget_applied_updates(services.clock.now())
        await tx.prune_shared_counters(
            services.clock.now() - 2 * services.delivery.budget.rule.window,
            int(time.time()) - WINDOW_RETENTION_SECONDS,  # rate windows are in real time
        )
        # Nobody just acted: every private message here is a nudge, held in quiet hours.
        effects = hold_nudges_for(services.config, effects, services.clock.now(), unprompted=True)
        await tx.enqueue([encode(e) for e in effects.items], services.clock.now())

    # A worker's unit may touch the same rows at the same time (PostgreSQL): run it again.
    # It scans the ledger: on SQLite off the event loop's thread, so the bot keeps answering.
    await services.repo.run(tick, lengthy=True)
    await services.delivery.flush(app.bot)
