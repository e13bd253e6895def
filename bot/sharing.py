"""The core loop: understand a message, keep the ledger, introduce neighbours privately.

Every method runs inside one repository transaction and returns the Effects to send;
nothing here knows Telegram. Handlers (Telegram or console) only adapt inputs and
deliver the effects.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Literal

from bot.alerts import alerts_for_offer
from bot.clock import Clock
from bot.config import Config, GroupSpec
from bot.effects import Button, Effects, Fallback, React, SendMessage
from bot.i18n import Markup, person_language, say
from bot.ledger_rules import format_amount, is_open, offer_after, request_after, share_amount
from bot.redaction import redact
from bot.understanding import Catalogue, Parsed, ParsedItem, understand
from storage.records import Entry, Match, NewEntry, UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

MAX_ASKS_PER_OFFER = 3


@dataclass(frozen=True)
class Resident:
    """Who did something, as the chat network reports them."""

    user_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class GroupMessage:
    """A message in a group, with what it replies to."""

    chat_id: int
    message_id: int
    text: str
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    reply_to_text: str | None = None
    photo: str | None = None


RepairHook = Callable[[Tx, Resident, GroupMessage, GroupSpec], Awaitable[Effects]]


class UserError(Exception):
    """A resident's mistake, answered with the text key given (never a crash)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    """A callback button labelled in every language of the reader, on one line."""
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


class SharingService:
    """Offers, requests and private matches."""

    def __init__(self, config: Config, catalogue: Catalogue, clock: Clock) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock
        # Set by the application: files a repair complaint ("楼道灯坏了") as a captain report.
        self.on_repair: RepairHook | None = None

    def reload(self, config: Config, catalogue: Catalogue) -> None:
        """Use a reloaded config (and its catalogue) from the next message on."""
        self.config = config
        self.catalogue = catalogue

    # --- inputs from groups ---------------------------------------------------------------

    async def on_group_message(self, tx: Tx, who: Resident, msg: GroupMessage) -> Effects:
        """A resident wrote in a configured group: record offers/requests and match them."""
        group = self.config.group(msg.chat_id)
        if group is None:
            return Effects()
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        reply_to = understand(msg.reply_to_text, self.catalogue) if msg.reply_to_text else None
        parsed = understand(msg.text, self.catalogue, reply_to=reply_to)
        if parsed.intent == "none" and parsed.repair and self.on_repair is not None:
            return await self.on_repair(tx, who, msg, group)
        if parsed.intent == "none" or not parsed.items:
            return Effects()
        return await self._record(tx, who, group, msg, parsed)

    async def on_explicit(
        self, tx: Tx, who: Resident, msg: GroupMessage, kind: Literal["offer", "request"], args: str
    ) -> Effects:
        """/offer and /need: the resident names the item, for when the parser misses."""
        group = self.config.group(msg.chat_id)
        if group is None:
            raise UserError("use_in_group")
        if not args.strip():
            raise UserError("offer_usage" if kind == "offer" else "need_usage")
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        parsed = understand(args, self.catalogue)
        items = parsed.items
        if not items:
            item = self.catalogue.lookup(args)
            if item is None:
                raise UserError("unknown_item")
            items = (item,)
        explicit = Parsed(
            text=args, intent=kind, items=items, quantity=parsed.quantity, urgent=parsed.urgent
        )
        return await self._record(tx, who, group, msg, explicit)

    async def _record(
        self, tx: Tx, who: Resident, group: GroupSpec, msg: GroupMessage, parsed: Parsed
    ) -> Effects:
        effects = Effects()
        lang = self.config.group_language(msg.chat_id)
        community = self.config.community_of_group(group)
        now = self.clock.now()
        expires = now + timedelta(days=self.config.bot.expiry_days)
        quantity = parsed.quantity if len(parsed.items) == 1 else None
        kind: Literal["offer", "request"] = "offer" if parsed.intent == "offer" else "request"
        for item in parsed.items:
            if item.restricted:
                effects.add(
                    self._private(
                        who,
                        msg.chat_id,
                        "restricted_explain",
                        item=self._name(item),
                        emergency=self.config.bot.emergency_number,
                    )
                )
                continue
            keys = (
                self.catalogue.offer_keys(item)
                if kind == "offer"
                else frozenset({self.catalogue.request_key(item)})
            )
            entry = await tx.add_entry(
                NewEntry(
                    kind=kind,
                    user_id=who.user_id,
                    chat_id=msg.chat_id,
                    message_id=msg.message_id,
                    building=group.building,
                    community=community,
                    item_name=item.name,
                    canonical=item.canonical,
                    category=item.category,
                    medical=item.medicine,
                    urgent=parsed.urgent and kind == "request",
                    quantity=quantity.n if quantity else None,
                    unit=quantity.unit if quantity else None,
                    text=msg.text,
                    created_at=now,
                    expires_at=expires,
                    keys=keys,
                )
            )
            logger.info(
                "ledger: %s #%s %s (chat %s)", kind, entry.id, redact(item.name), msg.chat_id
            )
            effects.extend(self._acknowledge(entry, msg, lang))
            if entry.urgent and entry.medical:
                effects.extend(self._alert_captains(entry, who))
            if kind == "request":
                effects.extend(await self._match_request(tx, entry))
            else:
                effects.extend(await self._match_offer(tx, entry, replying_to=msg))
                effects.extend(
                    await alerts_for_offer(tx, self.config, self.catalogue, self.clock, entry)
                )
        return effects

    def _acknowledge(self, entry: Entry, msg: GroupMessage, lang: str) -> Effects:
        effects = Effects()
        if self.config.bot.ack == "reaction" and not entry.urgent:
            effects.add(React(msg.chat_id, msg.message_id, "👌"))
            return effects
        if entry.kind == "offer":
            key = "ack_offer"
        else:
            key = "ack_request_urgent" if entry.urgent else "ack_request"
        effects.add(
            SendMessage(
                chat_id=msg.chat_id,
                text=say(
                    lang,
                    key,
                    # Said in the group: an item name a resident wrote may hold a room number.
                    item=lambda lang: redact(self._entry_name(entry, lang)),
                    qty=format_amount(entry.quantity, entry.unit),
                    emergency=self.config.bot.emergency_number,
                ),
                reply_to=msg.message_id,
                thread_id=msg.thread_id,
                optional=not entry.urgent,
            )
        )
        return effects

    def _alert_captains(self, entry: Entry, who: Resident) -> Effects:
        effects = Effects()
        for captain in self.config.captains_of(entry.building):
            if isinstance(captain, int) and captain != who.user_id:
                effects.add(
                    SendMessage(
                        chat_id=captain,
                        text=say(
                            self.config.group_language(entry.chat_id),
                            "captain_urgent",
                            building=self._building_name(entry),
                            requester=who.first_name,
                            item=self._entry_name(entry),
                        ),
                    )
                )
        return effects

    # --- matching -------------------------------------------------------------------------

    async def _match_request(self, tx: Tx, request: Entry) -> Effects:
        """Find the first open offer for a request and ask its giver."""
        tried = await tx.offers_tried_for(request.id)
        for key in self._request_keys(request):
            offers = await tx.candidate_offers(
                key,
                building=self._scope_building(request),
                community=request.community,
                exclude_user=request.user_id,
                exclude_offers=tried,
                limit=1,
            )
            if offers:
                return await self._ask_giver(tx, request, offers[0])
        return Effects()

    async def _match_offer(
        self, tx: Tx, offer: Entry, replying_to: GroupMessage | None = None
    ) -> Effects:
        """Ask the giver of a new offer about the requests already waiting for it.

        An offer written as a reply ("我有", "+1") serves the request it replies to first.
        """
        effects = Effects()
        keys = await self._offer_keys(offer)
        requests = await tx.candidate_requests(
            keys,
            building=self._scope_building(offer),
            community=offer.community,
            exclude_user=offer.user_id,
            limit=MAX_ASKS_PER_OFFER,
        )
        if replying_to is not None and replying_to.reply_to_message_id is not None:
            replied = [
                e
                for e in await tx.entries_for_message(
                    replying_to.chat_id, replying_to.reply_to_message_id
                )
                if e.kind == "request"
                and e.status == "open"
                and e.user_id != offer.user_id
                and self.catalogue.request_key(self._item_of(e)) in keys
                and not await tx.active_matches_of_entry(e.id)
            ]
            requests = replied + [r for r in requests if r.id not in {e.id for e in replied}]
        for request in requests:
            fresh = await tx.entry(offer.id)
            if fresh is None or fresh.available <= 0:
                break
            effects.extend(await self._ask_giver(tx, request, fresh))
        return effects

    async def rematch(self, tx: Tx, entry: Entry) -> Effects:
        """Look for partners again after an entry changed (e.g. its author edited the amount)."""
        if entry.kind == "request":
            return await self._match_request(tx, entry)
        return await self._match_offer(tx, entry)

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

    async def _ask_giver(self, tx: Tx, request: Entry, offer: Entry) -> Effects:
        amount = share_amount(request, offer)
        if amount <= 0:
            return Effects()
        match = await tx.add_match(request, offer, amount, self.clock.now())
        requester = await tx.user(request.user_id)
        giver = await tx.user(offer.user_id)
        setting = self._reader_language(giver, offer.chat_id)
        key = "ask_giver_urgent" if request.urgent else "ask_giver"
        text = say(
            setting,
            key,
            requester=requester.first_name if requester else "",
            building=self._building_name(request),
            item=lambda lang: self._entry_name(request, lang),
            want=format_amount(request.quantity, request.unit),
            offer_item=offer.item_name,
            offer_qty=format_amount(offer.quantity, offer.unit),
            share=format_amount(amount, offer.unit).strip(" ×") if offer.quantity else "",
        )
        if request.medical or offer.medical:
            text += "\n" + say(setting, "medicine_note")
        buttons = (
            (
                _button(setting, "btn_yes", f"y:{match.id}"),
                _button(setting, "btn_no", f"n:{match.id}"),
            ),
        )
        logger.info("match #%s: request #%s -> offer #%s", match.id, request.id, offer.id)
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=offer.user_id,
                text=text,
                buttons=buttons,
                fallback=self._fallback(giver, offer.user_id, offer.chat_id, offer.item_name),
            )
        )
        return effects

    # --- answers from private chats ----------------------------------------------------

    async def answer(self, tx: Tx, who: Resident, match_id: int, yes: bool) -> Effects:
        """The giver pressed Yes or No on an introduction."""
        match = await self._match_for(tx, match_id, who.user_id, role="giver")
        now = self.clock.now()
        if not await tx.set_match(match.id, "accepted" if yes else "declined", now, expect="asked"):
            raise UserError("match_gone")
        request = await self._entry(tx, match.request_id)
        offer = await self._entry(tx, match.offer_id)
        giver = await tx.user(match.giver_id)
        requester = await tx.user(match.requester_id)
        effects = Effects()
        if not yes:
            state = offer_after(offer, released=match.quantity)
            await tx.update_entry(offer.id, status=state.status, held=state.held)
            effects.add(self._private_to(giver, offer.chat_id, "giver_declined"))
            fresh = await self._entry(tx, request.id)
            if is_open(fresh) and fresh.status == "open":
                effects.extend(await self._match_request(tx, fresh))
            return effects
        state = offer_after(offer)
        await tx.update_entry(offer.id, status=state.status)
        await tx.update_entry(request.id, status="matched")
        medical = request.medical or offer.medical
        giver_setting = self._reader_language(giver, offer.chat_id)
        text = say(
            giver_setting, "giver_accepted", requester=requester.first_name if requester else ""
        )
        effects.add(
            SendMessage(
                chat_id=match.giver_id,
                text=text,
                buttons=((_button(giver_setting, "btn_handed", f"h:{match.id}"),),),
            )
        )
        req_setting = self._reader_language(requester, request.chat_id)
        text = say(
            req_setting,
            "requester_intro",
            giver=giver.first_name if giver else "",
            building=self._building_name(offer),
            item=offer.item_name,
            qty=format_amount(match.quantity, offer.unit) if offer.quantity else "",
            contact=self._contact(giver, match.giver_id),
        )
        if medical:
            text += "\n" + say(req_setting, "medicine_note")
        if request.urgent and medical:
            text += "\n" + say(
                req_setting, "emergency_reminder", emergency=self.config.bot.emergency_number
            )
        effects.add(
            SendMessage(
                chat_id=match.requester_id,
                text=text,
                buttons=((_button(req_setting, "btn_handed", f"h:{match.id}"),),),
                fallback=self._fallback(
                    requester, match.requester_id, request.chat_id, offer.item_name
                ),
            )
        )
        return effects

    async def handed_over(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        """Either side confirms the hand-over: amounts go down, entries close at zero."""
        match = await self._match_for(tx, match_id, who.user_id, role="either")
        now = self.clock.now()
        if not await tx.set_match(match.id, "handed_over", now, expect="accepted"):
            raise UserError("match_gone")
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
        qty = format_amount(match.quantity, offer.unit) if offer.quantity else ""
        effects.add(
            self._private_to(me, offer.chat_id, "handover_done", item=offer.item_name, qty=qty)
        )
        effects.add(
            self._private_to(
                other,
                offer.chat_id,
                "handover_other_side",
                who=who.first_name,
                item=offer.item_name,
            )
        )
        if not closed:
            fresh = await self._entry(tx, request.id)
            effects.extend(await self._match_request(tx, fresh))
        if not state.closed:
            fresh_offer = await self._entry(tx, offer.id)
            effects.extend(await self._match_offer(tx, fresh_offer))
        return effects

    async def private_text(self, tx: Tx, who: Resident, text: str) -> Effects:
        """A giver's private message after agreeing is their pickup note for the requester."""
        match = await tx.match_awaiting_note(who.user_id)
        if match is None or not text.strip():
            return Effects()
        note = text.strip()[:500]
        await tx.set_pickup_note(match.id, note)
        requester = await tx.user(match.requester_id)
        giver = await tx.user(match.giver_id)
        request = await self._entry(tx, match.request_id)
        effects = Effects()
        effects.add(
            self._private_to(
                requester,
                request.chat_id,
                "pickup_note_relay",
                giver=who.first_name,
                note=note,
                item=request.item_name,
            )
        )
        effects.add(
            self._private_to(
                giver,
                request.chat_id,
                "pickup_note_saved",
                requester=requester.first_name if requester else "",
            )
        )
        return effects

    # --- a resident's own listings -----------------------------------------------------

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
                    item=entry.item_name,
                    qty=format_amount(entry.remaining if entry.quantity else None, entry.unit),
                    status=lambda lang, e=entry: say(lang, f"status_{e.status}"),
                ).replace("\n", " / ")
            )
            row = [_button(setting, "btn_withdraw", f"w:{entry.id}", id=entry.id)]
            if entry.kind == "offer":
                row.append(_button(setting, "btn_given", f"g:{entry.id}", id=entry.id))
            rows.append(tuple(row))
        effects.add(SendMessage(chat_id=who.user_id, text="\n".join(lines), buttons=tuple(rows)))
        return effects

    async def close_own(self, tx: Tx, who: Resident, entry_id: int, how: str) -> Effects:
        """Withdraw ('w'), mark given ('g') or keep ('k') one of the resident's entries."""
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
        if how == "k":
            days = self.config.bot.expiry_days
            await tx.update_entry(entry.id, expires_at=now + timedelta(days=days), nudged_at=None)
            effects.add(
                SendMessage(
                    chat_id=who.user_id, text=say(setting, "kept", item=entry.item_name, days=days)
                )
            )
            return effects
        if how == "g" and entry.kind != "offer":
            raise UserError("match_gone")
        status = "given" if how == "g" else ("withdrawn" if entry.kind == "offer" else "cancelled")
        effects.extend(await self.close_entry(tx, entry, status))
        key = "marked_given" if how == "g" else "withdrawn"
        effects.add(
            SendMessage(
                chat_id=who.user_id, text=say(setting, key, id=entry.id, item=entry.item_name)
            )
        )
        return effects

    async def close_entry(self, tx: Tx, entry: Entry, status: str) -> Effects:
        """Close an entry (withdrawn, given, expired, removed…) and undo its pending matches.

        A closed request frees what offers held for it; a closed offer sends its waiting
        requesters back to matching with other neighbours.
        """
        now = self.clock.now()
        await tx.update_entry(entry.id, status=status, closed_at=now)
        effects = Effects()
        for match in await tx.active_matches_of_entry(entry.id):
            await tx.set_match(match.id, "cancelled", now)
            if entry.kind == "request":
                offer = await self._entry(tx, match.offer_id)
                state = offer_after(offer, released=match.quantity)
                await tx.update_entry(offer.id, status=state.status, held=state.held)
                continue
            request = await self._entry(tx, match.request_id)
            if request.status == "matched":
                await tx.update_entry(request.id, status="open")
            fresh = await self._entry(tx, request.id)
            if fresh.status == "open":
                effects.extend(await self._match_request(tx, fresh))
        return effects

    # --- time passing -------------------------------------------------------------------

    async def tick(self, tx: Tx) -> Effects:
        """Nudge entries about to expire, expire the overdue ones."""
        now = self.clock.now()
        effects = Effects()
        for entry in await tx.entries_expired(now):
            effects.extend(await self.close_entry(tx, entry, "expired"))
            user = await tx.user(entry.user_id)
            key = "expired_offer" if entry.kind == "offer" else "expired_request"
            effects.add(
                self._private_to(user, entry.chat_id, key, item=entry.item_name, fallback=False)
            )
        horizon = now + timedelta(hours=self.config.bot.nudge_hours_before_expiry)
        for entry in await tx.entries_to_nudge(horizon):
            await tx.update_entry(entry.id, nudged_at=now)
            user = await tx.user(entry.user_id)
            setting = self._reader_language(user, entry.chat_id)
            hours = max(int((entry.expires_at - now).total_seconds() // 3600), 1)
            effects.add(
                SendMessage(
                    chat_id=entry.user_id,
                    text=say(setting, "nudge", item=entry.item_name, hours=hours),
                    buttons=(
                        (
                            _button(setting, "btn_keep", f"k:{entry.id}"),
                            _button(setting, "btn_withdraw", f"w:{entry.id}", id=entry.id),
                        ),
                    ),
                )
            )
        return effects

    # --- small pieces -----------------------------------------------------------------

    async def _remember(
        self, tx: Tx, who: Resident, *, home_chat_id: int | None = None, started: bool = False
    ) -> None:
        await tx.save_user(
            UserRecord(
                user_id=who.user_id,
                first_name=who.first_name,
                username=who.username,
                language_code=who.language_code,
                started=started,
                home_chat_id=home_chat_id,
            ),
            self.clock.now(),
        )

    async def _match_for(self, tx: Tx, match_id: int, user_id: int, *, role: str) -> Match:
        match = await tx.match(match_id)
        if match is None:
            raise UserError("match_gone")
        allowed = {match.giver_id} if role == "giver" else {match.giver_id, match.requester_id}
        if user_id not in allowed:
            raise UserError("not_yours")
        return match

    async def _entry(self, tx: Tx, entry_id: int) -> Entry:
        entry = await tx.entry(entry_id)
        if entry is None:  # referential integrity makes this a bug, not a user error
            raise LookupError(f"entry #{entry_id} vanished")
        return entry

    def _name(self, item: ParsedItem, lang: str = "zh") -> str:
        return self.catalogue.display_name(item.canonical, lang) if item.known else item.name

    def _entry_name(self, entry: Entry, lang: str | None = None) -> str:
        """The resident's own words when the reader reads that script, else the catalogue's."""
        if lang is None or entry.category is None:
            return entry.item_name
        written_in_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in entry.item_name)
        if written_in_chinese == (lang == "zh"):
            return entry.item_name
        return self.catalogue.display_name(entry.canonical, lang)

    def _building_name(self, entry: Entry) -> str:
        building = self.config.building(entry.building)
        if building:
            return building.name
        community = next((c for c in self.config.communities if c.key == entry.community), None)
        return community.name if community else ""

    def _reader_language(self, user: UserRecord | None, chat_id: int | None) -> str:
        group_setting = self.config.group_language(chat_id) if chat_id else self.config.bot.language
        return person_language(user.language_code if user else None, group_setting)

    def _contact(self, user: UserRecord | None, user_id: int) -> Markup:
        if user and user.username:
            return Markup(f"@{user.username}")
        name = (user.first_name if user else "") or str(user_id)
        return Markup(f'<a href="tg://user?id={user_id}">{escape(name)}</a>')

    def _fallback(self, user: UserRecord | None, user_id: int, chat_id: int, item: str) -> Fallback:
        setting = self.config.group_language(chat_id)
        # Posted in the group: names and item words a resident typed are redacted there.
        name = redact((user.first_name if user else "") or "?")
        mention = Markup(f'<a href="tg://user?id={user_id}">{escape(name)}</a>')
        return Fallback(
            chat_id=chat_id,
            user_id=user_id,
            text=say(setting, "fallback_group", name=mention, item=redact(item)),
            button=say(setting, "btn_open_private").replace("\n", " / "),
        )

    def _private(self, who: Resident, chat_id: int, key: str, **params: object) -> SendMessage:
        setting = person_language(who.language_code, self.config.group_language(chat_id))
        user = UserRecord(who.user_id, who.first_name, who.username, who.language_code)
        return SendMessage(
            chat_id=who.user_id,
            text=say(setting, key, **params),
            fallback=self._fallback(user, who.user_id, chat_id, str(params.get("item", ""))),
        )

    def _private_to(
        self,
        user: UserRecord | None,
        chat_id: int,
        key: str,
        *,
        fallback: bool = True,
        **params: object,
    ) -> SendMessage:
        assert user is not None
        setting = self._reader_language(user, chat_id)
        return SendMessage(
            chat_id=user.user_id,
            text=say(setting, key, **params),
            fallback=(
                self._fallback(user, user.user_id, chat_id, str(params.get("item", "")))
                if fallback
                else None
            ),
        )
