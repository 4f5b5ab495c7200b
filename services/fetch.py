"""Fetch feeds and linked pages over HTTP, politely and safely.

- Only http and https; every address a host resolves to, and every IP literal, is checked
  before connecting, on the first request and after each redirect (redirects are followed
  here, at most `MAX_REDIRECTS`): loopback, private, link-local (cloud metadata), multicast
  and reserved addresses are refused unless `allow_private` (on-premises feeds, tests on
  loopback), which still refuses link-local ones. The check runs in the connector's
  resolver, so the address checked is the address connected to (no DNS rebinding window).
- Conditional GET (If-None-Match, If-Modified-Since): a 304 costs a few hundred bytes.
- A size limit on the body as received and as decompressed (gzip bombs stop there), a
  timeout per request, 429/503 with `Retry-After` reported as such for the caller to honour.
- Concurrency: at most `per_host` requests to one host at a time, `total` overall.
Every failure is a `FetchError` with a one-line reason and a short kind for metrics.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 24 * 3600.0  # s: a longer Retry-After is read as a day
USER_AGENT = "briefbot (news digest; feed reader)"
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MB = 1024 * 1024


class FetchError(Exception):
    """A fetch that failed; str() is the one-line reason, `kind` a short label for metrics."""

    def __init__(self, reason: str, kind: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.retry_after = retry_after  # s the server asked us to wait (429/503)


class AddressRefused(OSError):
    """A host resolved only to addresses feeds may not reach (raised inside the connector)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response worth reading: 200 with its body, or 304 (body empty)."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        """Tell whether the server answered 304 Not Modified."""
        return self.status == 304


def refused_address(address: str, allow_private: bool) -> str | None:
    """Return why feeds may not connect to this IP address (None: they may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return "a link-local (cloud metadata) address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if allow_private:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if not ip.is_global:
        return "a private address"
    return None


def check_url(url: str, allow_private: bool) -> str:
    """Return *url* if feeds may fetch it (scheme, host, IP literal); raise FetchError if not."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is not one
    except ValueError:
        raise FetchError("refused: not a valid URL", "refused") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError("refused: only http and https URLs can be fetched", "refused")
    if not parts.hostname:
        raise FetchError("refused: the URL names no host", "refused")
    if parts.username is not None or parts.password is not None:
        raise FetchError("refused: the URL holds a user name or password", "refused")
    try:
        reason = refused_address(parts.hostname, allow_private)
    except ValueError:  # a host name: the resolver checks what it resolves to
        return url.strip()
    if reason:
        raise FetchError(f"refused: {parts.hostname} is {reason}", "refused")
    return url.strip()


class SafeResolver(AbstractResolver):
    """Resolve with *inner*, keeping only addresses feeds may reach."""

    def __init__(self, allow_private: bool, inner: AbstractResolver | None = None) -> None:
        self._allow_private = allow_private
        self._inner = inner or ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """Return the host's reachable addresses; raise AddressRefused when none is."""
        found = await self._inner.resolve(host, port, family)
        allowed = [r for r in found if not refused_address(r["host"], self._allow_private)]
        if not allowed and found:
            reason = refused_address(found[0]["host"], self._allow_private)
            raise AddressRefused(f"refused: {host} resolves to {reason}")
        return allowed

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()


class Fetcher:
    """An HTTP client for feeds and pages; use as an async context manager."""

    def __init__(self, *, max_bytes: int, allow_private: bool = False, timeout: float = 30.0,
                 per_host: int = 4, total: int = 64,
                 resolver: AbstractResolver | None = None) -> None:
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.timeout = timeout
        self._resolver = resolver
        self._total = asyncio.Semaphore(total)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(
            resolver=SafeResolver(self.allow_private, self._resolver), limit=0, ttl_dns_cache=60)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 10.0)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  accept: str = FEED_ACCEPT) -> Fetched:
        """GET *url* (following safe redirects), conditionally when etag/last_modified given."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(MAX_REDIRECTS + 1):
            url = check_url(url, self.allow_private)
            host = (urlsplit(url).hostname or "").lower()
            # The host's slot first: a request queued behind its host must not hold one of the
            # overall slots meanwhile (a list of many feeds of one publisher would starve the
            # rest). The timeout starts inside, so queueing never counts against it.
            async with self._hosts[host], self._total:
                result = await self._request(url, headers)
            if isinstance(result, Fetched):
                return result
            url = result  # a redirect: check and fetch the next hop
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})", "redirects")

    async def _request(self, url: str, headers: dict[str, str]) -> Fetched | str:
        assert self._session is not None, "use Fetcher as an async context manager"
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as resp:
                return await self._response(url, resp)
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s", "timeout") from None
        except aiohttp.ClientConnectorError as exc:
            raise _connect_error(exc) from None
        except aiohttp.ClientPayloadError as exc:
            raise FetchError(f"broken response: {_first_line(exc)}", "broken") from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise FetchError(f"HTTP error: {_first_line(exc) or type(exc).__name__}",
                             "http") from None

    async def _response(self, url: str, resp: aiohttp.ClientResponse) -> Fetched | str:
        if resp.status in _REDIRECTS and resp.headers.get("Location"):
            return urljoin(url, resp.headers["Location"])
        if resp.status in (429, 503):
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            hint = f"; retry after {wait:g} s" if wait is not None else ""
            raise FetchError(f"HTTP {resp.status} {resp.reason or ''}".strip() + hint,
                             f"http_{resp.status}", retry_after=wait)
        if resp.status >= 400 or resp.status < 200 or resp.status in _REDIRECTS:
            raise FetchError(f"HTTP {resp.status} {resp.reason or ''}".strip(), f"http_{resp.status}")
        etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        body = b"" if resp.status == 304 else await self._body(resp)
        return Fetched(str(resp.url), resp.status, body, resp.headers.get("Content-Type"),
                       etag, modified)

    async def _body(self, resp: aiohttp.ClientResponse) -> bytes:
        """Read the (decompressed) body, giving up as soon as it passes the size limit."""
        declared = resp.content_length
        if declared is not None and declared > self.max_bytes:
            raise FetchError(_too_large(self.max_bytes, declared), "too_large")
        chunks, size = [], 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(_too_large(self.max_bytes), "too_large")
            chunks.append(chunk)
        return b"".join(chunks)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds, capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _connect_error(exc: aiohttp.ClientConnectorError) -> FetchError:
    cause = exc.os_error
    if isinstance(cause, AddressRefused):
        return FetchError(str(cause), "refused")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchError(f"host not found: {exc.host}", "dns")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError(f"TLS error with {exc.host}", "tls")
    reason = getattr(cause, "strerror", None) or type(cause).__name__
    return FetchError(f"cannot connect to {exc.host}:{exc.port}: {reason}", "connect")


def _too_large(limit: int, size: int | None = None) -> str:
    what = f"{size / _MB:.1f} MB, " if size is not None else ""
    return f"too large: {what}over the {round(limit / _MB, 2):g} MB limit"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:160]
