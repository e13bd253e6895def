"""Recording: a group line or /offer, /need becomes ledger entries, acknowledged in the group."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from enum import StrEnum
from typing import Literal

from bot.core.alerts import alerts_for_offer
from bot.core.clarify import CorrectionSource
from bot.core.config import GroupSpec
from bot.core.effects import Effects, React, SendMessage, Timing
from bot.core.i18n import say, writer_language
from bot.core.redaction import hide_phone_numbers, kept_text, redact
from bot.core.sharing.allocation import allocation_for, window_end
from bot.core.sharing.amounts import said_amount
from bot.core.sharing.base import SharingBase, _outside_topic
from bot.core.sharing.ledger_entries import entry_for
from bot.core.sharing.model import GroupMessage, Resident, UserError
from bot.core.sharing.vocabulary import RequestStatus
from bot.core.understanding import (
    Parsed,
    ParsedItem,
    command_amount,
    understand,
    unusable_amount,
)
from storage.allocation_store import EntryExtras
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)


class LineAction(StrEnum):
    """What a group line calls for."""

    IGNORE = "ignore"  # not a configured group, or another forum topic
    EMERGENCY = "emergency"  # "快叫救护车": the emergency number at once, nothing recorded
    CLOSING = "closing"  # "已送出", "thanks, got one": the author's open entries close
    FILE_REPAIR = "file_repair"  # "楼道灯坏了": a report for the captains
    REMEMBER = "remember"  # chatter: only its author is remembered
    ASK = "ask"  # an unsure reading: the author is asked privately what it was
    RECORD = "record"  # offers or requests for the ledger


# Longer than any real item's name ("儿童自行车（16寸，带辅助轮）"), short enough that twenty
# of them make a /mine or digest line-up that still reads as a list.
ITEM_NAME_LIMIT = 64


class Recording(SharingBase):
    """From what a resident wrote to entries in the ledger, then matched."""

    def line_action(self, msg: GroupMessage, parsed: Parsed) -> LineAction:
        """What a group line calls for: the one decision `on_group_message` follows and the
        handlers' chatter fast path asks about (pure: no database, no clock)."""
        group = self.config.group(msg.chat_id)
        if group is None or _outside_topic(group, msg):
            return LineAction.IGNORE
        if parsed.emergency:
            return LineAction.EMERGENCY
        if parsed.closing:
            return LineAction.CLOSING
        if parsed.intent == "none" and parsed.repair and self.reports is not None:
            return LineAction.FILE_REPAIR
        if parsed.intent == "none" or not parsed.items:
            return LineAction.REMEMBER  # no items: nothing to record, nothing to ask about
        if parsed.unsure:
            return LineAction.ASK
        return LineAction.RECORD

    async def on_group_message(
        self, tx: Tx, who: Resident, msg: GroupMessage, parsed: Parsed | None = None
    ) -> Effects:
        """A resident wrote in a configured group: record offers/requests and match them.

        `parsed` is `self.read(msg)` when the caller has it already.
        """
        if parsed is None:
            parsed = self.read(msg)
        action = self.line_action(msg, parsed)
        group = self.config.group(msg.chat_id)
        if action is LineAction.IGNORE or group is None:
            return Effects()
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        if action is LineAction.EMERGENCY:
            effects = await self.clarify.emergency(tx, who, msg, group)
            if parsed.intent == "request" and parsed.items:
                # Someone in danger who also asks for a thing: find it too, urgently.
                urgent = dataclasses.replace(parsed, urgent=True, unsure=False)
                effects.extend(await self._record(tx, who, group, msg, urgent, captains_told=True))
            return effects
        if action is LineAction.CLOSING:
            return await self.clarify.closing(tx, who, msg, parsed)
        if action is LineAction.FILE_REPAIR and self.reports is not None:
            return await self.reports.from_group(tx, who, msg, group)
        if action is LineAction.REMEMBER:
            return Effects()
        if action is LineAction.ASK:
            return await self.clarify.ask(tx, who, msg, parsed)
        return await self._record(tx, who, group, msg, parsed)

    def read(self, msg: GroupMessage) -> Parsed:
        """What a group line says (pure: no database, no clock)."""
        reply_to = (
            understand(msg.reply_to_text, self.catalogue, model=self.model)
            if msg.reply_to_text
            else None
        )
        return understand(msg.text, self.catalogue, reply_to=reply_to, model=self.model)

    def only_remembers(self, msg: GroupMessage, parsed: Parsed) -> bool:
        """True if `on_group_message` would do no more than remember the line's author."""
        return self.line_action(msg, parsed) in (LineAction.IGNORE, LineAction.REMEMBER)

    async def on_explicit(
        self, tx: Tx, who: Resident, msg: GroupMessage, kind: Literal["offer", "request"], args: str
    ) -> Effects:
        """/offer and /need: the resident names the item, for when the parser misses."""
        group = self.config.group(msg.chat_id)
        if group is None:
            raise UserError("use_in_group")
        if _outside_topic(group, msg):
            return Effects()
        if not args.strip():
            raise UserError("offer_usage" if kind == "offer" else "need_usage")
        if unusable_amount(args):
            raise UserError("amount_unusable")
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        parsed = understand(args, self.catalogue, model=self.model)
        items = parsed.items
        if not items:
            item = self.catalogue.lookup(args)
            if item is None:
                raise UserError("unknown_item")
            items = (item,)
        quantity = parsed.quantity or command_amount(args)
        explicit = Parsed(
            text=args, intent=kind, items=items, quantity=quantity, urgent=parsed.urgent
        )
        if msg.reply_to_text and msg.reply_to_user_id == who.user_id:
            # "/offer" answering one's own message the parser did not take as one: a lesson.
            missed = self.read(
                GroupMessage(chat_id=msg.chat_id, message_id=0, text=msg.reply_to_text)
            )
            if missed.intent != kind:
                await self.clarify.learn(
                    tx,
                    who,
                    msg.chat_id,
                    msg.reply_to_text,
                    kind,
                    CorrectionSource.EXPLICIT,
                    guess=missed.intent,
                    message_id=msg.reply_to_message_id,
                )
        return await self._record(tx, who, group, msg, explicit)

    async def record_reading(
        self, tx: Tx, who: Resident, group: GroupSpec, msg: GroupMessage, parsed: Parsed
    ) -> Effects:
        """Record a message whose reading is settled (the author said what it was)."""
        return await self._record(tx, who, group, msg, parsed)

    async def record_from_private(
        self, tx: Tx, who: Resident, group: GroupSpec, parsed: Parsed
    ) -> Effects:
        """An offer or request written in the private chat, recorded for the resident's group:
        the same bounds and matching, no group acknowledgement (there is no group message)."""
        msg = GroupMessage(chat_id=group.chat_id, message_id=0, text=parsed.text)
        return await self._record(tx, who, group, msg, parsed, in_group=False)

    async def _record(
        self,
        tx: Tx,
        who: Resident,
        group: GroupSpec,
        msg: GroupMessage,
        parsed: Parsed,
        *,
        captains_told: bool = False,
        in_group: bool = True,
    ) -> Effects:
        effects = Effects()
        lang = self.config.group_language(msg.chat_id)
        now = self.clock.now()
        kind: Literal["offer", "request"] = "offer" if parsed.intent == "offer" else "request"
        limits = self.config.limits
        items = parsed.items
        if len(items) > limits.items_per_message:
            effects.add(self._note(who, msg.chat_id, "limit_items", n=limits.items_per_message))
            items = items[: limits.items_per_message]
        # The resident's open entries, read once: their count bounds new ones, and an item
        # already among them is refreshed rather than listed twice.
        mine = await tx.open_entries_of(who.user_id)
        open_now = len(mine)
        # Urgent posts and captain alerts skip the posting budget: a few a day per resident.
        urgent_heard = not parsed.urgent or (
            await tx.count_urgent_since(who.user_id, now - timedelta(days=1))
            < limits.urgent_per_resident_per_day
        )
        if not urgent_heard:
            effects.add(
                self._note(
                    who,
                    msg.chat_id,
                    "limit_urgent",
                    n=limits.urgent_per_resident_per_day,
                    emergency=self.config.bot.emergency_number,
                )
            )
        restricted = [item for item in parsed.items if item.restricted]
        if restricted:
            # One note, in the language the author wrote in, naming the prescription drugs as
            # they wrote them (not the ordinary medicines held back beside them).
            named = list(dict.fromkeys(i.name for i in restricted if not i.caution)) or list(
                dict.fromkeys(i.name for i in restricted)
            )
            effects.add(
                self._private(
                    who,
                    msg.chat_id,
                    "restricted_explain",
                    language=writer_language(
                        who, msg.text, self.config.group_language(msg.chat_id)
                    ),
                    item=lambda lang: ("、" if lang == "zh" else ", ").join(named),
                    emergency=self.config.bot.emergency_number,
                    # The group nudge must not name the drug next to the resident's name.
                    fallback_item="💊",
                )
            )
            if parsed.urgent and kind == "request" and urgent_heard and not captains_told:
                # Never matched automatically, but an urgent need (nitroglycerin, an EpiPen)
                # still reaches a person at once: the floor captains decide.
                effects.extend(self._alert_captains_about(group, msg.chat_id, who, named[0]))
        for item in items:
            if open_now >= limits.open_entries_per_resident:
                effects.add(
                    self._note(
                        who, msg.chat_id, "limit_open_entries", n=limits.open_entries_per_resident
                    )
                )
                break
            if len(item.name) > ITEM_NAME_LIMIT:
                # One 4,000-character "item" made every listing of it too long to send.
                effects.add(
                    self._private(who, msg.chat_id, "item_name_too_long", limit=ITEM_NAME_LIMIT)
                )
                continue
            if item.restricted:
                continue
            if not item.known and hide_phone_numbers(item.name, "")[1]:
                continue  # "电话139…" beside the real request is a number, not a thing to share
            again = _same_open_entry(mine, kind, item, msg.chat_id)
            if again is not None:
                effects.extend(await self._repeated(tx, again, parsed, msg, lang, in_group))
                continue
            entry = await tx.add_entry(
                entry_for(
                    self.config,
                    self.catalogue,
                    group,
                    parsed,
                    item,
                    user_id=who.user_id,
                    message_id=msg.message_id if in_group else None,
                    text=kept_text(msg.text),
                    at=now,
                )
            )
            open_now += 1
            mine.insert(0, entry)
            logger.info(
                "ledger: %s #%s %s (chat %s)", kind, entry.id, redact(item.name), msg.chat_id
            )
            extras = EntryExtras()
            if kind == "offer":
                extras = await self._allocate(tx, entry, msg)
            if in_group:
                effects.extend(
                    self._acknowledge(
                        entry, msg, lang, extras, urgent=entry.urgent and urgent_heard
                    )
                )
            if entry.urgent and entry.medical and urgent_heard:
                effects.extend(self._alert_captains(entry, who))
            if kind == "request":
                effects.extend(await self._match_request(tx, entry, just_recorded=True))
            else:
                effects.extend(
                    await self._match_offer(tx, entry, replying_to=msg, just_recorded=extras)
                )
                effects.extend(
                    await alerts_for_offer(tx, self.config, self.catalogue, self.clock, entry)
                )
        return effects

    async def _repeated(
        self,
        tx: Tx,
        entry: Entry,
        parsed: Parsed,
        msg: GroupMessage,
        lang: str,
        in_group: bool,
    ) -> Effects:
        """The same offer or request said again: the open entry is refreshed (a new amount
        replaces what is left), not listed twice for neighbours to be asked about twice."""
        now = self.clock.now()
        amount = parsed.quantity.n if parsed.quantity is not None else None
        if amount is not None and entry.quantity is not None and amount != entry.remaining:
            given = entry.quantity - entry.remaining
            remaining = max(amount, entry.held)
            await tx.update_entry(entry.id, quantity=given + remaining, remaining=remaining)
        await tx.update_entry(
            entry.id, expires_at=now + timedelta(days=self.config.bot.expiry_days), nudged_at=None
        )
        fresh = await self._entry(tx, entry.id)
        logger.info("ledger: %s #%s said again, refreshed", fresh.kind, fresh.id)
        effects = Effects()
        if in_group:
            if self.config.bot.ack == "reaction":
                effects.add(React(msg.chat_id, msg.message_id, "👌"))
            else:
                effects.add(
                    SendMessage(
                        chat_id=msg.chat_id,
                        text=say(
                            lang,
                            "ack_again",
                            item=lambda lang: redact(self._entry_name(fresh, lang)),
                            qty=said_amount(
                                fresh.remaining if fresh.quantity else None, fresh.unit
                            ),
                        ),
                        reply_to=msg.message_id,
                        thread_id=msg.thread_id,
                        optional=True,  # within the group's posting budget, like any ack
                    )
                )
        if fresh.kind == "request" and fresh.status == RequestStatus.OPEN:
            effects.extend(await self._match_request(tx, fresh))
        elif fresh.kind == "offer":
            # Said again, it is news again for neighbours watching for it.
            effects.extend(
                await alerts_for_offer(tx, self.config, self.catalogue, self.clock, fresh)
            )
        return effects

    async def _allocate(self, tx: Tx, offer: Entry, msg: GroupMessage) -> EntryExtras:
        """Record the offer's photo and the allocation rule in force for it.

        An offer written as a reply answers one neighbour: it is first come whatever the rule.
        """
        categories = self.catalogue.categories_of(offer.canonical) if offer.category else []
        mode = allocation_for(self.config, offer.chat_id, categories, medical=offer.medical)
        if msg.reply_to_message_id is not None:
            mode = "first_come"
        extras = EntryExtras(
            photo=msg.photo,
            allocation=mode,
            window_ends_at=window_end(self.config, mode, offer.created_at),
        )
        if extras.photo or mode != "first_come":
            await tx.set_entry_extras(
                offer.id,
                photo=extras.photo,
                allocation=extras.allocation,
                window_ends_at=extras.window_ends_at,
            )
        return extras

    def _acknowledge(
        self, entry: Entry, msg: GroupMessage, lang: str, extras: EntryExtras, *, urgent: bool
    ) -> Effects:
        """The group's acknowledgement; `urgent`: said as urgent (within the resident's bound)."""
        effects = Effects()
        quiet = self.config.bot.ack == "reaction" and not urgent
        if quiet and extras.window_ends_at is None:  # a waiting window's rule must be said
            effects.add(React(msg.chat_id, msg.message_id, "👌"))
            return effects
        if entry.kind == "offer":
            key = "ack_offer"
        else:
            key = "ack_request_urgent" if urgent else "ack_request"
        text = say(
            lang,
            key,
            # Said in the group: an item name a resident wrote may hold a room or phone number.
            item=lambda lang: redact(self._entry_name(entry, lang)),
            qty=said_amount(entry.quantity, entry.unit),
            emergency=self.config.bot.emergency_number,
        )
        if extras.window_ends_at is not None:
            # Said in the group: the giver and every neighbour who wants it read the rule.
            text += "\n" + say(
                lang, f"rule_ack_{extras.allocation}", until=self._local_time(extras.window_ends_at)
            )
        effects.add(
            SendMessage(
                chat_id=msg.chat_id,
                text=text,
                reply_to=msg.message_id,
                thread_id=msg.thread_id,
                # A stated allocation rule is never dropped for the posting budget.
                optional=not urgent and extras.window_ends_at is None,
            )
        )
        return effects

    def _alert_captains(self, entry: Entry, who: Resident) -> Effects:
        return self._captains_told(
            entry.building, entry.chat_id, who, self._building_name(entry), self._entry_name(entry)
        )

    def _alert_captains_about(
        self, group: GroupSpec, chat_id: int, who: Resident, item: str
    ) -> Effects:
        building = self.config.building(group.building)
        name = building.name if building else group.title
        return self._captains_told(group.building, chat_id, who, name, item, restricted=True)

    def _captains_told(
        self,
        building: str | None,
        chat_id: int,
        who: Resident,
        building_name: str,
        item: str,
        *,
        restricted: bool = False,
    ) -> Effects:
        effects = Effects()
        for captain in self.config.captains_of(building):
            if isinstance(captain, int) and captain != who.user_id:
                effects.add(
                    SendMessage(
                        chat_id=captain,
                        text=say(
                            self.config.group_language(chat_id),
                            "captain_urgent_restricted" if restricted else "captain_urgent",
                            building=building_name,
                            requester=who.first_name,
                            item=item,
                        ),
                        about=(who.user_id,),
                        timing=Timing.URGENT,
                    )
                )
        return effects


def _same_open_entry(mine: list[Entry], kind: str, item: ParsedItem, chat_id: int) -> Entry | None:
    """The resident's open entry of this item in this group, if they already have one."""
    for entry in mine:
        if entry.kind == kind and entry.chat_id == chat_id and entry.canonical == item.canonical:
            return entry
    return None
