"""/skill, /needhelp and /skills: thin adapters to bot/core/skills.py."""

from __future__ import annotations

from typing import Literal

from telegram import Update
from telegram.constants import ParseMode

from bot.core.effects import Effects
from bot.core.sharing.model import UserError
from bot.core.skills import Skills
from handlers.common import Context, explain, resident, run_unit, services
from handlers.members import confirm_some_group
from handlers.offers import group_message
from storage.repository import Tx


async def _run(update: Update, context: Context, kind: Literal["offer", "request"] | None) -> None:
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    args = " ".join(context.args or [])
    private = message.chat.type == "private"
    if private:
        # One who only ever read the group is still recognised (getChatMember).
        await confirm_some_group(context, who.user_id)
    skills = Skills(svc.sharing)

    async def work(tx: Tx) -> Effects:
        if kind is None:
            return await skills.listing(tx, who, message.chat_id, private)
        line = None if private else group_message(message, args)
        return await skills.record(tx, who, kind, args, line)

    try:
        await run_unit(update, context, work)
    except UserError as error:
        await message.reply_text(
            explain(error, message.from_user, message.chat_id, svc), parse_mode=ParseMode.HTML
        )


async def skill_command(update: Update, context: Context) -> None:
    """/skill SKILL: offer a skill to neighbours."""
    await _run(update, context, "offer")


async def needhelp_command(update: Update, context: Context) -> None:
    """/needhelp SKILL: ask a neighbour who offers that skill."""
    await _run(update, context, "request")


async def skills_command(update: Update, context: Context) -> None:
    """/skills: the skills offered where the resident lives (names only)."""
    await _run(update, context, None)
