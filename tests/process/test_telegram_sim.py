"""The simulated Telegram, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram_sim import (
    InProcessRequest,
    RateLimits,
    SimChat,
    SimulationError,
    SimUser,
    TelegramWorld,
    offline_application_builder,
)
from bot.telegram_sim.http_server import BotApiStandIn

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


def unknown_fields(obj: object, path: str = "update") -> list[str]:
    """Fields PTB did not recognise anywhere in an object tree (a misspelt Bot API field)."""
    if isinstance(obj, tuple | list):
        return [f for i, item in enumerate(obj) for f in unknown_fields(item, f"{path}[{i}]")]
    if not isinstance(obj, TelegramObject):
        return []
    found = [f"{path}.{name}" for name in obj.api_kwargs]
    for name, value in obj._get_attrs(recursive=False).items():
        found += unknown_fields(value, f"{path}.{name}")
    return found


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


# PTB's own RetryAfter message reads its deprecated int retry_after.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
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


# ------------------------------------------------------------ world rules, no PTB


def test_get_updates_offset_limit_and_negative_offset(building: Building) -> None:
    world = building.world
    for text in ("一", "二", "三", "四"):
        world.send(building.alice, building.group, text)

    status, body = world.handle("getUpdates", {"limit": 2})
    assert status == 200
    first_ids = [u["update_id"] for u in body["result"]]
    assert len(first_ids) == 2
    _, body = world.handle("getUpdates", {"offset": first_ids[-1] + 1})
    assert [u["message"]["text"] for u in body["result"]] == ["三", "四"]
    _, body = world.handle("getUpdates", {"offset": -1})
    assert [u["message"]["text"] for u in body["result"]] == ["四"]
    assert len(world.pending_updates()) == 1  # -1 forgot everything before the last


def test_unfetched_updates_expire_after_a_day(building: Building) -> None:
    building.world.send(building.alice, building.group, "昨天的消息")
    building.world.tick(24 * 3600 + 1)

    assert building.world.handle("getUpdates", {})[1]["result"] == []


def test_allowed_updates_governs_what_is_stored(building: Building) -> None:
    world = building.world
    world.handle("getUpdates", {"allowed_updates": '["message"]'})

    new_group = world.add_group(-100300, "4号楼", members=[building.carol], bot_status="left")
    world.add_bot_to_group(new_group, by=building.carol)

    kinds = [next(k for k in u if k != "update_id") for u in world.pending_updates()]
    assert kinds == ["message"]  # new_chat_members is kept, my_chat_member never stored


def test_privacy_mode_hides_plain_group_chatter(building: Building) -> None:
    world = TelegramWorld(bot_token=TOKEN, can_read_all_group_messages=False)
    alice = world.add_user(1001, "Alice")
    group = world.add_group(-100200, "3号楼", members=[alice])

    world.send(alice, group, "谁有梯子")
    world.send(alice, group, "/need@jinlin_test_bot 梯子")
    world.send(alice, group, "/need@other_bot 梯子")

    texts = [u["message"]["text"] for u in world.pending_updates()]
    assert texts == ["/need@jinlin_test_bot 梯子"]


def test_forum_topic_messages_reply_to_the_topic(building: Building) -> None:
    world = building.world
    forum = world.add_group(
        -1001234567890, "3号楼论坛", members=[building.alice], supergroup=True, forum=True
    )
    topic = world.create_topic(forum, "闲置交换", by=building.alice)

    world.send(building.alice, forum, "有人要书架吗", thread_id=topic)

    message = world.pending_updates()[-1]["message"]
    assert message["message_thread_id"] == topic
    assert message["is_topic_message"] is True
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "闲置交换"
    status, body = world.handle(
        "sendMessage", {"chat_id": forum.id, "text": "有", "message_thread_id": 999}
    )
    assert (status, body["description"]) == (400, "Bad Request: message thread not found")


def test_markdown_v2_reserved_characters(building: Building) -> None:
    status, body = building.world.handle(
        "sendMessage", {"chat_id": building.group.id, "text": "3.5元", "parse_mode": "MarkdownV2"}
    )

    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )


def test_unknown_method_and_error_log(building: Building) -> None:
    status, body = building.world.handle("sendTelepathy", {})

    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert building.world.failed_calls[-1].method == "sendTelepathy"


def test_user_ids_in_private_chats_and_basic_groups_share_one_sequence(
    building: Building,
) -> None:
    world = building.world
    world.start_bot(building.alice)
    in_group = world.send(building.bob, building.group, "hi")

    assert in_group.message_id == world.messages_in(building.alice)[-1].message_id + 1


# ------------------------------------------------------------- over HTTP, long polling


@pytest.fixture
async def server(building: Building) -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(building.world) as server:
        yield server


def http_application(server: BotApiStandIn) -> Application:
    return (
        Application.builder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )


async def test_http_application_echoes_and_restart_skips_confirmed_updates(
    building: Building, server: BotApiStandIn
) -> None:
    world = building.world
    seen: list[str] = []

    async def record_and_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        seen.append(update.effective_message.text)
        await echo(update, context)

    for sent_so_far, text in enumerate(("第一条", "第二条"), start=1):
        app = http_application(server)
        app.add_handler(MessageHandler(filters.TEXT, record_and_echo))
        await run_polling(app)
        try:
            world.send(building.alice, building.group, text)
            await eventually(lambda n=sent_so_far: len(world.outbox) == n)
        finally:
            await stop_polling(app)

    await eventually(lambda: not world.long_poll_waiting)  # the hung-up poll was dropped
    assert seen == ["第一条", "第二条"]
    assert [s.text for s in world.outbox] == ["echo: 第一条", "echo: 第二条"]
    assert not world.pending_updates()
    # PTB's pooled connections were reused instead of opening one per call.
    assert server.connections_accepted < server.requests_served


async def test_http_photo_upload_and_download(building: Building, server: BotApiStandIn) -> None:
    app = http_application(server)
    async with app:
        content = b"\x89PNG\r\n\x1a\n\x00--boundary-like--\r\n\xff"
        sent = await app.bot.send_photo(
            building.group.id, photo=content, caption="<i>闲置婴儿车</i>", parse_mode="HTML"
        )
        downloaded = await (await app.bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()

    assert bytes(downloaded) == content
    assert sent.caption == "闲置婴儿车"
    (record,) = building.world.outbox
    assert record.photo == sent.photo[-1].file_id


async def test_http_errors_map_to_ptb_exceptions(building: Building, server: BotApiStandIn) -> None:
    app = http_application(server)
    async with app:
        with pytest.raises(Forbidden):
            await app.bot.send_message(building.bob.id, "你好")
        building.world.start_bot(building.bob)
        await app.bot.send_message(building.bob.id, "你好")


async def test_http_raw_protocol(building: Building, server: BotApiStandIn) -> None:
    origin = server.base_url.removesuffix("/bot")
    async with httpx.AsyncClient(base_url=origin) as client:
        wrong_token = await client.post("/bot999:nope/getMe")
        unknown = await client.post(f"/bot{TOKEN}/sendTelepathy")
        as_json = await client.post(
            f"/bot{TOKEN}/sendMessage", json={"chat_id": building.group.id, "text": "json 也行"}
        )
        as_query = await client.get(f"/bot{TOKEN}/getMe")

    assert (wrong_token.status_code, wrong_token.json()["description"]) == (401, "Unauthorized")
    assert unknown.status_code == 404 and unknown.json()["ok"] is False
    assert as_json.json()["result"]["text"] == "json 也行"
    assert as_query.json()["result"]["username"] == "jinlin_test_bot"


async def test_http_refusals_keep_telegrams_json_shape(building: Building) -> None:
    async with (
        BotApiStandIn(building.world, max_body_bytes=1024) as server,
        httpx.AsyncClient(base_url=server.base_url.removesuffix("/bot")) as client,
    ):
        nowhere = await client.get("/favicon.ico")
        too_large = await client.post(f"/bot{TOKEN}/sendMessage", content=b"x" * 4096)
        not_json = await client.post(
            f"/bot{TOKEN}/sendMessage",
            content=b"{broken",
            headers={"Content-Type": "application/json"},
        )
        deleted = await client.delete(f"/bot{TOKEN}/getMe")

    assert [r.status_code for r in (nowhere, too_large, not_json, deleted)] == [404, 413, 400, 405]
    for answer in (nowhere, too_large, not_json, deleted):
        assert answer.json()["ok"] is False
        assert answer.json()["error_code"] == answer.status_code
    assert not_json.json()["description"].startswith("Bad Request: can't parse request body")


async def test_second_long_poll_terminates_the_first(
    building: Building, server: BotApiStandIn
) -> None:
    request = {"timeout": 5}
    async with httpx.AsyncClient(base_url=server.base_url + TOKEN) as first:
        waiting = asyncio.create_task(first.post("/getUpdates", data=request))
        await eventually(lambda: building.world.long_poll_waiting)
        async with httpx.AsyncClient(base_url=server.base_url + TOKEN) as second:
            taking_over = asyncio.create_task(second.post("/getUpdates", data=request))
            terminated = await waiting
            building.world.send(building.alice, building.group, "有人吗")
            winner = await taking_over

    assert terminated.status_code == 409
    assert terminated.json()["description"].startswith("Conflict: terminated by other getUpdates")
    assert winner.json()["result"][0]["message"]["text"] == "有人吗"


async def test_conflict_reaches_ptb_as_conflict(building: Building) -> None:
    building.world.handle("setWebhook", {"url": "https://example.invalid/hook"})
    request = InProcessRequest(building.world)

    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        with pytest.raises(Conflict):
            await bot.get_updates()


def test_stand_in_refuses_non_loopback_addresses(building: Building) -> None:
    for host in ("0.0.0.0", "192.168.1.10", "localhost", "::"):
        with pytest.raises(ValueError, match="refusing to bind"):
            BotApiStandIn(building.world, host=host)


# ------------------------------------------------------------- shapes and other rules


async def test_every_update_kind_is_exact_bot_api(building: Building, bot: Bot) -> None:
    world = building.world
    world.handle("getUpdates", {"allowed_updates": list(Update.ALL_TYPES)})
    world.set_status(building.group, world.bot, "administrator")  # for chat_member, reactions
    forum = world.add_group(
        -1001000000001, "论坛", members=[building.alice], supergroup=True, forum=True
    )
    topic = world.create_topic(forum, "拼车", by=building.alice)
    world.send(building.alice, forum, "周六去宜家", thread_id=topic)
    world.start_bot(building.alice, payload="ref_7")
    first = world.send(building.bob, building.group, "@carol_3f 你要吗 #闲置 https://t.me/x")
    world.send(building.carol, building.group, "要", reply_to=first)
    world.send_photo(building.carol, building.group, caption="婴儿车")
    world.edit(building.bob, first, "改了")
    world.join(building.group, world.add_user(1004, "Dan"))
    world.react(building.alice, first, "👍")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]])
    sent = await bot.send_message(building.group.id, "<b>投票</b>", "HTML", reply_markup=keyboard)
    world.press(building.alice, world.message(building.group, sent.message_id), "ok")
    world.block_bot(building.bob)
    world.remove_bot_from_group(forum, by=building.alice)
    world.migrate_to_supergroup(building.group)

    updates = await bot.get_updates()

    kinds = {next(k for k in u.to_dict() if k != "update_id") for u in updates}
    assert kinds == {
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
        "chat_member",
        "message_reaction",
    }
    assert [f for u in updates for f in unknown_fields(u)] == []


async def test_method_results_are_exact_bot_api(building: Building, bot: Bot) -> None:
    world = building.world
    world.set_status(building.group, building.bob, "administrator")
    results: list[object] = [
        await bot.get_me(),
        await bot.get_chat(building.group.id),
        await bot.get_chat_member(building.group.id, building.alice.id),
        await bot.get_chat_administrators(building.group.id),
        await bot.send_photo(building.group.id, "https://example.org/pram.jpg", caption="x"),
        await bot.send_document(building.group.id, b"a,b\n1,2\n", filename="ledger.csv"),
    ]

    assert [f for r in results for f in unknown_fields(r, "result")] == []
    assert [a.user.first_name for a in results[3]] == ["Alice", "Bob"]  # type: ignore[index]


async def test_delete_pin_react_and_commands(building: Building, bot: Bot) -> None:
    world, group = building.world, building.group
    sent = await bot.send_message(group.id, "本周值日：3楼")
    residents_message = world.send(building.alice, group, "收到")

    await bot.pin_chat_message(group.id, sent.message_id)
    await bot.set_message_reaction(group.id, residents_message.message_id, "👍")
    with pytest.raises(BadRequest, match=r"(?i)reaction_invalid"):
        await bot.set_message_reaction(group.id, residents_message.message_id, "🍼")
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(group.id, residents_message.message_id)
    await bot.delete_message(group.id, sent.message_id)
    await bot.set_my_commands([("offer", "送东西"), ("need", "求助")])

    assert [s.kind for s in world.outbox] == ["send", "pin", "reaction", "delete"]
    assert world.outbox[2].reaction == ("👍",)
    assert world.bot_messages_in(group)[-1].service.keys() == {"pinned_message"}
    assert [c.command for c in await bot.get_my_commands()] == ["offer", "need"]


async def test_rate_limits_per_chat(building: Building) -> None:
    clock = FakeClock()
    world = TelegramWorld(bot_token=TOKEN, clock=clock, rate_limits=RateLimits())
    alice = world.add_user(1001, "Alice")
    group = world.add_group(-100200, "3号楼", members=[alice])

    statuses = [world.handle("sendMessage", {"chat_id": group.id, "text": "x"})[0] for _ in "ab"]
    assert statuses == [200, 429]
    assert world.failed_calls[-1].description == "Too Many Requests: retry after 1"
    for _ in range(19):
        clock.now += 1
        assert world.handle("sendMessage", {"chat_id": group.id, "text": "x"})[0] == 200
    clock.now += 1
    status, body = world.handle("sendMessage", {"chat_id": group.id, "text": "x"})
    assert status == 429 and body["parameters"]["retry_after"] > 1  # 20 per minute per group


async def test_bot_added_to_group_sees_my_chat_member(building: Building) -> None:
    world = building.world
    new_group = world.add_group(-100300, "4号楼", members=[building.carol], bot_status="left")
    joined: list[tuple[str, str]] = []

    async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        assert change is not None
        joined.append((change.old_chat_member.status, change.new_chat_member.status))

    app = offline_application_builder(world).build()
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    await run_polling(app)
    try:
        world.add_bot_to_group(new_group, by=building.carol)
        await world.wait_until_idle()
    finally:
        await stop_polling(app)

    assert joined == [("left", "member")]


async def test_client_hanging_up_ends_its_long_poll(
    building: Building, server: BotApiStandIn
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url + TOKEN) as client:
        polling = asyncio.create_task(client.post("/getUpdates", data={"timeout": 30}))
        await eventually(lambda: building.world.long_poll_waiting)
        polling.cancel()  # httpx closes the connection, as PTB does on Updater.stop()
        with pytest.raises(asyncio.CancelledError):
            await polling

    await eventually(lambda: not building.world.long_poll_waiting, timeout=1.0)
