"""The "good neighbours" thank-you list: opt-in only, built from completed hand-overs.

Residents agree with /thanks on (off by default). At month end captains are asked privately
whether to post last month's list; /thanks post does it any time. Posted once per month.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.captains import Where, button, captain_scope, private_reply, reader_setting
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import Markup, reader_language, say
from bot.core.sharing.service import Resident, UserError
from bot.core.stats import month_bounds, previous_month
from storage.records import UserRecord
from storage.repository import Tx

OPT_IN = "thanks"


@dataclass(frozen=True)
class ThanksDesk:
    config: Config
    clock: Clock

    async def toggle(self, tx: Tx, who: Resident, where: Where, args: str) -> Effects:
        """/thanks, /thanks on, /thanks off (residents); /thanks post [YYYY-MM] (captains)."""
        word, _, rest = args.strip().partition(" ")
        word = word.lower()
        if word == "post":
            return await self.post(tx, who, where, rest.strip() or None)
        setting = reader_setting(self.config, who, where)
        await tx.save_user(
            UserRecord(who.user_id, who.first_name, who.username, who.language_code),
            self.clock.now(),
        )
        if word in ("on", "开", "开启"):
            await tx.set_opt_in(who.user_id, OPT_IN, True, self.clock.now())
            text = say(setting, "thanks_on")
        elif word in ("off", "关", "关闭"):
            await tx.set_opt_in(who.user_id, OPT_IN, False, self.clock.now())
            text = say(setting, "thanks_off")
        elif not word:
            agreed = await tx.opted_in(who.user_id, OPT_IN)
            text = say(
                setting,
                "thanks_status",
                state=lambda lang: say(lang, "thanks_state_on" if agreed else "thanks_state_off"),
            )
        else:
            raise UserError("thanks_usage")
        effects = Effects()
        effects.add(private_reply(self.config, who, where, text))
        return effects

    async def post(self, tx: Tx, who: Resident, where: Where, month: str | None) -> Effects:
        """Post the thank-you list of `month` (default: the current month) for each building."""
        buildings = captain_scope(self.config, who, where)
        try:
            label, _, _ = month_bounds(month, self.clock.now(), self.config.bot.timezone)
        except ValueError:
            raise UserError("thanks_usage") from None
        effects = Effects()
        setting = reader_setting(self.config, who, where)
        for building in buildings:
            effects.extend(await self.post_building(tx, who.user_id, building, label, setting))
        return effects

    async def post_building(
        self, tx: Tx, captain_id: int, building: str, month: str, setting: str
    ) -> Effects:
        """One building's list to its groups, and a receipt to the captain."""
        spec = self.config.building(building)
        name = spec.name if spec else building
        effects = Effects()
        _, posted = await tx.thanks_state(building, month)
        if posted:
            effects.add(
                SendMessage(captain_id, say(setting, "thanks_already", building=name, month=month))
            )
            return effects
        _, start, end = month_bounds(month, self.clock.now(), self.config.bot.timezone)
        givers = await tx.consenting_givers(building, start, end)
        if not givers:
            effects.add(
                SendMessage(captain_id, say(setting, "thanks_none", building=name, month=month))
            )
            return effects
        for group in self.config.groups:
            if group.building != building:
                continue
            group_setting = self.config.group_language(group.chat_id)

            def lines(lang: str) -> Markup:
                # Rendered (and escaped) per language, then kept as-is by the outer text.
                return Markup(
                    "\n".join(
                        say(lang, "thanks_line", name=g.first_name, n=g.handovers) for g in givers
                    )
                )

            effects.add(
                SendMessage(
                    group.chat_id,
                    say(group_setting, "thanks_post", building=name, month=month, lines=lines),
                    thread_id=group.topic,
                )
            )
        await tx.mark_thanks(building, month, "posted", self.clock.now())
        await tx.add_audit(
            self.clock.now(), captain_id, "thanks_post", building=building, target=month
        )
        effects.add(
            SendMessage(captain_id, say(setting, "thanks_posted_ok", building=name, month=month))
        )
        return effects

    async def month_end_prompts(self, tx: Tx) -> Effects:
        """Once a month, ask each building's captains whether to post last month's list."""
        month = previous_month(self.clock.now(), self.config.bot.timezone)
        _, start, end = month_bounds(month, self.clock.now(), self.config.bot.timezone)
        effects = Effects()
        for spec in self.config.buildings:
            prompted, posted = await tx.thanks_state(spec.key, month)
            if prompted or posted:
                continue
            await tx.mark_thanks(spec.key, month, "prompted", self.clock.now())
            givers = await tx.consenting_givers(spec.key, start, end)
            if not givers:
                continue
            for captain in spec.captains:
                if not isinstance(captain, int):
                    continue
                known = await tx.user(captain)
                setting = reader_language(known, self.config.bot.language)
                effects.add(
                    SendMessage(
                        captain,
                        say(
                            setting,
                            "thanks_prompt",
                            month=month,
                            building=spec.name,
                            n=len(givers),
                        ),
                        buttons=((button(setting, "btn_thanks_post", f"tp:{spec.key}:{month}"),),),
                    )
                )
        return effects
