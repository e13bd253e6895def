"""/points: a resident's own points and history, a captain's building ranking and CSV export,
and the per-resident consent to be named in a group's ranking (off unless they say so)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.captains import Where, captain_scope
from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import say
from bot.core.sharing.model import Resident, UserError
from bot.core.volunteers.duty_text import DutyRefusal
from bot.core.volunteers.points_rules import Earned, Standing, parse_period, points_csv, ranking
from bot.core.volunteers.roster import reader, zone
from storage.repository import Tx
from storage.volunteers_store import PointsRow

# opt_ins kind: named with points in a group's ranking. Off unless the resident says so.
CONSENT = "points"
HISTORY_LIMIT = 10
RANKING_LIMIT = 20


@dataclass
class Export:
    """A CSV for the community office, sent privately by the handler (an upload)."""

    filename: str
    content: bytes
    caption: str


@dataclass
class PointsAnswer:
    effects: Effects = field(default_factory=Effects)
    export: Export | None = None


def _earned(rows: list[PointsRow]) -> list[Earned]:
    return [
        Earned(
            r.user_id, r.first_name or str(r.user_id), r.building or "", r.source, r.title,
            r.minutes, r.points, r.earned_on,
        )
        for r in rows
    ]  # fmt: skip


def _scope(config: Config, who: Resident, where: Where) -> list[str]:
    """Buildings a captain (or an admin: all) may see points of; [] for a resident."""
    if config.is_admin(who.user_id, who.username):
        if where.private:
            return [b.key for b in config.buildings]
        group = config.group(where.chat_id)  # in a group: that group's buildings only
        if group is None:
            return []
        if group.building is not None:
            return [group.building]
        return [b.key for b in config.buildings if b.community == group.community]
    if not config.captain_buildings(who.user_id, who.username):
        return []
    try:
        return captain_scope(config, who, where)
    except UserError as error:
        raise DutyRefusal(error.key) from None


async def points_command(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where, args: str
) -> PointsAnswer:
    """/points [public on|off | export YYYY-MM|YYYY | post]."""
    words = args.split()
    action = words[0].lower() if words else ""
    if action in ("public", "公开"):
        return await _consent(tx, config, now, who, where, words[1:])
    if action in ("post", "发布"):
        return await _post(tx, config, now, who, where)
    if not where.private:
        raise DutyRefusal("vt_points_private")
    if action in ("export", "导出"):
        return await _export(tx, config, who, where, " ".join(words[1:]))
    if action:
        raise DutyRefusal("vt_points_usage")
    return await _mine(tx, config, now, who, where)


async def _mine(tx: Tx, config: Config, now: datetime, who: Resident, where: Where) -> PointsAnswer:
    setting = reader(config, who, where)
    rows = await tx.points_rows(user_id=who.user_id)
    total = sum(r.points for r in rows)
    lines = [say(setting, "vt_points_total", points=total, n=len(rows))]
    for row in reversed(rows[-HISTORY_LIMIT:]):
        key = "vt_points_line_duty" if row.source == "duty" else "vt_points_line_handover"
        lines.append(
            say(setting, key, on=row.earned_on.isoformat(), title=row.title, points=row.points)
        )
    consent = await tx.opted_in(who.user_id, CONSENT)
    lines.append(say(setting, "vt_points_public_on" if consent else "vt_points_public_off"))
    answer = PointsAnswer()
    answer.effects.add(SendMessage(where.chat_id, "\n".join(lines)))
    buildings = _scope(config, who, where)
    if buildings:
        year = now.astimezone(zone(config)).year
        whole = parse_period(str(year))
        assert whole is not None
        standings = ranking(
            _earned(await tx.points_rows(buildings=buildings, first=whole.first, last=whole.last))
        )
        ranked = [
            say(setting, "vt_rank_line", rank=i, name=s.name, points=s.points, shifts=s.shifts)
            for i, s in enumerate(standings[:RANKING_LIMIT], start=1)
        ]
        header = say(setting, "vt_rank_header", year=year, buildings=_names(config, buildings))
        body = "\n".join([header, *ranked]) if ranked else say(setting, "vt_rank_none", year=year)
        answer.effects.add(SendMessage(where.chat_id, body))
    return answer


def _names(config: Config, keys: list[str]) -> str:
    return ", ".join((b.name if (b := config.building(k)) else k) for k in keys)


async def _consent(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where, words: list[str]
) -> PointsAnswer:
    setting = reader(config, who, where)
    choice = words[0].lower() if words else ""
    if choice not in ("on", "off", "开", "关"):
        raise DutyRefusal("vt_points_usage")
    on = choice in ("on", "开")
    await tx.set_opt_in(who.user_id, CONSENT, on, now)
    answer = PointsAnswer()
    answer.effects.add(
        SendMessage(
            who.user_id, say(setting, "vt_points_public_on" if on else "vt_points_public_off")
        )
    )
    return answer


async def _export(tx: Tx, config: Config, who: Resident, where: Where, text: str) -> PointsAnswer:
    buildings = _scope(config, who, where)
    if not buildings:
        raise DutyRefusal("not_captain")
    period = parse_period(text)
    if period is None:
        raise DutyRefusal("vt_export_usage")
    rows = _earned(await tx.points_rows(buildings=buildings, first=period.first, last=period.last))
    setting = reader(config, who, where)
    answer = PointsAnswer()
    answer.export = Export(
        filename=f"jinlin-points-{period.label}.csv",
        content=points_csv(rows),
        caption=say(
            setting, "vt_export_caption", period=period.label, n=len(rows),
            buildings=_names(config, buildings),
        ),
    )  # fmt: skip
    return answer


async def _post(tx: Tx, config: Config, now: datetime, who: Resident, where: Where) -> PointsAnswer:
    """/points post in a building group: this month's ranking, naming only those who agreed."""
    if where.private:
        raise DutyRefusal("vt_post_in_group")
    buildings = _scope(config, who, where)
    if not buildings:
        raise DutyRefusal("not_captain")
    local = now.astimezone(zone(config))
    period = parse_period(f"{local.year}-{local.month:02d}")
    assert period is not None
    standings = ranking(
        _earned(await tx.points_rows(buildings=buildings, first=period.first, last=period.last))
    )
    setting = config.group_language(where.chat_id)
    named: list[Standing] = []
    others = 0
    for standing in standings:
        if await tx.opted_in(standing.user_id, CONSENT) and len(named) < RANKING_LIMIT:
            named.append(standing)
        else:
            others += 1
    lines = [say(setting, "vt_board_header", month=period.label)]
    lines += [
        say(setting, "vt_board_line", name=s.name, points=s.points, shifts=s.shifts) for s in named
    ]
    if others:
        lines.append(say(setting, "vt_board_others", n=others))
    if not standings:
        lines = [say(setting, "vt_board_none", month=period.label)]
    answer = PointsAnswer()
    answer.effects.add(
        SendMessage(where.chat_id, "\n".join(lines), thread_id=config.group_topic(where.chat_id))
    )
    return answer


__all__ = ["CONSENT", "Export", "PointsAnswer", "points_command"]
