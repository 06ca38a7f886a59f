"""``scrapy crawl`` that exits non-zero when the run did not do its job.

Scrapy's own ``crawl`` exits 1 only when the crawler fails to start. Cron and systemd need to know
more: this command takes the verdict the crawl left in its stats (``blade/exit_status``, see
:mod:`blade_spider.crawl.health`) as its exit status, and makes a bad ``-a`` argument a usage
error (exit status 2, one line) instead of tracebacks from inside the crawl. Everything else is
Scrapy's command unchanged.
"""

from __future__ import annotations

import argparse

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from blade_spider.crawl.health import exit_status
from blade_spider.spiders.blade import BadArgument, BladeSpider


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``, plus the run's verdict as exit status."""

    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args == [BladeSpider.name]:
            try:
                BladeSpider.check_arguments(**opts.spargs)
            except BadArgument as exc:
                raise UsageError(str(exc), print_help=False) from None  # exit status 2
        super().run(args, opts)
        # Scrapy's own way to read stats that may never have been set (the crawl did not start).
        stats = self.crawler._stats if self.crawler is not None else None
        if stats is not None:
            self.exitcode = max(self.exitcode, exit_status(stats.get_stats()))
