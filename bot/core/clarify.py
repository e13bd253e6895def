"""What Jinlin does when understanding needs more than one reading of a message.

- Unsure: the model's best reading is a guess. Nothing goes to the group; the author is
  asked privately with one tap (offer / request / neither). The answer records the entry
  (if it was one) and is kept as a labelled example of this deployment.
- Corrections: `/offer` or `/need` answering one's own missed message, a withdrawal marked
  "this was not an offer", a captain's removal as "not sharing" — each is kept the same way,
  for `jinlin train --with-corrections`.
- Emergencies that name no item: the emergency number in the group at once, whatever the
  posting budget, and the building's captains alerted privately.
- Closing words ("已送出", "found one, thanks"): the author's own open entry is closed.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.core.effects import Button, Effects, React, SendMessage, Timing
from bot.core.i18n import say, writer_language
from bot.core.redaction import redact
from bot.core.sharing.ledger_rules import is_open
from bot.core.understanding import Parsed
from storage.corrections_store import NewCorrection
from storage.records import Entry
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.config import GroupSpec
    from bot.core.sharing.service import GroupMessage, Resident, SharingService

logger = logging.getLogger(__name__)


class Reading(StrEnum):
    """What the author says their message was."""

    OFFER = "offer"
    REQUEST = "request"
    NEITHER = "none"


class CorrectionSource(StrEnum):
    """How a labelled example came to be."""

    ASKED = "asked"
    EXPLICIT = "explicit"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"


# Callback data of the one-tap question: iq:<question id>:<o|r|n> (64 bytes at most).
CALLBACK_PATTERN = r"^iq:"
# The audit log's action for an emergency answered (it also bounds how often, see emergency()).
EMERGENCY = "emergency"
# The number stays on screen this long after the same resident's last emergency, or anyone's.
_SAME_RESIDENT = timedelta(minutes=10)
_SAME_GROUP = timedelta(minutes=2)
_CODES = {Reading.OFFER: "o", Reading.REQUEST: "r", Reading.NEITHER: "n"}
_BUTTON = re.compile(r"^iq:(\d{1,12}):([orn])$")


# A captain's /remove reason saying the line was never an offer or request.
_NOT_SHARING = re.compile(
    r"不是分享|不是求助|不是登记|误识别|识别错|看错|不是要|不是送|闲聊|不是.{0,4}(?:分享|需求)"
    r"|not (?:a )?(?:sharing|an offer|a request|one)|misread|not sharing|chatter",
    re.IGNORECASE,
)


def says_not_sharing(reason: str) -> bool:
    """Whether a removal reason says the parser misread the line."""
    return bool(_NOT_SHARING.search(reason))


def question_button(question_id: int, reading: Reading) -> str:
    """The callback data of one answer button."""
    return f"iq:{question_id}:{_CODES[reading]}"


def read_question_button(data: str) -> tuple[int, Reading] | None:
    """(question id, reading) from callback data, or None for anything else."""
    m = _BUTTON.match(data)
    if m is None:
        return None
    reading = next(r for r, code in _CODES.items() if code == m[2])
    return int(m[1]), reading


class Clarifier:
    """Questions to authors, emergencies, closing words; one per SharingService."""

    def __init__(self, sharing: SharingService) -> None:
        self.sharing = sharing

    def _author_setting(self, who: Resident, chat_id: int, text: str) -> str:
        """The author's language: their choice, else the language they wrote in, else Telegram's,
        else the group's."""
        return writer_language(who, text, self.sharing.config.group_language(chat_id))

    # --- unsure ---------------------------------------------------------------------------

    async def ask(self, tx: Tx, who: Resident, msg: GroupMessage, parsed: Parsed) -> Effects:
        """Ask the author privately what an unsure message was; nothing goes to the group."""
        question = await tx.add_correction(
            NewCorrection(
                user_id=who.user_id,
                chat_id=msg.chat_id,
                message_id=msg.message_id,
                thread_id=msg.thread_id,
                text=redact(msg.text),
                reply_to_intent=None,
                guess=parsed.intent,
                label=None,
                source=CorrectionSource.ASKED,
                created_at=self.sharing.clock.now(),
            )
        )
        setting = self._author_setting(who, msg.chat_id, msg.text)
        buttons = (
            tuple(
                Button(say(setting, key).replace("\n", " / "), question_button(question, reading))
                for key, reading in (
                    ("btn_was_offer", Reading.OFFER),
                    ("btn_was_request", Reading.REQUEST),
                    ("btn_was_neither", Reading.NEITHER),
                )
            ),
        )
        logger.info(
            "unsure reading (%.2f): asked the author (question #%s)", parsed.confidence, question
        )
        # Nothing about the reading goes to the group; a resident who never opened the bot only
        # gets the usual one-line "a private message is waiting" with its button.
        return Effects(
            [
                SendMessage(
                    chat_id=who.user_id,
                    text=say(setting, "ask_what_it_was", text=_quote(msg.text)),
                    buttons=buttons,
                    fallback=self.sharing.waiting_nudge(who, msg.chat_id, parsed),
                )
            ]
        )

    async def answer(self, tx: Tx, who: Resident, question_id: int, reading: Reading) -> Effects:
        """The author's tap: keep it as a labelled example, and record the entry it names."""
        from bot.core.sharing.service import GroupMessage, UserError

        question = await tx.correction(question_id)
        if question is None or question.user_id != who.user_id:
            raise UserError("not_yours")
        if not await tx.answer_correction(question_id, reading.value, self.sharing.clock.now()):
            raise UserError("already_answered")
        setting = self._author_setting(who, question.chat_id, question.text)
        if reading is Reading.NEITHER:
            return Effects([SendMessage(chat_id=who.user_id, text=say(setting, "noted_neither"))])
        group = self.sharing.config.group(question.chat_id)
        if group is None:
            raise UserError("match_gone")
        msg = GroupMessage(
            chat_id=question.chat_id,
            message_id=question.message_id or 0,
            text=question.text,
            thread_id=question.thread_id,
        )
        parsed = self.sharing.read(msg)
        if not parsed.items:
            key = "noted_name_it_offer" if reading is Reading.OFFER else "noted_name_it_request"
            return Effects([SendMessage(chat_id=who.user_id, text=say(setting, key))])
        sure = Parsed(
            text=parsed.text,
            intent=reading.value,  # type: ignore[arg-type]
            items=parsed.items,
            quantity=parsed.quantity,
            urgent=parsed.urgent,
            tags=parsed.tags,
        )
        return await self.sharing.record_reading(tx, who, group, msg, sure)

    async def learn(
        self,
        tx: Tx,
        who: Resident,
        chat_id: int,
        text: str,
        label: str,
        source: CorrectionSource,
        *,
        guess: str = "none",
        message_id: int | None = None,
    ) -> None:
        """Keep a correction the resident or a captain made some other way."""
        await tx.add_correction(
            NewCorrection(
                user_id=who.user_id,
                chat_id=chat_id,
                message_id=message_id,
                thread_id=None,
                text=redact(text),
                reply_to_intent=None,
                guess=guess,
                label=label,
                source=source,
                created_at=self.sharing.clock.now(),
            )
        )
        logger.info("correction kept: %s -> %s (%s)", guess, label, source.value)

    # --- emergencies ----------------------------------------------------------------------

    async def emergency(
        self, tx: Tx, who: Resident, msg: GroupMessage, group: GroupSpec
    ) -> Effects:
        """The emergency number in the group now, and the building's captains told.

        Within bounds: the number is not posted again while it is still on screen (the same
        resident within `_SAME_RESIDENT`, anyone within `_SAME_GROUP`), and past the daily
        bound a resident's emergencies are only logged.
        """
        config = self.sharing.config
        number = config.bot.emergency_number
        now = self.sharing.clock.now()
        chat = str(msg.chat_id)
        today = await tx.count_audit_since(EMERGENCY, now - timedelta(days=1), actor_id=who.user_id)
        await tx.add_audit(now, who.user_id, EMERGENCY, building=group.building, target=chat)
        effects = Effects()
        if today >= config.limits.emergencies_per_resident_per_day:
            logger.warning(
                "emergency message in chat %s past the resident's daily bound: logged only",
                msg.chat_id,
            )
            return effects
        shown = (
            await tx.count_audit_since(
                EMERGENCY, now - _SAME_RESIDENT, actor_id=who.user_id, target=chat
            )
            > 1
            or await tx.count_audit_since(EMERGENCY, now - _SAME_GROUP, target=chat) > 1
        )
        if not shown:
            effects.add(
                SendMessage(
                    chat_id=msg.chat_id,
                    text=say(
                        config.group_language(msg.chat_id), "emergency_group", emergency=number
                    ),
                    reply_to=msg.message_id,
                    thread_id=msg.thread_id,
                    optional=False,  # never a reaction, never dropped for the posting budget
                )
            )
        building = config.building(group.building)
        place = building.name if building else group.title
        for captain in _captains_for(self.sharing, group):
            if captain == who.user_id:
                continue
            effects.add(
                SendMessage(
                    chat_id=captain,
                    text=say(
                        config.group_language(msg.chat_id),
                        "emergency_captain",
                        building=place,
                        who=who.first_name,
                        # Unredacted: a captain on the way needs the floor and the door.
                        text=_quote(msg.text),
                        emergency=number,
                    ),
                    timing=Timing.URGENT,
                )
            )
        logger.warning("emergency message in chat %s: number posted, captains told", msg.chat_id)
        return effects

    # --- closing words ----------------------------------------------------------------------

    async def closing(self, tx: Tx, who: Resident, msg: GroupMessage, parsed: Parsed) -> Effects:
        """ "已送出" / "found one, thanks": close the author's own entry it speaks of.

        A reply to one's own post closes that post's entries; otherwise the one open entry of
        the item it names. Anything less clear is asked privately.
        """
        entries: list[Entry] = []
        if msg.reply_to_message_id is not None:
            found = await tx.entries_for_message(msg.chat_id, msg.reply_to_message_id)
            entries = [e for e in found if e.user_id == who.user_id and is_open(e)]
            if not entries:
                return Effects()  # a reply to someone else's post: their entry, not ours
        else:
            mine = [e for e in await tx.open_entries_of(who.user_id) if e.chat_id == msg.chat_id]
            named = {i.canonical for i in parsed.items}
            entries = [e for e in mine if e.canonical in named]
            if len(entries) != 1:
                # No item named ("found my keys, thanks!") or several: which entry, if any, is
                # the author's to say — their listings come privately, one tap each.
                return await self.sharing.mine(tx, who) if mine else Effects()
        effects = Effects()
        for entry in entries:
            status = _closed_status(entry)
            effects.extend(await self.sharing.close_entry(tx, entry, status))
            logger.info("closing words closed entry #%s (%s)", entry.id, status)
        effects.add(React(msg.chat_id, msg.message_id, "👌"))
        return effects


def _closed_status(entry: Entry) -> str:
    return "given" if entry.kind == "offer" else "cancelled"


def _captains_for(sharing: SharingService, group: GroupSpec) -> list[int]:
    config = sharing.config
    if group.building is not None:
        found = config.captains_of(group.building)
    else:
        community = config.community_of_group(group)
        found = [
            c
            for b in config.buildings
            if b.community == community
            for c in config.captains_of(b.key)
        ]
    return sorted({c for c in found if isinstance(c, int)})


def _quote(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
