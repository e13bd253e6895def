"""Expiry: time passing over the ledger: windows close, hand-overs are checked, entries expire."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.effects import Effects, SendMessage
from bot.core.i18n import say
from bot.core.sharing.base import SharingBase, _button
from bot.core.sharing.vocabulary import (
    CloseAction,
    sharing_data,
)
from storage.repository import Tx

logger = logging.getLogger(__name__)


class Expiry(SharingBase):
    """The upkeep tick of the sharing ledger."""

    async def tick(self, tx: Tx) -> Effects:
        """Close allocation windows, follow up unconfirmed hand-overs, nudge entries about to
        expire, expire the overdue ones."""
        now = self.clock.now()
        effects = await self._close_windows(tx, now)
        effects.extend(await self._check_handovers(tx, now))
        for entry in await tx.entries_expired(now):
            effects.extend(await self.close_entry(tx, entry, "expired"))
            user = await tx.user(entry.user_id)
            key = "expired_offer" if entry.kind == "offer" else "expired_request"
            effects.add(
                self._private_to(
                    user, entry.chat_id, key, item=self.item_said(entry), fallback=False
                )
            )
        horizon = now + timedelta(hours=self.config.bot.nudge_hours_before_expiry)
        for entry in await tx.entries_to_nudge(horizon):
            await tx.update_entry(entry.id, nudged_at=now)
            user = await tx.user(entry.user_id)
            setting = self._reader_language(user, entry.chat_id)
            # "Still available?" only fits a giver; someone looking is asked if they still need it.
            offer = entry.kind == "offer"
            text_key = "nudge" if offer else "nudge_request"
            keep_key = "btn_keep" if offer else "btn_keep_request"
            effects.add(
                SendMessage(
                    chat_id=entry.user_id,
                    text=say(
                        setting,
                        text_key,
                        item=self.item_said(entry),
                        # A clock time, not "in N hours": quiet hours may hold it till morning.
                        until=self._local_time(entry.expires_at),
                    ),
                    buttons=(
                        (
                            _button(setting, keep_key, sharing_data(CloseAction.KEEP, entry.id)),
                            _button(
                                setting,
                                "btn_withdraw",
                                sharing_data(CloseAction.WITHDRAW, entry.id),
                                id=entry.id,
                            ),
                        ),
                    ),
                )
            )
        return effects
