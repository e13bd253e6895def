"""Hand-over: the giver's answer, the agreed hand-over, no-shows and the check that it happened."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.effects import Button, Effects, SendMessage, Timing
from bot.core.i18n import say
from bot.core.sharing.allocation import WINDOWED
from bot.core.sharing.amounts import said_amount
from bot.core.sharing.base import SharingBase
from bot.core.sharing.ledger_rules import (
    is_open,
    is_service,
    offer_after,
    request_after,
)
from bot.core.sharing.model import Resident, UserError
from bot.core.sharing.vocabulary import (
    MatchStatus,
    RequestStatus,
)
from bot.core.sharing.waitlist import handover_check, match_buttons
from storage.records import Match
from storage.repository import Tx

logger = logging.getLogger(__name__)


class Handover(SharingBase):
    """From the giver's yes to the item changing hands (or not)."""

    async def answer(self, tx: Tx, who: Resident, match_id: int, yes: bool) -> Effects:
        """The giver pressed Yes or No on an introduction."""
        match = await self._match_for(tx, match_id, who.user_id, role="giver")
        now = self.clock.now()
        if not await tx.set_match(
            match.id,
            MatchStatus.ACCEPTED if yes else MatchStatus.DECLINED,
            now,
            expect=MatchStatus.ASKED,
        ):
            raise UserError("match_gone")
        request = await self._entry(tx, match.request_id)
        offer = await self._entry(tx, match.offer_id)
        giver = await tx.user(match.giver_id)
        effects = Effects()
        if not yes:
            state = offer_after(offer, released=match.quantity)
            await tx.update_entry(offer.id, status=state.status, held=state.held)
            effects.add(self._private_to(giver, offer.chat_id, "giver_declined"))
            fresh = await self._entry(tx, request.id)
            if is_open(fresh) and fresh.status == RequestStatus.OPEN:
                effects.extend(await self._match_request(tx, fresh))
            # Declining one neighbour is not withdrawing the item: the next in line is asked.
            effects.extend(await self._offer_next(tx, offer))
            return effects
        return await self._accept(tx, match)

    async def _accept(self, tx: Tx, match: Match) -> Effects:
        """An agreed match: the giver is thanked, the requester introduced (with the offer's
        photo, the rule that chose them, and no account details: they talk through the bot)."""
        request = await self._entry(tx, match.request_id)
        offer = await self._entry(tx, match.offer_id)
        giver = await tx.user(match.giver_id)
        requester = await tx.user(match.requester_id)
        extras = await tx.entry_extras(offer.id)
        await tx.watch_match(match.id, self.clock.now())
        state = offer_after(offer)
        await tx.update_entry(offer.id, status=state.status)
        await tx.update_entry(request.id, status=RequestStatus.MATCHED)
        effects = Effects()
        medical = request.medical or offer.medical
        giver_setting = self._reader_language(giver, offer.chat_id)
        text = say(
            giver_setting, "giver_accepted", requester=requester.first_name if requester else ""
        )
        effects.add(
            SendMessage(
                chat_id=match.giver_id,
                text=text,
                buttons=self._match_buttons(giver_setting, match.id),
                about=(match.requester_id,),
            )
        )
        req_setting = self._reader_language(requester, request.chat_id)
        text = say(
            req_setting,
            "requester_intro_service" if is_service(offer) else "requester_intro",
            giver=giver.first_name if giver else "",
            building=self._building_name(offer),
            item=self.item_said(offer),
            qty=said_amount(match.quantity, offer.unit) if offer.quantity else "",
            contact=lambda lang: self._contact(giver, lang),
        )
        if medical:
            text += "\n" + say(req_setting, "medicine_note")
        if request.urgent and medical:
            text += "\n" + say(
                req_setting, "emergency_reminder", emergency=self.config.bot.emergency_number
            )
        chosen_by_rule = extras.window_closed_at is not None and not self._skips_window(request)
        rule = extras.allocation if chosen_by_rule and extras.allocation in WINDOWED else None
        if not is_service(offer):  # a skill is no scarce thing shared out by a rule
            text += "\n" + say(req_setting, f"rule_intro_{rule}" if rule else "rule_ask_first_come")
        effects.add(
            SendMessage(
                chat_id=match.requester_id,
                text=text,
                buttons=self._match_buttons(req_setting, match.id),
                fallback=self._fallback(
                    requester, match.requester_id, request.chat_id, offer.item_name
                ),
                photo=extras.photo,
                about=(match.giver_id,),
            )
        )
        return effects

    def _match_buttons(self, setting: str, match_id: int) -> tuple[tuple[Button, ...], ...]:
        return match_buttons(setting, match_id, self.relay.chat_buttons(setting, match_id))

    async def handed_over(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        """Either side confirms the hand-over: amounts go down, entries close at zero."""
        match = await self._match_for(tx, match_id, who.user_id, role="either")
        now = self.clock.now()
        if not await tx.set_match(
            match.id, MatchStatus.HANDED_OVER, now, expect=MatchStatus.ACCEPTED
        ):
            raise UserError("match_gone")
        await tx.end_relay(match.id, now)  # the relayed chat ends with the hand-over
        offer = await self._entry(tx, match.offer_id)
        request = await self._entry(tx, match.request_id)
        state = offer_after(offer, given=match.quantity)
        await tx.update_entry(
            offer.id,
            status=state.status,
            remaining=state.remaining,
            held=state.held,
            closed_at=now if state.closed else None,
        )
        status, remaining, closed = request_after(request, received=match.quantity)
        await tx.update_entry(
            request.id, status=status, remaining=remaining, closed_at=now if closed else None
        )
        logger.info("match #%s handed over (offer #%s now %s)", match.id, offer.id, state.status)
        effects = Effects()
        other_id = match.requester_id if who.user_id == match.giver_id else match.giver_id
        me = await tx.user(who.user_id)
        other = await tx.user(other_id)
        qty = said_amount(match.quantity, offer.unit) if offer.quantity else ""
        effects.add(
            self._private_to(
                me, offer.chat_id, "handover_done", item=self.item_said(offer), qty=qty
            )
        )
        effects.add(
            self._private_to(
                other,
                offer.chat_id,
                "handover_other_side",
                who=who.first_name,
                item=self.item_said(offer),
                about=(who.user_id,),
            )
        )
        if not closed:
            fresh = await self._entry(tx, request.id)
            effects.extend(await self._match_request(tx, fresh))
        if not state.closed:
            effects.extend(await self._offer_next(tx, offer))
        return effects

    async def private_text(self, tx: Tx, who: Resident, text: str) -> Effects:
        """A resident's private text: a giver's first one after agreeing is the pickup note;
        any other goes to the other side of their open match (the relayed chat)."""
        if not text.strip():
            return Effects()
        match = await tx.match_awaiting_note(who.user_id)
        focus = await tx.relay_focus(who.user_id)
        chose_another = focus is not None and match is not None and focus != match.id
        # Never cut: Telegram already bounds a message (4,096 units), and a long relayed text
        # goes out in parts (bot/core/message_parts.py) rather than losing its end unseen.
        if match is None or chose_another or (await tx.relay_state(match.id)).ended:
            return await self.relay.pass_on(tx, who.user_id, text.strip())
        note = text.strip()
        await tx.set_pickup_note(match.id, note)
        requester = await tx.user(match.requester_id)
        giver = await tx.user(match.giver_id)
        request = await self._entry(tx, match.request_id)
        effects = await self.relay.deliver(tx, match, who.user_id, note, pickup=True)
        effects.add(
            self._private_to(
                giver,
                request.chat_id,
                "pickup_note_saved",
                requester=requester.first_name if requester else "",
                about=(match.requester_id,),
            )
        )
        return effects

    # --- hand-overs that do not happen -----------------------------------------------

    async def no_show(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        """Either side says the agreed hand-over did not happen: counted against the other
        side, the match is released and the item goes to the next neighbour in line."""
        match = await self._match_for(tx, match_id, who.user_id, role="either")
        if match.status != MatchStatus.ACCEPTED:
            raise UserError("match_gone")
        now = self.clock.now()
        if now < match.updated_at + timedelta(hours=self.config.bot.no_show_after_hours):
            raise UserError("no_show_too_soon")
        by_giver = who.user_id == match.giver_id
        absent_id = match.requester_id if by_giver else match.giver_id
        offer = await self._entry(tx, match.offer_id)
        request = await self._entry(tx, match.request_id)
        absent_entry = request if by_giver else offer
        await tx.add_no_show(match.id, absent_id, absent_entry.building, who.user_id, now)
        logger.info("match #%s: no-show of user %s reported", match.id, absent_id)
        me = await tx.user(who.user_id)
        other = await tx.user(absent_id)
        effects = Effects()
        effects.add(
            self._private_to(
                me,
                (offer if by_giver else request).chat_id,
                "no_show_by_giver" if by_giver else "no_show_by_requester",
                item=self.item_said(offer),
                fallback=False,
            )
        )
        effects.add(
            self._private_to(
                other,
                absent_entry.chat_id,
                "no_show_other",
                who=who.first_name,
                item=self.item_said(offer),
                fallback=False,
                about=(who.user_id,),
                timing=Timing.NUDGE,
            )
        )
        effects.extend(await self._release(tx, match, MatchStatus.NO_SHOW))
        return effects

    async def still_on(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        """'Not yet, still on' after the hand-over check: the wait starts again."""
        match = await self._match_for(tx, match_id, who.user_id, role="either")
        if match.status != MatchStatus.ACCEPTED:
            raise UserError("match_gone")
        await tx.watch_match(match.id, self.clock.now())
        user = await tx.user(who.user_id)
        entry = await self._entry(
            tx, match.offer_id if who.user_id == match.giver_id else match.request_id
        )
        effects = Effects()
        effects.add(self._private_to(user, entry.chat_id, "still_on", fallback=False))
        return effects

    async def _release(self, tx: Tx, match: Match, status: str) -> Effects:
        """Undo an agreed or asked match; the offer goes to the next in line and the request
        looks for another giver (never this one again)."""
        now = self.clock.now()
        if not await tx.set_match(match.id, status, now, expect=match.status):
            raise UserError("match_gone")
        await tx.end_relay(match.id, now)
        offer = await self._entry(tx, match.offer_id)
        state = offer_after(offer, released=match.quantity)
        await tx.update_entry(offer.id, status=state.status, held=state.held)
        request = await self._entry(tx, match.request_id)
        if request.status == RequestStatus.MATCHED:
            await tx.update_entry(request.id, status=RequestStatus.OPEN)
        effects = await self._offer_next(tx, offer)
        fresh = await self._entry(tx, request.id)
        if fresh.status == RequestStatus.OPEN and not await tx.active_matches_of_entry(fresh.id):
            effects.extend(await self._match_request(tx, fresh))
        return effects

    async def _check_handovers(self, tx: Tx, now: datetime) -> Effects:
        """Agreed hand-overs nobody confirmed: ask both sides, later release them."""
        effects = Effects()
        check = timedelta(hours=self.config.bot.handover_check_hours)
        for match in await tx.matches_to_check(now - check):
            await tx.mark_checked(match.id, now)
            offer = await self._entry(tx, match.offer_id)
            request = await self._entry(tx, match.request_id)
            giver, requester = await tx.user(match.giver_id), await tx.user(match.requester_id)
            for user, other, entry in ((giver, requester, offer), (requester, giver, request)):
                if user is None:
                    continue
                check_text = handover_check(
                    self._reader_language(user, entry.chat_id),
                    user.user_id,
                    match.id,
                    item=self.item_said(offer),
                    other=other.first_name if other else "",
                )
                effects.add(replace(check_text, about=(other.user_id,) if other else ()))
        release = timedelta(hours=self.config.bot.handover_release_hours)
        for match in await tx.matches_to_release(now - release):
            offer = await self._entry(tx, match.offer_id)
            giver, requester = await tx.user(match.giver_id), await tx.user(match.requester_id)
            logger.info("match #%s: hand-over never confirmed, released", match.id)
            for user, other, key in (
                (giver, requester, "timeout_giver"),
                (requester, giver, "timeout_requester"),
            ):
                if user is not None:
                    effects.add(
                        self._private_to(
                            user,
                            offer.chat_id,
                            key,
                            item=self.item_said(offer),
                            other=other.first_name if other else "",
                            fallback=False,
                            about=(other.user_id,) if other else (),
                        )
                    )
            effects.extend(await self._release(tx, match, MatchStatus.TIMED_OUT))
        return effects
