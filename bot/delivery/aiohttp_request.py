"""Bot API calls over aiohttp: PTB's request seam with a cheaper HTTP client under it.

PTB's own `HTTPXRequest` spends 0.7-0.9 ms of CPU per Bot API call in httpx, httpcore, h11
and anyio (measured on the 2-core bench machine, keep-alive on 127.0.0.1); under load that
was the largest share of the bot's event loop (see bot/bench/load.py). aiohttp parses HTTP
in C: about 0.15 ms for the same call. Everything above `do_request` (JSON parsing,
Telegram's error shapes, `RetryAfter`, `ChatMigrated`) stays PTB's: this class only moves
bytes, as `HTTPXRequest` does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue  # what DEFAULT_NONE is an instance of
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput, UploadFileDict

__all__ = ["AiohttpRequest"]

_FORM = MappingProxyType(
    {
        "User-Agent": BaseRequest.USER_AGENT,
        "Content-Type": "application/x-www-form-urlencoded",
    }
)
_PLAIN = MappingProxyType({"User-Agent": BaseRequest.USER_AGENT})
# Bot API paths carry the token ("/bot123:AA.../sendMessage"); aiohttp puts URLs in some
# error messages, and those end up in logs.
_TOKEN_IN_PATH = re.compile(r"/(file/)?bot[^/\s]+")
# Multipart file names the way browsers and httpx write them (HTML5 form encoding): a quote
# or a line break would otherwise end the header.
_FILENAME_ESCAPES = {0x22: "%22", **{c: f"%{c:02X}" for c in range(0x20) if c != 0x1B}}


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` over one `aiohttp.ClientSession` with a keep-alive pool.

    Same defaults as the requests `ApplicationBuilder` makes. PTB's four timeouts are mapped
    onto aiohttp's: `connect_timeout` -> `sock_connect`; `pool_timeout` + `connect_timeout`
    -> `connect` (aiohttp waits for a free pool slot and connects within one budget);
    `read_timeout` -> `sock_read` (longest silence while reading the answer). aiohttp has no
    write timeout, so `write_timeout` (`media_write_timeout` for uploads) bounds the whole
    exchange together with the others: `total` = their sum, a stalled upload still ends.
    `None` means no limit, as in PTB. `proxy` is an http:// proxy URL (aiohttp's own
    support) or a socks5:// / socks5h:// / socks4:// one (through aiohttp-socks, which
    replaces the connector), credentials in the URL either way; without one the
    HTTP(S)_PROXY / NO_PROXY environment variables apply, as they do for httpx.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_proxy",
        "_proxy_headers",
        "_read_timeout",
        "_session",
        "_socks",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy: URL | None = None
        self._proxy_headers: dict[str, str] | None = None
        self._socks: str | None = None
        if proxy:
            url = URL(proxy)
            if url.scheme.startswith("socks"):
                self._socks = proxy
            else:
                # aiohttp wants the credentials apart from the proxy's address (as a header:
                # its proxy_auth argument is deprecated).
                if url.user is not None:
                    pair = f"{url.user}:{url.password or ''}".encode()
                    self._proxy_headers = {
                        "Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()
                    }
                self._proxy = url.with_user(None)
        # Per origin: the proxy HTTP(S)_PROXY / NO_PROXY name (looked up once, not per call).
        self._proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        """See `BaseRequest.read_timeout`: the default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (in the running event loop, which aiohttp binds it to)."""
        if self._session is None or self._session.closed:
            connector: aiohttp.BaseConnector
            if self._socks is not None:
                from aiohttp_socks import ProxyConnector

                # The proxy resolves api.telegram.org (socks5h's promise), where local DNS
                # may be filtered; python-socks spells socks5h as socks5 with rdns.
                url = self._socks.replace("socks5h://", "socks5://", 1)
                connector = ProxyConnector.from_url(url, rdns=True, limit=self._pool_size)
            else:
                connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector,
                # No total default: each request brings its own ClientTimeout.
                timeout=aiohttp.ClientTimeout(total=None),
                # The Bot API sets no cookies; skip the jar's work on every call.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; a later `initialize` opens a new one."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: (HTTP status, body) or TimedOut / NetworkError."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        params = request_data.json_parameters if request_data else None
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, self._media_write_timeout if files else self._write_timeout),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )

        proxy, proxy_auth = await self._proxy_for(url)
        data: Any = None
        headers = _PLAIN
        if files:
            data = _multipart(params or {}, files)
        elif params:
            data = urlencode(params).encode()
            headers = _FORM
        if self._proxy_headers is not None and url.startswith("http://"):
            # Plain HTTP goes to the proxy as it is: the credentials ride in its headers
            # (aiohttp sends proxy_headers only with an https CONNECT).
            headers = MappingProxyType({**headers, **self._proxy_headers})
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
                proxy_headers=self._proxy_headers,
                # Like httpx (PTB's default): a 3xx is an answer for PTB to judge, not followed.
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's ServerTimeoutError is a TimeoutError too
            raise TimedOut(f"Timed out: {_without_token(err)}") from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {_without_token(err)}") from err

    async def _proxy_for(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        if self._proxy is not None:
            return self._proxy, None
        if self._socks is not None:
            return None, None  # the connector goes through the SOCKS proxy
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        found = self._proxies.get(key)
        if found is None:
            # aiohttp's trust_env would do this lookup in a worker thread on every call.
            found = (None, None)
            with contextlib.suppress(LookupError):
                found = await asyncio.to_thread(get_env_proxy_for_url, URL(url))
            self._proxies[key] = found
        return found

    def _timeout(
        self,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            parts = (read, write, connect, pool)
            timeout = aiohttp.ClientTimeout(
                total=None if None in parts else sum(p for p in parts if p is not None),
                connect=None if pool is None or connect is None else pool + connect,
                sock_connect=connect,
                sock_read=read,
            )
            if len(self._timeouts) < 64:  # a handful of distinct combinations in practice
                self._timeouts[key] = timeout
        return timeout


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """The caller's timeout, or this instance's default where PTB passed DEFAULT_NONE."""
    return default if isinstance(value, DefaultValue) else value


def _multipart(params: dict[str, str], files: UploadFileDict) -> aiohttp.FormData:
    """Plain parameters first, then the files: the parts httpx would send."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in params.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(
            name,
            content,
            filename=filename.translate(_FILENAME_ESCAPES) if filename else None,
            content_type=mimetype,
        )
    return form


def _without_token(err: BaseException) -> str:
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1) or ''}bot[token]", str(err)) or repr(err)
