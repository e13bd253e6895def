"""What every stage of sharing shares: the collaborators, and the small pieces that word a
message for a resident. The stages (recording, matching, line, handover, listings, expiry)
are mixins of `SharingService`; the methods one stage calls on another are declared here."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Config, GroupSpec
from bot.core.effects import Button, Effects, Fallback, SendMessage, Timing
from bot.core.i18n import Markup, Quoted, reader_language, say
from bot.core.redaction import redact
from bot.core.relay import RelayDesk
from bot.core.reports import ReportDesk
from bot.core.sharing.ledger_rules import SERVICE_PREFIX, is_service
from bot.core.sharing.model import GroupMessage, Resident, UserError
from bot.core.skills import vocabulary
from bot.core.understanding import Catalogue, Parsed, ParsedItem
from bot.core.understanding.intent_model import UnderstandingModel, load_model
from storage.allocation_store import EntryExtras
from storage.records import Entry, Match, UserRecord
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.clarify import Clarifier

logger = logging.getLogger(__name__)


def model_for(config: Config) -> UnderstandingModel | None:
    """The deployment's own model (bot.model_file), or None for the shipped one."""
    if config.bot.model_file is None:
        return None
    return load_model(Path(config.bot.model_file))


def _outside_topic(group: GroupSpec, msg: GroupMessage) -> bool:
    """A group pinned to one forum topic: messages in other topics are not for Jinlin."""
    return group.topic is not None and msg.thread_id != group.topic


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    """A callback button labelled in every language of the reader, on one line."""
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


@dataclass(frozen=True)
class ItemName:
    """An entry's item name said in each language of the reader: the resident's own words
    when the reader reads that script, else the catalogue's name ("ibuprofen" for 布洛芬), so
    no English text carries a Chinese item name. str() is the resident's own words (the
    group nudge's redacted mention of the item)."""

    entry: Entry
    named: Callable[[Entry, str | None], str]

    def __call__(self, lang: str) -> str:
        return self.named(self.entry, lang)

    def __str__(self) -> str:
        return self.entry.item_name


class SharingBase:
    """The collaborators and helpers of every stage."""

    def __init__(
        self,
        config: Config,
        catalogue: Catalogue,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        files_repairs: bool = False,
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock
        # Lotteries draw from this (injected: tests and audits replay a draw from a seed).
        self.rng = rng or random.Random()
        self.relay = RelayDesk(config, clock, self._fallback, self.item_said)
        # The learned understanding model (None: the shipped one); tests inject their own.
        self.model: UnderstandingModel | None = model_for(config)
        # Unsure readings asked privately, corrections learnt (built by SharingService).
        self.clarify: Clarifier
        # The running bot files a repair complaint ("楼道灯坏了") as a captain report; an
        # import or a benchmark replaying chat does not.
        self.files_repairs = files_repairs
        self.reports = ReportDesk(config, clock) if files_repairs else None

    def reload(self, config: Config, catalogue: Catalogue) -> None:
        """Use a reloaded config (and its catalogue) from the next message on."""
        self.config = config
        self.catalogue = catalogue
        self.model = model_for(config)
        self.relay = RelayDesk(config, self.clock, self._fallback, self.item_said)
        self.reports = ReportDesk(config, self.clock) if self.files_repairs else None

    # --- what one stage asks of another (defined by the stage named) ---------------

    async def _match_request(
        self, tx: Tx, request: Entry, *, just_recorded: bool = False
    ) -> Effects:
        raise NotImplementedError  # matching.py

    async def _match_offer(
        self,
        tx: Tx,
        offer: Entry,
        replying_to: GroupMessage | None = None,
        *,
        just_recorded: EntryExtras | None = None,
    ) -> Effects:
        raise NotImplementedError  # matching.py

    def _skips_window(self, request: Entry) -> bool:
        raise NotImplementedError  # line.py

    async def _join_line(
        self, tx: Tx, offer: Entry, request: Entry, extras: EntryExtras
    ) -> Effects:
        raise NotImplementedError  # line.py

    async def _offer_next(self, tx: Tx, offer: Entry) -> Effects:
        raise NotImplementedError  # line.py

    async def _ask_giver(
        self, tx: Tx, request: Entry, offer: Entry, *, drawn_among: int | None = None
    ) -> Effects:
        raise NotImplementedError  # matching.py

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
        raise NotImplementedError  # matching.py

    async def _accept(self, tx: Tx, match: Match) -> Effects:
        raise NotImplementedError  # handover.py

    async def handed_over(self, tx: Tx, who: Resident, match_id: int) -> Effects:
        raise NotImplementedError  # handover.py

    async def _close_windows(self, tx: Tx, now: datetime) -> Effects:
        raise NotImplementedError  # line.py

    async def _check_handovers(self, tx: Tx, now: datetime) -> Effects:
        raise NotImplementedError  # handover.py

    async def close_entry(
        self, tx: Tx, entry: Entry, status: str, *, tell_requesters: bool = True
    ) -> Effects:
        raise NotImplementedError  # listings.py

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
            script=who.script,
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
            return Quoted(entry.item_name)
        if is_service(entry):
            known = vocabulary().display(entry.canonical.removeprefix(SERVICE_PREFIX), lang)
            return known or Quoted(entry.item_name)
        written_in_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in entry.item_name)
        if written_in_chinese == (lang == "zh"):
            return Quoted(entry.item_name)  # never converted to the reader's script
        return self.catalogue.display_name(entry.canonical, lang)

    def item_said(self, entry: Entry) -> ItemName:
        """An entry's item for a text param: in the reader's language, str() as written."""
        return ItemName(entry, self._entry_name)

    def _building_name(self, entry: Entry) -> str:
        building = self.config.building(entry.building)
        if building:
            return building.name
        community = next((c for c in self.config.communities if c.key == entry.community), None)
        return community.name if community else ""

    def _reader_language(self, user: UserRecord | None, chat_id: int | None) -> str:
        group_setting = self.config.group_language(chat_id) if chat_id else self.config.bot.language
        return reader_language(user, group_setting)

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
        setting = language or reader_language(who, self.config.group_language(chat_id))
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
        setting = reader_language(who, self.config.group_language(chat_id))
        return SendMessage(chat_id=who.user_id, text=say(setting, key, **params))

    def _private_to(
        self,
        user: UserRecord | None,
        chat_id: int,
        key: str,
        *,
        fallback: bool = True,
        about: tuple[int, ...] = (),
        timing: Timing = Timing.NOW,
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
            timing=timing,
        )
