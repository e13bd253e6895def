"""The simulated Telegram served as a Bot API over HTTP (aiohttp.web) on a loopback address only.

For tests and benchmarks: not in the wheel (pyproject.toml); the console needs only the world.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web

from bot.telegram_sim.world import JSON, TelegramWorld, UploadedFile

logger = logging.getLogger(__name__)

WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def require_loopback(host: str) -> str:
    """The host itself if it is a loopback IP literal; anything else is refused."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"refusing to bind {host!r}: give a loopback IP such as 127.0.0.1"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"refusing to bind {host!r}: only loopback addresses are allowed")
    return host


def _api_error(status: int, description: str) -> web.Response:
    """Telegram's error shape, so that a refusal reaches PTB as the exception Telegram's would."""
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status, dumps=_dumps)


# One encoder for every body: json.dumps builds a new one per call when given options.
_JSON = json.JSONEncoder(ensure_ascii=False)


def _dumps(body: Any) -> str:
    return _JSON.encode(body)


async def _params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters from the query and a JSON, form-urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        data = await request.json()
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        params.update(data)
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                # aiohttp calls an untyped part octet-stream; the document then has no mime_type.
                given = value.headers.get("Content-Type")
                params[name] = UploadedFile(value.filename, value.file.read(), given)
            else:
                params[name] = value
    else:
        # Clients that label a form body wrongly, or not at all, still mean a form.
        params.update(parse_qsl(await request.text(), keep_blank_values=True))
    return params


class BotApiStandIn:
    """Telegram's Bot API on a loopback port, answered by a TelegramWorld."""

    def __init__(
        self,
        world: TelegramWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body_bytes: int = 50 * 1024 * 1024,
        idle_timeout: float = 60.0,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.host = require_loopback(host)
        self._requested_port = port
        self.max_body_bytes = max_body_bytes
        self.idle_timeout = idle_timeout
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.requests_served = 0
        # Transports are weakly referenced so that a long benchmark keeps no closed connection.
        self._connections_seen: weakref.WeakSet[object] = weakref.WeakSet()
        self.connections_accepted = 0
        # Webhooks: Telegram POSTs each update to the URL and retries until it gets a 2xx.
        # Public https origins are mapped to the bot's loopback listener, as nginx would.
        self.webhook_routes: dict[str, str] = {}
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_seconds = (0.05, 2.0)  # first and longest wait between attempts
        self.webhook_max_attempts = 200
        self.webhook_posts: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self._webhook_wake = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None

    @property
    def _origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to ApplicationBuilder.base_url()."""
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ApplicationBuilder.base_file_url()."""
        return f"{self._origin}/file/bot"

    async def start(self) -> None:
        """Bind the loopback port and start serving."""
        if self._runner is not None:
            raise RuntimeError("already serving")
        app = web.Application(client_max_size=self.max_body_bytes, middlewares=[self._errors])
        app.router.add_route("*", r"/bot{token}/{method:[A-Za-z0-9_]+}{slash:/?}", self._call)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._download)
        runner = web.AppRunner(
            app,
            access_log=None,
            keepalive_timeout=self.idle_timeout,
            # A client that hangs up mid long poll (PTB cancelling getUpdates on stop) must not
            # keep a poll alive in the world: its handler is cancelled with the connection.
            handler_cancellation=True,
            # stop() ends pending long polls at once, as the hand-written server did; aiohttp
            # takes no timeout for 0, so a twentieth of a second.
            shutdown_timeout=0.05,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self.world.on_updates_changed = self._webhook_wake.set
        self._sender = asyncio.create_task(self._deliver_webhooks())
        logger.info("Bot API stand-in on %s", self.base_url)

    async def stop(self) -> None:
        """Stop listening, end every connection (and pending long poll), and wait for them."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.world.on_updates_changed = lambda: None
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None
        await runner.cleanup()

    @web.middleware
    async def _errors(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Count the request and answer every refusal in Telegram's JSON error shape."""
        if request.transport is not None and request.transport not in self._connections_seen:
            self._connections_seen.add(request.transport)
            self.connections_accepted += 1
        try:
            response = await handler(request)
        except web.HTTPException as error:  # an unknown path, a body over the limit
            response = _api_error(error.status, error.reason)
        self.requests_served += 1
        return response

    async def _call(self, request: web.Request) -> web.StreamResponse:
        """One Bot API method call: /bot<token>/<method>."""
        if request.method not in ("GET", "POST"):
            return _api_error(405, "Method Not Allowed")
        method = request.match_info["method"]
        if not self.world.check_token(request.match_info["token"]):
            return _api_error(401, "Unauthorized")
        try:
            params = await _params(request)
        except (ValueError, UnicodeDecodeError) as error:
            return _api_error(400, f"Bad Request: can't parse request body: {error}")
        try:
            status, body = await self.world.handle_async(method, params)
        except Exception:
            # A simulator bug must reach the client as an error, not as a hung connection.
            logger.exception("the world failed on %s", method)
            return _api_error(500, "Internal Server Error")
        return web.json_response(body, status=status, dumps=_dumps)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A stored file: /file/bot<token>/<file_path>."""
        if not self.world.check_token(request.match_info["token"]):
            return _api_error(401, "Unauthorized")
        content = self.world.file_content(request.match_info["path"])
        if content is None:
            return _api_error(404, "Not Found")
        return web.Response(body=content, content_type="application/octet-stream")

    def route_webhooks(self, public_origin: str, local_origin: str) -> None:
        """Deliver webhooks for `https://host` to `http://127.0.0.1:port` (the proxy's job)."""
        local = urlsplit(local_origin)
        if local.scheme != "http" or local.hostname is None:
            raise ValueError(f"{local_origin!r}: give http://127.0.0.1:PORT")
        require_loopback(local.hostname)
        self.webhook_routes[public_origin.rstrip("/")] = local_origin.rstrip("/")

    def _webhook_target(self, url: str) -> str | None:
        """Where a webhook URL's POSTs really go; None outside the loopback interface."""
        parts = urlsplit(url)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self.webhook_routes:
            return self.webhook_routes[origin] + rest
        try:
            require_loopback(parts.hostname or "")
        except ValueError:
            return None
        # A loopback https URL: the stand-in plays the TLS-terminating proxy itself.
        return f"http://{parts.netloc}{rest}"

    async def _deliver_webhooks(self) -> None:
        """While a webhook is set: POST every pending update, retrying until a 2xx."""
        loop = asyncio.get_running_loop()
        in_flight: dict[int, asyncio.Task[int | str]] = {}
        attempts: dict[int, int] = {}
        not_before: dict[int, float] = {}
        async with aiohttp.ClientSession() as session:
            while True:
                self._webhook_wake.clear()
                url = self.world.webhook_url
                target = self._webhook_target(url) if url else None
                if url and target is None:
                    self.world.webhook_failed("refusing to deliver outside 127.0.0.1")
                elif target is not None:
                    now = loop.time()
                    for update in self.world.pending_updates():
                        update_id = update["update_id"]
                        if update_id in in_flight or not_before.get(update_id, 0.0) > now:
                            continue
                        if len(in_flight) >= self.world.webhook_max_connections:
                            break
                        post = self._post_update(session, target, update)
                        in_flight[update_id] = asyncio.create_task(post)
                waits: set[asyncio.Future[Any]] = set(in_flight.values())
                waking = asyncio.ensure_future(self._webhook_wake.wait())
                waits.add(waking)
                await asyncio.wait(waits, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
                waking.cancel()
                for update_id, task in list(in_flight.items()):
                    if not task.done():
                        continue
                    del in_flight[update_id]
                    outcome = task.result()
                    self.webhook_posts.append((update_id, outcome))
                    if isinstance(outcome, int) and 200 <= outcome < 300:
                        self.world.webhook_delivered(update_id)
                        attempts.pop(update_id, None)
                        not_before.pop(update_id, None)
                        continue
                    self.world.webhook_failed(
                        f"Wrong response from the webhook: {outcome}"
                        if isinstance(outcome, int)
                        else outcome
                    )
                    attempts[update_id] = tries = attempts.get(update_id, 0) + 1
                    if tries >= self.webhook_max_attempts:
                        self.world.webhook_delivered(update_id)  # Telegram gives up on it
                        continue
                    first, longest = self.webhook_retry_seconds
                    not_before[update_id] = loop.time() + min(first * 2 ** (tries - 1), longest)

    async def _post_update(
        self, session: aiohttp.ClientSession, target: str, update: JSON
    ) -> int | str:
        """One delivery: the HTTP status, or why there was none."""
        headers = {"Content-Type": "application/json"}
        if self.world.webhook_secret:
            headers[WEBHOOK_SECRET_HEADER] = self.world.webhook_secret
        try:
            async with session.post(
                target,
                data=_dumps(update).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                return response.status
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as error:
            return f"Connection failed: {type(error).__name__}"

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
