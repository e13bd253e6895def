"""Deliberations (议事): a captain's question to a building as a Telegram poll, votes
counted only from the building's residents, closed once at its time, the result kept."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.civic.common import (
    building_chats,
    building_name,
    building_of_chat,
    reader,
    when_local,
)
from bot.core.civic.rules import (
    FOLLOW_UP_LIMIT,
    CivicRefusal,
    Tally,
    Vote,
    clean_words,
    parse_deliberate,
    tally,
    valid_choice,
)
from bot.core.civic.vocabulary import DeliberationStatus, ballot_data
from bot.core.config import Config
from bot.core.effects import Button, Effects, SendMessage, StopPoll
from bot.core.i18n import Markup, reader_language, say
from bot.core.membership import is_member
from bot.core.record_ids import record_id
from bot.core.redaction import redact
from bot.core.sharing.model import Resident
from storage.civic_store import Deliberation
from storage.repository import Tx

logger = logging.getLogger(__name__)

# A poll whose sending never finished (the bot stopped between sending and recording it).
OPENING_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class PollPlan:
    """What the handler sends: the native poll (or, for a secret ballot, its announcement)."""

    deliberation_id: int
    chat_id: int
    thread_id: int | None
    question: str
    options: tuple[str, ...]
    anonymous: bool
    intro: str  # the group's line above a secret ballot, or the poll's caption message
    ballot_label: str  # the "vote privately" link button


class DeliberationDesk:
    """Every decision of a deliberation, as Effects."""

    def __init__(self, config: Config) -> None:
        self.config = config

    # --- opening -----------------------------------------------------------------------

    async def open(self, tx: Tx, now: datetime, who: Resident, chat_id: int, args: str) -> PollPlan:
        """/deliberate: checked and stored as 'opening'; the handler then sends the poll."""
        config = self.config
        mine = config.captain_buildings(who.user_id, who.username)
        if not mine:
            raise CivicRefusal("civic_not_captain")
        setting = reader(config, chat_id, who)
        lang = "en" if setting == "en" else "zh"
        request = parse_deliberate(
            args, now, config.bot.timezone, lang, max_days=config.civic.deliberation_max_days
        )
        building = request.building or building_of_chat(config, chat_id)
        if building is None:
            if len(mine) != 1:
                raise CivicRefusal("deliberate_choose_building", keys=", ".join(mine))
            building = mine[0]
        if building not in mine:
            raise CivicRefusal("civic_not_your_building", building=building_name(config, building))
        chats = building_chats(config, building)
        target = chat_id if chat_id in chats else (chats[0] if chats else None)
        if target is None:
            raise CivicRefusal("deliberate_no_group", building=building_name(config, building))
        deliberation_id = await tx.add_deliberation(
            building,
            target,
            request.question,
            request.options,
            request.anonymous,
            request.closes_at,
            who.user_id,
            now,
        )
        await tx.add_audit(
            now,
            who.user_id,
            "deliberation_open",
            building=building,
            target=f"deliberation #{deliberation_id}",
        )
        group_setting = config.group_language(target)
        return PollPlan(
            deliberation_id=deliberation_id,
            chat_id=target,
            thread_id=config.group_topic(target),
            question=request.question,
            options=request.options,
            anonymous=request.anonymous,
            intro=say(
                group_setting,
                "deliberation_secret_post" if request.anonymous else "deliberation_post",
                id=deliberation_id,
                building=building_name(config, building),
                question=request.question,
                closes=when_local(config, request.closes_at),
            ),
            ballot_label=say(group_setting, "btn_vote_privately").replace("\n", " / "),
        )

    async def posted(
        self,
        tx: Tx,
        who: Resident,
        plan: PollPlan,
        poll_id: str | None,
        message_id: int,
        chat_id: int,
    ) -> Effects:
        """The poll is in the group: votes are taken from now on."""
        await tx.deliberation_posted(plan.deliberation_id, poll_id, message_id)
        effects = Effects()
        if chat_id != plan.chat_id:
            effects.add(
                SendMessage(
                    chat_id,
                    say(
                        reader(self.config, chat_id, who),
                        "deliberation_opened",
                        id=plan.deliberation_id,
                    ),
                )
            )
        return effects

    async def failed(self, tx: Tx, plan: PollPlan) -> None:
        await tx.deliberation_failed(plan.deliberation_id)

    # --- voting ------------------------------------------------------------------------

    async def poll_answer(
        self, tx: Tx, now: datetime, poll_id: str, user_id: int, options: tuple[int, ...]
    ) -> None:
        """A vote in the group's poll (or a forwarded copy of it): kept with whether it counts."""
        deliberation = await tx.deliberation_by_poll(poll_id)
        if deliberation is None or deliberation.status != DeliberationStatus.OPEN:
            return
        if not valid_choice(len(deliberation.options), options):
            return
        counts = await self._counts(tx, now, deliberation, user_id)
        await tx.record_vote(deliberation.id, user_id, options, counts, "poll", now)

    async def _counts(
        self, tx: Tx, now: datetime, deliberation: Deliberation, user_id: int
    ) -> bool:
        return await is_member(tx, user_id, building_chats(self.config, deliberation.building), now)

    async def poll_state(self, tx: Tx, poll_id: str, total: int) -> None:
        await tx.note_telegram_total(poll_id, total)

    async def ballot(self, tx: Tx, now: datetime, who: Resident, deliberation_id: int) -> Effects:
        """/start dl<id>: the question with one button per option, in private."""
        setting = reader_language(who, self.config.bot.language)
        deliberation = await tx.deliberation(deliberation_id)
        effects = Effects()
        if deliberation is None or deliberation.status != DeliberationStatus.OPEN:
            effects.add(SendMessage(who.user_id, say(setting, "ballot_closed")))
            return effects
        if not await self._counts(tx, now, deliberation, who.user_id):
            # Ids are sequential: a guessed link shows a building's question to no outsider.
            effects.add(SendMessage(who.user_id, say(setting, "ballot_residents_only")))
            return effects
        rows = tuple(
            (button_for(option, ballot_data(deliberation.id, n)),)
            for n, option in enumerate(deliberation.options)
        )
        key = "ballot_secret" if deliberation.anonymous else "ballot_open"
        effects.add(
            SendMessage(
                who.user_id,
                say(
                    setting,
                    key,
                    id=deliberation.id,
                    building=building_name(self.config, deliberation.building),
                    question=deliberation.question,
                    closes=when_local(self.config, deliberation.closes_at),
                ),
                buttons=rows,
            )
        )
        return effects

    async def cast(
        self, tx: Tx, now: datetime, who: Resident, deliberation_id: int, option: int
    ) -> str:
        """A private ballot's button: the resident's vote (their latest counts)."""
        deliberation = await tx.deliberation(deliberation_id)
        if deliberation is None or deliberation.status != DeliberationStatus.OPEN:
            return "ballot_closed"
        if not valid_choice(len(deliberation.options), (option,)):
            return "civic_gone"
        counts = await self._counts(tx, now, deliberation, who.user_id)
        await tx.record_vote(deliberation.id, who.user_id, (option,), counts, "ballot", now)
        return "ballot_recorded" if counts else "ballot_not_counted"

    # --- closing -----------------------------------------------------------------------

    async def close_due(self, tx: Tx, now: datetime) -> Effects:
        """Every question whose time has come: stopped, counted and posted, once each."""
        effects = Effects()
        stale = await tx.stale_openings(now - OPENING_GRACE)
        if stale:
            logger.warning("%s deliberation polls were never recorded as sent", stale)
        for deliberation in await tx.due_deliberations(now):
            votes = [Vote(v.user_id, v.options, v.counts) for v in await tx.votes(deliberation.id)]
            result = tally(len(deliberation.options), votes)
            closed = await tx.close_deliberation(
                deliberation.id,
                result.totals,
                result.counted,
                result.ignored,
                now,
                forget_voters=deliberation.anonymous,
            )
            if not closed:
                continue
            if deliberation.poll_id is not None and deliberation.message_id is not None:
                effects.add(StopPoll(deliberation.chat_id, deliberation.message_id))
            setting = self.config.group_language(deliberation.chat_id)
            effects.add(
                SendMessage(
                    deliberation.chat_id,
                    self._result(setting, deliberation, result),
                    reply_to=deliberation.message_id,
                    thread_id=self.config.group_topic(deliberation.chat_id),
                )
            )
            logger.info("deliberation #%s closed: %s counted", deliberation.id, result.counted)
        return effects

    def _result(self, setting: str, deliberation: Deliberation, result: Tally) -> str:
        lines = "\n".join(
            f"{'✅ ' if n in result.leaders() else '· '}{html.escape(option)}: {result.totals[n]}"
            for n, option in enumerate(deliberation.options)
        )
        return say(
            setting,
            "deliberation_result",
            id=deliberation.id,
            question=deliberation.question,
            lines=Markup(lines),
            counted=result.counted,
            ignored=result.ignored,
        )

    # --- /deliberations ----------------------------------------------------------------

    async def listing(self, tx: Tx, who: Resident, chat_id: int, message_id: int | None) -> Effects:
        setting = reader(self.config, chat_id, who)
        here = building_of_chat(self.config, chat_id)
        if here is not None:
            buildings = [here]
        else:
            buildings = self.config.captain_buildings(who.user_id, who.username)
            if not buildings:
                user = await tx.user(who.user_id)
                home = (
                    building_of_chat(self.config, user.home_chat_id)
                    if user and user.home_chat_id
                    else None
                )
                buildings = [home] if home else []
        found = await tx.deliberations_of(buildings)
        parts = [say(setting, "deliberations_header" if found else "deliberations_none")]
        for d in found:
            if d.status == DeliberationStatus.OPEN or d.result is None:
                outcome = say(
                    setting, "deliberation_open_until", closes=when_local(self.config, d.closes_at)
                )
            else:
                outcome = " · ".join(f"{o} {n}" for o, n in zip(d.options, d.result, strict=False))
                outcome += say(
                    setting,
                    "deliberation_counted_short",
                    counted=d.counted or 0,
                    ignored=d.ignored or 0,
                )
            parts.append(f"#{d.id} {html.escape(d.question)} — {html.escape(outcome)}")
            if d.follow_up:
                # A captain's words, kept as written; a group never reads a door or phone in them.
                follow_up = redact(d.follow_up) if chat_id < 0 else d.follow_up
                parts.append("   " + say(setting, "deliberation_follow_up_line", text=follow_up))
        effects = Effects()
        effects.add(SendMessage(chat_id, "\n".join(parts), reply_to=message_id))
        return effects

    async def follow_up(
        self,
        tx: Tx,
        now: datetime,
        who: Resident,
        chat_id: int,
        message_id: int | None,
        args: str,
    ) -> Effects:
        """/deliberations follow N TEXT: what the captains will do about the outcome."""
        number, _, words = args.strip().lstrip("#").partition(" ")
        text = clean_words(words, FOLLOW_UP_LIMIT)
        deliberation_id = record_id(number)
        if deliberation_id is None or not text:
            raise CivicRefusal("follow_up_usage")
        deliberation = await tx.deliberation(deliberation_id)
        if deliberation is None:
            raise CivicRefusal("deliberation_unknown", id=number[:12])
        if not self.config.is_captain(who.user_id, who.username, deliberation.building):
            raise CivicRefusal(
                "civic_not_your_building",
                building=building_name(self.config, deliberation.building),
            )
        if deliberation.status != DeliberationStatus.CLOSED:
            raise CivicRefusal("follow_up_not_closed", id=deliberation.id)
        await tx.set_follow_up(deliberation.id, text, who.user_id)
        # Also a task on the captains' /reports board, followed open → in progress → resolved.
        report = await tx.add_report(
            user_id=who.user_id,
            chat_id=deliberation.chat_id,
            building=deliberation.building,
            text=f"{text} (🗳 #{deliberation.id} {deliberation.question})",
            source="command",
            now=now,
        )
        await tx.add_audit(
            now,
            who.user_id,
            "deliberation_follow_up",
            building=deliberation.building,
            target=f"deliberation #{deliberation.id}",
            detail=text,
        )
        effects = Effects()
        effects.add(
            SendMessage(
                deliberation.chat_id,
                say(
                    self.config.group_language(deliberation.chat_id),
                    "deliberation_follow_up",
                    id=deliberation.id,
                    question=deliberation.question,
                    text=redact(text),
                ),
                reply_to=deliberation.message_id,
                thread_id=self.config.group_topic(deliberation.chat_id),
            )
        )
        if chat_id != deliberation.chat_id:
            effects.add(
                SendMessage(
                    chat_id,
                    say(reader(self.config, chat_id, who), "follow_up_saved", report=report.id),
                    reply_to=message_id,
                )
            )
        return effects


def button_for(label: str, data: str) -> Button:
    return Button(label, data=data)
