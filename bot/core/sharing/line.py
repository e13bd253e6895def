"""The line: allocation windows, the giver's choice, lotteries and the next neighbour."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.effects import Effects, Timing
from bot.core.sharing.allocation import WINDOWED, draw, skips_window
from bot.core.sharing.base import SharingBase
from bot.core.sharing.ledger_rules import (
    is_open,
    share_amount,
)
from bot.core.sharing.model import Resident, UserError
from bot.core.sharing.vocabulary import (
    MatchStatus,
)
from bot.core.sharing.waitlist import Candidate, choice_prompt
from storage.allocation_store import EntryExtras
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)


class Line(SharingBase):
    """Who is next for an offer, by its allocation rule."""

    def _skips_window(self, request: Entry) -> bool:
        return skips_window(urgent=request.urgent, medical=request.medical)

    async def _join_line(
        self, tx: Tx, offer: Entry, request: Entry, extras: EntryExtras
    ) -> Effects:
        """Put a request in a windowed offer's line; its requester hears the rule once."""
        effects = Effects()
        if not await tx.join_line(offer.id, request.id, self.clock.now()):
            return effects
        logger.info("line: request #%s joins offer #%s", request.id, offer.id)
        if not extras.window_open(self.clock.now()) or extras.window_ends_at is None:
            return effects
        requester = await tx.user(request.user_id)
        effects.add(
            self._private_to(
                requester,
                request.chat_id,
                f"line_joined_{extras.allocation}",
                building=self._building_name(offer),
                item=self.item_said(offer),
                until=self._local_time(extras.window_ends_at),
            )
        )
        return effects

    async def _offer_next(self, tx: Tx, offer: Entry) -> Effects:
        """What is free of an offer goes to the next neighbour, by the offer's rule.

        Called when a window ends, a giver declines, a hand-over fails or times out, or a
        requester withdraws. An empty line falls back to first come.
        """
        fresh = await self._entry(tx, offer.id)
        if not is_open(fresh) or fresh.available <= 0:
            return Effects()
        extras = await tx.entry_extras(fresh.id)
        if extras.allocation not in WINDOWED:
            return await self._match_offer(tx, fresh)
        if extras.window_open(self.clock.now()):
            return Effects()
        line = await tx.line_of(fresh.id)
        if not line:
            return await self._match_offer(tx, fresh)
        if any(m.status == MatchStatus.ASKED for m in await tx.active_matches_of_entry(fresh.id)):
            return Effects()  # the giver is still answering about the last one
        if extras.allocation == "lottery":
            return await self._draw(tx, fresh, line)
        return await self._prompt_choice(tx, fresh, line)

    async def _draw(self, tx: Tx, offer: Entry, line: list[Entry]) -> Effects:
        winner = draw(line, self.rng)
        logger.info("lottery for offer #%s: request #%s of %s", offer.id, winner.id, len(line))
        effects = await self._ask_giver(tx, winner, offer, drawn_among=len(line))
        for request in line:
            if request.id != winner.id:
                requester = await tx.user(request.user_id)
                effects.add(
                    self._private_to(
                        requester,
                        request.chat_id,
                        "not_drawn",
                        item=self.item_said(offer),
                        timing=Timing.NUDGE,
                    )
                )
        return effects

    async def _prompt_choice(self, tx: Tx, offer: Entry, line: list[Entry]) -> Effects:
        """The giver sees who asked (first name and building only) and picks with a button."""
        giver = await tx.user(offer.user_id)
        candidates = []
        for request in line:
            requester = await tx.user(request.user_id)
            name = requester.first_name if requester else ""
            candidates.append(Candidate(request.id, name, self._building_name(request)))
        setting = self._reader_language(giver, offer.chat_id)
        text, buttons = choice_prompt(setting, offer.item_name, offer.id, candidates)
        return self._to_giver(giver, offer, text, buttons, about=[r.user_id for r in line])

    async def choose(self, tx: Tx, who: Resident, offer_id: int, request_id: int) -> Effects:
        """The giver picked a neighbour from the candidates: agreed at once."""
        offer = await tx.entry(offer_id)
        if offer is None or offer.kind != "offer":
            raise UserError("match_gone")
        if offer.user_id != who.user_id:
            raise UserError("not_yours")
        extras = await tx.entry_extras(offer.id)
        if extras.allocation != "giver_chooses":
            raise UserError("choose_not_this_rule")
        if extras.window_open(self.clock.now()):
            raise UserError("choose_window_open")
        request = next((r for r in await tx.line_of(offer.id) if r.id == request_id), None)
        if request is None or not is_open(offer):
            raise UserError("choose_gone")
        amount = share_amount(request, offer)
        if amount <= 0:
            raise UserError("choose_gone")
        match = await tx.add_match(request, offer, amount, self.clock.now())
        await tx.set_match(
            match.id, MatchStatus.ACCEPTED, self.clock.now(), expect=MatchStatus.ASKED
        )
        logger.info("giver chose request #%s for offer #%s", request.id, offer.id)
        effects = await self._accept(tx, match)
        fresh = await self._entry(tx, offer.id)
        if fresh.available > 0:  # more to give: the giver picks again
            effects.extend(await self._offer_next(tx, fresh))
            return effects
        for other in await tx.line_of(offer.id):
            requester = await tx.user(other.user_id)
            effects.add(
                self._private_to(
                    requester,
                    other.chat_id,
                    "not_chosen",
                    item=self.item_said(offer),
                    timing=Timing.NUDGE,
                )
            )
        return effects

    async def rematch(self, tx: Tx, entry: Entry) -> Effects:
        """Look for partners again after an entry changed (e.g. its author edited the amount)."""
        if entry.kind == "request":
            return await self._match_request(tx, entry)
        return await self._match_offer(tx, entry)

    async def _close_windows(self, tx: Tx, now: datetime) -> Effects:
        """Windows that ended: the giver chooses, or the lot is drawn."""
        effects = Effects()
        for offer in await tx.offers_with_window_over(now):
            await tx.close_window(offer.id, now)
            logger.info("offer #%s: requests closed", offer.id)
            effects.extend(await self._offer_next(tx, offer))
        return effects
