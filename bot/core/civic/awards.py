"""Good-neighbour awards: a private nomination, the captains' review, the nominee's consent,
and the announcement of those who agreed (好邻居评选)."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.civic.common import (
    building_chats,
    building_name,
    building_of_chat,
    button,
    local_day,
    reader,
)
from bot.core.civic.rules import (
    CITATION_LIMIT,
    REASON_LIMIT,
    CivicRefusal,
    PeriodKind,
    clean_words,
    describe_period,
    nomination_refusal,
    parse_period,
    period_of,
    periods_within,
    previous_period,
)
from bot.core.civic.vocabulary import (
    AwardAction,
    Consent,
    NominationStatus,
    award_data,
)
from bot.core.config import Config
from bot.core.effects import Button, EditMessage, Effects, Fallback, React, SendMessage
from bot.core.i18n import Markup, reader_language, say
from bot.core.membership import is_member
from bot.core.redaction import redact
from bot.core.sharing.model import Resident
from storage.civic_store import Award, Nomination
from storage.repository import Tx

logger = logging.getLogger(__name__)
# The actor of what the schedule did (the audit log's id for "nobody").
ANONYMOUS_ACTOR = 0
Keyboard = tuple[tuple[Button, ...], ...]

# A nomination begun but never given a reason is forgotten after this long.
DRAFT_LIFE = timedelta(hours=24)


@dataclass(frozen=True)
class Nominee:
    """Whom a resident named: the author of the message they replied to, or an @username."""

    user_id: int | None = None
    first_name: str = ""
    is_bot: bool = False
    username: str | None = None


class AwardsDesk:
    """Every decision of the awards, as Effects."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def kind(self) -> PeriodKind:
        return self.config.civic.award_period

    # --- a resident nominates ------------------------------------------------------------

    async def nominate(
        self,
        tx: Tx,
        now: datetime,
        who: Resident,
        chat_id: int,
        message_id: int | None,
        nominee: Nominee,
        reason: str,
    ) -> Effects:
        """/nominate (as a reply in the group, or @username privately): a draft, or with the
        reason on the same line a finished nomination."""
        config = self.config
        user_id, name, building = nominee.user_id, nominee.first_name, None
        if nominee.username is not None:
            known = await tx.user_by_username(nominee.username)
            if known is None:
                raise CivicRefusal("nominate_unknown_user", username=nominee.username)
            user_id, name = known.user_id, known.first_name
            if known.home_chat_id is not None:
                building = building_of_chat(config, known.home_chat_id)
        elif chat_id < 0:
            building = building_of_chat(config, chat_id)
        if building is None and user_id is not None:
            known = await tx.user(user_id)
            if known is not None and known.home_chat_id is not None:
                building = building_of_chat(config, known.home_chat_id)
        refusal = nomination_refusal(who.user_id, user_id, nominee.is_bot, building)
        if refusal is not None:
            raise CivicRefusal(refusal)
        assert user_id is not None and building is not None
        if not await is_member(tx, who.user_id, building_chats(config, building), now):
            raise CivicRefusal("nominate_not_neighbour", building=building_name(config, building))
        period = period_of(local_day(config, now).date(), self.kind)
        if await tx.nominations_by(who.user_id, period) >= config.civic.nominations_per_period:
            raise CivicRefusal(
                "nominate_enough",
                n=config.civic.nominations_per_period,
                period=lambda lang: describe_period(period, lang),
            )
        nomination_id = await tx.add_nomination(period, building, user_id, who.user_id, now)
        if nomination_id is None:
            raise CivicRefusal(
                "nominate_already", name=name, period=lambda lang: describe_period(period, lang)
            )
        setting = reader_language(who, config.group_language(chat_id))
        effects = Effects()
        if chat_id < 0 and message_id is not None:
            effects.add(React(chat_id, message_id, "👌"))
        if reason.strip():
            effects.extend(await self._submit(tx, who, nomination_id, reason, setting))
            return effects
        fallback = None
        if chat_id < 0:
            mention = Markup(
                f'<a href="tg://user?id={who.user_id}">{html.escape(who.first_name)}</a>'
            )
            group_setting = config.group_language(chat_id)
            fallback = Fallback(
                chat_id=chat_id,
                user_id=who.user_id,
                text=say(group_setting, "nominate_fallback", name=mention),
                button=say(group_setting, "btn_open_private").replace("\n", " / "),
                thread_id=config.group_topic(chat_id),
            )
        effects.add(
            SendMessage(
                who.user_id,
                say(
                    setting,
                    "nominate_ask_reason",
                    name=name,
                    building=building_name(config, building),
                    period=lambda lang: describe_period(period, lang),
                ),
                buttons=(
                    (
                        button(
                            setting,
                            "btn_nominate_cancel",
                            award_data(AwardAction.CANCEL, nomination_id),
                        ),
                    ),
                ),
                fallback=fallback,
                about=(user_id,),
            )
        )
        return effects

    async def reason(self, tx: Tx, now: datetime, who: Resident, text: str) -> Effects | None:
        """A private message: the reason of the nomination being written (None: no draft,
        the message is for someone else to read)."""
        draft = await tx.draft_of(who.user_id, now - DRAFT_LIFE)
        if draft is None:
            return None
        setting = reader_language(who, self.config.bot.language)
        return await self._submit(tx, who, draft.id, text, setting)

    async def _submit(
        self, tx: Tx, who: Resident, nomination_id: int, text: str, setting: str
    ) -> Effects:
        words = clean_words(text, REASON_LIMIT)
        if not words:
            raise CivicRefusal("nominate_reason_empty")
        await tx.submit_nomination(nomination_id, words)
        nomination = await tx.nomination(nomination_id)
        assert nomination is not None
        nominee = await tx.user(nomination.user_id)
        name = nominee.first_name if nominee else "?"
        effects = Effects()
        effects.add(
            SendMessage(
                who.user_id,
                say(setting, "nominate_done", name=name),
                buttons=(
                    (
                        button(
                            setting,
                            "btn_nominate_reveal",
                            award_data(AwardAction.REVEAL, nomination_id),
                        ),
                    ),
                ),
                about=(nomination.user_id,),
            )
        )
        effects.extend(await self._to_captains(tx, nomination, name))
        logger.info("nomination #%s submitted for %s", nomination_id, nomination.building)
        return effects

    async def _to_captains(self, tx: Tx, nomination: Nomination, name: str) -> Effects:
        effects = Effects()
        count = await tx.nomination_count(
            nomination.building, nomination.period, nomination.user_id
        )
        for captain in self.config.captains_of(nomination.building):
            if not isinstance(captain, int) or captain == nomination.user_id:
                continue  # a captain is not asked to judge their own nomination
            known = await tx.user(captain)
            setting = reader_language(known, self.config.bot.language)
            effects.add(
                SendMessage(
                    captain,
                    self._card(setting, nomination, name, count),
                    buttons=self._review_buttons(setting, nomination),
                    about=(nomination.user_id,),
                )
            )
        return effects

    def _card(self, setting: str, nomination: Nomination, name: str, count: int) -> str:
        return say(
            setting,
            "nomination_card",
            id=nomination.id,
            name=name,
            building=building_name(self.config, nomination.building),
            period=lambda lang: describe_period(nomination.period, lang),
            reason=nomination.reason or "",
            count=count,
        )

    def _review_buttons(self, setting: str, nomination: Nomination) -> Keyboard:
        return (
            (
                button(
                    setting, "btn_nomination_accept", award_data(AwardAction.ACCEPT, nomination.id)
                ),
                button(
                    setting,
                    "btn_nomination_decline",
                    award_data(AwardAction.DECLINE, nomination.id),
                ),
            ),
        )

    async def cancel_draft(self, tx: Tx, who: Resident, nomination_id: int) -> str:
        nomination = await tx.nomination(nomination_id)
        if nomination is None or nomination.nominated_by != who.user_id:
            return "civic_not_yours"
        if nomination.status != NominationStatus.DRAFT:
            return "nominate_already_sent"
        await tx.drop_drafts(who.user_id)
        return "nominate_cancelled"

    async def reveal(self, tx: Tx, who: Resident, nomination_id: int) -> str:
        nomination = await tx.nomination(nomination_id)
        if nomination is None or nomination.nominated_by != who.user_id:
            return "civic_not_yours"
        await tx.reveal_nominator(nomination_id)
        return "nominate_revealed"

    # --- captains review -----------------------------------------------------------------

    async def review(
        self,
        tx: Tx,
        now: datetime,
        who: Resident,
        nomination_id: int,
        accept: bool,
        chat_id: int,
        message_id: int,
    ) -> tuple[Effects, str]:
        """A captain's accept or decline; the nominee is asked for consent on the first accept."""
        nomination = await tx.nomination(nomination_id)
        if nomination is None:
            return Effects(), "civic_gone"
        if not self.config.is_captain(who.user_id, who.username, nomination.building):
            return Effects(), "civic_not_captain"
        status = NominationStatus.ACCEPTED if accept else NominationStatus.DECLINED
        if not await tx.review_nomination(nomination_id, status, who.user_id, now):
            return Effects(), "nomination_already_reviewed"
        # Ids only: the audit log outlives nothing it should not (names stay in their rows).
        await tx.add_audit(
            now,
            who.user_id,
            f"nomination_{status}",
            building=nomination.building,
            target=f"nomination #{nomination.id}",
        )
        nominee = await tx.user(nomination.user_id)
        name = nominee.first_name if nominee else "?"
        setting = reader_language(who, self.config.bot.language)
        effects = Effects()
        count = await tx.nomination_count(
            nomination.building, nomination.period, nomination.user_id
        )
        card = self._card(setting, nomination, name, count)
        verdict = "nomination_accepted_by" if accept else "nomination_declined_by"
        effects.add(
            EditMessage(
                chat_id,
                message_id,
                card + "\n" + say(setting, verdict, captain=who.first_name),
                about=(nomination.user_id,),
            )
        )
        if not accept:
            return effects, "nomination_declined"
        citation = clean_words(nomination.reason or "", CITATION_LIMIT)
        award_id = await tx.add_award(
            nomination.period,
            nomination.building,
            nomination.user_id,
            name,
            citation,
            who.user_id,
            now,
        )
        nominee_setting = reader_language(nominee, self.config.bot.language)
        if award_id is not None:
            effects.add(
                SendMessage(
                    nomination.user_id,
                    say(
                        nominee_setting,
                        "award_ask_consent",
                        period=lambda lang: describe_period(nomination.period, lang),
                        building=building_name(self.config, nomination.building),
                        citation=citation,
                    ),
                    buttons=(
                        (
                            button(
                                nominee_setting,
                                "btn_award_agree",
                                award_data(AwardAction.AGREE, award_id),
                            ),
                            button(
                                nominee_setting,
                                "btn_award_refuse",
                                award_data(AwardAction.REFUSE, award_id),
                            ),
                        ),
                    ),
                )
            )
        if nomination.reveal:
            nominator = await tx.user(nomination.nominated_by)
            effects.add(
                SendMessage(
                    nomination.user_id,
                    say(
                        nominee_setting,
                        "award_nominated_by",
                        name=nominator.first_name if nominator else "?",
                    ),
                    about=(nomination.nominated_by,),
                )
            )
        return effects, "nomination_accepted"

    async def consent(
        self, tx: Tx, now: datetime, who: Resident, award_id: int, agree: bool
    ) -> str:
        award = await tx.award(award_id)
        if award is None:
            return "civic_gone"
        if award.user_id != who.user_id:
            return "civic_not_yours"
        consent = Consent.AGREED if agree else Consent.REFUSED
        if not await tx.answer_award(award_id, consent, now):
            return "award_already_answered"
        return "award_agreed" if agree else "award_refused"

    # --- announcing ----------------------------------------------------------------------

    async def announce(
        self, tx: Tx, now: datetime, who: Resident, chat_id: int, message_id: int | None, args: str
    ) -> Effects:
        """/awards announce 2026-11: post the period's good neighbours who agreed."""
        mine = self.config.captain_buildings(who.user_id, who.username)
        if not mine:
            raise CivicRefusal("civic_not_captain")
        here = building_of_chat(self.config, chat_id)
        if here is not None and here not in mine:
            raise CivicRefusal("civic_not_your_building", building=building_name(self.config, here))
        period = (
            parse_period(args)
            if args.strip()
            else previous_period(local_day(self.config, now).date(), self.kind)
        )
        buildings = [here] if here is not None else mine
        effects = await self._posts(tx, now, buildings, period, who.user_id)
        setting = reader(self.config, chat_id, who)
        if not effects:
            awards = await tx.awards_of(buildings, periods_within(period))
            effects.add(
                SendMessage(
                    chat_id,
                    say(
                        setting,
                        "awards_nothing_new",
                        period=lambda lang: describe_period(period, lang),
                        agreed=sum(a.consent == Consent.AGREED for a in awards),
                        waiting=sum(a.consent == Consent.ASKED for a in awards),
                    ),
                    reply_to=message_id,
                )
            )
        elif chat_id > 0:
            effects.add(SendMessage(chat_id, say(setting, "awards_announced"), reply_to=message_id))
        return effects

    async def _posts(
        self, tx: Tx, now: datetime, buildings: list[str], period: str, actor: int | None = None
    ) -> Effects:
        effects = Effects()
        for building in buildings:
            awards = [
                a
                for a in await tx.awards_of([building], periods_within(period))
                if a.consent == Consent.AGREED and a.announced_at is None
            ]
            if not awards:
                continue
            for chat_id in building_chats(self.config, building):
                effects.add(
                    SendMessage(
                        chat_id,
                        self._post(self.config.group_language(chat_id), building, period, awards),
                        thread_id=self.config.group_topic(chat_id),
                        about=tuple(a.user_id for a in awards),
                    )
                )
            await tx.mark_announced([a.id for a in awards], now)
            await tx.add_audit(
                now,
                ANONYMOUS_ACTOR if actor is None else actor,
                "awards_announce",
                building=building,
                target=f"awards {period}",
                detail=",".join(f"#{a.id}" for a in awards),
            )
        return effects

    def _post(self, setting: str, building: str, period: str, awards: list[Award]) -> str:
        # The citation is a resident's words: no room number or phone reaches the group.
        lines = "\n".join(
            f"🏅 <b>{html.escape(redact(a.name))}</b> — {html.escape(redact(a.citation))}"
            for a in awards
        )
        return say(
            setting,
            "awards_post",
            period=lambda lang: describe_period(period, lang),
            building=building_name(self.config, building),
            lines=Markup(lines),
        )

    async def scheduled(self, tx: Tx, now: datetime) -> Effects:
        """The config's monthly announcement: the previous period's new good neighbours,
        once the period is over (at most once each: announced rows are marked)."""
        if self.config.civic.announce != "scheduled":
            return Effects()
        local = local_day(self.config, now)
        if local.time() < self.config.civic.announce_at:
            return Effects()
        if self.kind == "year" and local.month != 1:
            return Effects()
        period = previous_period(local.date(), self.kind)
        return await self._posts(tx, now, [b.key for b in self.config.buildings], period)

    # --- /awards -------------------------------------------------------------------------

    async def listing(self, tx: Tx, who: Resident, chat_id: int, message_id: int | None) -> Effects:
        """/awards: past results of this building (a captain privately: also the nominations)."""
        setting = reader(self.config, chat_id, who)
        mine = self.config.captain_buildings(who.user_id, who.username)
        here = building_of_chat(self.config, chat_id)
        if here is not None:
            buildings = [here]
        elif mine:
            buildings = mine
        else:
            user = await tx.user(who.user_id)
            home = (
                building_of_chat(self.config, user.home_chat_id)
                if user and user.home_chat_id
                else None
            )
            buildings = [home] if home else []
        parts: list[str] = []
        results = await tx.announced_awards(buildings)
        if results:
            parts.append(say(setting, "awards_results_header"))
            for a in results:
                where = html.escape(building_name(self.config, a.building))
                citation = redact(a.citation) if chat_id < 0 else a.citation
                parts.append(
                    f"{html.escape(a.period)} · {where} · "
                    f"<b>{html.escape(a.name)}</b> — {html.escape(citation)}"
                )
        else:
            parts.append(say(setting, "awards_none"))
        if chat_id > 0 and mine:
            nominations = await tx.nominations_in(mine)
            if nominations:
                parts.append(say(setting, "awards_nominations_header"))
                for n in nominations:
                    nominee = await tx.user(n.user_id)
                    parts.append(
                        f"#{n.id} {html.escape(n.period)} · "
                        f"{html.escape(nominee.first_name if nominee else '?')} · "
                        f"{html.escape(say(setting, f'nomination_status_{n.status}'))} — "
                        f"{html.escape(n.reason or '')}"
                    )
        effects = Effects()
        effects.add(SendMessage(chat_id, "\n".join(parts), reply_to=message_id))
        return effects
