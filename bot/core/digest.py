"""The digest: what is still open in a group, grouped by category, with private deep links.

Lines show catalogue item names and amounts only (never the resident's message, so no
rooms or phones), each linking to https://t.me/<bot>?start=e<token>: a random token per
entry, so entries cannot be listed by counting ids. The bot's username is passed in by the
handler layer, which knows it. Scheduled digests are recorded per group
and slot in the same transaction as the post, so a restart never posts one twice.
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.config import Config, GroupSpec
from bot.core.digest_schedule import DigestSchedule, due_slot, parse_digest_schedule
from bot.core.effects import Effects, SendMessage
from bot.core.festivals.quiet_hours import QuietHours
from bot.core.i18n import Lang, base_language, convert, reader_language, readings, text
from bot.core.membership import new_link_token
from bot.core.redaction import redact
from bot.core.sharing.amounts import format_amount
from bot.core.sharing.ledger_rules import is_service
from bot.core.sharing.service import Resident, UserError
from bot.core.understanding import Catalogue
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)

MAX_LINES = 40
OTHER = "other"


class DigestService:
    """Scheduled and on-demand digests."""

    def __init__(self, config: Config, catalogue: Catalogue, clock: Clock) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock

    def schedule_for(self, group: GroupSpec) -> DigestSchedule:
        """The group's own schedule, else the global one (default off)."""
        return parse_digest_schedule(group.digest or self.config.bot.digest)

    def _quiet(self) -> QuietHours | None:
        spec = self.config.bot.quiet_hours
        return QuietHours(spec.start_time, spec.end_time) if spec is not None else None

    async def due(self, tx: Tx, bot_username: str) -> Effects:
        """Every scheduled digest due now that was not decided before (empty ones unposted)."""
        now = self.clock.now()
        grace = timedelta(hours=max(self.config.bot.reminder_grace_hours, 1))
        effects = Effects()
        for group in self.config.groups:
            slot = due_slot(
                self.schedule_for(group), now, self.config.bot.timezone, self._quiet(), grace
            )
            if slot is None or await tx.digest_slot_decided(group.chat_id, slot.key):
                continue
            entries = await self.open_entries(tx, group)
            await tx.claim_digest_slot(group.chat_id, slot.key, len(entries), now)
            if not entries:
                logger.info("digest for %s (%s): nothing open, not posted", group.chat_id, slot.key)
                continue
            logger.info("digest for %s (%s): %s entries", group.chat_id, slot.key, len(entries))
            setting = self.config.group_language(group.chat_id)
            effects.add(
                SendMessage(
                    chat_id=group.chat_id,
                    text=self.render(
                        setting, entries, bot_username, await self._links(tx, entries)
                    ),
                    thread_id=group.topic,
                )
            )
        return effects

    async def on_demand(
        self, tx: Tx, who: Resident, chat_id: int, *, private: bool, bot_username: str
    ) -> Effects:
        """/digest by a captain: in their group, or privately for each of their groups."""
        effects = Effects()
        if not private:
            group = self.config.group(chat_id)
            if group is None:
                raise UserError("digest_unknown_group")
            if not self._captain_of(who, group):
                raise UserError("digest_captains_only")
            group_setting: str = self.config.group_language(group.chat_id)
            entries = await self.open_entries(tx, group)
            links = await self._links(tx, entries)
            body = self.render(group_setting, entries, bot_username, links) if entries else None
            effects.add(
                SendMessage(
                    chat_id=group.chat_id,
                    text=body or _say(group_setting, "digest_empty"),
                    thread_id=group.topic,
                )
            )
            return effects
        groups = [g for g in self.config.groups if self._captain_of(who, g)]
        if not groups:
            raise UserError("digest_captains_only")
        for group in groups:
            setting = reader_language(who, self.config.group_language(group.chat_id))
            entries = await self.open_entries(tx, group)
            title = html.escape(group.title or str(group.chat_id))
            body = (
                self.render(setting, entries, bot_username, await self._links(tx, entries))
                if entries
                else _say(setting, "digest_empty")
            )
            effects.add(SendMessage(chat_id=who.user_id, text=f"<b>{title}</b>\n{body}"))
        return effects

    def _captain_of(self, who: Resident, group: GroupSpec) -> bool:
        if group.building is not None:
            return self.config.is_captain(who.user_id, who.username, group.building)
        return any(
            self.config.is_captain(who.user_id, who.username, b.key)
            for b in self.config.buildings
            if b.community == group.community
        )

    async def open_entries(self, tx: Tx, group: GroupSpec) -> list[Entry]:
        """What is open where this group's members would be matched."""
        community = self.config.community_of_group(group)
        whole = group.building is None or self.config.scope_for(community) == "community"
        entries = await tx.open_entries_in(
            building=None if whole else group.building, community=community
        )
        return [e for e in entries if not is_service(e)]  # skills are listed by /skills

    # --- the text ----------------------------------------------------------------------

    async def _links(self, tx: Tx, entries: list[Entry]) -> Mapping[int, str]:
        return await tx.entry_tokens([e.id for e in entries], new_link_token)

    def render(
        self, setting: str, entries: list[Entry], bot_username: str, links: Mapping[int, str]
    ) -> str:
        """The digest in every language of the group, one block each; `links` are the
        entries' deep-link tokens."""
        return "\n\n".join(
            self._render_one(reading, entries, bot_username, links) for reading in readings(setting)
        )

    def _render_one(
        self, reading: str, entries: list[Entry], bot_username: str, links: Mapping[int, str]
    ) -> str:
        # `reading` words the texts (a traditional variant too); `lang` picks catalogue names.
        lang = base_language(reading)
        by_category: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            by_category[self._top_category(entry)].append(entry)
        order = sorted(by_category, key=lambda c: (c == OTHER, self._category_name(c, lang)))
        offers = sum(1 for e in entries if e.kind == "offer")
        lines = [text(reading, "digest_header", offers=offers, requests=len(entries) - offers)]
        shown = 0
        for category in order:
            if shown >= MAX_LINES:
                break
            category_name = convert(self._category_name(category, lang), reading)
            lines.append(text(reading, "digest_category", name=html.escape(category_name)))
            # Offers first, then requests; oldest first within each.
            for entry in sorted(by_category[category], key=lambda e: (e.kind != "offer", e.id)):
                if shown >= MAX_LINES:
                    break
                lines.append(self._line(reading, entry, bot_username, links[entry.id]))
                shown += 1
        if shown < len(entries):
            lines.append(text(reading, "digest_more", n=len(entries) - shown))
        lines.append(text(reading, "digest_footer"))
        return "\n".join(lines)

    def _line(self, reading: str, entry: Entry, bot_username: str, token: str) -> str:
        lang = base_language(reading)
        link = f"https://t.me/{bot_username}?start=e{token}"
        name = html.escape(self._item_name(entry, lang, reading))
        qty = ""
        if entry.kind == "offer" and entry.quantity:
            qty = html.escape(format_amount(entry.available, entry.unit, lang))
        key = "digest_line_offer" if entry.kind == "offer" else "digest_line_request"
        if entry.kind == "request" and entry.urgent:
            key = "digest_line_urgent"
        return text(reading, key, link=html.escape(link, quote=True), item=name, qty=qty)

    def _item_name(self, entry: Entry, lang: str, reading: str) -> str:
        if entry.canonical in self.catalogue:
            written_in_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in entry.item_name)
            if written_in_chinese != (lang == "zh"):
                return convert(self.catalogue.display_name(entry.canonical, lang), reading)
        return redact(entry.item_name)  # the resident's words, as written

    def _top_category(self, entry: Entry) -> str:
        if entry.canonical not in self.catalogue:
            return OTHER
        chain = self.catalogue.categories_of(entry.canonical)
        return chain[-1] if chain else entry.canonical

    def _category_name(self, category: str, lang: Lang) -> str:
        if category == OTHER:
            return text(lang, "digest_other")
        name = self.catalogue.display_name(category, lang)
        return name[:1].upper() + name[1:] if lang == "en" else name


def _say(setting: str, key: str) -> str:
    return "\n".join(text(reading, key) for reading in readings(setting))
