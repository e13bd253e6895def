"""Matching: an offer and a request meet, and the giver is asked privately."""

from __future__ import annotations

import logging

from bot.core.effects import Button, Effects, SendMessage, Timing
from bot.core.i18n import say
from bot.core.sharing.allocation import WINDOWED
from bot.core.sharing.amounts import format_amount, said_amount
from bot.core.sharing.base import SharingBase, _button
from bot.core.sharing.ledger_rules import is_service, share_amount
from bot.core.sharing.model import GroupMessage
from bot.core.sharing.vocabulary import (
    MatchAction,
    RequestStatus,
    sharing_data,
)
from bot.core.understanding import ParsedItem
from storage.allocation_store import EntryExtras
from storage.records import Entry, UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

MAX_ASKS_PER_OFFER = 3
# Offers a request looks through for one to ask (lines of windowed offers are joined on the way).
MAX_OFFERS_LOOKED_AT = 5
# Requests already waiting that join a new offer's line when its window opens.
MAX_IN_LINE = 50


class Matching(SharingBase):
    """Find the other side of an entry and ask the giver."""

    async def _match_request(
        self, tx: Tx, request: Entry, *, just_recorded: bool = False
    ) -> Effects:
        """Ask the giver of the first open offer for a request.

        Offers still collecting requests (giver_chooses / lottery) are not asked: the request
        joins their line and the search goes on. Urgent and medicine requests never wait.
        `just_recorded`: the request was added in this transaction, so no offer was tried yet.
        """
        tried = [] if just_recorded else await tx.offers_tried_for(request.id)
        now = self.clock.now()
        effects = Effects()
        for key in self._request_keys(request):
            offers = await tx.candidate_offers(
                key,
                building=self._scope_building(request),
                community=request.community,
                exclude_user=request.user_id,
                exclude_offers=tried,
                limit=MAX_OFFERS_LOOKED_AT,
            )
            for offer, extras in offers:
                if extras.allocation in WINDOWED and not self._skips_window(request):
                    effects.extend(await self._join_line(tx, offer, request, extras))
                    if not extras.window_open(now):
                        effects.extend(await self._offer_next(tx, offer))
                        if await tx.active_matches_of_entry(request.id):
                            return effects  # drawn at once: one match at a time
                    continue
                # Two workers matching at once: the one that finds the offer locked by the
                # other takes the next offer (or waits) rather than reserving it twice.
                locked = await tx.lock_open_offer(offer.id)
                if locked is None:
                    continue
                effects.extend(await self._ask_giver(tx, request, locked))
                return effects
        return effects

    async def _match_offer(
        self,
        tx: Tx,
        offer: Entry,
        replying_to: GroupMessage | None = None,
        *,
        just_recorded: EntryExtras | None = None,
    ) -> Effects:
        """Ask the giver of an offer about the requests waiting for it (first come), or,
        while its window is open, put them in its line.

        An offer written as a reply ("我有", "+1") serves the request it replies to first.
        `just_recorded`: the extras of an offer added in this transaction — nothing asked
        about it yet, and the entry in hand is as stored (each saves a read).
        """
        effects = Effects()
        keys = await self._offer_keys(offer)
        if just_recorded is not None:
            tried: set[int] = set()
            extras = just_recorded
        else:
            tried = await tx.requests_tried_for(offer.id)
            extras = await tx.entry_extras(offer.id)
        collecting = extras.window_open(self.clock.now())
        requests = await tx.candidate_requests(
            keys,
            building=self._scope_building(offer),
            community=offer.community,
            exclude_user=offer.user_id,
            limit=(MAX_IN_LINE if collecting else MAX_ASKS_PER_OFFER) + len(tried),
        )
        requests = [r for r in requests if r.id not in tried]
        if collecting:
            for request in requests:
                if self._skips_window(request):
                    effects.extend(await self._ask_giver(tx, request, offer))
                else:
                    effects.extend(await self._join_line(tx, offer, request, extras))
            return effects
        if replying_to is not None and replying_to.reply_to_message_id is not None:
            replied = [
                e
                for e in await tx.entries_for_message(
                    replying_to.chat_id, replying_to.reply_to_message_id
                )
                if e.kind == "request"
                and e.status == RequestStatus.OPEN
                and e.user_id != offer.user_id
                and self.catalogue.request_key(self._item_of(e)) in keys
                and not await tx.active_matches_of_entry(e.id)
            ]
            requests = replied + [r for r in requests if r.id not in {e.id for e in replied}]
        for n, request in enumerate(requests[:MAX_ASKS_PER_OFFER]):
            # Asking holds part of the offer: after the first ask, read what is left.
            fresh = offer if n == 0 and just_recorded is not None else await tx.entry(offer.id)
            if fresh is None or fresh.available <= 0:
                break
            effects.extend(await self._ask_giver(tx, request, fresh))
        return effects

    def _request_keys(self, request: Entry) -> list[str]:
        item = self._item_of(request)
        return [self.catalogue.request_key(item)]

    async def _offer_keys(self, offer: Entry) -> frozenset[str]:
        return self.catalogue.offer_keys(self._item_of(offer))

    def _item_of(self, entry: Entry) -> ParsedItem:
        return ParsedItem(
            name=entry.item_name,
            canonical=entry.canonical,
            category=entry.category,
            known=entry.category is not None,
            medicine=entry.medical,
        )

    def _scope_building(self, entry: Entry) -> str | None:
        if self.config.scope_for(entry.community) == "community":
            return None
        return entry.building

    async def _ask_giver(
        self, tx: Tx, request: Entry, offer: Entry, *, drawn_among: int | None = None
    ) -> Effects:
        amount = share_amount(request, offer)
        if amount <= 0:
            return Effects()
        match, requester, giver = await tx.add_match_between(
            request, offer, amount, self.clock.now()
        )
        setting = self._reader_language(giver, offer.chat_id)
        key = "ask_giver_urgent" if request.urgent else "ask_giver"
        if is_service(offer):
            key = "ask_giver_service"  # a neighbour asks for help, not for a thing
        text = say(
            setting,
            key,
            requester=requester.first_name if requester else "",
            building=self._building_name(request),
            item=lambda lang: self._entry_name(request, lang),
            want=said_amount(request.quantity, request.unit),
            offer_item=self.item_said(offer),
            offer_qty=said_amount(offer.quantity, offer.unit),
            share=(lambda lang: format_amount(amount, offer.unit, lang).strip(" ×"))
            if offer.quantity
            else "",
        )
        if request.medical or offer.medical:
            text += "\n" + say(setting, "medicine_note")
        if drawn_among is not None:
            text += "\n" + say(setting, "rule_ask_lottery", n=drawn_among)
        elif not is_service(offer):  # a skill is no scarce thing shared out by a rule
            text += "\n" + say(setting, "rule_ask_first_come")
        buttons = (
            (
                _button(setting, "btn_yes", sharing_data(MatchAction.ACCEPT, match.id)),
                _button(setting, "btn_no", sharing_data(MatchAction.DECLINE, match.id)),
            ),
        )
        logger.info("match #%s: request #%s -> offer #%s", match.id, request.id, offer.id)
        # A medicine may be for a feverish child tonight: like an urgent need, never held.
        timing = Timing.URGENT if request.urgent or request.medical else Timing.NUDGE
        return self._to_giver(giver, offer, text, buttons, about=[request.user_id], timing=timing)

    def _to_giver(
        self,
        giver: UserRecord | None,
        offer: Entry,
        text: str,
        buttons: tuple[tuple[Button, ...], ...],
        *,
        about: list[int],
        timing: Timing = Timing.NUDGE,
    ) -> Effects:
        """A question for the giver, reaching them through the group if they never opened us.

        A nudge (held in quiet hours): the giver did not just act; an urgent request's is not.
        """
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=offer.user_id,
                text=text,
                buttons=buttons,
                fallback=self._fallback(giver, offer.user_id, offer.chat_id, offer.item_name),
                about=tuple(about),
                timing=timing,
            )
        )
        return effects
