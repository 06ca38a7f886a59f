"""Downloader middlewares for politeness Scrapy does not provide out of the box.

* :class:`BackoffRetryMiddleware`: Scrapy's retry middleware retries at once; a struggling or
  rate-limiting server needs the opposite. This one waits before each retry (``Retry-After`` when
  the server sends it, else exponential backoff) and slows the whole site down on a 429.
* :class:`CrawlDelayMiddleware`: Scrapy 2.18+ parses robots.txt ``Crawl-delay`` (and signals
  ``robots_parsed``) but does not apply it; this spaces each site's requests at least that far
  apart, even when AutoThrottle would go faster, up to a cap (``BLADE_MAX_CRAWL_DELAY``), and
  lets a graceful stop through at once instead of waiting out the delay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 429/5xx and network errors after a pause; honour ``Retry-After``."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("BLADE_RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("BLADE_RETRY_BACKOFF_MAX")

    def backoff(self, request: Request, response: Response | None = None) -> float:
        """How long to wait before retrying ``request``."""
        attempt = request.meta.get("retry_times", 0)
        pause = self.base * (2**attempt)
        if response is not None:
            after = retry_after_seconds(response.headers.get(b"Retry-After"))
            if after is not None:
                pause = after
        return min(pause, self.cap)

    def _slow_down_site(self, request: Request, pause: float) -> None:
        """After a 429 the site asked everyone to wait: the whole slot keeps at least that delay
        between requests for as long as it asked (then its usual pace comes back)."""
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None or slot.delay >= pause:
            return
        usual, slot.delay = slot.delay, pause

        def restore() -> None:
            if slot.delay == pause:  # unless AutoThrottle or another 429 changed it since
                slot.delay = usual

        asyncio.get_running_loop().call_later(pause, restore)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        pause = self.backoff(request, response)
        retry = self._retry(request, f"{response.status}")
        if retry is None:
            return response
        if response.status == 429:
            self._slow_down_site(request, pause)
        self.crawler.stats.inc_value("blade/retry/backoff_seconds", pause)
        logger.info("HTTP %s for %s: retrying in %.1f s", response.status, request.url, pause)
        await asyncio.sleep(pause)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        pause = self.backoff(request)
        self.crawler.stats.inc_value("blade/retry/backoff_seconds", pause)
        logger.info("%s for %s: retrying in %.1f s", type(exception).__name__, request.url, pause)
        await asyncio.sleep(pause)
        return retry


class CrawlStopping(IgnoreRequest):
    """A request still waiting out the site's ``Crawl-delay`` when the crawl was asked to stop.

    It is dropped, not failed: an article request stays in the state's in-flight list and a
    listing goes back to the queue that a resumed run reads, so the next run fetches both.
    """


class CrawlDelayMiddleware:
    """Apply robots.txt ``Crawl-delay`` to every request of that site.

    The wait happens here, a second at a time, rather than in the download slot: a request
    queued in a slot cannot be taken back, and Scrapy's graceful stop waits for every queued
    request, so a day-long ``Crawl-delay`` held a SIGTERM'd crawl (and its lock) for hours.
    """

    #: How often a waiting request checks whether the crawl is stopping (seconds).
    TICK = 0.5

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("BLADE_MAX_CRAWL_DELAY")
        self.delays: dict[str, float] = {}
        self.next_start: dict[str, float] = {}  # monotonic time the site's next request may go
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        user_agent = (self.crawler.settings.get("ROBOTSTXT_USER_AGENT")
                      or self.crawler.settings.get("USER_AGENT"))
        delay = robotparser.crawl_delay(user_agent) if hasattr(robotparser, "crawl_delay") else None
        if not delay:
            return
        netloc = urlparse_cached(request).netloc
        asked = float(delay)
        if asked > self.cap:
            logger.warning("robots.txt of %s asks for Crawl-delay %s s: capped at %s s "
                           "(BLADE_MAX_CRAWL_DELAY)", netloc, delay, self.cap)
            self.crawler.stats.set_value("blade/robots/crawl_delay_asked", asked)
        else:
            logger.info("robots.txt of %s asks for Crawl-delay %s s: obeying", netloc, delay)
        self.delays[netloc] = min(asked, self.cap)
        # robots.txt itself was the site's last request: the next one waits the delay.
        self.next_start[netloc] = time.monotonic() + self.delays[netloc]
        self.crawler.stats.set_value("blade/robots/crawl_delay", self.delays[netloc])

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        netloc = urlparse_cached(request).netloc
        delay = self.delays.get(netloc)
        if not delay:
            return
        now = time.monotonic()
        start = max(now, self.next_start.get(netloc, now))
        self.next_start[netloc] = start + delay
        while (remaining := start - time.monotonic()) > 0:
            if not self.crawler.crawling:
                logger.info("Stopping: %s was waiting out the site's Crawl-delay and is left "
                            "for the next run", request.url)
                raise CrawlStopping(request.url)
            await asyncio.sleep(min(remaining, self.TICK))


class SameSiteMiddleware:
    """Never leave the site, whatever a redirect says.

    Scrapy's OffsiteMiddleware lets ``dont_filter`` requests through, and article requests carry
    ``dont_filter`` (the spider deduplicates them itself), so a redirect to another host is
    stopped here instead, where it becomes a recorded failure of the article.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SameSiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if request.meta.get("allow_offsite") or site is None:  # as Scrapy's OffsiteMiddleware
            return
        if not site.owns(request.url):
            self.crawler.stats.inc_value("blade/offsite_blocked")
            raise IgnoreRequest(f"offsite redirect to {request.url} not followed")


class WesternFallbackEncodingMiddleware:
    """Read an undeclared, non-UTF-8 page as Windows-1252, as browsers do for English pages.

    Scrapy guesses the encoding of a page that declares none with charset-normalizer, which can
    take an English Windows-1252 page for Central European ``cp1250`` (``São`` → ``Săo``). The
    HTML standard's fallback for English is windows-1252; old Blade pages need exactly that.
    """

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        if not isinstance(response, TextResponse) or declares_encoding(response):
            return response
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response.replace(encoding="cp1252")
        return response


def declares_encoding(response: TextResponse) -> bool:
    """True when the page names its encoding (HTTP header, BOM or ``<meta charset>``)."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return bool(http_content_type_encoding(content_type) or read_bom(response.body)[0]
                or html_body_declared_encoding(response.body))
