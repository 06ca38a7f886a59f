"""``scrapy crawl`` that exits non-zero when the run did not do its job.

Scrapy's own ``crawl`` exits 1 only when the crawler fails to start. Cron and systemd need to know
more: this command takes the verdict the crawl left in its stats (``blade/exit_status``, see
:mod:`blade_spider.crawl.health`) as its exit status. Everything else is Scrapy's command unchanged.
"""

from __future__ import annotations

import argparse

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from blade_spider.crawl.health import exit_status


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``, plus the run's verdict as exit status."""

    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.crawler is not None and self.crawler.stats is not None:
            self.exitcode = max(self.exitcode, exit_status(self.crawler.stats.get_stats()))
