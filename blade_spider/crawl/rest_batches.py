"""The REST layer's requests: one ``/wp/v2/posts?include=…`` for up to 100 articles.

An article whose page left a field to a guess (:func:`~blade_spider.extract.layers.rest.
wants_rest`: a date read from text, the body's bounds guessed, a field missing) waits for its
post's REST object; the ids of the articles waiting are asked in one request, with ``_fields``
limited to what the layer reads and the author, terms and featured image embedded (``_embed``),
so users, terms and media cost no request of their own. A batch leaves when it is full or when
the downloader has nothing else to do (no more pages are coming soon: the crawl is ending, or
the parsed pages waiting hold the memory the engine allows), so a full crawl of a theme nobody
taught the parser costs one REST request per :data:`BATCH_SIZE` articles, and a crawl of known
templates none.

The first batch the site refuses (the API disabled, not JSON, robots.txt) ends the REST layer
for the run: every article then comes from its HTML alone, as it does in a WARC re-parse.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred

from blade_spider.extract import extract_page
from blade_spider.extract.layers.rest import EMBED, FIELDS, META_KEY, wants_rest
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.urls import SiteHosts

logger = logging.getLogger(__name__)

#: Ids per request: the most WordPress lists in one page (``per_page`` ≤ 100).
BATCH_SIZE = 100
#: How often a waiting batch checks whether the downloader has gone quiet (seconds).
CHECK_INTERVAL = 0.25


class RestBatches:
    """Articles waiting for their posts' REST objects (see the module docstring)."""

    def __init__(self, crawler: Crawler, base_url: str, site: SiteHosts) -> None:
        self.crawler = crawler
        self.base_url = base_url
        self.site = site
        self.enabled = crawler.settings.getbool("BLADE_REST_LAYER")
        self.waiting: dict[int, list[Deferred[dict[str, Any] | None]]] = {}
        self.in_flight = 0
        #: Made on first use: a LoopingCall takes the reactor, which the crawl installs later.
        self.check: task.LoopingCall | None = None

    @property
    def stats(self) -> Any:
        """The crawl's stats (not there yet when the spider is made)."""
        return self.crawler.stats

    def wants(self, article: Article) -> bool:
        return bool(self.enabled and article.wp_post_id and wants_rest(article.crawl))

    async def complete(self, article: Article, response: Response) -> Article:
        """``article`` read again with its post's REST object, or as it is without one."""
        if not self.wants(article):
            return article
        waiter: Deferred[dict[str, Any] | None] = Deferred()
        self.waiting.setdefault(int(article.wp_post_id or 0), []).append(waiter)
        if len(self.waiting) >= BATCH_SIZE:
            self.flush()
        else:
            self.check = self.check or task.LoopingCall(self._flush_if_quiet)
            if not self.check.running:
                self.check.start(CHECK_INTERVAL, now=False)
        post = await maybe_deferred_to_future(waiter)
        if post is None:
            return article
        response.meta[META_KEY] = post
        try:
            return extract_page(Page(response, self.site))
        except Exception:  # the page's own record stands; REST must never lose it
            logger.exception("Re-reading %s with its REST post failed", response.url)
            return article

    def _flush_if_quiet(self) -> None:
        downloading = len(self.crawler.engine.downloader.active) - self.in_flight
        if self.waiting and downloading <= 0:
            self.flush()

    def flush(self) -> None:
        """Send the waiting ids (up to :data:`BATCH_SIZE`) in one request."""
        ids = list(self.waiting)[:BATCH_SIZE]
        waiters = {post_id: self.waiting.pop(post_id) for post_id in ids}
        if not self.waiting and self.check is not None and self.check.running:
            self.check.stop()
        if not ids:
            return
        params = {"include": ",".join(map(str, ids)), "per_page": BATCH_SIZE,
                  "_fields": ",".join(FIELDS), "_embed": ",".join(EMBED)}
        request = Request(f"{self.base_url}/wp-json/wp/v2/posts?{urlencode(params)}",
                          headers={"Accept": "application/json"},
                          meta={"blade_stage": "rest_batch"}, dont_filter=True)
        self.stats.inc_value("blade/rest/batches")
        self.stats.inc_value("blade/rest/posts_asked", len(ids))
        self.in_flight += 1
        done = deferred_from_coro(self._fetch(request))
        done.addBoth(self._answer, waiters)

    async def _fetch(self, request: Request) -> dict[int, dict[str, Any]]:
        try:
            response = await self.crawler.engine.download_async(request)
        finally:
            self.in_flight -= 1
        return posts_by_id(response)

    def _answer(self, result: Any, waiters: dict[int, list[Deferred[Any]]]) -> None:
        if not isinstance(result, dict):
            self.give_up(str(getattr(result, "value", result)))
            result = {}
        self.stats.inc_value("blade/rest/posts_answered", len(result))
        for post_id, deferreds in waiters.items():
            for deferred in deferreds:
                deferred.callback(result.get(post_id))

    def give_up(self, reason: str) -> None:
        """The site refused a batch: the rest of the run reads HTML alone."""
        if self.enabled:
            logger.info("REST layer off for this run (%s): articles are read from their pages",
                        reason)
            self.stats.set_value("blade/rest/unavailable", reason)
        self.enabled = False
        self.release()

    def release(self) -> None:
        """Every waiting article goes on without its REST object (the run is closing, or the
        layer is off)."""
        if self.check is not None and self.check.running:
            self.check.stop()
        waiting, self.waiting = self.waiting, {}
        for deferreds in waiting.values():
            for deferred in deferreds:
                deferred.callback(None)


class RestRefused(Exception):
    """A batch answer that is no list of posts."""


def posts_by_id(response: Response) -> dict[int, dict[str, Any]]:
    """The posts of a batch answer by id; :class:`RestRefused` when it is not one."""
    if response.status != 200 or not isinstance(response, TextResponse):
        raise RestRefused(f"HTTP {response.status}")
    try:
        posts = json.loads(response.text)
    except ValueError:
        raise RestRefused("not JSON") from None
    if not isinstance(posts, list):
        raise RestRefused("not a list of posts")
    return {post["id"]: post for post in posts
            if isinstance(post, dict) and isinstance(post.get("id"), int)}
