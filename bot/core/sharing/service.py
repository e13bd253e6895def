"""The core loop: understand a message, keep the ledger, introduce neighbours privately.

Every method runs inside one repository transaction and returns the Effects to send;
nothing here knows Telegram. Handlers (Telegram or console) only adapt inputs and
deliver the effects. `SharingService` is the one facade; each stage of an item's life is a
module of this package.
"""

from __future__ import annotations

import random

from bot.core.clarify import Clarifier
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.sharing.expiry import Expiry
from bot.core.sharing.handover import Handover
from bot.core.sharing.line import Line
from bot.core.sharing.listings import Listings
from bot.core.sharing.matching import Matching
from bot.core.sharing.model import GroupMessage, Resident, UserError
from bot.core.sharing.recording import Recording
from bot.core.understanding import Catalogue

__all__ = ["GroupMessage", "Resident", "SharingService", "UserError"]


class SharingService(Recording, Matching, Line, Handover, Listings, Expiry):
    """Offers, requests and private matches: every stage of an item's life, one facade."""

    def __init__(
        self,
        config: Config,
        catalogue: Catalogue,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        files_repairs: bool = False,
    ) -> None:
        super().__init__(config, catalogue, clock, rng, files_repairs=files_repairs)
        self.clarify = Clarifier(self)
