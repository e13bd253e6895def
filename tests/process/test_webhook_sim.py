"""The Bot API stand-in delivers webhooks as Telegram does: secret header, retries, duplicates."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from tests.process.test_run_e2e import wait_for

pytestmark = pytest.mark.no_storage


class Receiver:
    """A bot's webhook endpoint that answers from a script: a status, or "hang"."""

    def __init__(self, *answers: int | str) -> None:
        self.answers = list(answers)
        self.posts: list[tuple[int, str | None]] = []
        self.app = web.Application()
        self.app.router.add_post("/hook", self._receive)
        self.runner = web.AppRunner(self.app)

    async def _receive(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        self.posts.append(
            (update["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "hang":
            await asyncio.sleep(5)
            answer = 200
        return web.Response(status=int(answer))

    async def __aenter__(self) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


def _chat(world: TelegramWorld):
    alice = world.add_user(1001, "Alice")
    return alice, world.add_group(-1003, "Building 3", members=[alice])


async def test_an_update_is_retried_until_a_2xx_and_a_slow_answer_means_a_duplicate():
    world = TelegramWorld()
    alice, group = _chat(world)
    async with (
        Receiver(500, "hang", 200) as origin,
        BotApiStandIn(world, webhook_timeout=0.3) as api,
    ):
        api.route_webhooks("https://bot.example", origin)
        status, _ = world.handle(
            "setWebhook", {"url": "https://bot.example/hook", "secret_token": "abc_DEF-123"}
        )
        assert status == 200
        world.send(alice, group, "hello")
        await wait_for(lambda: not world.pending_updates())
    posts = api.webhook_posts
    assert [outcome for _, outcome in posts] == [500, "Read timeout expired", 200]
    info = world.handle("getWebhookInfo", {})[1]["result"]
    assert info["url"] == "https://bot.example/hook" and info["pending_update_count"] == 0
    assert "last_error_message" in info


async def test_the_secret_goes_in_the_header_and_getupdates_conflicts_while_a_webhook_is_set():
    world = TelegramWorld()
    alice, group = _chat(world)
    receiver = Receiver()
    async with receiver as origin, BotApiStandIn(world) as api:
        api.route_webhooks("https://bot.example", origin)
        world.handle("setWebhook", {"url": "https://bot.example/hook", "secret_token": "abc"})
        world.send(alice, group, "hello")
        await wait_for(lambda: receiver.posts)
        status, body = await world.handle_async("getUpdates", {"timeout": 0})
        assert (status, body["ok"], body["error_code"]) == (409, False, 409)
        world.handle("deleteWebhook", {})
        assert (await world.handle_async("getUpdates", {"timeout": 0}))[0] == 200
    assert receiver.posts == [(1, "abc")]


async def test_webhook_settings_are_checked_and_nothing_leaves_the_loopback():
    world = TelegramWorld()
    alice, group = _chat(world)
    bad = world.handle("setWebhook", {"url": "https://x.example/h", "secret_token": "no spaces"})
    assert bad[0] == 400
    assert world.handle("setWebhook", {"url": "http://x.example/h"})[0] == 400
    async with BotApiStandIn(world) as api:
        world.handle("setWebhook", {"url": "https://somewhere.example/hook"})
        world.send(alice, group, "hello")
        await wait_for(lambda: world.webhook_last_error)
        assert world.pending_updates() and api.webhook_posts == []
        assert "127.0.0.1" in world.handle("getWebhookInfo", {})[1]["result"]["last_error_message"]
        with pytest.raises(ValueError):
            api.route_webhooks("https://somewhere.example", "http://10.0.0.1:80")
