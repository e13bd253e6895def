"""The simulated Telegram, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram_sim import (
    InProcessRequest,
    SimChat,
    SimulationError,
    SimUser,
    TelegramWorld,
    offline_application_builder,
)

TOKEN = "123:ABC"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Building:
    world: TelegramWorld
    alice: SimUser
    bob: SimUser
    carol: SimUser
    group: SimChat


@pytest.fixture
def building() -> Building:
    world = TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot", clock=FakeClock())
    alice = world.add_user(1001, "Alice", language_code="zh")
    bob = world.add_user(1002, "Bob")
    carol = world.add_user(1003, "Carol", username="carol_3f")
    group = world.add_group(-100200, "3号楼邻里群", members=[alice, bob, carol])
    return Building(world, alice, bob, carol, group)


@pytest.fixture
async def bot(building: Building) -> AsyncIterator[Bot]:
    request = InProcessRequest(building.world)
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        yield bot


async def eventually(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait (briefly, without fixed sleeps) until the bot has done something."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


# ------------------------------------------------------------------ in-process bot


async def test_group_message_reaches_bot_as_update(building: Building, bot: Bot) -> None:
    sent = building.world.send(building.alice, building.group, "谁家有小儿退烧药？")

    updates = await bot.get_updates()

    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.message_id == sent.message_id
    assert message.text == "谁家有小儿退烧药？"
    assert message.chat.id == building.group.id
    assert message.from_user is not None and message.from_user.first_name == "Alice"


async def test_private_send_needs_start(building: Building, bot: Bot) -> None:
    world, alice = building.world, building.alice

    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(alice.id, "你好")
    world.start_bot(alice)
    await bot.send_message(alice.id, "你好")

    assert [m.content for m in world.messages_in(alice)] == ["/start", "你好"]
    assert world.failed_calls[0].error_code == 403


async def test_blocked_user_is_forbidden(building: Building, bot: Bot) -> None:
    building.world.start_bot(building.bob)
    building.world.block_bot(building.bob)

    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(building.bob.id, "明天停水")


async def test_start_payload_is_a_command(building: Building, bot: Bot) -> None:
    building.world.start_bot(building.alice, payload="offer-42")

    (update,) = await bot.get_updates()

    assert update.message is not None
    assert update.message.text == "/start offer-42"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")


async def test_message_too_long(building: Building, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(building.group.id, "药" * 4097)
    await bot.send_message(building.group.id, "药" * 4096)


async def test_html_is_validated_like_telegram(building: Building, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(building.group.id, "第一行<br>第二行", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(building.group.id, "<b>退烧药", parse_mode="HTML")

    sent = await bot.send_message(building.group.id, "<b>退烧药</b> &lt;3", parse_mode="HTML")

    assert sent.text == "退烧药 <3"
    assert sent.text_html == "<b>退烧药</b> &lt;3"


async def test_migrated_group_raises_chat_migrated(building: Building, bot: Bot) -> None:
    new_id = building.world.migrate_to_supergroup(building.group)

    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(building.group.id, "还在吗")

    assert raised.value.new_chat_id == new_id
    await bot.send_message(new_id, "搬家了")


async def test_flood_knob_raises_retry_after(building: Building, bot: Bot) -> None:
    building.world.simulate_flood(retry_after=7, methods=["sendMessage"])

    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(building.group.id, "1")
    await bot.send_message(building.group.id, "2")


async def test_group_the_bot_left_is_forbidden(building: Building, bot: Bot) -> None:
    await bot.leave_chat(building.group.id)

    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(building.group.id, "hello")


async def test_callback_data_limit_is_bytes(building: Building, bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("要", callback_data="药" * 22)]])

    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(building.group.id, "谁要？", reply_markup=too_long)


async def test_edit_rules(building: Building, bot: Bot) -> None:
    sent = await bot.send_message(building.group.id, "婴儿车一辆")

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("婴儿车一辆", building.group.id, sent.message_id)
    await bot.edit_message_text("婴儿车一辆（已送出）", building.group.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", building.group.id, 999)

    (shown,) = building.world.bot_messages_in(building.group)
    assert shown.text == "婴儿车一辆（已送出）"


async def test_answer_callback_once_and_in_time(building: Building, bot: Bot) -> None:
    world = building.world
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("我要", callback_data="claim:1")]])
    sent = await bot.send_message(building.group.id, "闲置婴儿车", reply_markup=keyboard)
    message = world.message(building.group, sent.message_id)

    first = world.press(building.bob, message, "claim:1")
    await bot.answer_callback_query(first, text="已登记")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(first)
    late = world.press(building.carol, message, "claim:1")
    world.tick(60)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(late)
    with pytest.raises(SimulationError):
        world.press(building.bob, message, "no-such-button")


# ------------------------------------------------------------- in-process Application


async def run_polling(app: Application) -> None:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def stop_polling(app: Application) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_application_echoes_in_the_group(building: Building) -> None:
    world = building.world
    app = offline_application_builder(world).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await run_polling(app)
    try:
        world.send(building.alice, building.group, "谁家有小儿退烧药？")
        await eventually(lambda: bool(world.outbox))
    finally:
        await stop_polling(app)

    (reply,) = world.drain_new_outbox()
    assert reply.chat_id == building.group.id
    assert reply.text == "echo: 谁家有小儿退烧药？"
    assert reply.reply_to_message_id is None or reply.reply_to_message_id == 1


async def test_callback_press_reaches_handler(building: Building) -> None:
    world = building.world
    pressed: list[str] = []

    async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("我要", callback_data="claim:7")]])
        await context.bot.send_message(update.effective_chat.id, "婴儿车", reply_markup=keyboard)

    async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        pressed.append(query.data)
        await query.answer("已登记")
        await query.edit_message_text("婴儿车（Bob 已预订）")

    app = offline_application_builder(world).build()
    app.add_handler(CommandHandler("offer", offer))
    app.add_handler(CallbackQueryHandler(claim))
    await run_polling(app)
    try:
        world.send(building.alice, building.group, "/offer@jinlin_test_bot")
        await eventually(lambda: bool(world.bot_messages_in(building.group)))
        (offer_message,) = world.bot_messages_in(building.group)
        world.press(building.bob, offer_message, "claim:7")
        await eventually(lambda: any(s.kind == "edit" for s in world.outbox))
    finally:
        await stop_polling(app)

    assert pressed == ["claim:7"]
    assert [s.kind for s in world.outbox] == ["send", "answer_callback", "edit"]
    assert offer_message.text == "婴儿车（Bob 已预订）"
    assert offer_message.reply_markup is None  # editMessageText without markup drops it
