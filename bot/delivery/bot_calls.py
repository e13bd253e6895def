"""One effect as one Bot API call, through python-telegram-bot.

Shared by the two places that make the calls: the bot's own process (console, tests, and
`[telegram] sender_process = false`) and the sender process (bot/delivery/sender_process.py). Errors
are PTB's own (Forbidden, BadRequest, RetryAfter, ...): the outbox's delivery decides what
they mean.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReactionTypeEmoji,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.warnings import PTBUserWarning

from bot.core.effects import Button, EditMessage, Effect, React, SendMessage, StopPoll
from bot.core.message_parts import plain_text

logger = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# PTB suggests its typed method when the generic call names a method it knows; here the generic
# call is chosen on purpose (see _send_message), so that one suggestion is not logged.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.sendMessage' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Our buttons as Telegram's inline keyboard."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
            for row in rows
        ]
    )


async def perform(bot: Bot, effect: Effect) -> None:
    """Make the call `effect` stands for. Texts must fit Telegram's limits already
    (bot/core/message_parts.py): cutting HTML here would break its tags."""
    try:
        await _perform(bot, effect, ParseMode.HTML)
    except BadRequest as exc:
        if isinstance(effect, React | StopPoll) or "can't parse entities" not in str(exc).lower():
            raise
        # Markup Telegram will not parse must not cost the resident the message: the same
        # words without formatting.
        await _perform(bot, _without_markup(effect), None)


def _without_markup(
    effect: SendMessage | EditMessage | StopPoll,
) -> SendMessage | EditMessage | StopPoll:
    if isinstance(effect, StopPoll) or effect.text is None:
        return effect
    return replace(effect, text=plain_text(effect.text))


async def _perform(bot: Bot, effect: Effect, parse_mode: str | None) -> None:
    if isinstance(effect, React):
        await bot.set_message_reaction(
            effect.chat_id, effect.message_id, [ReactionTypeEmoji(effect.emoji)]
        )
    elif isinstance(effect, EditMessage):
        await _edit_message(bot, effect, parse_mode)
    elif isinstance(effect, StopPoll):
        await bot.stop_poll(effect.chat_id, effect.message_id)
    else:
        await _send_message(bot, effect, parse_mode)


async def _send_message(bot: Bot, effect: SendMessage, parse_mode: str | None) -> None:
    markup = keyboard(effect.buttons)
    if effect.photo:
        await bot.send_photo(
            effect.chat_id,
            effect.photo,
            caption=effect.text,
            parse_mode=parse_mode,
            reply_markup=markup,
            message_thread_id=effect.thread_id,
        )
        return
    # The most frequent call by far, made through PTB's documented generic call: the answer is
    # kept as the plain dict it arrives as, not built into a Message (with its User, Chat and
    # entities) that nothing reads, and PTB's per-argument defaults are skipped: together about
    # a twentieth of a busy worker's CPU in a profile (the bot's CPU per update fell ~8 %).
    # The arguments are the Bot API's own (ReplyParameters, LinkPreviewOptions); PTB drops
    # the None ones, as for send_message.
    sent = await bot.do_api_request(
        "sendMessage",
        api_kwargs={
            "chat_id": effect.chat_id,
            "text": effect.text,
            "parse_mode": parse_mode,
            "reply_markup": markup,
            "message_thread_id": effect.thread_id,
            "reply_parameters": (
                None
                if effect.reply_to is None
                else ReplyParameters(effect.reply_to, allow_sending_without_reply=True)
            ),
            "link_preview_options": _NO_PREVIEW,
        },
    )
    if effect.pin:
        try:
            await bot.pin_chat_message(effect.chat_id, sent["message_id"])
        except TelegramError as exc:  # no pin rights in that group: the post stands
            logger.warning("could not pin in %s: %s", effect.chat_id, exc)


async def _edit_message(bot: Bot, effect: EditMessage, parse_mode: str | None) -> None:
    # An unchanged edit is a BadRequest ("message is not modified"): logged, harmless.
    if effect.text is None:
        await bot.edit_message_reply_markup(
            effect.chat_id, effect.message_id, reply_markup=keyboard(effect.buttons)
        )
        return
    await bot.edit_message_text(
        effect.text,
        effect.chat_id,
        effect.message_id,
        parse_mode=parse_mode,
        reply_markup=keyboard(effect.buttons),
        disable_web_page_preview=True,
    )
