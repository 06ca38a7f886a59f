"""The ``blade`` spider: discovery only, from robots.txt to article URLs.

What to request and in which order: robots.txt (obeyed, its ``Sitemap:`` lines used), sitemaps
(Yoast and WordPress core, with ``lastmod``), the feed, and, when a site has no sitemap, category
and date archives with ``/page/N/`` pagination. On later runs the WordPress REST API (one small
request lists every post changed since the last crawl) or sitemap ``lastmod`` decide what is new
or changed. Every article URL goes to :meth:`BladeSpider.parse_article`, which hands the response
to :mod:`blade_spider.extract` (the other pages of a post split over pages, and its other comment
pages, are fetched, then put together by :mod:`blade_spider.extract.assemble`). The spider yields
articles and requests only; what else a request comes to (a failure, an unchanged or gone article,
a page that is no article) is a signal of :mod:`blade_spider.crawl.signals`.

Arguments (``-a name=value``): ``url`` (one or more article URLs, comma or space separated:
fetch just those), ``listing`` (sitemaps, feeds or archive pages to read again, alone: what
``blade retry`` uses for failed listings), ``base_url`` (crawl a mirror or staging copy),
``since``/``until`` (publication dates, ``YYYY-MM-DD``), ``limit`` (at most this many articles),
``full`` (re-fetch everything), ``recheck_days`` (re-check window when the site gives no change
signal), ``sweep`` (read every listing whole and re-check the archived articles none names any
more; also every ``BLADE_SWEEP_DAYS``, see :attr:`BladeSpider.sweeping`).
"""

from __future__ import annotations

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

from blade_spider.archive.state import ArticleState, StateStore, utc_now
from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.addons import PLACEHOLDER_CONTACT, job_dir
from blade_spider.crawl.middlewares import CrawlStopping
from blade_spider.crawl.rest_batches import RestBatches
from blade_spider.crawl.resume import NAMED_FILE, ScheduledKeys
from blade_spider.crawl.signals import (
    ArticleGone,
    ArticleMoved,
    ArticleUnchanged,
    FetchFailure,
    SkippedPage,
)
from blade_spider.crawl.sitemaps import Sitemap, SitemapRefused, read_sitemap
from blade_spider.extract import NotAnArticle, extract_page
from blade_spider.extract.assemble import Continuation, assemble
from blade_spider.extract.page import Page, is_truncated
from blade_spider.record.dates import parse_page_date
from blade_spider.record.items import Article
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
from blade_spider.urls import (
    ARTICLE_PATH,
    SiteHosts,
    compact_key,
    is_loopback,
    original_url,
)

#: Sitemaps that list posts (Yoast, WordPress core, generic); others (pages, tags, users) are not
#: followed.
POST_SITEMAP = re.compile(r"(?:post-sitemap\d*|wp-sitemap-posts-post-\d+|/sitemap\d*|news-sitemap)"
                          r"\.xml(?:\.gz)?$")
#: Archive pages walked when a site has no sitemap: home, categories, date archives, pagination.
ARCHIVE_ALLOW = (r"/category/", r"/\d{4}/\d{2}/(?:\d{2}/)?(?:page/\d+/)?$", r"/page/\d+/$")
ARTICLE_STATUSES = [304, 404, 410]
#: Listings whose dates become ``modified`` when the page prints none (``source`` of a request).
DISCOVERY_SOURCES = ("rest_api", "sitemap", "feed")
REST_PAGE_SIZE = 100
#: Safety margin subtracted from the last crawl's start for ``modified_after`` (clock skew).
WATERMARK_MARGIN = timedelta(hours=2)


def split_urls(value: str | list[str] | None) -> list[str]:
    """``url`` argument: one or more URLs separated by commas, spaces or newlines."""
    if not value:
        return []
    items = value if isinstance(value, list) else re.split(r"[\s,]+", value)
    return [u.strip() for u in items if u and u.strip()]


class BadArgument(ValueError):
    """A spider argument the crawl cannot use. The message names it as ``scrapy crawl`` takes
    it (``-a name``); ``detail`` says what was expected, for ``blade``'s own option names."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.detail = f"expected {expected}, not {value!r}"
        super().__init__(f"bad -a {name}: {self.detail}")


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` spider argument."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadArgument(name, value, "a date like 2017-09-05") from None


def parse_flag(value: str | bool | None) -> bool:
    """An on/off spider argument (``-a full=1``)."""
    return str(value).lower() in ("1", "true", "yes", "on")


def parse_count(value: str | int | None, name: str) -> int | None:
    """A whole-number spider argument."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise BadArgument(name, value, "a whole number") from None


def refuse_credentials(url: str, name: str) -> None:
    """A URL with a user name or password is refused, naming neither: it would be written to
    every log line, failure and record that names the URL."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise BadArgument(name, f"{parts.scheme}://***@{parts.hostname or '?'}/...",
                          "a URL without credentials in it (they would be written to every "
                          "log line and record)")


def describe(failure: Failure) -> str:
    """``ExceptionName: message`` (some network errors carry no message at all)."""
    message = failure.getErrorMessage()
    name = failure.type.__name__ if failure.type else "Error"
    return f"{name}: {message}" if message else name


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


def discovery_meta(known: ArticleState | None, lastmod: str | None = None,
                   source: str | None = None) -> dict[str, str]:
    """What discovery says of an article's ``modified`` (request meta for the discovery layer):
    the listing's date, else the one a listing gave before (it holds until the page or a listing
    says otherwise: a re-fetch, a re-check, must not wipe it, nor call the article updated)."""
    if lastmod and source:
        return {"discovered_modified": lastmod, "discovered_modified_source": source}
    if known is not None and known.modified and known.modified_source in DISCOVERY_SOURCES:
        return {"discovered_modified": known.modified,
                "discovered_modified_source": known.modified_source}
    return {}


class BladeSpider(scrapy.Spider):
    """Archive washingtonblade.com (or a copy of it): every article once, nothing else."""

    name = "blade"

    def __init__(
        self, url: str | None = None, listing: str | None = None, base_url: str | None = None,
        since: str | None = None, until: str | None = None, limit: str | int | None = None,
        full: str | bool = False, recheck_days: str | int | None = None,
        sweep: str | bool = False, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = split_urls(url)
        self.listings = split_urls(listing)
        for name, given in [*(("url", u) for u in self.urls),
                            *(("listing", u) for u in self.listings), ("base_url", base_url or "")]:
            refuse_credentials(given, name)
        base = (base_url or WASHINGTON_BLADE.base_url).rstrip("/")
        if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
            raise BadArgument("base_url", base_url, "a site address like http://127.0.0.1:8088")
        self.base_url = base
        self.since = parse_day(since, "since")
        self.until = parse_day(until, "until")
        self.limit = parse_count(limit, "limit")
        self.recheck_days = parse_count(recheck_days, "recheck_days")
        self.full = parse_flag(full)
        self.sweep_asked = parse_flag(sweep)
        self.allowed_domains = [urlsplit(base).hostname or ""]
        self.scheduled = ScheduledKeys()  # compact_key of every article URL asked for
        self.named = ScheduledKeys()  # compact_key of every article URL a listing named
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
    def check_arguments(cls, **kwargs: Any) -> None:
        """Raise :class:`BadArgument` for an argument the crawl could not use, before it starts:
        a typo is then a usage error (exit status 2), not a failed crawl with tracebacks."""
        cls(**kwargs)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BladeSpider:
        spider: BladeSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site = SiteHosts(spider.base_url, tuple(settings.getlist("BLADE_SITE_ALIASES")))
        spider.output_dir = Path(settings.get("BLADE_OUTPUT_DIR"))
        if spider.recheck_days is None:
            spider.recheck_days = settings.getint("BLADE_RECHECK_DAYS", 7)
        if (settings.get("BLADE_CONTACT") == PLACEHOLDER_CONTACT
                and not is_loopback(spider.base_url)):
            spider.logger.warning(
                "BLADE_CONTACT is not set: the User-Agent gives the site's operators no way to "
                "reach you; run with -s BLADE_CONTACT=you@example.org")
        if spider.urls or spider.listings:
            # A setting that depends on a spider argument is set here, as Scrapy documents
            # (the add-ons run next and see it): a run of named URLs or listings neither
            # resumes a stopped discovery crawl's queue nor leaves one behind.
            settings.set("BLADE_RESUME", False, priority="cmdline")
        # What a stopped run had scheduled is in its queue: a resumed run must not ask again.
        spider.scheduled = ScheduledKeys(job_dir(settings))
        spider.named = ScheduledKeys(job_dir(settings), NAMED_FILE)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        spider.rest_batches = RestBatches(crawler, spider.base_url, spider.site)
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

    @cached_property
    def sweeping(self) -> bool:
        """An incremental run that reads every listing whole (no ``lastmod`` or
        ``modified_after`` shortcut) to find the archived articles no listing names any more,
        and re-checks only those (:meth:`spider_idle`): asked for (``sweep``), or due because
        the last sweep finished more than ``BLADE_SWEEP_DAYS`` ago (0: only when asked)."""
        if not self.incremental or self.urls or self.listings:
            return False
        if self.sweep_asked:
            return True
        days = self.settings.getint("BLADE_SWEEP_DAYS")
        last = as_utc(self.state_store().last_sweep_started())
        return days > 0 and (last is None
                             or datetime.now(timezone.utc) - last >= timedelta(days=days))

    def note_sweep(self) -> None:
        """Say whether this run checks the whole archive against the whole site (a sweep, a
        full or first run, unbounded by dates or a limit): a finished one is recorded as the
        last sweep (``blade/sweep``), which dates the next automatic one."""
        bounded = self.since or self.until or self.limit is not None
        if self.urls or self.listings or bounded or (self.incremental and not self.sweeping):
            return
        self.crawler.stats.set_value("blade/sweep", True)
        if self.sweeping:
            self.logger.info("Sweep: reading every listing whole; archived articles no listing "
                             "names any more are re-checked")

    def listing_watermark(self) -> datetime | None:
        """What listings may be skipped by date: before the last crawl, on an incremental run
        that is no sweep; nothing on a first, full or sweeping run."""
        return self.watermark() if self.incremental and not self.sweeping else None

    # --- start -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.crawler.stats.get_value("blade/fatal"):  # e.g. the archive is locked
            return
        if self.urls or self.listings:
            # Only these pages: the run reads no other listing and moves no watermark.
            self.crawler.stats.set_value("blade/partial_run", True)
        self.note_sweep()
        for url in self.listings:
            yield self.listing_request(url)
        if self.urls:
            limit = self.settings.getint("URLLENGTH_LIMIT")
            for url in self.urls:
                if limit and len(url) > limit:  # Scrapy would drop it without a word
                    self.failure(None, url, "article",
                                 f"URL longer than URLLENGTH_LIMIT ({limit}): not fetched")
                    continue
                request = self.article_request(url, source="cli", force=True)
                if request is not None:
                    yield request
            return
        if self.listings:
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

    def listing_request(self, url: str) -> Request:
        """A request for one listing named by URL (``-a listing=``, ``blade retry``): a
        sitemap, the feed, or an archive page, by its address."""
        path = urlsplit(url).path
        if path.endswith((".xml", ".xml.gz")):
            return self.sitemap_request(url)
        callback = self.parse_feed if path.rstrip("/").endswith("/feed") else self.parse_archive
        return Request(url, callback=callback, errback=self.discovery_failed, dont_filter=True,
                       meta={"blade_stage": "listing"})

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
        watermark = self.listing_watermark()
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
        watermark, older_seen = self.listing_watermark(), False
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
            self.failure(response.request, response.url, "listing", str(refused),
                         response.status)
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
            self.failure(None, url, "listing", "not read further: sitemap indexes nested deeper "
                         "than BLADE_SITEMAP_MAX_DEPTH")
            return
        watermark = self.listing_watermark()
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
                self.failure(None, loc, "listing", "not read: more sitemaps than "
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

    def sitemap_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in (404, 410):
            self.failure(request, request.url, "listing", describe(failure), status)
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

    def discovery_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(CrawlStopping):  # back to the queue a resumed run reads
            yield request.replace(dont_filter=True)
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in (404, 410):
            self.failure(request, request.url, "listing", describe(failure), status)

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
        else:
            if not (force or recheck):  # a listing names it: not removed from the site
                self.named.add(compact_key(canonical))
            if compact_key(canonical) in self.scheduled or not (force or self.in_range(canonical)):
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
                                "handle_httpstatus_list": ARTICLE_STATUSES,
                                **discovery_meta(known, lastmod, source)}
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
            self.named.save()

    def spider_idle(self) -> None:
        """Nothing is left to fetch: discovery reads its next listing (see
        :meth:`discovery_requests`). Once discovery is over, a full run re-fetches, and a sweep
        re-checks (conditionally), the archived articles no listing named, so the ones that now
        answer 404/410 or redirect to another article are marked gone. A sweep in which a
        listing could not be read leaves them: what it lists would all look removed."""
        if self.discovering and (self.sitemap_queue or not self.feed_requested
                                 or self.archives_due):
            for request in self.next_listings():
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        if not (self.full or self.sweeping) or self.urls or self.verified_archive:
            return
        self.verified_archive = True
        if self.sweeping and self.crawler.stats.get_value("blade/failures/listing"):
            self.logger.warning("A listing could not be read: the archived articles no listing "
                                "named are not re-checked (the next run sweeps again)")
            return
        count = 0
        for known in self.state_store().all():
            if known.gone_at or compact_key(known.url) in self.named:
                continue
            request = self.article_request(known.url, source="archived", recheck=True)
            if request is not None:
                self.crawler.engine.crawl(request)
                count += 1
        if count:
            self.logger.info("Re-checking %d archived articles no listing names any more", count)
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
        """One article page → one record. What else it may turn out to be (unchanged, gone, no
        article, a failure) is sent as a signal (:mod:`blade_spider.crawl.signals`), not
        yielded: items are articles only.

        @url https://www.washingtonblade.com/2017/09/05/tillerson-raises-anti-gay-chechnya-crackdown-letter-russian-counterpart/
        @mirror
        @returns items 1 1
        @returns requests 0 0
        @scrapes id url headline published body authors
        """
        request = response.request
        if response.status == 304:
            self.notify(blade_signals.article_unchanged,
                        ArticleUnchanged(url=response.url, checked_at=utc_now()), request)
            return
        if response.status in (404, 410):
            self.notify(blade_signals.article_gone,
                        ArticleGone(url=response.url, status=response.status, seen_at=utc_now()),
                        request)
            return
        if not isinstance(response, TextResponse):
            self.failure(request, response.url, "parse", "not an HTML page", response.status)
            return
        if is_truncated(response):
            self.failure(request, response.url, "parse", "truncated page (no </html>): a cut "
                         "transfer or a broken server", response.status)
            return
        self.redirected(response)
        page = Page(response, self.site)
        try:
            article = extract_page(page)
        except NotAnArticle as exc:
            if self.site.article_url(response.url) and exc.reason != "password protected":
                # A permalink that shows no article (a "soft 404", a broken page): a failure
                # to retry later, not a page to forget.
                self.failure(request, response.url, "parse", f"not an article: {exc.reason}",
                             response.status)
                return
            self.logger.info("Skipping %s: not an article: %s", response.url, exc.reason)
            self.notify(blade_signals.page_skipped,
                        SkippedPage(url=response.url, reason=exc.reason), request)
            return
        except Exception as exc:  # a broken page must not stop the crawl
            self.logger.exception("Parse failure on %s", response.url)
            self.failure(request, response.url, "parse", f"{type(exc).__name__}: {exc}",
                         response.status)
            return
        self.note_redirect(request, article)
        pages = Continuation.start(page, article)
        if pages:
            yield self.continuation_request(original_url(request), article, pages)
            return
        yield article

    def redirected(self, response: Response) -> None:
        """A redirect to another article's URL: what discovery said of the URL asked for is not
        said of this article; what it said of this one before is (as for a re-fetch)."""
        request = response.request
        here = self.site.article_url(response.url)
        if not request.meta.get("redirect_urls") or here == self.site.article_url(
                original_url(request)):
            return
        for key in ("discovered_modified", "discovered_modified_source"):
            request.meta.pop(key, None)
        request.meta.update(discovery_meta(self.known(here) if here else None))

    def note_redirect(self, request: Request, article: Article) -> None:
        """An article reached through a redirect: if another archived article had the URL asked
        for, the site has replaced it with this one (see ``OutcomeRecorder.article_moved``)."""
        reasons = request.meta.get("redirect_reasons") or []
        if reasons and isinstance(reasons[0], int):  # not a <meta> refresh
            self.notify(blade_signals.article_moved,
                        ArticleMoved(url=original_url(request), status=reasons[0],
                                     seen_at=utc_now(), moved_to_id=article.id), request)

    def continuation_request(self, page_one: str, article: Article,
                             pages: Continuation) -> Request:
        """The next page of an article spread over pages (a post split with
        ``<!--nextpage-->``, comments split into pages), carrying page 1's article and where
        the fetching stands. ``meta["blade_continuation"]`` is page 1's URL: the request whose
        outcome (the record, or this page's failure) the continuation gives."""
        return Request(pages.todo[0], callback=self.parse_continuation,
                       errback=self.article_failed,
                       cb_kwargs={"article": article, "pages": pages},
                       meta={"blade_continuation": page_one, "blade_stage": "article"},
                       dont_filter=True)

    def parse_continuation(self, response: Response, article: Article,
                           pages: Continuation) -> Iterator[Any]:
        """One more page of the article: ask for the next, or put the article together
        (:func:`~blade_spider.extract.assemble.assemble`) once all are in."""
        # Without its request (whose callbacks hold the spider) and TLS certificate, the page
        # can travel in the next request's cb_kwargs and still be written to the JOBDIR queue.
        pages = pages.after(response.replace(request=None, certificate=None), article, self.site)
        if pages.todo:
            yield self.continuation_request(response.meta["blade_continuation"], article, pages)
        else:
            yield assemble(article, pages.fetched, self.site)

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            if request.meta.get("blade_source") == "cli":  # asked for by name: say why not
                self.failure(request, original_url(request), "article",
                             "robots.txt disallows it: not fetched")
            return  # found by discovery: counted as skipped by robots.txt, not a failure
        if failure.check(CrawlStopping):
            return  # still in flight in the state: the next run fetches it
        status = failure.value.response.status if failure.check(HttpError) else None
        self.failure(request, original_url(request), request.meta.get("blade_stage", "article"),
                     describe(failure), status, attempt=request.meta.get("retry_times", 0) + 1)

    def failure(self, request: Request | None, url: str, stage: str, reason: str,
                status: int | None = None, attempt: int = 1) -> None:
        """``request`` (for ``url``) failed at ``stage``: logged, and sent to be recorded."""
        self.logger.warning("Failed %s (%s): %s", url, stage, reason)
        self.notify(blade_signals.fetch_failed,
                    FetchFailure(url=url, stage=stage, reason=reason, time=utc_now(),
                                 attempt=attempt, status=status), request)

    def notify(self, signal: object, outcome: Any, request: Request | None) -> None:
        """Send an outcome that is no record (see :mod:`blade_spider.crawl.signals`)."""
        self.crawler.signals.send_catch_log(signal=signal, outcome=outcome, request=request)
