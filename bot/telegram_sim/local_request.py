"""A PTB request backend that talks to a TelegramWorld in-process: no sockets at all."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from bot.telegram_sim.world import JSON, TelegramWorld, UploadedFile

# PTB builds "<base_url><token>/<method>" and "<base_file_url><token>/<file_path>".
_METHOD_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_NOT_FOUND: JSON = {"ok": False, "error_code": 404, "description": "Not Found"}
_UNAUTHORIZED: JSON = {"ok": False, "error_code": 401, "description": "Unauthorized"}


class InProcessRequest(BaseRequest):
    """BaseRequest that answers every Bot API call from a TelegramWorld, as Telegram would."""

    def __init__(self, world: TelegramWorld) -> None:
        self.world = world

    @property
    def read_timeout(self) -> float | None:
        """No network, so nothing to time out."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Decode the call as the wire would carry it and let the world answer."""
        path = unquote(urlsplit(url).path)
        file_match = _FILE_PATH.search(path)
        if file_match is not None:
            return self._download(file_match["token"], file_match["path"])
        match = _METHOD_PATH.search(path)
        if match is None:
            return 404, _encode(_NOT_FOUND)
        if not self.world.check_token(match["token"]):
            return 401, _encode(_UNAUTHORIZED)
        status, body = await self.world.handle_async(match["method"], _wire_params(request_data))
        return status, _encode(body)

    def _download(self, token: str, file_path: str) -> tuple[int, bytes]:
        if not self.world.check_token(token):
            return 401, _encode(_UNAUTHORIZED)
        content = self.world.file_content(file_path)
        if content is None:
            return 404, _encode(_NOT_FOUND)
        return 200, content


def _wire_params(request_data: RequestData | None) -> dict[str, Any]:
    """Parameters exactly as HTTPXRequest would post them: JSON-encoded strings plus files."""
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.json_parameters)
    if request_data.contains_files:
        for name, (filename, content, mime_type) in request_data.multipart_data.items():
            data = content if isinstance(content, bytes) else content.read()
            params[name] = UploadedFile(filename or name, bytes(data), mime_type)
    return params


def _encode(body: JSON) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def offline_application_builder(world: TelegramWorld) -> ApplicationBuilder:
    """An ApplicationBuilder whose bot talks to `world` in-process (for the console and tests)."""
    return (
        ApplicationBuilder()
        .token(world.bot_token)
        .request(InProcessRequest(world))
        .get_updates_request(InProcessRequest(world))
    )
