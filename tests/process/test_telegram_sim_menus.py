"""The stand-in's command menus and descriptions, driven by python-telegram-bot: scopes,
languages, what each person sees, and Telegram's refusals in its own words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
)
from telegram.error import BadRequest

from bot.telegram_sim import InProcessRequest, TelegramWorld

TOKEN = "123:ABC"
pytestmark = pytest.mark.no_storage


@pytest.fixture
def world() -> TelegramWorld:
    world = TelegramWorld(bot_token=TOKEN, clock=lambda: 1_790_000_000.0)
    alice = world.add_user(1001, "Alice", language_code="zh-hans")
    bob = world.add_user(1002, "Bob", language_code="en")
    cathy = world.add_user(1003, "Cathy", language_code="en")
    world.add_user(1004, "Stranger")  # shares no chat with the bot
    world.add_group(-100200, "3号楼", members=[alice, bob, cathy])
    cathy.started_bot = True
    return world


@pytest.fixture
async def bot(world: TelegramWorld) -> AsyncIterator[Bot]:
    request = InProcessRequest(world)
    async with Bot(TOKEN, request=request, get_updates_request=request) as bot:
        yield bot


async def test_each_person_sees_the_most_specific_menu_in_their_language(
    world: TelegramWorld, bot: Bot
) -> None:
    alice, bob, cathy = world.users[1001], world.users[1002], world.users[1003]
    group = world.chat(-100200)
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("mine", "我的登记")], scope=private)
    await bot.set_my_commands(
        [BotCommand("mine", "My listings")], scope=private, language_code="en"
    )
    await bot.set_my_commands([BotCommand("offer", "Offer")], scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        [BotCommand("mine", "My listings"), BotCommand("ledger", "Captain: entries")],
        scope=BotCommandScopeChat(cathy.id),
    )

    assert world.menu_seen_by(alice) == ["mine"]  # zh-hans: no zh list, the scope's default
    assert world.menu_seen_by(bob) == ["mine"]
    assert world.menu_seen_by(cathy) == ["mine", "ledger"]
    assert world.menu_seen_by(cathy, group) == ["offer"]  # her own menu is for her chat only
    # getMyCommands answers exactly one scope and language, without falling back.
    assert [c.description for c in await bot.get_my_commands(scope=private)] == ["我的登记"]
    assert await bot.get_my_commands(scope=private, language_code="zh") == ()

    await bot.delete_my_commands(scope=BotCommandScopeChat(cathy.id))
    assert world.menu_seen_by(cathy) == ["mine"]
    await bot.set_my_commands([], scope=private, language_code="en")  # an empty list resets
    assert world.commands({"type": "all_private_chats"}, "en") == []


async def test_descriptions_per_language_with_the_default_as_fallback(
    world: TelegramWorld, bot: Bot
) -> None:
    await bot.set_my_description("邻里互助")
    await bot.set_my_description("Neighbours helping", language_code="en")
    await bot.set_my_short_description("Share with neighbours", language_code="en")

    assert (await bot.get_my_description(language_code="en")).description == "Neighbours helping"
    assert (await bot.get_my_description()).description == "邻里互助"
    assert world.description("fr") == "邻里互助"
    assert (await bot.get_my_short_description()).short_description == ""
    assert world.short_description("en") == "Share with neighbours"

    await bot.set_my_description("", language_code="en")  # removes the English one
    assert world.description("en") == "邻里互助"
    await bot.set_my_description("x" * 512)
    with pytest.raises(BadRequest, match="Description is too long"):
        await bot.set_my_description("x" * 513)
    with pytest.raises(BadRequest, match="Short description is too long"):
        await bot.set_my_short_description("x" * 121)
    with pytest.raises(BadRequest, match="Invalid language code specified"):
        await bot.set_my_description("hello", language_code="eng")
    assert world.description("") == "x" * 512


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([BotCommand("Offer", "x")], "Bot_command_invalid"),
        ([BotCommand("给", "x")], "Bot_command_invalid"),
        ([BotCommand("a" * 33, "x")], "Command length must not exceed 32"),
        ([BotCommand(" ", "x")], "Command must be non-empty"),
        ([BotCommand("offer", "  ")], "Command description must be non-empty"),
        ([BotCommand("offer", "x" * 257)], "Command description length must not exceed 256"),
        ([BotCommand(f"c{i}", "x") for i in range(101)], "Bot_commands_too_much"),
    ],
)
async def test_bad_commands_are_refused_in_telegrams_words(
    world: TelegramWorld, bot: Bot, commands: list[BotCommand], error: str
) -> None:
    # PTB drops "Bad Request: " and capitalises what is left (str.capitalize).
    with pytest.raises(BadRequest, match=error):
        await bot.set_my_commands(commands)
    assert world.commands() == []


async def test_edges_that_are_accepted(world: TelegramWorld, bot: Bot) -> None:
    # A leading "/" is dropped, 32 characters and 100 commands are the limits themselves.
    await bot.set_my_commands([BotCommand("/offer", "Offer"), BotCommand("a" * 32, "x" * 256)])
    assert [c["command"] for c in world.commands()] == ["offer", "a" * 32]
    await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(100)])
    assert len(world.commands()) == 100


async def test_bad_scopes_and_languages(world: TelegramWorld, bot: Bot) -> None:
    group = world.chat(-100200)
    cathy = world.users[1003]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("a", "b")], scope=BotCommandScopeChat(1004))
    with pytest.raises(BadRequest, match="Can't use specified scope in private chats"):
        await bot.set_my_commands(
            [BotCommand("a", "b")], scope=BotCommandScopeChatAdministrators(cathy.id)
        )
    with pytest.raises(BadRequest, match="Invalid language code specified"):
        await bot.set_my_commands([BotCommand("a", "b")], language_code="EN")
    status, body = world.handle("setMyCommands", {"commands": "[]", "scope": '{"type": "all"}'})
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse BotCommandScope: Unsupported type specified",
    )
    # A member's own menu in a group, and Telegram's resolution within the group.
    await bot.set_my_commands(
        [BotCommand("ledger", "entries")], scope=BotCommandScopeChatMember(group.id, cathy.id)
    )
    await bot.set_my_commands([BotCommand("offer", "Offer")], scope=BotCommandScopeAllGroupChats())
    assert world.menu_seen_by(cathy, group) == ["ledger"]
    assert world.menu_seen_by(world.users[1002], group) == ["offer"]
