"""Relayed private chat: the two sides of an agreed match talk through the bot.

Many residents have no @username, or don't want to hand out their account. After a match
is agreed, a resident's private text goes to the other side, shown with only their first
name and building, until the hand-over is confirmed or either side ends the chat. Phone
numbers are held back until both sides pressed "Share my contact".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Button, Effects, Fallback, SendMessage
from bot.core.i18n import reader_language, readings, say, text
from bot.core.redaction import hide_phone_numbers
from storage.records import Entry, Match, UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

FallbackFor = Callable[[UserRecord | None, int, int, str], Fallback]
# An entry's item for a text param, in each reader's language (SharingBase._item).
ItemFor = Callable[[Entry], Callable[[str], str]]


class RelayGone(Exception):
    """The chat is not open (ended, handed over, or not the resident's)."""


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


class RelayDesk:
    """Passes private texts between the two sides of agreed matches."""

    def __init__(
        self, config: Config, clock: Clock, fallback: FallbackFor, item: ItemFor | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self._fallback = fallback
        self._item: ItemFor = item or (lambda entry: lambda lang: entry.item_name)

    async def pass_on(self, tx: Tx, sender_id: int, message: str) -> Effects:
        """A resident's private text: to the other side of their open chat (the focused or
        most recent one; with several, the sender is told which and can switch)."""
        chats = await tx.open_relays_of(sender_id)
        if not chats or not message.strip():
            return Effects()
        focus = await tx.relay_focus(sender_id)
        match = next((m for m in chats if m.id == focus), chats[0])
        effects = await self.deliver(tx, match, sender_id, message)
        if len(chats) > 1 and match.id != focus:
            # Sent by default to the most recent chat: say so, with buttons to switch.
            effects.add(await self._which_chat(tx, sender_id, match, chats))
        return effects

    async def deliver(
        self, tx: Tx, match: Match, sender_id: int, message: str, *, pickup: bool = False
    ) -> Effects:
        """One text to the other side, phone numbers hidden unless both agreed to share."""
        offer, request = await self._entries(tx, match)
        recipient_id = match.requester_id if sender_id == match.giver_id else match.giver_id
        sender = await tx.user(sender_id)
        recipient = await tx.user(recipient_id)
        setting = self._setting(recipient, request if recipient_id == match.requester_id else offer)
        state = await tx.relay_state(match.id)
        shown, had_phone = message, False
        if not state.contact_shared:
            placeholder = text(readings(setting)[0], "phone_hidden")
            shown, had_phone = hide_phone_numbers(message, placeholder)
            if had_phone:
                await tx.hold_message(match.id, sender_id, message, self.clock.now())
        name = sender.first_name if sender else ""
        if pickup:
            body = say(setting, "pickup_note_relay", giver=name, note=shown, item=self._item(offer))
        else:
            body = say(
                setting,
                "relay_message",
                name=name,
                building=self._building_name(offer if sender_id == match.giver_id else request),
                item=self._item(offer),
                text=shown,
            )
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=recipient_id,
                text=body,
                buttons=self._chat_buttons(setting, match.id, shared=state.contact_shared),
                fallback=self._fallback(recipient, recipient_id, request.chat_id, offer.item_name),
                about=(sender_id,),
            )
        )
        if had_phone:
            me = self._setting(sender, offer if sender_id == match.giver_id else request)
            effects.add(
                SendMessage(
                    chat_id=sender_id,
                    text=say(me, "relay_phone_hidden"),
                    buttons=((_button(me, "btn_share_contact", f"sc:{match.id}"),),),
                )
            )
        logger.info("relay: match #%s, %s -> %s", match.id, sender_id, recipient_id)
        return effects

    async def share_contact(self, tx: Tx, user_id: int, match_id: int) -> Effects:
        """'Share my contact': once both sides pressed it, phone numbers pass (and the ones
        held back so far are delivered)."""
        match = await self._open_chat(tx, user_id, match_id)
        side = "giver" if user_id == match.giver_id else "requester"
        await tx.agree_to_share(match.id, side)
        state = await tx.relay_state(match.id)
        offer, request = await self._entries(tx, match)
        other_id = match.requester_id if side == "giver" else match.giver_id
        me, other = await tx.user(user_id), await tx.user(other_id)
        my_entry, other_entry = (offer, request) if side == "giver" else (request, offer)
        my_setting, other_setting = self._setting(me, my_entry), self._setting(other, other_entry)
        effects = Effects()
        if not state.contact_shared:
            other_name = other.first_name if other else ""
            effects.add(
                SendMessage(
                    user_id,
                    say(my_setting, "relay_share_waiting", name=other_name),
                    about=(other_id,),
                )
            )
            effects.add(
                SendMessage(
                    other_id,
                    say(other_setting, "relay_share_asked", name=me.first_name if me else ""),
                    buttons=((_button(other_setting, "btn_share_contact", f"sc:{match.id}"),),),
                    about=(user_id,),
                )
            )
            return effects
        effects.add(SendMessage(user_id, say(my_setting, "relay_share_both")))
        effects.add(SendMessage(other_id, say(other_setting, "relay_share_both")))
        for held in await tx.take_held_messages(match.id):
            effects.extend(await self.deliver(tx, match, held.user_id, held.text))
        return effects

    async def end_chat(self, tx: Tx, user_id: int, match_id: int) -> Effects:
        """'End chat': nothing more is relayed for this match (the match itself stays)."""
        match = await self._open_chat(tx, user_id, match_id)
        if not await tx.end_relay(match.id, self.clock.now()):
            raise RelayGone(match_id)
        offer, request = await self._entries(tx, match)
        other_id = match.requester_id if user_id == match.giver_id else match.giver_id
        me, other = await tx.user(user_id), await tx.user(other_id)
        mine, theirs = (offer, request) if user_id == match.giver_id else (request, offer)
        effects = Effects()
        effects.add(
            SendMessage(
                user_id,
                say(
                    self._setting(me, mine),
                    "relay_ended_me",
                    name=other.first_name if other else "",
                    item=self._item(offer),
                ),
                about=(other_id,),
            )
        )
        effects.add(
            SendMessage(
                other_id,
                say(
                    self._setting(other, theirs),
                    "relay_ended_other",
                    name=me.first_name if me else "",
                    item=self._item(offer),
                ),
                about=(user_id,),
            )
        )
        return effects

    async def focus(self, tx: Tx, user_id: int, match_id: int) -> Effects:
        """Write to this chat from now on (a resident with several open chats)."""
        match = await self._open_chat(tx, user_id, match_id)
        await tx.set_relay_focus(user_id, match.id)
        offer, request = await self._entries(tx, match)
        other_id = match.requester_id if user_id == match.giver_id else match.giver_id
        other = await tx.user(other_id)
        me = await tx.user(user_id)
        setting = self._setting(me, offer if user_id == match.giver_id else request)
        effects = Effects()
        effects.add(
            SendMessage(
                user_id,
                say(
                    setting,
                    "relay_focus_set",
                    name=other.first_name if other else "",
                    item=self._item(offer),
                ),
                about=(other_id,),
            )
        )
        return effects

    def chat_buttons(self, setting: str, match_id: int) -> tuple[tuple[Button, ...], ...]:
        """The buttons every relayed chat offers, for the introduction messages."""
        return self._chat_buttons(setting, match_id, shared=False)

    # --- small pieces -----------------------------------------------------------------

    async def _which_chat(
        self, tx: Tx, sender_id: int, used: Match, chats: list[Match]
    ) -> SendMessage:
        me = await tx.user(sender_id)
        used_offer, used_request = await self._entries(tx, used)
        setting = self._setting(me, used_offer if sender_id == used.giver_id else used_request)
        rows: list[tuple[Button, ...]] = []
        named = [used.requester_id if sender_id == used.giver_id else used.giver_id]
        for match in chats:
            if match.id == used.id:
                continue
            offer = await tx.entry(match.offer_id)
            named.append(match.requester_id if sender_id == match.giver_id else match.giver_id)
            other = await tx.user(named[-1])
            rows.append(
                (
                    _button(
                        setting,
                        "btn_relay_to",
                        f"rt:{match.id}",
                        name=other.first_name if other else "",
                        item=self._item(offer) if offer else "",
                    ),
                )
            )
        other = await tx.user(used.requester_id if sender_id == used.giver_id else used.giver_id)
        return SendMessage(
            sender_id,
            say(
                setting,
                "relay_sent_many",
                name=other.first_name if other else "",
                item=self._item(used_offer),
                n=len(chats),
            ),
            buttons=tuple(rows[:8]),
            about=tuple(named),
        )

    def _chat_buttons(
        self, setting: str, match_id: int, *, shared: bool
    ) -> tuple[tuple[Button, ...], ...]:
        row = [_button(setting, "btn_end_chat", f"re:{match_id}")]
        if not shared:
            row.insert(0, _button(setting, "btn_share_contact", f"sc:{match_id}"))
        return (tuple(row),)

    async def _open_chat(self, tx: Tx, user_id: int, match_id: int) -> Match:
        chats = await tx.open_relays_of(user_id)
        match = next((m for m in chats if m.id == match_id), None)
        if match is None:
            raise RelayGone(match_id)
        return match

    async def _entries(self, tx: Tx, match: Match) -> tuple[Entry, Entry]:
        offer = await tx.entry(match.offer_id)
        request = await tx.entry(match.request_id)
        if offer is None or request is None:  # referential integrity: a bug, not a user error
            raise LookupError(f"match #{match.id} lost an entry")
        return offer, request

    def _setting(self, user: UserRecord | None, entry: Entry) -> str:
        return reader_language(user, self.config.group_language(entry.chat_id))

    def _building_name(self, entry: Entry) -> str:
        building = self.config.building(entry.building)
        if building:
            return building.name
        community = next((c for c in self.config.communities if c.key == entry.community), None)
        return community.name if community else ""
