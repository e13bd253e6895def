"""/noshows: captains see who repeatedly did not turn up for an agreed hand-over."""

from __future__ import annotations

from bot.captains import Where, building_names, captain_scope, private_reply, reader_setting
from bot.config import Config
from bot.effects import Effects
from bot.i18n import say
from bot.sharing import Resident, UserError
from storage.repository import Tx


async def no_shows_report(tx: Tx, config: Config, who: Resident, where: Where) -> Effects:
    """The no-show counts of the captain's building(s), most often first, sent privately."""
    try:
        buildings = captain_scope(config, who, where)
    except UserError as error:
        if error.key == "not_captain":
            raise UserError("noshows_captains_only") from None
        raise
    setting = reader_setting(config, who)
    names = building_names(config, buildings)
    counts = (await tx.no_show_counts(buildings))[:50]
    if not counts:
        text = say(setting, "noshows_empty", buildings=names)
    else:
        lines = [say(setting, "noshows_header", buildings=names)]
        for row in counts:
            lines.append(
                say(
                    setting,
                    "noshows_line",
                    name=row.first_name or str(row.user_id),
                    building=building_names(config, [row.building]) if row.building else "",
                    n=row.count,
                ).replace("\n", " / ")
            )
        text = "\n".join(lines)
    effects = Effects()
    named = tuple(row.user_id for row in counts)
    effects.add(private_reply(config, who, where, text, about=named))
    return effects
