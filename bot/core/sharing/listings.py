"""Listings: a resident's own entries: /start, /mine, withdraw, mark given, keep."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.clarify import CorrectionSource
from bot.core.effects import Button, Effects, SendMessage
from bot.core.i18n import say
from bot.core.sharing.amounts import said_amount
from bot.core.sharing.base import SharingBase, _button
from bot.core.sharing.ledger_rules import (
    is_open,
    offer_after,
)
from bot.core.sharing.model import Resident, UserError
from bot.core.sharing.vocabulary import (
    CloseAction,
    MatchStatus,
    OfferStatus,
    RequestStatus,
    sharing_data,
)
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)


class Listings(SharingBase):
    """What a resident does with their own entries."""

    async def start(self, tx: Tx, who: Resident) -> tuple[Effects, list[str]]:
        """/start: the resident opened the private chat; hand over what was waiting."""
        await self._remember(tx, who, started=True)
        await tx.mark_started(who.user_id)
        pending = await tx.take_pending_notices(who.user_id, self.clock.now())
        user = await tx.user(who.user_id)
        setting = self._reader_language(user, user.home_chat_id if user else None)
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=who.user_id, text=say(setting, "welcome_back" if pending else "welcome")
            )
        )
        return effects, [p.effect for p in pending]

    async def mine(self, tx: Tx, who: Resident) -> Effects:
        """/mine: the resident's open listings with withdraw / mark-given buttons."""
        await self._remember(tx, who)
        user = await tx.user(who.user_id)
        setting = self._reader_language(user, user.home_chat_id if user else None)
        entries = await tx.open_entries_of(who.user_id)
        effects = Effects()
        if not entries:
            effects.add(SendMessage(chat_id=who.user_id, text=say(setting, "mine_empty")))
            return effects
        lines = [say(setting, "mine_header")]
        rows: list[tuple[Button, ...]] = []
        for entry in entries[:20]:
            lines.append(
                say(
                    setting,
                    "mine_line",
                    id=entry.id,
                    kind=lambda lang, e=entry: say(lang, f"kind_{e.kind}"),
                    item=self.item_said(entry),
                    qty=said_amount(entry.remaining if entry.quantity else None, entry.unit),
                    status=lambda lang, e=entry: say(lang, f"status_{e.status}"),
                ).replace("\n", " / ")
            )
            row = [
                _button(
                    setting,
                    "btn_withdraw",
                    sharing_data(CloseAction.WITHDRAW, entry.id),
                    id=entry.id,
                )
            ]
            if entry.kind == "offer":
                row.append(
                    _button(
                        setting, "btn_given", sharing_data(CloseAction.GIVEN, entry.id), id=entry.id
                    )
                )
            if entry.message_id is not None:  # read from a group line, so it can be misread
                row.append(
                    _button(
                        setting,
                        "btn_misread",
                        sharing_data(CloseAction.MISREAD, entry.id),
                        id=entry.id,
                    )
                )
            rows.append(tuple(row))
        effects.add(SendMessage(chat_id=who.user_id, text="\n".join(lines), buttons=tuple(rows)))
        return effects

    async def close_own(self, tx: Tx, who: Resident, entry_id: int, how: CloseAction) -> Effects:
        """Withdraw, mark given or keep one of the resident's entries, or withdraw it as
        misread ("that was not an offer"), which teaches the parser."""
        entry = await tx.entry(entry_id)
        if entry is None:
            raise UserError("match_gone")
        if entry.user_id != who.user_id:
            raise UserError("not_yours")
        if not is_open(entry):
            raise UserError("match_gone")
        now = self.clock.now()
        setting = self._reader_language(await tx.user(who.user_id), entry.chat_id)
        effects = Effects()
        if how is CloseAction.KEEP:
            days = self.config.bot.expiry_days
            await tx.update_entry(entry.id, expires_at=now + timedelta(days=days), nudged_at=None)
            effects.add(
                SendMessage(
                    chat_id=who.user_id,
                    text=say(
                        setting,
                        "kept" if entry.kind == "offer" else "kept_request",
                        item=self.item_said(entry),
                        days=days,
                    ),
                )
            )
            return effects
        if how is CloseAction.GIVEN and entry.kind != "offer":
            raise UserError("match_gone")
        if how is CloseAction.MISREAD:
            await self.clarify.learn(
                tx,
                who,
                entry.chat_id,
                entry.text,
                "none",
                CorrectionSource.WITHDRAWN,
                guess=entry.kind,
                message_id=entry.message_id,
            )
        if how is CloseAction.GIVEN:
            # "Given" after agreeing with a neighbour means it went to them: confirm those
            # hand-overs (the requester hears it) rather than cancel them and reopen requests.
            for match in await tx.active_matches_of_entry(entry.id):
                if match.status == MatchStatus.ACCEPTED:
                    effects.extend(await self.handed_over(tx, who, match.id))
            entry = await self._entry(tx, entry.id)
            if not is_open(entry):
                effects.add(
                    SendMessage(
                        chat_id=who.user_id,
                        text=say(setting, "marked_given", id=entry.id, item=entry.item_name),
                    )
                )
                return effects
        status = (
            OfferStatus.GIVEN
            if how is CloseAction.GIVEN
            else (OfferStatus.WITHDRAWN if entry.kind == "offer" else RequestStatus.CANCELLED)
        )
        effects.extend(await self.close_entry(tx, entry, status))
        key = "marked_given" if how is CloseAction.GIVEN else "withdrawn"
        effects.add(
            SendMessage(
                chat_id=who.user_id, text=say(setting, key, id=entry.id, item=self.item_said(entry))
            )
        )
        return effects

    async def close_entry(
        self, tx: Tx, entry: Entry, status: str, *, tell_requesters: bool = True
    ) -> Effects:
        """Close an entry (withdrawn, given, expired, removed…) and undo its pending matches.

        A closed request frees what offers held for it; a closed offer sends its waiting
        requesters back to matching with other neighbours.
        """
        now = self.clock.now()
        await tx.update_entry(entry.id, status=status, closed_at=now)
        effects = Effects()
        for match in await tx.active_matches_of_entry(entry.id):
            await tx.set_match(match.id, MatchStatus.CANCELLED, now)
            await tx.end_relay(match.id, now)
            if entry.kind == "request":
                offer = await self._entry(tx, match.offer_id)
                state = offer_after(offer, released=match.quantity)
                await tx.update_entry(offer.id, status=state.status, held=state.held)
                # The requester withdrew (or their request expired): the next in line.
                effects.extend(await self._offer_next(tx, offer))
                continue
            request = await self._entry(tx, match.request_id)
            if request.status == RequestStatus.MATCHED:
                await tx.update_entry(request.id, status=RequestStatus.OPEN)
            agreed = match.status == MatchStatus.ACCEPTED
            if agreed and tell_requesters and is_open(await self._entry(tx, request.id)):
                # They were told a neighbour agreed: a silent reopening would leave them waiting.
                giver = await tx.user(match.giver_id)
                effects.add(
                    self._private_to(
                        await tx.user(match.requester_id),
                        request.chat_id,
                        "offer_gone_for_you",
                        who=giver.first_name if giver else "",
                        item=entry.item_name,
                        about=(match.giver_id,),
                    )
                )
            fresh = await self._entry(tx, request.id)
            if fresh.status == RequestStatus.OPEN:
                effects.extend(await self._match_request(tx, fresh))
        return effects
