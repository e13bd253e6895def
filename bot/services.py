"""What every handler needs, built once per Application and reached through bot_data."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Config
from bot.leadership import Leadership
from bot.sharing import SharingService
from bot.understanding import Catalogue
from handlers.delivery import Delivery
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
        # the intake applies them again instead of confirming them (see bot/polling.py).
        self.unapplied: set[int] = set()

    def require(self) -> Services:
        if self.services is None:
            raise RuntimeError("Jinlin services are not set up (post_init did not run)")
        return self.services
