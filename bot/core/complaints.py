"""Complaints in the group ("电梯又坏了", "the lift is stuck again"): a report only if the
author wants one.

A complaint the parser recognises is not sent to the floor captains at once: its author is
asked privately, with one tap, in the language they wrote in. One who never opened the bot
gets the usual single group line with a deep link; it is optional, so a group over its posting
budget is spared it, and the question waits for their /start.

"The same thing": a complaint joins an open report when both are about the same known topic
(`RepairTopic`, bot/core/understanding/repair.py), in the same building, and the report is
unresolved and was active (filed, joined or moved by a captain) within SAME_THING_WITHIN.
Its author is asked "add yours?" instead, and on yes the captains see one report with a
count ("3 residents") instead of three. A complaint whose topic nobody can tell makes a
report of its own.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape
from typing import TYPE_CHECKING

from bot.core.clock import Clock
from bot.core.config import Config, GroupSpec
from bot.core.effects import Button, Effects, Fallback, React, SendMessage
from bot.core.i18n import Markup, say, writer_language
from bot.core.redaction import kept_text, redact
from bot.core.sharing.model import GroupMessage, Resident, UserError
from bot.core.understanding.repair import RepairTopic, repair_topic
from storage.captains_store import ComplaintAsk, Report
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.reports import ReportDesk

logger = logging.getLogger(__name__)

# Long enough for "the lift is broken" on Monday and "still broken!" on Wednesday to be one
# report; short enough that a breakdown next week, after a quiet fix nobody marked, is news.
SAME_THING_WITHIN = timedelta(days=3)
# A resident who complains twice before answering is not asked twice.
ASK_AGAIN_AFTER = timedelta(days=1)
QUOTE_LIMIT = 200


class ComplaintAnswer(StrEnum):
    """The author's tap under "send this to the floor captains?"."""

    YES = "y"
    NO = "n"


# Callback data: cp:<ask id>:<y|n> (64 bytes at most).
CALLBACK_PATTERN = r"^cp:"
_BUTTON = re.compile(r"^cp:(\d{1,12}):([yn])$")


def complaint_data(ask_id: int, answer: ComplaintAnswer) -> str:
    """The callback data of one answer button."""
    return f"cp:{ask_id}:{answer.value}"


def read_complaint_press(data: str) -> tuple[int, ComplaintAnswer] | None:
    """(ask id, answer) from callback data, or None for anything else."""
    found = _BUTTON.match(data)
    return (int(found[1]), ComplaintAnswer(found[2])) if found else None


def same_thing(report: Report, building: str, topic: RepairTopic | None, now: datetime) -> bool:
    """Whether a complaint about `topic` in `building` is about what `report` is about."""
    return (
        topic is not None
        and report.topic == topic.value
        and report.building == building
        and report.status != "resolved"
        and now - report.updated_at <= SAME_THING_WITHIN
    )


class ComplaintDesk:
    """Asking the author of a complaint, and filing or joining a report on their yes."""

    def __init__(self, config: Config, clock: Clock, reports: ReportDesk) -> None:
        self.config = config
        self.clock = clock
        self.reports = reports

    async def ask(self, tx: Tx, who: Resident, msg: GroupMessage, group: GroupSpec) -> Effects:
        """A complaint in a building's group: ask its author, privately, whether to send it."""
        building = group.building
        if building is None:
            return Effects()
        now = self.clock.now()
        topic = repair_topic(msg.text)
        known = await self._open_report(tx, building, topic, now)
        if known is not None and await self._counted(tx, known, who.user_id):
            return Effects()  # their voice is in the report already
        if await tx.unanswered_ask_about(
            who.user_id, building, topic.value if topic else None, now - ASK_AGAIN_AFTER
        ):
            return Effects()  # asked already: one question is enough
        ask_id = await tx.add_complaint_ask(
            user_id=who.user_id,
            chat_id=msg.chat_id,
            message_id=msg.message_id,
            building=building,
            text=kept_text(msg.text[:1000]),
            topic=topic.value if topic else None,
            now=now,
        )
        setting = self._setting(who, msg.chat_id, msg.text)
        quote = _quote(msg.text)
        if known is not None:
            text = say(setting, "complaint_ask_known", text=quote, id=known.id, n=known.residents)
            yes = "btn_complaint_join"
        else:
            text = say(setting, "complaint_ask", text=quote)
            yes = "btn_complaint_send"
        buttons = (
            (
                Button(_label(setting, yes), complaint_data(ask_id, ComplaintAnswer.YES)),
                Button(
                    _label(setting, "btn_complaint_no"), complaint_data(ask_id, ComplaintAnswer.NO)
                ),
            ),
        )
        logger.info("complaint in %s (topic %s): author asked (#%s)", building, topic, ask_id)
        # An answer to what they just wrote: not held in quiet hours.
        return Effects(
            [
                SendMessage(
                    chat_id=who.user_id,
                    text=text,
                    buttons=buttons,
                    fallback=self._fallback(who, msg.chat_id),
                )
            ]
        )

    async def answer(self, tx: Tx, who: Resident, ask_id: int, answer: ComplaintAnswer) -> Effects:
        """The author's tap: nothing on no; on yes a new report, or their voice added to the
        open report about the same thing."""
        ask = await tx.complaint_ask(ask_id)
        if ask is None:
            raise UserError("match_gone")
        if ask.user_id != who.user_id:
            raise UserError("not_yours")
        if not await tx.answer_complaint_ask(ask_id, answer.value):
            raise UserError("match_gone")
        setting = self._setting(who, ask.chat_id, ask.text)
        effects = Effects()
        if answer is ComplaintAnswer.NO:
            effects.add(SendMessage(who.user_id, say(setting, "complaint_not_sent")))
            return effects
        now = self.clock.now()
        topic = RepairTopic(ask.topic) if ask.topic else None
        known = await self._open_report(tx, ask.building, topic, now)
        if known is not None:
            effects.extend(await self._join(tx, who, ask, known, setting))
        elif await self.reports._over_daily_bound(tx, who):
            bound = self.config.limits.reports_per_resident_per_day
            effects.add(SendMessage(who.user_id, say(setting, "limit_reports", n=bound)))
            return effects
        else:
            report = await tx.add_report(
                user_id=who.user_id,
                chat_id=ask.chat_id,
                building=ask.building,
                text=ask.text,
                source="parser",
                now=now,
                topic=ask.topic,
            )
            effects.extend(await self.reports._to_captains(tx, report, who.first_name))
            effects.add(SendMessage(who.user_id, say(setting, "report_filed", id=report.id)))
        if ask.message_id is not None:
            effects.add(React(ask.chat_id, ask.message_id, "👌"))
        return effects

    # --- pieces ---------------------------------------------------------------------------

    async def _join(
        self, tx: Tx, who: Resident, ask: ComplaintAsk, report: Report, setting: str
    ) -> Effects:
        effects = Effects()
        if not await self._counted(tx, report, who.user_id):
            await tx.add_report_voice(report.id, who.user_id, ask.text, self.clock.now())
            joined = await tx.report(report.id)
            assert joined is not None
            report = joined
            effects.extend(
                await self.reports.tell_captains_joined(tx, report, who, ask.text, ask.created_at)
            )
            logger.info("report #%s: joined, %s residents", report.id, report.residents)
        effects.add(
            SendMessage(
                who.user_id, say(setting, "complaint_joined", id=report.id, n=report.residents)
            )
        )
        return effects

    async def _open_report(
        self, tx: Tx, building: str, topic: RepairTopic | None, now: datetime
    ) -> Report | None:
        if topic is None:
            return None
        for report in await tx.open_reports_about(building, topic.value):
            if same_thing(report, building, topic, now):
                return report
        return None

    @staticmethod
    async def _counted(tx: Tx, report: Report, user_id: int) -> bool:
        return report.user_id == user_id or user_id in await tx.report_voices(report.id)

    def _setting(self, who: Resident, chat_id: int, text: str) -> str:
        """The language they complained in, else Telegram's, else the group's."""
        group = self.config.group_language(chat_id)
        return writer_language(who, text, group)

    def _fallback(self, who: Resident, chat_id: int) -> Fallback:
        setting = self.config.group_language(chat_id)
        # Said in the group: their name only (redacted), never what they complained about.
        name = redact(who.first_name or "?")
        mention = Markup(f'<a href="tg://user?id={who.user_id}">{escape(name)}</a>')
        return Fallback(
            chat_id=chat_id,
            user_id=who.user_id,
            text=say(setting, "complaint_fallback", name=mention),
            button=_label(setting, "btn_open_private"),
            thread_id=self.config.group_topic(chat_id),
            optional=True,
        )


def _label(setting: str, key: str) -> str:
    return say(setting, key).replace("\n", " / ")


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
