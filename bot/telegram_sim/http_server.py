"""The simulated Telegram served as a Bot API over HTTP/1.1 on a loopback address only."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import aiohttp

from bot.telegram_sim.world import JSON, TelegramWorld, UploadedFile

logger = logging.getLogger(__name__)

_METHOD_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+\*?)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))')
_READ_CHUNK = 64 * 1024
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class HttpError(Exception):
    """A request the server cannot even hand to the world (bad framing, too large)."""

    def __init__(self, status: HTTPStatus, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass(frozen=True)
class HttpRequest:
    """One parsed HTTP request."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        """HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only if asked."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


@dataclass(frozen=True)
class HttpResponse:
    """Status, body and content type of an answer."""

    status: int
    body: bytes
    content_type: str = "application/json"


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


class _Connection:
    """A client connection with its own read buffer, so a watcher read loses no bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buffer = bytearray()
        self.closed = False

    async def fill(self) -> bool:
        """Read more bytes into the buffer; False once the peer has closed."""
        if self.closed:
            return False
        chunk = await self.reader.read(_READ_CHUNK)
        if not chunk:
            self.closed = True
            return False
        self.buffer.extend(chunk)
        return True

    async def read_request(self, max_header: int, max_body: int) -> HttpRequest | None:
        """The next request, or None when the peer closed between requests."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > max_header:
                raise HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers too large")
            if not await self.fill():
                return None
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        self.buffer = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise HttpError(HTTPStatus.BAD_REQUEST, "malformed request line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise HttpError(HTTPStatus.BAD_REQUEST, "malformed header")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(max_body)
        else:
            body = await self._read_exact(self._content_length(headers, max_body))
        return HttpRequest(parts[0].upper(), parts[1], parts[2], headers, body)

    @staticmethod
    def _content_length(headers: dict[str, str], max_body: int) -> int:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if length < 0:
            raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > max_body:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
        return length

    async def _read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not await self.fill():
                raise HttpError(HTTPStatus.BAD_REQUEST, "body shorter than Content-Length")
        body = bytes(self.buffer[:size])
        del self.buffer[:size]
        return body

    async def _read_line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > _READ_CHUNK or not await self.fill():
                raise HttpError(HTTPStatus.BAD_REQUEST, "malformed chunked body")
        line, _, rest = bytes(self.buffer).partition(b"\r\n")
        self.buffer = bytearray(rest)
        return line

    async def _read_chunked(self, max_body: int) -> bytes:
        body = bytearray()
        while True:
            try:
                size = int((await self._read_line()).split(b";")[0], 16)
            except ValueError:
                raise HttpError(HTTPStatus.BAD_REQUEST, "malformed chunk size") from None
            if size == 0:
                while await self._read_line():
                    pass  # trailers end with an empty line
                return bytes(body)
            if len(body) + size > max_body:
                raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            body.extend(await self._read_exact(size))
            await self._read_line()

    async def respond(self, response: HttpResponse, *, keep_alive: bool) -> None:
        """Write one response with Content-Length (never chunked, never streamed)."""
        reason = HTTPStatus(response.status).phrase
        head = (
            f"HTTP/1.1 {response.status} {reason}\r\n"
            "Server: jinlin-telegram-sim\r\n"
            f"Content-Type: {response.content_type}\r\n"
            f"Content-Length: {len(response.body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        self.writer.write(head.encode("latin-1") + response.body)
        await self.writer.drain()


def _json_response(status: int, body: JSON) -> HttpResponse:
    return HttpResponse(status, json.dumps(body, ensure_ascii=False).encode())


def _api_error(status: int, description: str) -> HttpResponse:
    return _json_response(status, {"ok": False, "error_code": status, "description": description})


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Bot API parameters from a JSON, form-urlencoded or multipart/form-data body."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        return data
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, body)
    # PTB (via httpx) posts plain parameters form-encoded, with JSON-encoded nested values.
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ValueError("multipart body without boundary")
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    params: dict[str, Any] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition: dict[str, str] = {
            key.lower(): unquote(plain) if key.endswith("*") else (quoted or plain)
            for key, quoted, plain in _DISPOSITION_PARAM.findall(
                headers.get("content-disposition", "")
            )
        }
        field_name = disposition.get("name")
        if not field_name:
            continue
        filename = disposition.get("filename*", disposition.get("filename"))
        if filename is None:
            params[field_name] = content.decode()
        else:
            filename = filename.removeprefix("utf-8''").removeprefix("UTF-8''")
            params[field_name] = UploadedFile(filename, content, headers.get("content-type"))
    return params


class BotApiStandIn:
    """Telegram's Bot API on a loopback port, answered by a TelegramWorld."""

    def __init__(
        self,
        world: TelegramWorld,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_connections: int = 256,
        max_header_bytes: int = 64 * 1024,
        max_body_bytes: int = 50 * 1024 * 1024,
        idle_timeout: float = 60.0,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.host = require_loopback(host)
        self._requested_port = port
        self.max_connections = max_connections
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes
        self.idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0
        self.requests_served = 0
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
        if self._server is not None:
            raise RuntimeError("already serving")
        self._server = await asyncio.start_server(
            self._serve, self.host, self._requested_port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.world.on_updates_changed = self._webhook_wake.set
        self._sender = asyncio.create_task(self._deliver_webhooks())
        logger.info("Bot API stand-in on %s", self.base_url)

    async def stop(self) -> None:
        """Stop listening, end every connection (and pending long poll), and wait for them."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        self.world.on_updates_changed = lambda: None
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

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
                data=json.dumps(update, ensure_ascii=False).encode(),
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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connection = _Connection(reader, writer)
        if len(self._connections) >= self.max_connections:
            response = _api_error(503, "Service Unavailable: too many connections")
            with contextlib.suppress(ConnectionError):
                await connection.respond(response, keep_alive=False)
            writer.close()
            return
        self._connections.add(task)
        self.connections_accepted += 1
        try:
            await self._serve_requests(connection)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            # stop() ends the connection. Finishing quietly rather than as a cancelled task:
            # Python 3.11's streams callback logs a cancelled handler as a spurious traceback.
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve_requests(self, connection: _Connection) -> None:
        while True:
            try:
                request = await asyncio.wait_for(
                    connection.read_request(self.max_header_bytes, self.max_body_bytes),
                    self.idle_timeout,
                )
            except TimeoutError:
                return
            except HttpError as error:
                refusal = _api_error(error.status, error.description)
                await connection.respond(refusal, keep_alive=False)
                return
            if request is None:
                return
            response = await self._answer_unless_gone(connection, request)
            if response is None:
                return
            self.requests_served += 1
            await connection.respond(response, keep_alive=request.keep_alive)
            if not request.keep_alive:
                return

    async def _answer_unless_gone(
        self, connection: _Connection, request: HttpRequest
    ) -> HttpResponse | None:
        # A client that hangs up mid long-poll (PTB cancelling getUpdates on stop) must not
        # keep a poll alive in the world: watch the socket while the world answers.
        answer = asyncio.create_task(self._answer(request))
        watcher = asyncio.create_task(connection.fill())
        try:
            done, _ = await asyncio.wait({answer, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if answer not in done and not watcher.result():
                answer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await answer
                return None
            return await answer
        finally:
            for task in (answer, watcher):
                if not task.done():
                    task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await watcher

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        url = urlsplit(request.target)
        path = unquote(url.path)
        if request.method not in ("GET", "POST"):
            return _api_error(405, "Method Not Allowed")
        file_match = _FILE_PATH.fullmatch(path)
        if file_match is not None:
            return self._download(file_match["token"], file_match["path"])
        match = _METHOD_PATH.fullmatch(path)
        if match is None:
            return _api_error(404, "Not Found")
        if not self.world.check_token(match["token"]):
            return _api_error(401, "Unauthorized")
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            params.update(parse_body(request.headers.get("content-type", ""), request.body))
        except (ValueError, UnicodeDecodeError) as error:
            return _api_error(400, f"Bad Request: can't parse request body: {error}")
        try:
            status, body = await self.world.handle_async(match["method"], params)
        except Exception:
            # A simulator bug must reach the client as an error, not as a hung connection.
            logger.exception("the world failed on %s", match["method"])
            return _api_error(500, "Internal Server Error")
        return _json_response(status, body)

    def _download(self, token: str, file_path: str) -> HttpResponse:
        if not self.world.check_token(token):
            return _api_error(401, "Unauthorized")
        content = self.world.file_content(file_path)
        if content is None:
            return _api_error(404, "Not Found")
        return HttpResponse(200, content, "application/octet-stream")
