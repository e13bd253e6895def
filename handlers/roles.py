"""Captains and admins named by @username in the config: bound to an account on first contact.

A Telegram username can be given up and taken by someone else; a role given by username
would pass to them. The first account seen with the name keeps the role (by its id, in the
database, so every worker and every restart agrees), and the operator is told in the log to
write that id into the config.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.config_reload import apply_username_bindings, role_usernames
from handlers.common import Context, services
from storage.repository import Tx

logger = logging.getLogger(__name__)


async def bind_role_usernames(update: Update, context: Context) -> None:
    """Every update, before the others (group -1): is this the first contact of a role name?"""
    user = update.effective_user
    if user is None or not user.username:
        return
    svc = services(context)
    name = user.username.lower()
    if name not in role_usernames(svc.config):
        return  # the common case: a set lookup, no database
    now = svc.clock.now()

    async def bind(tx: Tx) -> int:
        return await tx.bind_username(name, user.id, now)

    owner = await svc.repo.run(bind)
    if owner == user.id:
        logger.warning(
            "config names @%s as a captain or admin: bound to user id %s; write that id in "
            "the config instead (a username can pass to someone else)",
            name,
            user.id,
        )
    else:
        logger.warning(
            "@%s is now used by user %s, but the role was bound to user %s: no role for them",
            name,
            user.id,
            owner,
        )
    svc.use_config(apply_username_bindings(svc.config, {name: owner}), svc.catalogue)
