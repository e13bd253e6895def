"""Command menus and the bot's description (issue 16): residents see their commands in their
language, groups a short list, captains and admins their own tools; nothing is sent again
when nothing changed (Telegram rate-limits these calls)."""

from __future__ import annotations

from bot.app.menus import refresh_menus
from bot.core.menus import RESIDENT_GROUP, RESIDENT_PRIVATE
from tests import backends
from tests.admin_config_files import write_config
from tests.captains_town import Town


def descriptions(b: Town, scope: dict[str, object], language: str = "") -> dict[str, str]:
    return {c["command"]: c["description"] for c in b.world.commands(scope, language)}


async def test_menus_by_audience_and_language_and_the_first_screen():
    async with Town() as b:
        private = {"type": "all_private_chats"}
        assert b.world.menu_seen_by(b.alice) == list(RESIDENT_PRIVATE)
        assert descriptions(b, private, "zh")["mine"] == "我登记的物品"
        assert descriptions(b, private, "en")["mine"] == "My listings"
        assert descriptions(b, private)["mine"] == "My listings"  # the bot's language, en
        # One language per row: no "中文 / English" crammed together.
        assert not any("/" in d for d in descriptions(b, private, "en").values())
        assert b.world.menu_seen_by(b.alice, b.g3) == list(RESIDENT_GROUP)

        # Captains and admins get their own menu once the bot has met them (Telegram
        # refuses one for a chat it has no record of): opening the bot sets it.
        assert "ledger" not in b.world.menu_seen_by(b.captain)
        for person in (b.captain, b.ada, b.wang):
            await b.start(person)
        cathy = b.world.menu_seen_by(b.captain)
        assert {"ledger", "reports", "announce", "mine"} <= set(cathy)
        assert "reload" not in cathy and "captain" not in cathy
        assert {"captain", "captains", "reload", "mine"} <= set(b.world.menu_seen_by(b.ada))
        wang = descriptions(b, {"type": "chat", "chat_id": b.wang.id}, "zh")
        assert wang["ledger"] == "楼门长：本楼登记"  # for Wang's Chinese app

        assert b.world.description("zh").startswith("邻里互助小助手")
        assert b.world.description("en").startswith("A helper for neighbours")
        assert b.world.short_description("fr").startswith("Neighbours in one building")


async def test_nothing_is_sent_again_when_nothing_changed(tmp_path):
    b = Town(database=backends.database_for(tmp_path / "jinlin.sqlite3"))
    async with b:
        await b.start(b.captain)
        first = len(b.world.menu_calls)
        assert first > 0
        published = await refresh_menus(b.app.bot, b.services)
        assert (published.sent, len(b.world.menu_calls)) == (0, first)
        b.services.config_path = write_config(tmp_path)
        await b.dm(b.ada, "/reload")
        assert len(b.world.menu_calls) == first
    async with b:  # a restart on the same database
        assert len(b.world.menu_calls) == first


async def test_a_captains_menu_follows_the_roster_and_the_config():
    async with Town() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")
        for person in (b.captain, b.ada):  # their own menus are set up; only Bob changes below
            await b.start(person)
        before = len(b.world.menu_calls)
        await b.dm(b.ada, f"/captain add b3 {b.bob.id}")
        # Only Bob's own menu, in the default and both languages: the rest is unchanged.
        added = b.world.menu_calls[before:]
        assert [(c[0], c[2]) for c in added] == [
            ("setMyCommands", ""),
            ("setMyCommands", "zh"),
            ("setMyCommands", "en"),
        ]
        assert all(str(b.bob.id) in c[1] for c in added)
        assert "ledger" in b.world.menu_seen_by(b.bob)
        await b.dm(b.ada, f"/captain remove b3 {b.bob.id}")
        assert [c[0] for c in b.world.menu_calls[before + 3 :]] == ["deleteMyCommands"] * 3
        assert b.world.menu_seen_by(b.bob) == list(RESIDENT_PRIVATE)


async def test_a_captain_telegram_does_not_know_yet_gets_their_menu_on_opening_the_bot():
    async with Town() as b:
        eve = b.world.add_user(1005, "Eve", language_code="zh")  # in no group, never wrote
        await b.dm(b.ada, f"/captain add b5 {eve.id}")
        assert "ledger" not in b.world.menu_seen_by(eve)  # Telegram: chat not found
        await b.start(eve)
        assert "ledger" in b.world.menu_seen_by(eve)
        zh = descriptions(b, {"type": "chat", "chat_id": eve.id}, "zh")
        assert zh["ledger"] == "楼门长：本楼登记"


class NoRetries(Town):
    rate_limit = False  # Telegram's flood wait reaches Jinlin at once


async def test_a_flood_wait_half_way_keeps_what_went_through_and_sends_the_rest_later():
    b = NoRetries()
    b.world.simulate_flood(retry_after=30, times=1, methods=["setMyDescription"])
    async with b:  # start-up: the menus go through, the description meets the flood wait
        assert b.world.menu_seen_by(b.alice) == list(RESIDENT_PRIVATE)
        assert b.world.description("en") == ""
        before = len(b.world.menu_calls)
        await refresh_menus(b.app.bot, b.services)
        again = {c[0] for c in b.world.menu_calls[before:]}
        assert again == {"setMyDescription", "setMyShortDescription"}
        assert b.world.description("en").startswith("A helper for neighbours")
