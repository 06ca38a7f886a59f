"""Scrapy's stats collector with its end-of-crawl dump at DEBUG.

Scrapy dumps every stat (some 160 lines) at INFO when a crawl closes; at INFO an operator reads
the crawl's one summary line (:mod:`blade_spider.crawl.extensions`) instead, and the dump is
there with ``-s LOG_LEVEL=DEBUG``. ``-s STATS_DUMP=True`` puts it back at INFO, as in Scrapy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.statscollectors import MemoryStatsCollector

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DebugDumpStatsCollector(MemoryStatsCollector):
    """:class:`MemoryStatsCollector` that dumps at DEBUG unless ``STATS_DUMP`` asks for INFO."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.dump_at_info = crawler.settings.getbool("STATS_DUMP")

    def close_spider(self, spider: Spider | None = None, reason: str | None = None) -> None:
        if not self.dump_at_info:
            logger.debug("Dumping Scrapy stats:\n%s", self)
        super().close_spider(spider, reason)
