"""Raw capture while crawling: every article response goes into the archive's WARC files.

The WARC format and files are :mod:`blade_spider.archive.warc`'s; this is the downloader
middleware that feeds them during a crawl.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from blade_spider.archive.store import WRITE_ERRORS, write_problem
from blade_spider.archive.warc import (
    DEFAULT_MAX_BYTES,
    REPLAYED_META,
    WarcAppender,
    capture_records,
    gzip_member,
    warcinfo,
)
from blade_spider.crawl.health import stop_crawl

logger = logging.getLogger(__name__)


class WarcCaptureMiddleware:
    """Write every article response that reaches the spider (HTTP 200) into the WARC files and
    point the request's meta at it: ``meta["warc"]`` (file, offset, record id) and
    ``meta["fetched_at"]`` (the WARC-Date), which the loader copies into ``crawl``.

    Its place in ``DOWNLOADER_MIDDLEWARES`` must be below 550: ``process_response`` runs from high
    numbers to low, so by then HttpCompression (590) has decoded the body, MetaRefresh (580) and
    the retry middleware (550) have let this response through, and what is stored is what the
    spider parses.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("BLADE_WARC_ENABLED", True):
            raise NotConfigured("BLADE_WARC_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        info = warcinfo(
            "Article pages fetched by the blade spider; bodies are stored as the parser saw "
            "them (content coding removed, Content-Length rewritten)",
            {"robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
             "http-header-user-agent": settings.get("USER_AGENT"),
             "operator": settings.get("BLADE_CONTACT")},
        )
        self.appender = WarcAppender(Path(settings.get("BLADE_OUTPUT_DIR")), "blade",
                                     settings.getint("BLADE_WARC_MAX_BYTES", DEFAULT_MAX_BYTES),
                                     info)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        if request.meta.get("blade_stage") != "article" or response.status != 200:
            return response
        when = datetime.now(timezone.utc).replace(microsecond=0)
        hints = {k: str(request.meta[k]) for k in REPLAYED_META if request.meta.get(k)}
        records = capture_records(request, response, when, hints)
        members = [gzip_member(r) for r in records]
        data = b"".join(members)
        try:
            relative, start = self.appender.append(data)
        except WRITE_ERRORS as exc:  # a full disk: the crawl cannot keep what it fetches
            stop_crawl(self.crawler, write_problem(exc, self.appender.root))
            raise IgnoreRequest(f"not captured: {exc}") from exc
        request.meta["fetched_at"] = when.isoformat()
        request.meta["warc"] = {"file": relative, "offset": start + len(members[0]),
                                "record_id": records[1].rec_headers.get_header("WARC-Record-ID")}
        self.stats.inc_value("blade/warc/captures")
        self.stats.inc_value("blade/warc/bytes", len(data))
        return response

    def spider_closed(self, spider: Spider | None = None) -> None:
        self.appender.close()
        self.stats.set_value("blade/warc/files", len(self.appender.files))
        if self.appender.files:
            logger.info("Raw captures written to %s in %s", ", ".join(self.appender.files),
                        self.appender.root)
