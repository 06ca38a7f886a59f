"""The REST layer's requests: one ``/wp/v2/posts?include=…`` for up to 100 articles.

An article whose page left a field to a guess (:func:`~blade_spider.extract.layers.rest.
wants_rest`: a date read from text, the body's bounds guessed, a field missing) waits for its
post's REST object; the ids of the articles waiting are asked in one request, with ``_fields``
limited to what the layer reads and the author, terms and featured image embedded (``_embed``),
so users, terms and media cost no request of their own; the comments of the posts whose page
showed none are asked in one more request (``/wp/v2/comments?post=…``). A batch leaves when it
is full or when the downloader has nothing else to do (no more pages are coming soon: the crawl
is ending, or the parsed pages waiting hold the memory the engine allows), so a full crawl of a
theme nobody taught the parser costs one or two REST requests per :data:`BATCH_SIZE` articles,
and a crawl of known templates none.

The first batch the site refuses (the API disabled, not JSON, robots.txt) ends the REST layer
for the run: every article then comes from its HTML alone, as it does in a WARC re-parse.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred

from blade_spider.extract import extract_page
from blade_spider.extract.layers.rest import (
    COMMENT_FIELDS,
    COMMENTS_KEY,
    EMBED,
    FIELDS,
    META_KEY,
    wants_rest,
)
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.urls import SiteHosts

logger = logging.getLogger(__name__)

#: A post's REST object and its comments (those asked for).
Answer = tuple[dict[str, Any], list[dict[str, Any]]]
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
        self.waiting: dict[int, list[Deferred[Answer | None]]] = {}
        #: Waiting posts whose page showed no comments: their comments are asked too.
        self.no_comments: set[int] = set()
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
        waiter: Deferred[Answer | None] = Deferred()
        post_id = int(article.wp_post_id or 0)
        self.waiting.setdefault(post_id, []).append(waiter)
        if not article.comments and not shows_comment_form(response):
            self.no_comments.add(post_id)  # WordPress's comments are not on the page
        if len(self.waiting) >= BATCH_SIZE:
            self.flush()
        else:
            self.check = self.check or task.LoopingCall(self._flush_if_quiet)
            if not self.check.running:
                self.check.start(CHECK_INTERVAL, now=False)
        answer = await maybe_deferred_to_future(waiter)
        if answer is None:
            return article
        response.meta[META_KEY], comments = answer
        if comments:
            response.meta[COMMENTS_KEY] = comments
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
        without_comments = [post_id for post_id in ids if post_id in self.no_comments]
        self.no_comments.difference_update(ids)
        self.stats.inc_value("blade/rest/batches")
        self.stats.inc_value("blade/rest/posts_asked", len(ids))
        self.in_flight += 1
        done = deferred_from_coro(self._fetch(ids, without_comments))
        done.addBoth(self._answer, waiters)

    def _request(self, endpoint: str, params: dict[str, Any]) -> Request:
        return Request(f"{self.base_url}/wp-json/wp/v2/{endpoint}?{urlencode(params)}",
                       headers={"Accept": "application/json"},
                       meta={"blade_stage": "rest_batch"}, dont_filter=True)

    async def _fetch(self, ids: list[int], without_comments: list[int]
                     ) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
        """The posts of ``ids``, and the comments of those whose page showed none."""
        try:
            response = await self.crawler.engine.download_async(self._request("posts", {
                "include": ",".join(map(str, ids)), "per_page": BATCH_SIZE,
                "_fields": ",".join(FIELDS), "_embed": ",".join(EMBED)}))
            posts = posts_by_id(response)
            comments = await self._comments(without_comments) if without_comments else {}
        finally:
            self.in_flight -= 1
        return posts, comments

    async def _comments(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Every comment of the posts ``ids``, page by page (100 a page); none when the site
        will not list them (the posts still count)."""
        try:
            return await self._comment_pages(ids)
        except Exception as exc:  # the posts stand without their comments
            logger.info("REST comments unavailable: %s", exc)
            return {}

    async def _comment_pages(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {}
        page, pages = 1, 1
        while page <= pages:
            self.stats.inc_value("blade/rest/comment_requests")
            response = await self.crawler.engine.download_async(self._request("comments", {
                "post": ",".join(map(str, ids)), "per_page": BATCH_SIZE, "page": page,
                "orderby": "date_gmt", "order": "asc", "_fields": ",".join(COMMENT_FIELDS)}))
            try:
                listed = json.loads(response.text) if response.status == 200 else None
            except (AttributeError, ValueError):
                listed = None
            if not isinstance(listed, list):
                logger.info("No REST comments at %s (HTTP %s)", response.url, response.status)
                return {}
            for comment in listed:
                if isinstance(comment, dict) and isinstance(comment.get("post"), int):
                    found.setdefault(comment["post"], []).append(comment)
            pages = int(response.headers.get(b"X-WP-TotalPages", b"1") or 1)
            page += 1
        return found

    def _answer(self, result: Any, waiters: dict[int, list[Deferred[Any]]]) -> None:
        if not isinstance(result, tuple):
            self.give_up(str(getattr(result, "value", result)))
            result = ({}, {})
        posts, comments = result
        self.stats.inc_value("blade/rest/posts_answered", len(posts))
        for post_id, deferreds in waiters.items():
            answer = (posts[post_id], comments.get(post_id, [])) if post_id in posts else None
            for deferred in deferreds:
                deferred.callback(answer)

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
        self.no_comments.clear()
        for deferreds in waiting.values():
            for deferred in deferreds:
                deferred.callback(None)


#: What ``comment_form()`` prints: a page with it shows its approved comments above it, so
#: finding none there means there are none.
COMMENT_FORM = re.compile(rb"""<div[^>]+id=["']respond["']""")


def shows_comment_form(response: Response) -> bool:
    """Whether the page carries WordPress's comment form (a theme that loads comments by
    script prints neither the list nor the form)."""
    return COMMENT_FORM.search(response.body) is not None


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
