"""The core loop: understand a message, keep the ledger, introduce neighbours privately.

Every method runs inside one repository transaction and returns the Effects to send;
nothing here knows Telegram. Handlers (Telegram or console) only adapt inputs and
deliver the effects.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from bot.alerts import alerts_for_offer
from bot.allocation import WINDOWED, allocation_for, draw, skips_window, window_end
from bot.clarify import Clarifier, CorrectionSource
from bot.clock import Clock
from bot.config import Config, GroupSpec
from bot.effects import Button, Effects, Fallback, React, SendMessage
from bot.i18n import Markup, language_of_text, person_language, say
from bot.ledger_entries import entry_for
from bot.ledger_rules import format_amount, is_open, offer_after, request_after, share_amount
from bot.redaction import kept_text, redact
from bot.relay import RelayDesk
from bot.understanding import Catalogue, Parsed, ParsedItem, understand
from bot.understanding.intent_model import UnderstandingModel, load_model
from bot.waitlist import Candidate, choice_prompt, handover_check, match_buttons
from storage.allocation_store import EntryExtras
from storage.records import Entry, Match, UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

MAX_ASKS_PER_OFFER = 3
# Offers a request looks through for one to ask (lines of windowed offers are joined on the way).
MAX_OFFERS_LOOKED_AT = 5
# Requests already waiting that join a new offer's line when its window opens.
MAX_IN_LINE = 50


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
    reply_to_user_id: int | None = None


RepairHook = Callable[[Tx, Resident, GroupMessage, GroupSpec], Awaitable[Effects]]


# Longer than any real item's name ("儿童自行车（16寸，带辅助轮）"), short enough that twenty
# of them make a /mine or digest line-up that still reads as a list.
ITEM_NAME_LIMIT = 64


def model_for(config: Config) -> UnderstandingModel | None:
    """The deployment's own model (bot.model_file), or None for the shipped one."""
    if config.bot.model_file is None:
        return None
    return load_model(Path(config.bot.model_file))


class UserError(Exception):
    """A resident's mistake, answered with the text key given (never a crash)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _outside_topic(group: GroupSpec, msg: GroupMessage) -> bool:
    """A group pinned to one forum topic: messages in other topics are not for Jinlin."""
    return group.topic is not None and msg.thread_id != group.topic


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    """A callback button labelled in every language of the reader, on one line."""
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


class SharingService:
    """Offers, requests and private matches."""

    def __init__(
        self,
        config: Config,
        catalogue: Catalogue,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock
        # Lotteries draw from this (injected: tests and audits replay a draw from a seed).
        self.rng = rng or random.Random()
        self.relay = RelayDesk(config, clock, self._fallback)
        self.clarify = Clarifier(self)
        # The learned understanding model (None: the shipped one); tests inject their own.
        self.model: UnderstandingModel | None = model_for(config)
        # Set by the application: files a repair complaint ("楼道灯坏了") as a captain report.
        self.on_repair: RepairHook | None = None

    def reload(self, config: Config, catalogue: Catalogue) -> None:
        """Use a reloaded config (and its catalogue) from the next message on."""
        self.config = config
        self.catalogue = catalogue
        self.model = model_for(config)
        self.relay = RelayDesk(config, self.clock, self._fallback)

    # --- inputs from groups ---------------------------------------------------------------

    async def on_group_message(
        self, tx: Tx, who: Resident, msg: GroupMessage, parsed: Parsed | None = None
    ) -> Effects:
        """A resident wrote in a configured group: record offers/requests and match them.

        `parsed` is `self.read(msg)` when the caller has it already.
        """
        group = self.config.group(msg.chat_id)
        if group is None or _outside_topic(group, msg):
            return Effects()
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        if parsed is None:
            parsed = self.read(msg)
        if parsed.emergency:
            effects = self.clarify.emergency(who, msg, group)
            if parsed.intent == "request" and parsed.items:
                # Someone in danger who also asks for a thing: find it too, urgently.
                urgent = dataclasses.replace(parsed, urgent=True, unsure=False)
                effects.extend(await self._record(tx, who, group, msg, urgent, captains_told=True))
            return effects
        if parsed.closing:
            return await self.clarify.closing(tx, who, msg, parsed)
        if parsed.intent == "none" and parsed.repair and self.on_repair is not None:
            return await self.on_repair(tx, who, msg, group)
        if parsed.intent == "none":
            return Effects()
        if not parsed.items:
            return Effects()  # nothing to record, so nothing to ask about either
        if parsed.unsure:
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
        group = self.config.group(msg.chat_id)
        if group is None or _outside_topic(group, msg):
            return True
        if parsed.emergency or parsed.closing:
            return False
        if parsed.intent == "none" and parsed.repair and self.on_repair is not None:
            return False
        return parsed.intent == "none" or not parsed.items

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
        await self._remember(tx, who, home_chat_id=msg.chat_id)
        parsed = understand(args, self.catalogue, model=self.model)
        items = parsed.items
        if not items:
            item = self.catalogue.lookup(args)
            if item is None:
                raise UserError("unknown_item")
            items = (item,)
        explicit = Parsed(
            text=args, intent=kind, items=items, quantity=parsed.quantity, urgent=parsed.urgent
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

    async def _record(
        self,
        tx: Tx,
        who: Resident,
        group: GroupSpec,
        msg: GroupMessage,
        parsed: Parsed,
        *,
        captains_told: bool = False,
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
        open_now = await tx.count_open_entries(who.user_id)
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
                    language=language_of_text(msg.text),
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
            entry = await tx.add_entry(
                entry_for(
                    self.config,
                    self.catalogue,
                    group,
                    parsed,
                    item,
                    user_id=who.user_id,
                    message_id=msg.message_id,
                    text=kept_text(msg.text),
                    at=now,
                )
            )
            open_now += 1
            logger.info(
                "ledger: %s #%s %s (chat %s)", kind, entry.id, redact(item.name), msg.chat_id
            )
            extras = EntryExtras()
            if kind == "offer":
                extras = await self._allocate(tx, entry, msg)
            effects.extend(
                self._acknowledge(entry, msg, lang, extras, urgent=entry.urgent and urgent_heard)
            )
            if entry.urgent and entry.medical and urgent_heard:
                effects.extend(self._alert_captains(entry, who))
            if kind == "request":
                effects.extend(await self._match_request(tx, entry))
            else:
                effects.extend(await self._match_offer(tx, entry, replying_to=msg))
                effects.extend(
                    await alerts_for_offer(tx, self.config, self.catalogue, self.clock, entry)
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
            qty=format_amount(entry.quantity, entry.unit),
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
                            "captain_urgent",
                            building=building_name,
                            requester=who.first_name,
                            item=item,
                        ),
                        about=(who.user_id,),
                    )
                )
        return effects

    # --- matching -------------------------------------------------------------------------

    async def _match_request(self, tx: Tx, request: Entry) -> Effects:
        """Ask the giver of the first open offer for a request.

        Offers still collecting requests (giver_chooses / lottery) are not asked: the request
        joins their line and the search goes on. Urgent and medicine requests never wait.
        """
        tried = await tx.offers_tried_for(request.id)
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
            for offer in offers:
                extras = await tx.entry_extras(offer.id)
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
        self, tx: Tx, offer: Entry, replying_to: GroupMessage | None = None
    ) -> Effects:
        """Ask the giver of an offer about the requests waiting for it (first come), or,
        while its window is open, put them in its line.

        An offer written as a reply ("我有", "+1") serves the request it replies to first.
        """
        effects = Effects()
        keys = await self._offer_keys(offer)
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
                and e.status == "open"
                and e.user_id != offer.user_id
                and self.catalogue.request_key(self._item_of(e)) in keys
                and not await tx.active_matches_of_entry(e.id)
            ]
            requests = replied + [r for r in requests if r.id not in {e.id for e in replied}]
        for request in requests[:MAX_ASKS_PER_OFFER]:
            fresh = await tx.entry(offer.id)
            if fresh is None or fresh.available <= 0:
                break
            effects.extend(await self._ask_giver(tx, request, fresh))
        return effects

    # --- the line: windows, choices, lotteries, the next neighbour ---------------------

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
                item=offer.item_name,
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
        if any(m.status == "asked" for m in await tx.active_matches_of_entry(fresh.id)):
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
                    self._private_to(requester, request.chat_id, "not_drawn", item=offer.item_name)
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
        await tx.set_match(match.id, "accepted", self.clock.now(), expect="asked")
        logger.info("giver chose request #%s for offer #%s", request.id, offer.id)
        effects = await self._accept(tx, match)
        fresh = await self._entry(tx, offer.id)
        if fresh.available > 0:  # more to give: the giver picks again
            effects.extend(await self._offer_next(tx, fresh))
            return effects
        for other in await tx.line_of(offer.id):
            requester = await tx.user(other.user_id)
            effects.add(
                self._private_to(requester, other.chat_id, "not_chosen", item=offer.item_name)
            )
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

    async def _ask_giver(
        self, tx: Tx, request: Entry, offer: Entry, *, drawn_among: int | None = None
    ) -> Effects:
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
        if drawn_among is not None:
            text += "\n" + say(setting, "rule_ask_lottery", n=drawn_among)
        else:
            text += "\n" + say(setting, "rule_ask_first_come")
        buttons = (
            (
                _button(setting, "btn_yes", f"y:{match.id}"),
                _button(setting, "btn_no", f"n:{match.id}"),
            ),
        )
        logger.info("match #%s: request #%s -> offer #%s", match.id, request.id, offer.id)
        return self._to_giver(giver, offer, text, buttons, about=[request.user_id])

    def _to_giver(
        self,
        giver: UserRecord | None,
        offer: Entry,
        text: str,
        buttons: tuple[tuple[Button, ...], ...],
        *,
        about: list[int],
    ) -> Effects:
        """A question for the giver, reaching them through the group if they never opened us."""
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=offer.user_id,
                text=text,
                buttons=buttons,
                fallback=self._fallback(giver, offer.user_id, offer.chat_id, offer.item_name),
                about=tuple(about),
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
        effects = Effects()
        if not yes:
            state = offer_after(offer, released=match.quantity)
            await tx.update_entry(offer.id, status=state.status, held=state.held)
            effects.add(self._private_to(giver, offer.chat_id, "giver_declined"))
            fresh = await self._entry(tx, request.id)
            if is_open(fresh) and fresh.status == "open":
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
        await tx.update_entry(request.id, status="matched")
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
            "requester_intro",
            giver=giver.first_name if giver else "",
            building=self._building_name(offer),
            item=offer.item_name,
            qty=format_amount(match.quantity, offer.unit) if offer.quantity else "",
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
        if not await tx.set_match(match.id, "handed_over", now, expect="accepted"):
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
        # goes out in parts (bot/message_parts.py) rather than losing its end unseen.
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
        if match.status != "accepted":
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
                item=offer.item_name,
                fallback=False,
            )
        )
        effects.add(
            self._private_to(
                other,
                absent_entry.chat_id,
                "no_show_other",
                who=who.first_name,
                item=offer.item_name,
                fallback=False,
                about=(who.user_id,),
            )
        )
        effects.extend(await self._release(tx, match, "no_show"))
        return effects

    async def still_on(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        """'Not yet, still on' after the hand-over check: the wait starts again."""
        match = await self._match_for(tx, match_id, who.user_id, role="either")
        if match.status != "accepted":
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
        if request.status == "matched":
            await tx.update_entry(request.id, status="open")
        effects = await self._offer_next(tx, offer)
        fresh = await self._entry(tx, request.id)
        if fresh.status == "open" and not await tx.active_matches_of_entry(fresh.id):
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
                    item=offer.item_name,
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
                            item=offer.item_name,
                            other=other.first_name if other else "",
                            fallback=False,
                            about=(other.user_id,) if other else (),
                        )
                    )
            effects.extend(await self._release(tx, match, "timed_out"))
        return effects

    async def _close_windows(self, tx: Tx, now: datetime) -> Effects:
        """Windows that ended: the giver chooses, or the lot is drawn."""
        effects = Effects()
        for offer in await tx.offers_with_window_over(now):
            await tx.close_window(offer.id, now)
            logger.info("offer #%s: requests closed", offer.id)
            effects.extend(await self._offer_next(tx, offer))
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
            if entry.message_id is not None:  # read from a group line, so it can be misread
                row.append(_button(setting, "btn_misread", f"x:{entry.id}", id=entry.id))
            rows.append(tuple(row))
        effects.add(SendMessage(chat_id=who.user_id, text="\n".join(lines), buttons=tuple(rows)))
        return effects

    async def close_own(self, tx: Tx, who: Resident, entry_id: int, how: str) -> Effects:
        """Withdraw ('w'), mark given ('g') or keep ('k') one of the resident's entries, or
        withdraw it as misread ('x': "that was not an offer"), which teaches the parser."""
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
        if how == "x":
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
                # The requester withdrew (or their request expired): the next in line.
                effects.extend(await self._offer_next(tx, offer))
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
        """Close allocation windows, follow up unconfirmed hand-overs, nudge entries about to
        expire, expire the overdue ones."""
        now = self.clock.now()
        effects = await self._close_windows(tx, now)
        effects.extend(await self._check_handovers(tx, now))
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

    def profile(
        self, who: Resident, *, home_chat_id: int | None = None, started: bool = False
    ) -> UserRecord:
        """The resident's row as `_remember` saves it."""
        return UserRecord(
            user_id=who.user_id,
            first_name=who.first_name,
            username=who.username,
            language_code=who.language_code,
            started=started,
            home_chat_id=home_chat_id,
        )

    async def _remember(
        self, tx: Tx, who: Resident, *, home_chat_id: int | None = None, started: bool = False
    ) -> None:
        await tx.save_user(
            self.profile(who, home_chat_id=home_chat_id, started=started), self.clock.now()
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

    def _contact(self, user: UserRecord | None, lang: str) -> Markup:
        """How to reach the other side: through the bot, unless the admin allows showing a
        public @username (never a tg://user link: that reveals the account)."""
        if self.config.bot.show_usernames and user and user.username:
            return Markup(f"@{escape(user.username)}")
        return Markup(say(lang, "contact_via_bot"))

    def _local_time(self, moment: datetime) -> str:
        """A moment as residents read it: local date and time, e.g. 12-01 14:00."""
        return moment.astimezone(ZoneInfo(self.config.bot.timezone)).strftime("%m-%d %H:%M")

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
            thread_id=self.config.group_topic(chat_id),
        )

    def waiting_nudge(self, who: Resident, chat_id: int, parsed: Parsed) -> Fallback:
        """The group line for a resident the bot cannot write to yet, about their own item."""
        user = UserRecord(who.user_id, who.first_name, who.username, who.language_code)
        item = parsed.items[0].name if parsed.items else ""
        return self._fallback(user, who.user_id, chat_id, item)

    def _private(
        self,
        who: Resident,
        chat_id: int,
        key: str,
        *,
        language: str | None = None,
        fallback_item: str | None = None,
        **params: object,
    ) -> SendMessage:
        setting = language or person_language(
            who.language_code, self.config.group_language(chat_id)
        )
        user = UserRecord(who.user_id, who.first_name, who.username, who.language_code)
        return SendMessage(
            chat_id=who.user_id,
            text=say(setting, key, **params),
            fallback=self._fallback(
                user, who.user_id, chat_id, fallback_item or str(params.get("item", ""))
            ),
        )

    def _note(self, who: Resident, chat_id: int, key: str, **params: object) -> SendMessage:
        """A private word about a bound; never a group fallback, which would add to the flood."""
        setting = person_language(who.language_code, self.config.group_language(chat_id))
        return SendMessage(chat_id=who.user_id, text=say(setting, key, **params))

    def _private_to(
        self,
        user: UserRecord | None,
        chat_id: int,
        key: str,
        *,
        fallback: bool = True,
        about: tuple[int, ...] = (),
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
            about=about,
        )
