"""/stats for captains: the month's numbers as text, and the weekly series for the chart."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.captains import Where, building_names, captain_scope, private_reply, reader_setting
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Effects
from bot.core.i18n import languages, say
from bot.core.sharing.service import Resident, UserError
from bot.core.stats import (
    MonthStats,
    WeeklySeries,
    duration_parts,
    month_bounds,
    summarise,
    week_window,
    weekly,
)
from bot.core.stats_chart import ChartLabels, can_draw_chinese
from storage.repository import Tx


@dataclass(frozen=True)
class StatsAnswer:
    """What /stats sends: the text (as effects) and the chart to render and upload."""

    effects: Effects
    stats: MonthStats
    series: WeeklySeries
    labels: ChartLabels
    caption: str


class StatsDesk:
    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock

    async def stats(self, tx: Tx, who: Resident, where: Where, args: str) -> StatsAnswer:
        """/stats [YYYY-MM] for the captain's building(s)."""
        buildings = captain_scope(self.config, who, where)
        zone = self.config.bot.timezone
        now = self.clock.now()
        try:
            month, start, end = month_bounds(args or None, now, zone)
        except ValueError:
            raise UserError("stats_usage") from None
        entries = await tx.entries_created_in(buildings, start, end)
        matches = await tx.matches_created_in(buildings, start, end)
        handovers = await tx.handovers_in(buildings, start, end)
        stats = summarise(month, entries, matches, handovers)

        chart_end = min(now, end)
        week_start, week_end = week_window(chart_end, zone)
        series = weekly(
            week_start,
            zone,
            await tx.entries_created_in(buildings, week_start, week_end),
            await tx.handovers_in(buildings, week_start, week_end),
        )
        setting = reader_setting(self.config, who, where)
        names = building_names(self.config, buildings)
        text = say(
            setting,
            "stats_text",
            buildings=names,
            month=month,
            offers=stats.offers,
            requests=stats.requests,
            matches=stats.matches,
            handovers=stats.handovers,
            median=lambda lang: _median_text(lang, stats),
            givers=stats.givers,
        )
        effects = Effects()
        effects.add(private_reply(self.config, who, where, text))
        chart_lang = languages(setting)[0]
        chart_names = names
        if not can_draw_chinese():
            # Without a CJK font Chinese would render as boxes: English labels, building keys.
            chart_lang = "en"
            if not names.isascii():
                chart_names = ", ".join(buildings)
        labels = ChartLabels(
            title=say(chart_lang, "stats_chart_caption", buildings=chart_names),
            offers=say(chart_lang, "stats_chart_offers"),
            requests=say(chart_lang, "stats_chart_requests"),
            handovers=say(chart_lang, "stats_chart_handovers"),
        )
        caption = say(setting, "stats_chart_caption", buildings=names)
        await tx.add_audit(now, who.user_id, "stats", building=",".join(buildings), target=month)
        return StatsAnswer(effects, stats, series, labels, caption)


def _median_text(lang: str, stats: MonthStats) -> str:
    if stats.median is None:
        return say(lang, "stats_no_median")
    unit, n = duration_parts(stats.median)
    return say(lang, unit, n=n)
