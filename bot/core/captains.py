"""Floor captains (楼门长): who may act for which building, the ledger view, take-downs and
announcements. Roles come from the config only: a Telegram group admin is not a captain.

Captain tools answer privately (reports and ledgers name residents); only announcements and
thank-you lists are posted to the building's groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.clarify import CorrectionSource, says_not_sharing
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Button, Effects, Fallback, SendMessage
from bot.core.i18n import Markup, reader_language, say
from bot.core.record_ids import record_id
from bot.core.redaction import redact
from bot.core.sharing.amounts import said_amount
from bot.core.sharing.model import Resident, UserError
from storage.records import Entry
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.sharing.service import SharingService

LEDGER_PAGE = 8


@dataclass(frozen=True)
class Where:
    """Where a command was written: a private chat or a group."""

    chat_id: int
    private: bool


@dataclass(frozen=True)
class Post:
    """An announcement to post in a group (sent by the handler, which also pins it)."""

    chat_id: int
    text: str
    pin: bool


def captain_scope(config: Config, who: Resident, where: Where) -> list[str]:
    """The buildings this captain may act for from here; UserError when none.

    In a private chat: every building the config names them captain of. In a group: only
    that group's building (or the buildings of a community-wide group's community).
    """
    mine = config.captain_buildings(who.user_id, who.username)
    if not mine:
        raise UserError("not_captain")
    if where.private:
        return mine
    group = config.group(where.chat_id)
    if group is None:
        raise UserError("other_building")
    if group.building is not None:
        here = [group.building]
    else:
        here = [b.key for b in config.buildings if b.community == group.community]
    allowed = [key for key in mine if key in here]
    if not allowed:
        raise UserError("other_building")
    return allowed


def communities_of(config: Config, buildings: list[str]) -> list[str]:
    """The communities of these buildings: their captains also look after its
    community-wide groups, whose entries have no building."""
    found = {spec.community for key in buildings if (spec := config.building(key)) is not None}
    return sorted(found)


def in_scope(config: Config, entry: Entry, buildings: list[str]) -> bool:
    """May the captains of `buildings` moderate `entry`?"""
    if entry.building is not None:
        return entry.building in buildings
    return entry.community in communities_of(config, buildings)


def reader_setting(config: Config, who: Resident, where: Where | None = None) -> str:
    """The language a person reads: theirs, else their chat's, else the bot's."""
    fallback = config.bot.language
    if where is not None and not where.private:
        fallback = config.group_language(where.chat_id)
    return reader_language(who, fallback)


def building_names(config: Config, keys: list[str]) -> str:
    names = []
    for key in keys:
        spec = config.building(key)
        names.append(spec.name if spec else key)
    return ", ".join(names)


def local_date(config: Config, moment: datetime, *, with_time: bool = True) -> str:
    local = moment.astimezone(ZoneInfo(config.bot.timezone))
    return local.strftime("%m-%d %H:%M" if with_time else "%Y-%m-%d")


def button(setting: str, key: str, data: str, **params: object) -> Button:
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


Keyboard = tuple[tuple[Button, ...], ...]


def private_reply(
    config: Config,
    who: Resident,
    where: Where,
    text: str,
    buttons: Keyboard = (),
    *,
    about: tuple[int, ...] = (),
) -> SendMessage:
    """A private answer; asked from a group, a refused private chat becomes a group nudge.

    `about`: the residents the text names, so a waiting answer goes with their /forgetme.
    """
    fallback = None
    if not where.private:
        mention = Markup(f'<a href="tg://user?id={who.user_id}">{escape(who.first_name)}</a>')
        setting = config.group_language(where.chat_id)
        fallback = Fallback(
            chat_id=where.chat_id,
            user_id=who.user_id,
            text=say(setting, "fallback_group", name=mention, item="近邻 Jinlin"),
            button=say(setting, "btn_open_private").replace("\n", " / "),
        )
    return SendMessage(
        chat_id=who.user_id, text=text, buttons=buttons, fallback=fallback, about=about
    )


class CaptainDesk:
    """The ledger, take-downs and announcements, for one captain at a time."""

    def __init__(self, config: Config, clock: Clock, sharing: SharingService) -> None:
        self.config = config
        self.clock = clock
        self.sharing = sharing

    # --- /ledger ----------------------------------------------------------------------

    async def ledger(self, tx: Tx, who: Resident, where: Where) -> Effects:
        """/ledger: page 1 of the open entries of the captain's building(s), sent privately."""
        buildings = captain_scope(self.config, who, where)
        text, buttons = await self.ledger_page(tx, who, buildings, 0)
        effects = Effects()
        effects.add(private_reply(self.config, who, where, text, buttons))
        return effects

    async def ledger_page(
        self, tx: Tx, who: Resident, buildings: list[str], page: int
    ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """One page of the ledger view and its ◀ ▶ buttons (callback `cl:<page>`)."""
        setting = reader_setting(self.config, who)
        names = building_names(self.config, buildings)
        communities = communities_of(self.config, buildings)
        _, total = await tx.captain_ledger(buildings, limit=1, communities=communities)
        if total == 0:
            return say(setting, "ledger_empty", buildings=names), ()
        pages = max(1, math.ceil(total / LEDGER_PAGE))
        page = min(max(page, 0), pages - 1)
        entries, total = await tx.captain_ledger(
            buildings, limit=LEDGER_PAGE, offset=page * LEDGER_PAGE, communities=communities
        )
        lines = [
            say(setting, "ledger_header", buildings=names, page=page + 1, pages=pages, total=total)
        ]
        for entry in entries:
            author = await tx.user(entry.user_id)
            lines.append(
                say(
                    setting,
                    "ledger_line",
                    id=entry.id,
                    kind=lambda lang, e=entry: say(lang, f"kind_{e.kind}"),
                    item=entry.item_name,
                    qty=said_amount(entry.remaining if entry.quantity else None, entry.unit),
                    who=author.first_name if author else "?",
                    status=lambda lang, e=entry: say(lang, f"status_{e.status}"),
                    date=local_date(self.config, entry.created_at),
                ).replace("\n", " / ")
            )
        row: list[Button] = []
        if page > 0:
            row.append(button(setting, "btn_prev", f"cl:{page - 1}"))
        if page < pages - 1:
            row.append(button(setting, "btn_next", f"cl:{page + 1}"))
        return "\n".join(lines), ((tuple(row),) if row else ())

    # --- /remove ------------------------------------------------------------------------

    async def remove(self, tx: Tx, who: Resident, where: Where, args: str) -> Effects:
        """/remove <id> [reason]: take an entry down; its author is told why, privately."""
        buildings = captain_scope(self.config, who, where)
        number, _, reason = args.strip().partition(" ")
        entry_id = record_id(number)
        if entry_id is None:
            raise UserError("remove_usage")
        entry = await tx.entry(entry_id)
        if entry is None:
            raise UserError("entry_not_found")
        if not in_scope(self.config, entry, buildings):
            raise UserError("other_building")
        if entry.status not in ("available", "reserved", "open", "matched"):
            raise UserError("entry_closed")
        reason = reason.strip()[:300]
        effects = await self.sharing.close_entry(tx, entry, "removed")
        if entry.message_id is not None and says_not_sharing(reason):
            # The captain says the parser misread the line: a lesson for `jinlin train`.
            author_as_resident = Resident(entry.user_id, "")
            await self.sharing.clarify.learn(
                tx,
                author_as_resident,
                entry.chat_id,
                entry.text,
                "none",
                CorrectionSource.REMOVED,
                guess=entry.kind,
                message_id=entry.message_id,
            )
        await tx.add_audit(
            self.clock.now(),
            who.user_id,
            "remove",
            building=entry.building,
            target=f"entry #{entry.id}",
            detail=reason,
        )
        author = await tx.user(entry.user_id)
        if author is not None and author.user_id != who.user_id:
            setting = reader_language(author, self.config.group_language(entry.chat_id))
            effects.add(
                SendMessage(
                    chat_id=author.user_id,
                    text=say(
                        setting,
                        "removed_notice",
                        item=self.sharing.item_said(entry),
                        id=entry.id,
                        reason=reason or (lambda lang: say(lang, "no_reason")),
                    ),
                )
            )
        setting = reader_setting(self.config, who, where)
        effects.add(
            private_reply(
                self.config,
                who,
                where,
                say(setting, "removed_ok", id=entry.id, item=self.sharing.item_said(entry)),
            )
        )
        return effects

    # --- /announce ----------------------------------------------------------------------

    async def announce(
        self, tx: Tx, who: Resident, where: Where, args: str
    ) -> tuple[Effects, list[Post]]:
        """/announce [pin] <text>: posts for the captain's building group(s), and a receipt."""
        buildings = captain_scope(self.config, who, where)
        text = args.strip()
        first, _, rest = text.partition(" ")
        pin = first.lower() in ("pin", "置顶") and bool(rest.strip())
        if pin:
            text = rest.strip()
        if not text:
            raise UserError("announce_usage")
        # The bot never repeats a room number or phone in a group, even a captain's.
        original = text[:3500]
        text = redact(original)
        posts: list[Post] = []
        for group in self.config.groups:
            if group.building not in buildings:
                continue
            if not where.private and group.chat_id != where.chat_id:
                continue  # asked in a group: post there only
            spec = self.config.building(group.building)
            posts.append(
                Post(
                    chat_id=group.chat_id,
                    text=say(
                        self.config.group_language(group.chat_id),
                        "announce_post",
                        building=spec.name if spec else "",
                        text=text,
                    ),
                    pin=pin,
                )
            )
        for key in buildings:
            await tx.add_audit(
                self.clock.now(),
                who.user_id,
                "announce_pin" if pin else "announce",
                building=key,
                target=f"{sum(1 for p in posts)} group(s)",
                detail=text[:200],
            )
        setting = reader_setting(self.config, who, where)
        effects = Effects()
        if where.private:
            key = "announce_done_pinned" if pin else "announce_done"
            effects.add(SendMessage(chat_id=who.user_id, text=say(setting, key, n=len(posts))))
        if text != original:
            effects.add(SendMessage(chat_id=who.user_id, text=say(setting, "announce_redacted")))
        return effects, posts
