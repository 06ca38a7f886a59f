"""The ``blade`` spider: discovery only, from robots.txt to article URLs.

What to request and in which order: robots.txt (obeyed, its ``Sitemap:`` lines used), sitemaps
(Yoast and WordPress core, with ``lastmod``), the feed, and, when a site has no sitemap, category
and date archives with ``/page/N/`` pagination. On later runs the WordPress REST API (one small
request lists every post changed since the last crawl) or sitemap ``lastmod`` decide what is new
or changed. Every article URL goes to :meth:`BladeSpider.parse_article`, which hands the response
to :mod:`blade_spider.extract`.

Arguments (``-a name=value``): ``url`` (one or more article URLs, comma or space separated:
fetch just those), ``base_url`` (crawl a mirror or staging copy), ``since``/``until``
(publication dates, ``YYYY-MM-DD``), ``limit`` (at most this many articles), ``full`` (re-fetch
everything), ``recheck_days`` (re-check window when the site gives no change signal).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from blade_spider import __version__
from blade_spider.archive.state import ArticleState, StateStore, utc_now
from blade_spider.crawl.middlewares import CrawlStopping
from blade_spider.crawl.rest_batches import RestBatches
from blade_spider.crawl.resume import ScheduledKeys
from blade_spider.crawl.sitemaps import Sitemap, SitemapRefused, read_sitemap
from blade_spider.extract import NotAnArticle, extract_article, extract_page
from blade_spider.extract.layers.wordpress import WordPressLayer
from blade_spider.extract.page import Page
from blade_spider.record.dates import parse_page_date
from blade_spider.record.items import (
    Article,
    ArticleGone,
    ArticleUnchanged,
    FetchFailure,
    SkippedPage,
)
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
from blade_spider.urls import (
    ARTICLE_PATH,
    SiteHosts,
    compact_key,
    original_url,
)

#: Sitemaps that list posts (Yoast, WordPress core, generic); others (pages, tags, users) are not
#: followed.
POST_SITEMAP = re.compile(r"(?:post-sitemap\d*|wp-sitemap-posts-post-\d+|/sitemap\d*|news-sitemap)"
                          r"\.xml(?:\.gz)?$")
#: Archive pages walked when a site has no sitemap: home, categories, date archives, pagination.
ARCHIVE_ALLOW = (r"/category/", r"/\d{4}/\d{2}/(?:\d{2}/)?(?:page/\d+/)?$", r"/page/\d+/$")
ARTICLE_STATUSES = [304, 404, 410]
REST_PAGE_SIZE = 100
#: Safety margin subtracted from the last crawl's start for ``modified_after`` (clock skew).
WATERMARK_MARGIN = timedelta(hours=2)


def split_urls(value: str | list[str] | None) -> list[str]:
    """``url`` argument: one or more URLs separated by commas, spaces or newlines."""
    if not value:
        return []
    items = value if isinstance(value, list) else re.split(r"[\s,]+", value)
    return [u.strip() for u in items if u and u.strip()]


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` spider argument; a bad value stops the crawl with a clear message."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad -a {name}={value!r}: expected a date like 2017-09-05") from None


def refuse_credentials(url: str) -> None:
    """A URL with a user name or password is refused, naming neither: it would be written to
    every log line, failure and record that names the URL."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or "?"
        raise ValueError(f"refused a URL with credentials in it ({parts.scheme}://***@{host}"
                         "/...): crawl sites that need no login, or put the credentials in a "
                         "proxy or an HTTP auth setting, not in the URL")


def is_truncated(response: Response) -> bool:
    """A page cut short (a truncated gzip stream still decompresses to a prefix): WordPress
    pages always end with ``</html>``, followed at most by a cache plugin's comment."""
    return b"</html>" not in response.body[-8192:].lower()


def describe(failure: Failure) -> str:
    """``ExceptionName: message`` (some network errors carry no message at all)."""
    message = failure.getErrorMessage()
    name = failure.type.__name__ if failure.type else "Error"
    return f"{name}: {message}" if message else name


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def as_utc(value: str | None) -> datetime | None:
    """A timestamp from a sitemap, feed or the REST API (``modified_gmt`` has no offset: UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        found = parse_page_date(value)
        return found.value.astimezone(timezone.utc) if found else None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class BladeSpider(scrapy.Spider):
    """Archive washingtonblade.com (or a copy of it): every article once, nothing else."""

    name = "blade"

    def __init__(
        self, url: str | None = None, base_url: str | None = None, since: str | None = None,
        until: str | None = None, limit: str | int | None = None, full: str | bool = False,
        recheck_days: str | int | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = split_urls(url)
        for given in [*self.urls, base_url or ""]:
            refuse_credentials(given)
        base = (base_url or WASHINGTON_BLADE.base_url).rstrip("/")
        if not urlsplit(base).scheme.startswith("http") or not urlsplit(base).netloc:
            raise ValueError(f"bad -a base_url={base_url!r}: expected e.g. http://127.0.0.1:8088")
        self.base_url = base
        self.since = parse_day(since, "since")
        self.until = parse_day(until, "until")
        try:
            self.limit = int(limit) if limit not in (None, "") else None
            self.recheck_days = int(recheck_days) if recheck_days not in (None, "") else None
        except ValueError:
            raise ValueError("bad -a limit/recheck_days: expected a whole number") from None
        self.full = str(full).lower() in ("1", "true", "yes", "on")
        self.allowed_domains = [urlsplit(base).hostname or ""]
        self.scheduled = ScheduledKeys()  # compact_key of every article URL asked for
        self.sitemaps_answered = 0  # sitemaps read (or failed) by this process
        self.sitemaps_requested = 0
        self.sitemap_articles = 0
        self.sitemap_queue: list[str] = []
        self.discovering = False  # the listings are being read (not the REST API)
        self.feed_requested = False
        self.archives_started = False
        self.rechecked = False
        self.verified_archive = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BladeSpider:
        spider: BladeSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site = SiteHosts(spider.base_url, tuple(settings.getlist("BLADE_SITE_ALIASES")))
        spider.output_dir = Path(settings.get("BLADE_OUTPUT_DIR"))
        if spider.recheck_days is None:
            spider.recheck_days = settings.getint("BLADE_RECHECK_DAYS", 7)
        contact = settings.get("BLADE_CONTACT")
        if settings.getpriority("USER_AGENT") <= settings.getpriority("BLADE_CONTACT"):
            settings.set("USER_AGENT",
                         f"blade_spider/{__version__} (+{contact}; research archive crawler)",
                         priority=settings.getpriority("BLADE_CONTACT"))
        if not spider.urls and settings.getbool("BLADE_RESUME") and not settings.get("JOBDIR"):
            settings.set("JOBDIR", str(spider.output_dir / ".job"), priority="spider")
        # What a stopped run had scheduled is in its queue: a resumed run must not ask again.
        spider.scheduled = ScheduledKeys(settings.get("JOBDIR"))
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        spider.rest_batches = RestBatches(crawler, spider.base_url, spider.site)
        if is_loopback(spider.base_url):  # tests and the demo: a local copy needs no politeness
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="spider")
            settings.set("BLADE_RETRY_BACKOFF_BASE",
                         min(settings.getfloat("BLADE_RETRY_BACKOFF_BASE"), 0.2), priority="spider")
        return spider

    # --- state ---------------------------------------------------------------------------------

    def state_store(self) -> StateStore:
        if not hasattr(self, "_state"):
            self._state = StateStore(self.output_dir / "state.sqlite3")
        return self._state

    def known(self, url: str) -> ArticleState | None:
        """The archived article at ``url`` (an indexed lookup: memory stays flat however large
        the archive grows)."""
        return self.state_store().by_url(url)

    @cached_property
    def incremental(self) -> bool:
        """A later run: fetch only what is new or changed (the archive is not empty)."""
        return not self.full and self.state_store().count() > 0

    # --- start -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.crawler.stats.get_value("blade/fatal"):  # e.g. the archive is locked
            return
        if self.urls:
            for url in self.urls:
                request = self.article_request(url, source="cli", force=True)
                if request is not None:
                    yield request
            return
        for url, lastmod, source in self.state_store().inflight():  # a killed run's last ones
            self.scheduled.discard(compact_key(url))  # lost in flight: not in the queue
            request = self.article_request(url, source=source or "resume", lastmod=lastmod,
                                           force=True)
            if request is not None:
                yield request
        # dont_filter: a resumed run reads robots.txt, and so starts discovery, again (the
        # listings it had read are dropped as seen; the ones it had not are read now).
        yield Request(f"{self.base_url}/robots.txt", callback=self.parse_robots,
                      errback=self.robots_failed, meta={"handle_httpstatus_list": [404, 410]},
                      priority=100, dont_filter=True)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        sitemaps = []
        if response.status == 200:
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                normalized = self.site.normalize(url)
                if normalized:
                    sitemaps.append(normalized)
        self.robots_sitemaps = sitemaps or [f"{self.base_url}/sitemap_index.xml",
                                            f"{self.base_url}/wp-sitemap.xml"]
        if self.incremental:
            yield self.rest_request(page=1)
        else:
            yield from self.discovery_requests()

    def robots_failed(self, failure: Failure) -> None:
        """A site whose robots.txt cannot be read is not crawled at all (the run fails)."""
        if failure.check(CrawlStopping):
            return  # a resumed run reads robots.txt again
        self.crawler.stats.set_value("blade/fatal", "robots.txt unreachable")
        self.logger.error("robots.txt of %s is unreachable (%s): not crawling",
                          self.base_url, failure.getErrorMessage())
        raise CloseSpider("robots_unreachable")

    def discovery_requests(self) -> Iterator[Request]:
        """Sitemaps, then the feed; archives follow if the sitemaps list nothing.

        The listings are read one after another, Yoast's sitemap index first, because the first
        to name a URL is the one whose date it carries: Yoast dates every URL (``lastmod``),
        WordPress core's sitemap (before 6.5) and the RSS feed do not, so reading them side by
        side would let whichever answered first decide a record's ``modified``. The next one is
        read when the crawl has nothing else left (:meth:`spider_idle`), which no count of
        pending sitemaps can get wrong, resumed or not. A full crawl reads every sitemap
        robots.txt names; an incremental one stops after an index that dates its sub-sitemaps,
        so the run stays cheap.
        """
        ordered = sorted(self.robots_sitemaps, key=lambda u: "sitemap_index" not in u)
        self.discovering = True
        self.sitemap_queue = ordered[1:]
        yield self.sitemap_request(ordered[0])

    def sitemap_request(self, url: str, depth: int = 0) -> Request:
        self.sitemaps_requested += 1
        return Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed,
                       meta={"blade_stage": "sitemap", "sitemap_depth": depth}, priority=50)

    # --- REST API ----------------------------------------------------------------------------

    def watermark(self) -> datetime | None:
        started = self.state_store().last_crawl_started()
        moment = as_utc(started)
        return moment - WATERMARK_MARGIN if moment else None

    def rest_request(self, page: int) -> Request:
        params: dict[str, Any] = {"_fields": "id,link,modified_gmt,date_gmt",
                                  "per_page": REST_PAGE_SIZE, "page": page,
                                  "orderby": "modified", "order": "desc"}
        watermark = self.watermark()
        if watermark:  # with its offset: a bare time would be read in the site's zone
            params["modified_after"] = watermark.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        if self.since:
            params["after"] = f"{self.since.isoformat()}T00:00:00"
        if self.until:
            params["before"] = f"{(self.until + timedelta(days=1)).isoformat()}T00:00:00"
        return Request(f"{self.base_url}/wp-json/wp/v2/posts?{urlencode(params)}",
                       callback=self.parse_rest, errback=self.rest_failed,
                       meta={"rest_page": page, "blade_stage": "rest"}, priority=60,
                       headers={"Accept": "application/json"})

    def parse_rest(self, response: Response) -> Iterator[Request]:
        try:
            posts = json.loads(response.text) if isinstance(response, TextResponse) else None
        except ValueError:
            posts = None
        if not isinstance(posts, list):
            self.logger.info("No usable REST API at %s: using sitemaps instead", response.url)
            yield from self.discovery_requests()
            return
        self.crawler.stats.inc_value("blade/discovery/rest_pages")
        watermark, older_seen = self.watermark(), False
        for post in posts:
            if isinstance(post, dict) and isinstance(post.get("link"), str):
                modified = post.get("modified_gmt")
                lastmod = f"{modified}+00:00" if isinstance(modified, str) else None
                moment = as_utc(lastmod)
                older_seen |= bool(watermark and moment and moment < watermark)
                request = self.article_request(post["link"], source="rest_api", lastmod=lastmod)
                if request is not None:
                    yield request
        total_pages = int(response.headers.get(b"X-WP-TotalPages", b"1") or 1)
        page = response.meta["rest_page"]
        # Newest changes first: a page reaching past the watermark ends the walk even on a
        # WordPress too old to know modified_after (it would list every post).
        if page < total_pages and not older_seen:
            yield self.rest_request(page + 1)
        if self.recheck_days:
            yield from self.recheck_requests()

    def rest_failed(self, failure: Failure) -> Iterator[Request]:
        self.logger.info("REST API unavailable (%s): using sitemaps instead",
                         failure.getErrorMessage())
        yield from self.discovery_requests()

    # --- sitemaps, feed, archives -------------------------------------------------------

    def sitemap_body(self, response: Response) -> bytes:
        """The sitemap XML, gunzipped within the size limit."""
        if not gzip_magic_number(response):
            return response.body
        try:
            return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except Exception:  # scrapy raises its own size error or zlib/gzip errors
            raise SitemapRefused("gzip body too large or corrupt") from None

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.sitemaps_answered += 1
        try:
            sitemap = read_sitemap(self.sitemap_body(response))
        except SitemapRefused as refused:
            yield self.failure(response.url, "listing", str(refused), response.status)
            return
        if sitemap.kind == "sitemapindex":
            yield from self.sitemap_index(response.url, sitemap,
                                          response.meta.get("sitemap_depth", 0) + 1)
        else:
            yield from self.sitemap_urlset(sitemap)

    def sitemap_index(self, url: str, sitemap: Sitemap, depth: int) -> Iterator[Any]:
        """The post sitemaps an index names, within the bounds a run sets (an index may name
        another index, and a hostile chain of them would never end)."""
        if depth > self.settings.getint("BLADE_SITEMAP_MAX_DEPTH"):
            yield self.failure(url, "listing", "not read further: sitemap indexes nested deeper "
                               "than BLADE_SITEMAP_MAX_DEPTH")
            return
        watermark = self.watermark() if self.incremental else None
        dated = False
        for entry in sitemap:
            loc = self.site.normalize(entry.get("loc", ""))
            if not loc or not POST_SITEMAP.search(urlsplit(loc).path):
                continue
            lastmod = as_utc(entry.get("lastmod"))
            dated = dated or lastmod is not None
            if watermark and lastmod and lastmod < watermark:
                self.crawler.stats.inc_value("blade/discovery/sitemaps_unchanged")
                continue
            if self.sitemaps_requested >= self.settings.getint("BLADE_MAX_SITEMAPS"):
                yield self.failure(loc, "listing", "not read: more sitemaps than "
                                   "BLADE_MAX_SITEMAPS in one run")
                continue
            yield self.sitemap_request(loc, depth)
        if dated and self.incremental:
            self.sitemap_queue = []  # this index dates its sitemaps: no other index is needed

    def sitemap_urlset(self, sitemap: Sitemap) -> Iterator[Request]:
        for entry in sitemap:
            request = self.article_request(entry.get("loc", ""), source="sitemap",
                                           lastmod=entry.get("lastmod") or None)
            if request is not None:
                self.sitemap_articles += 1
                yield request
            elif self.site.article_url(entry.get("loc", "")):
                self.sitemap_articles += 1  # known and unchanged: the sitemap still works

    def sitemap_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in (404, 410):
            yield self.failure(request.url, "listing", describe(failure), status)
        self.sitemaps_answered += 1

    @property
    def archives_due(self) -> bool:
        """The sitemaps listed no article, and the archives are not walked yet."""
        return self.sitemap_articles == 0 and bool(self.sitemaps_answered) \
            and not self.archives_started

    def next_listings(self) -> Iterator[Request]:
        """What discovery reads once everything asked for is in: the next index, else the
        feed, and the archives if the sitemaps listed no article (a resumed run whose every
        sitemap was dropped as read before leaves that decision to the run that read them)."""
        if self.sitemap_queue:
            yield self.sitemap_request(self.sitemap_queue.pop(0))
            return
        if not self.feed_requested:
            self.feed_requested = True
            yield Request(f"{self.base_url}/feed/", callback=self.parse_feed,
                          errback=self.discovery_failed, priority=40)
            if self.archives_due:
                return  # the feed first: its pubDate dates the stories it names
        if self.archives_due:
            self.archives_started = True
            self.logger.info("No usable sitemap: discovering articles through the archives")
            yield Request(f"{self.base_url}/", callback=self.parse_archive,
                          errback=self.discovery_failed, priority=30)
        if self.incremental and self.recheck_days:
            yield from self.recheck_requests()

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """RSS/Atom: item links with their dates (the self link is never followed)."""
        if not isinstance(response, TextResponse):
            return
        selector = response.selector
        selector.remove_namespaces()
        for item in selector.xpath("//item | //entry"):
            link = item.xpath("./link/text() | ./link[not(@rel) or @rel='alternate']/@href").get()
            updated = item.xpath("./updated/text()").get()
            published = item.xpath("./pubDate/text() | ./published/text()").get()
            request = self.article_request(link or "", source="feed", lastmod=updated,
                                           published=published)
            if request is not None:
                yield request

    def parse_archive(self, response: Response) -> Iterator[Request]:
        """Home, category and date archives: articles to fetch, archive pages to follow."""
        if not isinstance(response, TextResponse):
            return
        for link in LinkExtractor().extract_links(response):
            request = self.article_request(link.url, source="archive")
            if request is not None:
                yield request
        for link in LinkExtractor(allow=ARCHIVE_ALLOW).extract_links(response):
            normalized = self.site.normalize(link.url)
            if normalized and not self.site.article_url(normalized):
                yield Request(normalized, callback=self.parse_archive,
                              errback=self.discovery_failed, priority=20)

    def discovery_failed(self, failure: Failure) -> Iterator[FetchFailure | Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(CrawlStopping):  # back to the queue a resumed run reads
            yield request.replace(dont_filter=True)
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in (404, 410):
            yield self.failure(request.url, "listing", describe(failure), status)

    # --- what to fetch ------------------------------------------------------------------------

    def in_range(self, url: str) -> bool:
        """The dated permalink is inside ``since``/``until`` (checked before any fetch)."""
        match = ARTICLE_PATH.match(urlsplit(url).path)
        if not match or not (self.since or self.until):
            return True
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        return (not self.since or day >= self.since) and (not self.until or day <= self.until)

    def changed_since_fetch(self, known: ArticleState, lastmod: str | None) -> bool:
        """The site says the article changed after our copy was fetched (or in the same second:
        the fetch time is kept to the second, so a tie is fetched again rather than missed)."""
        changed, fetched = as_utc(lastmod), as_utc(known.fetched_at)
        return bool(changed and fetched and changed >= fetched)

    def article_request(
        self, url: str, source: str, lastmod: str | None = None, force: bool = False,
        recheck: bool = False, published: str | None = None,
    ) -> Request | None:
        """A request for the article at ``url``, or ``None`` when it is not to be fetched.

        ``force`` (URLs named on the command line) fetches whatever the state says; ``recheck``
        fetches an archived article conditionally (ETag/Last-Modified); otherwise an archived
        article is fetched only on a full run or when the site says it changed.
        """
        canonical = self.site.article_url(url)
        if canonical is None:
            if not force:
                return None
            # Asked for by name: let parse_article say why it is not an article.
            canonical = self.site.normalize(url) or url
        elif compact_key(canonical) in self.scheduled or not (force or self.in_range(canonical)):
            return None
        known = self.known(canonical)
        if known is not None and not (force or recheck or self.full
                                      or self.changed_since_fetch(known, lastmod)):
            self.crawler.stats.inc_value("blade/discovery/unchanged")
            return None
        if not force and self.limit is not None and len(self.scheduled) >= self.limit:
            return None
        self.scheduled.add(compact_key(canonical))
        self.crawler.stats.inc_value(f"blade/discovery/{source}")
        headers = {}
        if known is not None and not (self.full or force):
            headers = {name: value for name, value in (("If-None-Match", known.etag),
                       ("If-Modified-Since", known.last_modified)) if value}
        meta: dict[str, Any] = {"blade_source": source, "blade_stage": "article",
                                "handle_httpstatus_list": ARTICLE_STATUSES}
        if lastmod:
            meta["discovered_modified"] = lastmod
            meta["discovered_modified_source"] = source
        if published:  # the feed's pubDate: a last resort for the record's date
            meta["discovered_published"] = published
            meta["discovered_published_source"] = source
        # dont_filter: this spider deduplicates articles itself (``scheduled``), and a redirect
        # loop must end in "max redirections" (a recorded failure), not in a silent dupefilter.
        return Request(canonical, callback=self.parse_page, errback=self.article_failed,
                       headers=headers, meta=meta, dont_filter=True)

    def recheck_requests(self) -> Iterator[Request]:
        """Conditional re-fetches of recent articles: edits are caught even without signals."""
        if self.rechecked or not self.recheck_days:
            return
        self.rechecked = True
        since = (datetime.now(timezone.utc) - timedelta(days=self.recheck_days)).date()
        for known in self.state_store().published_since(since.isoformat()):
            request = self.article_request(known.url, source="recheck", recheck=True)
            if request is not None:
                yield request

    def closed(self, reason: str) -> None:
        """A crawl stopped before the end hands what it scheduled to the run resuming its
        JOBDIR (a finished one has nothing queued; its JOBDIR goes)."""
        self.rest_batches.release()
        if reason != "finished":
            self.scheduled.save()

    def spider_idle(self) -> None:
        """Nothing is left to fetch: discovery reads its next listing (see
        :meth:`discovery_requests`). Once discovery is over, a full run re-fetches archived
        articles no listing named any more, so the ones that now answer 404/410 are marked
        gone."""
        if self.discovering and (self.sitemap_queue or not self.feed_requested
                                 or self.archives_due):
            for request in self.next_listings():
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        if not self.full or self.urls or self.verified_archive:
            return
        self.verified_archive = True
        count = 0
        for known in self.state_store().all():
            if known.gone_at or compact_key(known.url) in self.scheduled:
                continue
            request = self.article_request(known.url, source="archived")
            if request is not None:
                self.crawler.engine.crawl(request)
                count += 1
        if count:
            self.logger.info("Re-fetching %d archived articles no listing names any more", count)
            raise DontCloseSpider

    # --- articles --------------------------------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        """:meth:`parse_article`, a record that left a field to a guess read again with its
        post's REST object (fetched in batches: :mod:`blade_spider.crawl.rest_batches`)."""
        for output in self.parse_article(response):
            if isinstance(output, Article):
                output = await self.rest_batches.complete(output, response)
            yield output

    def parse_article(self, response: Response) -> Iterator[Any]:
        """One article page → one record (or a note that it is unchanged, gone or no article).

        @url https://www.washingtonblade.com/2017/09/05/tillerson-raises-anti-gay-chechnya-crackdown-letter-russian-counterpart/
        @mirror
        @returns items 1 1
        @returns requests 0 0
        @scrapes id url headline published body authors
        """
        now = utc_now()
        if response.status == 304:
            self.crawler.stats.inc_value("blade/articles/unchanged")
            yield ArticleUnchanged(url=response.url, checked_at=now)
            return
        if response.status in (404, 410):
            yield ArticleGone(url=response.url, status=response.status, seen_at=now)
            return
        if not isinstance(response, TextResponse):
            yield self.failure(response.url, "parse", "not an HTML page", response.status)
            return
        if is_truncated(response):
            yield self.failure(response.url, "parse", "truncated page (no </html>): a cut "
                               "transfer or a broken server", response.status)
            return
        page = Page(response, self.site)
        try:
            article = extract_page(page)
        except NotAnArticle as exc:
            if self.site.article_url(response.url) and exc.reason != "password protected":
                # A permalink that shows no article (a "soft 404", a broken page): a failure
                # to retry later, not a page to forget.
                yield self.failure(response.url, "parse", f"not an article: {exc.reason}",
                                   response.status)
                return
            self.logger.info("Skipping %s: not an article: %s", response.url, exc.reason)
            self.crawler.stats.inc_value(f"blade/not_article/{exc.reason}")
            yield SkippedPage(url=response.url, reason=exc.reason)
            return
        except Exception as exc:  # a broken page must not stop the crawl
            self.logger.exception("Parse failure on %s", response.url)
            yield self.failure(response.url, "parse", f"{type(exc).__name__}: {exc}",
                               response.status)
            return
        pages = self.continuation_pages(page, article)
        if pages:
            yield self.next_page(article, pages)
            return
        yield article

    def continuation_pages(self, page: Page, article: Article) -> list[str]:
        """Pages 2..N of a post split with ``<!--nextpage-->`` (one article, one record)."""
        response = page.response
        if response.meta.get("blade_continuation"):
            return []
        links = WordPressLayer(page).page_links()
        article_url = self.site.article_url(article.url or response.url)
        pages = []
        for link in links:
            normalized = self.site.normalize(link)
            if (normalized and self.site.article_url(normalized) == article_url
                    and normalized != article_url):
                pages.append(normalized)
        return list(dict.fromkeys(pages))

    def next_page(self, article: Article, pages: list[str]) -> Request:
        return Request(pages[0], callback=self.parse_continuation, errback=self.article_failed,
                       cb_kwargs={"article": article, "pages": pages[1:]},
                       meta={"blade_continuation": True, "blade_stage": "article"},
                       dont_filter=True)

    def parse_continuation(self, response: Response, article: Article,
                           pages: list[str]) -> Iterator[Any]:
        """Append a continuation page's body and photos to the article of page 1."""
        if isinstance(response, TextResponse):
            try:
                part = extract_article(response, self.site)
                article.body_blocks += part.body_blocks
                seen = {i["url"] for i in article.images}
                article.images += [i for i in part.images if i["url"] not in seen]
                article.body = "\n\n".join(b["text"] for b in article.body_blocks)
                article.crawl["pages"] = article.crawl.get("pages", 1) + 1
            except NotAnArticle:
                pass
        if pages:
            yield self.next_page(article, pages)
        else:
            yield article

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            return  # robots.txt said no: counted as skipped, not a failure
        if failure.check(CrawlStopping):
            return  # still in flight in the state: the next run fetches it
        status = failure.value.response.status if failure.check(HttpError) else None
        yield self.failure(original_url(request), request.meta.get("blade_stage", "article"),
                           describe(failure), status,
                           attempt=request.meta.get("retry_times", 0) + 1)

    def failure(self, url: str, stage: str, reason: str, status: int | None = None,
                attempt: int = 1) -> FetchFailure:
        self.crawler.stats.inc_value(f"blade/failures/{stage}")
        self.logger.warning("Failed %s (%s): %s", url, stage, reason)
        return FetchFailure(url=url, stage=stage, reason=reason, time=utc_now(),
                            attempt=attempt, status=status)
