"""Small building requests (微诉求): residents file them, captains move them along.

A report goes privately to its building's captains with status buttons
(open → in progress → resolved); the resident is told privately when the status changes.
/report files one at once; a complaint written in the group is only a report once its author
says so (bot/core/complaints.py), and later complaints about the same thing join it: the
captains see how many residents it speaks for, and every one of them hears of its status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.captains import (
    Where,
    building_names,
    button,
    captain_scope,
    local_date,
    private_reply,
    reader_setting,
)
from bot.core.clock import Clock
from bot.core.complaints import ComplaintDesk
from bot.core.config import Config, GroupSpec
from bot.core.effects import Button, Effects, React, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.redaction import kept_text
from bot.core.sharing.model import GroupMessage, Resident, UserError
from storage.captains_store import Report
from storage.records import UserRecord
from storage.repository import Tx

STATUSES = ("open", "progress", "resolved")
_CODES = {"o": "open", "p": "progress", "r": "resolved"}
MAX_LISTED = 15


def status_code(status: str) -> str:
    return status[0]


def status_from_code(code: str) -> str | None:
    return _CODES.get(code)


class ReportDesk:
    """Filing, routing and updating reports."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock

    # --- residents ----------------------------------------------------------------------

    async def file(
        self, tx: Tx, who: Resident, where: Where, text: str, message_id: int | None = None
    ) -> Effects:
        """/report <text>: in the building's group, or privately once we know their group."""
        text = text.strip()
        if not text:
            raise UserError("report_usage")
        building, chat_id = await self._building_of(tx, who, where)
        await self._remember(tx, who, None if where.private else where.chat_id)
        if await self._over_daily_bound(tx, who):
            setting = reader_setting(self.config, who, where)
            bound = self.config.limits.reports_per_resident_per_day
            return Effects(
                [private_reply(self.config, who, where, say(setting, "limit_reports", n=bound))]
            )
        report = await tx.add_report(
            user_id=who.user_id,
            chat_id=chat_id,
            building=building,
            text=kept_text(text[:1000]),
            source="command",
            now=self.clock.now(),
        )
        effects = await self._to_captains(tx, report, who.first_name)
        setting = reader_setting(self.config, who, where)
        if not where.private and message_id is not None:
            effects.add(React(where.chat_id, message_id, "👌"))
        effects.add(
            private_reply(self.config, who, where, say(setting, "report_filed", id=report.id))
        )
        return effects

    async def from_group(
        self, tx: Tx, who: Resident, msg: GroupMessage, group: GroupSpec
    ) -> Effects:
        """A repair complaint the parser recognised in a group: its author is asked first."""
        if group.building is None or await self._over_daily_bound(tx, who):
            return Effects()  # only mentioned in passing: no word about the bound either
        return await ComplaintDesk(self.config, self.clock, self).ask(tx, who, msg, group)

    async def mine(self, tx: Tx, who: Resident, where: Where) -> Effects:
        """/myreports: the resident's own reports and their status."""
        setting = reader_setting(self.config, who, where)
        reports = await tx.reports_of(who.user_id)
        if not reports:
            text = say(setting, "myreports_empty")
        else:
            lines = [say(setting, "myreports_header")]
            for report in reports:
                lines.append(
                    say(
                        setting,
                        "myreports_line",
                        id=report.id,
                        status=self._status(report.status),
                        text=_short(report.text),
                        date=local_date(self.config, report.created_at),
                    ).replace("\n", " / ")
                )
            text = "\n".join(lines)
        effects = Effects()
        effects.add(private_reply(self.config, who, where, text))
        return effects

    # --- captains -------------------------------------------------------------------------

    async def open_reports(self, tx: Tx, who: Resident, where: Where) -> Effects:
        """/reports: unresolved reports of the captain's building(s), with status buttons."""
        buildings = captain_scope(self.config, who, where)
        setting = reader_setting(self.config, who, where)
        names = building_names(self.config, buildings)
        reports = await tx.reports_in(buildings)
        effects = Effects()
        if not reports:
            effects.add(
                private_reply(
                    self.config, who, where, say(setting, "reports_empty", buildings=names)
                )
            )
            return effects
        lines = [say(setting, "reports_header", buildings=names)]
        rows: list[tuple[Button, ...]] = []
        authors = tuple(report.user_id for report in reports[:MAX_LISTED])
        for report in reports[:MAX_LISTED]:
            author = await tx.user(report.user_id)
            lines.append(
                say(
                    setting,
                    "reports_line",
                    id=report.id,
                    status=self._status(report.status),
                    text=_short(report.text),
                    who=author.first_name if author else "?",
                    date=local_date(self.config, report.created_at),
                ).replace("\n", " / ")
                + self._residents(setting, report, " · ")
            )
            rows.append(tuple(self._buttons(setting, report)))
        effects.add(
            private_reply(self.config, who, where, "\n".join(lines), tuple(rows), about=authors)
        )
        return effects

    async def set_status(
        self, tx: Tx, who: Resident, report_id: int, status: str
    ) -> tuple[Effects, str, tuple[tuple[Button, ...], ...]]:
        """A captain pressed a status button: update, tell the resident, return the new card."""
        report = await tx.report(report_id)
        if report is None:
            raise UserError("report_not_found")
        if not self.config.is_captain(who.user_id, who.username):
            raise UserError("not_captain")
        if not self.config.is_captain(who.user_id, who.username, report.building):
            raise UserError("other_building")
        if not await tx.set_report_status(report.id, status, self.clock.now()):
            raise UserError("report_same_status")
        await tx.add_audit(
            self.clock.now(),
            who.user_id,
            f"report_{status}",
            building=report.building,
            target=f"report #{report.id}",
        )
        updated = await tx.report(report.id)
        assert updated is not None
        effects = Effects()
        resident = await tx.user(report.user_id)
        if resident is not None:
            effects.add(self._tell_resident(resident, updated))
        for neighbour_id in await tx.report_voices(report.id):
            # Those who complained of the same thing hear of it as its author does.
            neighbour = await tx.user(neighbour_id)
            if neighbour is not None:
                effects.add(self._tell_resident(neighbour, updated))
        setting = reader_setting(self.config, who)
        author_name = resident.first_name if resident else "?"
        card = self._card(setting, updated, author_name)
        return effects, card, (tuple(self._buttons(setting, updated)),)

    # --- pieces -------------------------------------------------------------------------

    async def _to_captains(self, tx: Tx, report: Report, author_name: str) -> Effects:
        effects = Effects()
        for captain in self.config.captains_of(report.building):
            if not isinstance(captain, int) or captain == report.user_id:
                continue  # @usernames cannot be written to first; check-config warns
            known = await tx.user(captain)
            setting = reader_language(known, self.config.bot.language)
            effects.add(
                SendMessage(
                    chat_id=captain,
                    text=self._card(setting, report, author_name),
                    buttons=(tuple(self._buttons(setting, report)),),
                    about=(report.user_id,),
                )
            )
        return effects

    async def tell_captains_joined(
        self, tx: Tx, report: Report, who: Resident, text: str, at: datetime
    ) -> Effects:
        """A neighbour's complaint joined `report`: the captains see it, and the count."""
        effects = Effects()
        spec = self.config.building(report.building)
        for captain in self.config.captains_of(report.building):
            if not isinstance(captain, int) or captain == who.user_id:
                continue
            known = await tx.user(captain)
            setting = reader_language(known, self.config.bot.language)
            effects.add(
                SendMessage(
                    chat_id=captain,
                    text=say(
                        setting,
                        "complaint_joined_captain",
                        building=spec.name if spec else report.building,
                        id=report.id,
                        who=who.first_name,
                        date=local_date(self.config, at),
                        text=text,
                        n=report.residents,
                        status=self._status(report.status),
                    ),
                    buttons=(tuple(self._buttons(setting, report)),),
                    about=(who.user_id,),
                )
            )
        return effects

    def _card(self, setting: str, report: Report, author_name: str) -> str:
        spec = self.config.building(report.building)
        return say(
            setting,
            "report_captain",
            building=spec.name if spec else report.building,
            id=report.id,
            who=author_name,
            date=local_date(self.config, report.created_at),
            text=report.text,
            status=self._status(report.status),
        ) + self._residents(setting, report, "\n")

    @staticmethod
    def _residents(setting: str, report: Report, before: str) -> str:
        """How many residents a joined report speaks for; nothing for one."""
        if report.residents <= 1:
            return ""
        return before + say(setting, "report_residents", n=report.residents).replace("\n", " / ")

    def _buttons(self, setting: str, report: Report) -> list[Button]:
        if report.status == "open":
            return [
                button(setting, "btn_report_progress", f"rs:{report.id}:p"),
                button(setting, "btn_report_resolved", f"rs:{report.id}:r"),
            ]
        if report.status == "progress":
            return [button(setting, "btn_report_resolved", f"rs:{report.id}:r")]
        return [button(setting, "btn_report_reopen", f"rs:{report.id}:o")]

    def _tell_resident(self, resident: UserRecord, report: Report) -> SendMessage:
        group_setting = (
            self.config.group_language(report.chat_id)
            if report.chat_id
            else self.config.bot.language
        )
        setting = reader_language(resident, group_setting)
        return SendMessage(
            chat_id=resident.user_id,
            text=say(
                setting,
                "report_update_resident",
                id=report.id,
                text=_short(report.text),
                status=self._status(report.status),
            ),
        )

    @staticmethod
    def _status(status: str) -> Callable[[str], str]:
        """The status in whichever language the text is rendered in."""
        return lambda lang: say(lang, f"report_status_{status}")

    async def _over_daily_bound(self, tx: Tx, who: Resident) -> bool:
        since = self.clock.now() - timedelta(days=1)
        filed = await tx.count_reports_since(who.user_id, since)
        return filed >= self.config.limits.reports_per_resident_per_day

    async def _building_of(self, tx: Tx, who: Resident, where: Where) -> tuple[str, int | None]:
        if not where.private:
            group = self.config.group(where.chat_id)
            if group is None or group.building is None:
                raise UserError("no_building_here")
            return group.building, where.chat_id
        user = await tx.user(who.user_id)
        group = self.config.group(user.home_chat_id) if user and user.home_chat_id else None
        if group is None or group.building is None:
            raise UserError("report_where")
        return group.building, group.chat_id

    async def _remember(self, tx: Tx, who: Resident, home_chat_id: int | None) -> None:
        await tx.save_user(
            UserRecord(
                user_id=who.user_id,
                first_name=who.first_name,
                username=who.username,
                language_code=who.language_code,
                home_chat_id=home_chat_id,
            ),
            self.clock.now(),
        )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
