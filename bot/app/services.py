"""What every handler needs, built once per Application and reached through bot_data."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app.monitoring import Metrics, MonitoringServer
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.sharing.service import SharingService
from bot.core.understanding import Catalogue
from bot.delivery.outbox import Delivery
from bot.intake.leadership import Leadership
from storage.repository import Repository


@dataclass
class Services:
    config: Config
    catalogue: Catalogue
    clock: Clock
    repo: Repository
    sharing: SharingService
    delivery: Delivery
    # The admin's config file, for /reload and SIGHUP (None: demo or built in memory).
    config_path: str | None = None
    # Whether this worker runs the timed jobs (always, with one process on SQLite).
    leadership: Leadership = field(default_factory=Leadership)
    # Groups not in the config already logged at WARNING: once per process, not per message.
    unknown_chats_logged: set[int] = field(default_factory=set)
    metrics: Metrics = field(default_factory=Metrics)
    # `/healthz` and `/metrics` when the operator asked for them ([monitoring] port).
    monitor: MonitoringServer | None = None

    def use_config(self, config: Config, catalogue: Catalogue) -> None:
        """Swap in a reloaded (or migrated) config; the next update reads the new one."""
        self.config = config
        self.catalogue = catalogue
        self.sharing.reload(config, catalogue)


class BotData:
    """Typed bot_data (ContextTypes(bot_data=BotData)): filled in when the app starts."""

    def __init__(self) -> None:
        self.services: Services | None = None
        # Updates whose handler met a passing database fault (locked, full, disconnected):
        # the intake applies them again instead of confirming them (see bot/intake/polling.py).
        self.unapplied: set[int] = set()

    def require(self) -> Services:
        if self.services is None:
            raise RuntimeError("Jinlin services are not set up (post_init did not run)")
        return self.services
