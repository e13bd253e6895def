"""The private chat with a resident: the language they read (/lang, offered in /start), and
what they write there — an offer or a request is recorded for their building with one tap,
`/offer` and `/need` work privately too.

Every button here is one family, "lg:…" (`PrivateAction`). The resident's own words are not
stored while they decide: the question is sent as a reply to their message, so the press
carries it back (Telegram includes the replied-to message in the callback's message).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from bot.core.config import GroupSpec
from bot.core.effects import Button, EditMessage, Effects, SendMessage
from bot.core.i18n import CHOICES, reader_language, say, writer_language
from bot.core.membership import FRESH, is_member
from bot.core.redaction import redact
from bot.core.sharing.amounts import format_amount, said_amount
from bot.core.sharing.model import Resident, UserError
from bot.core.understanding import Parsed, understand
from storage.records import Entry, UserRecord
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.sharing.service import SharingService

logger = logging.getLogger(__name__)

Kind = Literal["offer", "request"]
# Each language named in itself: a resident finds their own whatever they read now.
LANGUAGE_LABELS = {
    "zh": "简体中文",
    "zh-hk": "繁體中文（香港）",
    "zh-tw": "繁體中文（台灣）",
    "en": "English",
}
# Buttons a building question may carry, one row per group (a resident in many groups).
MAX_GROUPS = 6


class PrivateAction(StrEnum):
    """The private chat's buttons."""

    LANGUAGE = "l"  # lg:l:<language>
    POST = "p"  # lg:p:<o|r>:<chat id>: record for that group and post it there
    QUIET = "q"  # lg:q:<o|r>:<chat id>: record for that group, no post
    FLIP = "f"  # lg:f:<o|r>: I read it the wrong way round; ask again as an offer / a request
    CANCEL = "x"  # lg:x


# The one codec of this family (Telegram allows 64 bytes of callback data).
PRIVATE_BUTTON = re.compile(
    r"^lg:(?:l:(?P<language>zh|zh-hk|zh-tw|en)|(?P<record>[pq]):(?P<kind>[or]):(?P<chat>-?\d{1,16})"
    r"|f:(?P<flip>[or])|(?P<cancel>x))$"
)
CALLBACK_PATTERN = r"^lg:"
_KIND_LETTER: dict[Kind, str] = {"offer": "o", "request": "r"}


@dataclass(frozen=True)
class PrivatePress:
    """A private-chat button read back."""

    action: PrivateAction
    language: str | None = None
    kind: Kind | None = None
    chat_id: int | None = None


def language_data(language: str) -> str:
    return f"lg:{PrivateAction.LANGUAGE}:{language}"


def record_data(action: PrivateAction, kind: Kind, chat_id: int) -> str:
    return f"lg:{action}:{_KIND_LETTER[kind]}:{chat_id}"


CANCEL_DATA = f"lg:{PrivateAction.CANCEL}"


def flip_data(kind: Kind) -> str:
    return f"lg:{PrivateAction.FLIP}:{_KIND_LETTER[kind]}"


def read_private_press(data: str) -> PrivatePress | None:
    """A press of this family, or None for data that is not (an old or forged button)."""
    found = PRIVATE_BUTTON.match(data)
    if found is None:
        return None
    if found["language"]:
        return PrivatePress(PrivateAction.LANGUAGE, language=found["language"])
    if found["record"]:
        return PrivatePress(
            PrivateAction(found["record"]),
            kind="offer" if found["kind"] == "o" else "request",
            chat_id=int(found["chat"]),
        )
    if found["flip"]:
        return PrivatePress(PrivateAction.FLIP, kind="offer" if found["flip"] == "o" else "request")
    return PrivatePress(PrivateAction.CANCEL)


def language_buttons() -> tuple[tuple[Button, ...], ...]:
    """简体中文 · 繁體中文（香港） / 繁體中文（台灣） · English."""
    labels = [Button(LANGUAGE_LABELS[c], data=language_data(c)) for c in CHOICES]
    return (tuple(labels[:2]), tuple(labels[2:]))


def command_text(text: str) -> str:
    """The words after a command ("/offer@bot 布洛芬 2盒" -> "布洛芬 2盒"); other text as is."""
    if not text.startswith("/"):
        return text
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


class PrivateChat:
    """What a resident does in the private chat that is not a match's conversation."""

    def __init__(self, sharing: SharingService) -> None:
        self.sharing = sharing

    # --- the reading language ----------------------------------------------------------

    def setting(self, who: Resident) -> str:
        """How the resident is addressed privately (bot/core/i18n.py:reader_language)."""
        return reader_language(who, self.sharing.config.bot.language)

    def language_menu(self, who: Resident) -> SendMessage:
        """The choice of language and script, with one button each."""
        return SendMessage(
            chat_id=who.user_id,
            text=say(self.setting(who), "lang_ask"),
            buttons=language_buttons(),
        )

    async def choose_language(
        self, tx: Tx, who: Resident, language: str, message_id: int | None
    ) -> Effects:
        """The resident picked a language: kept, and said in it from this message on."""
        if language not in CHOICES:
            raise UserError("match_gone")
        await tx.save_user(self.sharing.profile(who), self.sharing.clock.now())
        await tx.set_language(who.user_id, language, self.sharing.clock.now())
        logger.info("user %s reads %s", who.user_id, language)
        confirmed = say(language, "lang_set", language=LANGUAGE_LABELS[language])
        effects = Effects()
        if message_id is not None:
            effects.add(EditMessage(who.user_id, message_id, text=confirmed))
        else:
            effects.add(SendMessage(who.user_id, confirmed))
        return effects

    # --- offers and requests written privately -----------------------------------------

    async def free_text(self, tx: Tx, who: Resident, message_id: int, text: str) -> Effects:
        """A private line no conversation claimed: an offer or a request is asked about with
        one tap (post it in the building's group, or record it quietly); anything else gets a
        short hint with the commands."""
        setting = writer_language(who, text, self.sharing.config.bot.language)
        # Their script (simplified or traditional) is kept, as for a group line.
        await tx.save_user(self.sharing.profile(who), self.sharing.clock.now())
        parsed = understand(text, self.sharing.catalogue, model=self.sharing.model)
        if parsed.intent not in ("offer", "request") or not parsed.items:
            return _one(SendMessage(who.user_id, say(setting, "private_hint")))
        kind: Kind = "offer" if parsed.intent == "offer" else "request"
        groups = await self._groups(tx, who)
        if not groups:
            return _one(SendMessage(who.user_id, say(setting, "private_no_building")))
        question, buttons = self._question(setting, parsed, kind, groups)
        return _one(SendMessage(who.user_id, question, buttons=buttons, reply_to=message_id))

    async def flip(
        self, tx: Tx, who: Resident, kind: Kind, text: str | None, message_id: int | None
    ) -> Effects:
        """The resident says it is the other way round: the same question, as `kind`."""
        if text is None or message_id is None:
            raise UserError("private_draft_gone")
        setting = writer_language(who, text, self.sharing.config.bot.language)
        parsed = understand(text, self.sharing.catalogue, model=self.sharing.model)
        groups = await self._groups(tx, who)
        if not parsed.items or not groups:
            raise UserError("private_draft_gone")
        question, buttons = self._question(setting, parsed, kind, groups)
        return _one_edit(EditMessage(who.user_id, message_id, text=question, buttons=buttons))

    def _question(
        self, setting: str, parsed: Parsed, kind: Kind, groups: list[GroupSpec]
    ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """ "You'd like to share: …" with a post / just-record pair per group, the other
        reading and "never mind"."""
        rows: list[tuple[Button, ...]] = []
        for group in groups:
            rows.append(
                (
                    _label(
                        setting,
                        "btn_private_post",
                        record_data(PrivateAction.POST, kind, group.chat_id),
                        group=group.title or str(group.chat_id),
                    ),
                    _label(
                        setting,
                        "btn_private_quiet",
                        record_data(PrivateAction.QUIET, kind, group.chat_id),
                    ),
                )
            )
        other: Kind = "request" if kind == "offer" else "offer"
        rows.append(
            (
                _label(setting, f"btn_private_flip_{other}", flip_data(other)),
                _label(setting, "btn_private_cancel", CANCEL_DATA),
            )
        )
        question = say(
            setting,
            f"private_ask_{kind}",
            item=lambda lang: _listed(self.sharing, parsed, lang),
            qty=said_amount(parsed.quantity.n, parsed.quantity.unit)
            if parsed.quantity and len(parsed.items) == 1
            else "",
        )
        return question, tuple(rows)

    async def explicit(
        self, tx: Tx, who: Resident, message_id: int, kind: Kind, args: str
    ) -> Effects:
        """/offer or /need sent privately: recorded for the resident's building, or, if they
        are in several groups, asked which one."""
        if not args.strip():
            raise UserError("offer_usage" if kind == "offer" else "need_usage")
        setting = self.setting(who)
        groups = await self._groups(tx, who)
        if not groups:
            return _one(SendMessage(who.user_id, say(setting, "private_no_building")))
        if len(groups) == 1:
            return await self._record(tx, who, groups[0], kind, args, post=False)
        rows = tuple(
            (
                _label(
                    setting,
                    "btn_private_record_in",
                    record_data(PrivateAction.QUIET, kind, g.chat_id),
                    group=g.title or str(g.chat_id),
                ),
            )
            for g in groups
        )
        return _one(
            SendMessage(
                who.user_id,
                say(setting, "private_which_building"),
                buttons=(*rows, (_label(setting, "btn_private_cancel", CANCEL_DATA),)),
                reply_to=message_id,
            )
        )

    async def confirm(
        self, tx: Tx, who: Resident, press: PrivatePress, text: str | None, message_id: int | None
    ) -> Effects:
        """The resident's tap on a building question: record (and post) what they wrote."""
        setting = self.setting(who)
        effects = Effects()
        if message_id is not None:
            effects.add(EditMessage(who.user_id, message_id))  # the question is answered
        if press.action is PrivateAction.CANCEL:
            effects.add(SendMessage(who.user_id, say(setting, "done")))
            return effects
        if text is None:
            raise UserError("private_draft_gone")  # they deleted the message meanwhile
        group = self.sharing.config.group(press.chat_id or 0)
        if group is None or press.kind is None:
            raise UserError("match_gone")
        now = self.sharing.clock.now()
        if not await is_member(tx, who.user_id, (group.chat_id,), now):
            # Buttons reach the bot from anyone: only neighbours record in a building.
            logger.info(
                "user %s is not known in group %s: not recorded", who.user_id, group.chat_id
            )
            raise UserError("private_not_member")
        effects.extend(
            await self._record(
                tx,
                who,
                group,
                press.kind,
                command_text(text),
                post=press.action is PrivateAction.POST,
            )
        )
        return effects

    async def _record(
        self, tx: Tx, who: Resident, group: GroupSpec, kind: Kind, text: str, *, post: bool
    ) -> Effects:
        sharing = self.sharing
        parsed = understand(text, sharing.catalogue, model=sharing.model)
        items = parsed.items
        if not items:
            item = sharing.catalogue.lookup(text)
            if item is None:
                raise UserError("unknown_item")
            items = (item,)
        reading = Parsed(
            text=text, intent=kind, items=items, quantity=parsed.quantity, urgent=parsed.urgent
        )
        # Saved without a home group: a private line is no proof of living there.
        await tx.save_user(sharing.profile(who), sharing.clock.now())
        before = {e.id for e in await tx.open_entries_of(who.user_id)}
        recorded = await sharing.record_from_private(tx, who, group, reading)
        added = [e for e in await tx.open_entries_of(who.user_id) if e.id not in before]
        effects = Effects()
        setting = reader_language(who, sharing.config.group_language(group.chat_id))
        for entry in added:
            effects.add(
                SendMessage(
                    who.user_id,
                    say(
                        setting,
                        "ack_offer" if kind == "offer" else "ack_request",
                        item=sharing.item_said(entry),
                        qty=said_amount(entry.quantity, entry.unit),
                    ),
                )
            )
        if post and added:
            effects.add(self._post(who, group, kind, added))
            effects.add(
                SendMessage(
                    who.user_id,
                    say(setting, "private_posted", group=group.title or str(group.chat_id)),
                )
            )
        logger.info(
            "user %s recorded %s %s privately in %s", who.user_id, len(added), kind, group.chat_id
        )
        effects.extend(recorded)  # the bounds' notes and the matches, after the acknowledgement
        return effects

    def _post(self, who: Resident, group: GroupSpec, kind: Kind, added: list[Entry]) -> SendMessage:
        """The group line for what a resident recorded privately (in the group's language)."""
        sharing = self.sharing
        setting = sharing.config.group_language(group.chat_id)
        separator = {"zh": "、", "en": ", "}

        def named(lang: str) -> str:
            # Said in the group: an item name a resident wrote may hold a room or phone number.
            return separator["en" if lang == "en" else "zh"].join(
                redact(sharing.item_said(e)(lang)) + format_amount(e.quantity, e.unit, lang)
                for e in added
            )

        return SendMessage(
            chat_id=group.chat_id,
            text=say(
                setting,
                f"private_post_{kind}",
                name=redact(who.first_name or "?"),
                item=named,
            ),
            thread_id=sharing.config.group_topic(group.chat_id),
        )

    async def _groups(self, tx: Tx, who: Resident) -> list[GroupSpec]:
        """The configured groups the resident is known to be in (home group first)."""
        config = self.sharing.config
        now = self.sharing.clock.now()
        chats = await tx.groups_of_member(who.user_id, now - FRESH)
        user: UserRecord | None = await tx.user(who.user_id)
        if user is not None and user.home_chat_id in chats:
            chats.remove(user.home_chat_id)
            chats.insert(0, user.home_chat_id)
        groups = [g for c in dict.fromkeys(chats) if (g := config.group(c)) is not None]
        return groups[:MAX_GROUPS]


def _listed(sharing: SharingService, parsed: Parsed, lang: str) -> str:
    separator = "、" if lang == "zh" else ", "
    return separator.join(
        sharing.catalogue.display_name(item.canonical, lang) if item.known else item.name
        for item in parsed.items
    )


def _label(setting: str, key: str, data: str, **params: object) -> Button:
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


def _one(message: SendMessage) -> Effects:
    effects = Effects()
    effects.add(message)
    return effects


def _one_edit(edit: EditMessage) -> Effects:
    effects = Effects()
    effects.add(edit)
    return effects
