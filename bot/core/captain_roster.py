"""Admins add and remove a building's captains from Telegram (issue 16).

`/captain add b3` replying to a resident's message (or naming `@username` or a numeric id),
`/captain remove b3 …`, and `/captains [b3]`. Stored in the database and audited (who, whom,
when, by id only); the app merges the stored captains into the config it serves, so every
rule that asks "is this a captain?" sees the change at once. Admins themselves come from the
config file only, and a captain the file names is removed in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from bot.core.captains import Where, local_date, reader_setting
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import Markup, reader_language, say
from bot.core.sharing.model import Resident
from storage.records import UserRecord
from storage.repository import Tx

_USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
_USER_ID = re.compile(r"^\d{1,15}$")


class RosterAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class RosterError(Exception):
    """An admin's mistake, answered with one line (the key and what fills it in)."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class RosterRequest:
    """/captain's arguments, read: what to do, where, and to whom (None: the replied-to)."""

    action: RosterAction
    building: str | None
    username: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class RosterOutcome:
    effects: Effects
    changed: bool  # the roster changed: the served config and the menus follow


def read_request(args: list[str], buildings: set[str]) -> RosterRequest:
    """`add|remove [building] [@username|id]`; RosterError('roster_usage') otherwise."""
    if not args or args[0].lower() not in {a.value for a in RosterAction}:
        raise RosterError("roster_usage")
    action = RosterAction(args[0].lower())
    rest = args[1:]
    building: str | None = None
    if rest and (rest[0] in buildings or not (_USERNAME.match(rest[0]) or _USER_ID.match(rest[0]))):
        building = rest.pop(0)
    if len(rest) > 1:
        raise RosterError("roster_usage")
    if not rest:
        return RosterRequest(action, building)
    if (name := _USERNAME.match(rest[0])) is not None:
        return RosterRequest(action, building, username=name[1].lower())
    if _USER_ID.match(rest[0]) and int(rest[0]) > 0:
        return RosterRequest(action, building, user_id=int(rest[0]))
    raise RosterError("roster_usage")


def _known(config: Config) -> str:
    return ", ".join(b.key for b in config.buildings) or "—"


def _name(first_name: str | None, user_id: int, username: str | None = None) -> str:
    if user_id == 0:
        return "—"  # someone who used /forgetme
    if first_name:
        return first_name
    return f"@{username}" if username else f"id {user_id}"


class RosterDesk:
    """The admin's roster commands; pure rules over the repository's Tx."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock

    def _building(self, key: str | None, where: Where) -> str:
        if key is None:
            group = self.config.group(where.chat_id) if not where.private else None
            if group is None or group.building is None:
                raise RosterError("roster_which_building", known=_known(self.config))
            return group.building
        if self.config.building(key) is None:
            raise RosterError("roster_unknown_building", building=key, known=_known(self.config))
        return key

    async def _target(self, tx: Tx, request: RosterRequest, replied: Resident | None) -> Resident:
        if request.username is not None:
            user = await tx.user_by_username(request.username)
            if user is None:
                raise RosterError("roster_unknown_username", username=request.username)
            return Resident(user.user_id, user.first_name, user.username, user.language_code)
        if request.user_id is not None:
            user = await tx.user(request.user_id)
            if user is None:
                return Resident(request.user_id, "")
            return Resident(user.user_id, user.first_name, user.username, user.language_code)
        if replied is None:
            raise RosterError("roster_who")
        return replied

    async def change(
        self,
        tx: Tx,
        who: Resident,
        where: Where,
        args: list[str],
        replied: Resident | None,
        *,
        replied_is_bot: bool = False,
    ) -> RosterOutcome:
        """/captain add|remove: change the roster, tell the admin and, privately, the person."""
        if not self.config.is_admin(who.user_id, who.username):
            raise RosterError("roster_not_admin")
        await self._remember(tx, who)  # /captains names who added whom
        if replied is not None and not replied_is_bot:
            await self._remember(tx, replied)
        request = read_request(args, {b.key for b in self.config.buildings})
        building = self._building(request.building, where)
        if replied_is_bot and request.username is None and request.user_id is None:
            raise RosterError("roster_not_a_person")
        target = await self._target(tx, request, replied)
        spec = self.config.building(building)
        assert spec is not None
        name = _name(target.first_name, target.user_id, target.username)
        setting = reader_setting(self.config, who, where)
        is_captain = self.config.is_captain(target.user_id, target.username, building)
        from_file = is_captain and not self.config.added_captain(building, target.user_id)
        now = self.clock.now()
        effects = Effects()
        changed = False
        if request.action is RosterAction.ADD:
            if is_captain:
                key = "roster_already"
            else:
                changed = await tx.add_captain(building, target.user_id, who.user_id, now)
                key = "roster_added" if changed else "roster_already"
        elif from_file:
            key = "roster_in_config"
        elif not is_captain:
            key = "roster_not_captain_there"
        else:
            changed = await tx.remove_captain(building, target.user_id, who.user_id, now)
            key = "roster_removed" if changed else "roster_not_captain_there"
        reply = say(setting, key, name=name, building=spec.name)
        effects.add(self._answer(where, reply, about=(target.user_id,)))
        if changed:
            effects.add(await self._tell(tx, target, who, spec.name, request.action))
        return RosterOutcome(effects, changed)

    async def _remember(self, tx: Tx, person: Resident) -> None:
        record = UserRecord(
            user_id=person.user_id,
            first_name=person.first_name,
            username=person.username,
            language_code=person.language_code,
        )
        await tx.save_user(record, self.clock.now())

    async def _tell(
        self, tx: Tx, target: Resident, admin: Resident, building: str, action: RosterAction
    ) -> SendMessage:
        """The person hears privately, in their language. Someone who never opened the bot
        can't be written to: Telegram refuses, and the outbox drops it (no group nudge)."""
        user = await tx.user(target.user_id)
        setting = reader_language(user if user is not None else target, self.config.bot.language)
        if action is RosterAction.ADD:
            text = say(setting, "roster_you_are_captain", admin=admin.first_name, building=building)
        else:
            text = say(setting, "roster_you_are_not_captain", building=building)
        return SendMessage(target.user_id, text, about=(admin.user_id,))

    async def listing(self, tx: Tx, who: Resident, where: Where, args: list[str]) -> Effects:
        """/captains [building]: each captain and where the role comes from."""
        admin = self.config.is_admin(who.user_id, who.username)
        mine = self.config.captain_buildings(who.user_id, who.username)
        if not admin and not mine:
            raise RosterError("roster_captains_who")
        if len(args) > 1:
            raise RosterError("roster_captains_usage")
        if args:
            keys = [self._building(args[0], where)]
        elif not where.private and (group := self.config.group(where.chat_id)) is not None:
            keys = (
                [group.building]
                if group.building
                else [b.key for b in self.config.buildings if b.community == group.community]
            )
        else:
            keys = [b.key for b in self.config.buildings] if admin else mine
        if not admin:
            # A captain sees their own buildings' captains, not who leads the building next door.
            keys = [k for k in keys if k in mine]
            if not keys:
                raise RosterError("roster_captains_own")
        added = {(c.building, c.user_id): c for c in await tx.added_captains()}
        setting = reader_setting(self.config, who, where)
        lines: list[str] = []
        for key in keys:
            spec = self.config.building(key)
            if spec is None:
                continue
            lines.append(say(setting, "roster_list_title", building=spec.name))
            if not spec.captains:
                lines.append(say(setting, "roster_list_none"))
            for person in spec.captains:
                if isinstance(person, str):
                    lines.append(say(setting, "roster_list_from_config", name=person))
                    continue
                user = await tx.user(person)
                name = _name(
                    user.first_name if user else None, person, user.username if user else None
                )
                row = added.get((key, person))
                if row is None or not self.config.added_captain(key, person):
                    lines.append(say(setting, "roster_list_from_config", name=name))
                    continue
                by = await tx.user(row.added_by)
                lines.append(
                    say(
                        setting,
                        "roster_list_added",
                        name=name,
                        admin=_name(by.first_name if by else None, row.added_by),
                        when=Markup(escape(local_date(self.config, row.added_at))),
                    )
                )
        return Effects([self._answer(where, "\n".join(lines))])

    def _answer(self, where: Where, text: str, about: tuple[int, ...] = ()) -> SendMessage:
        topic = None if where.private else self.config.group_topic(where.chat_id)
        return SendMessage(where.chat_id, text, thread_id=topic, about=about)


__all__ = ["RosterAction", "RosterDesk", "RosterError", "RosterOutcome", "read_request"]
