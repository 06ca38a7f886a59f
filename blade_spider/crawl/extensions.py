"""Extensions: progress while a crawl runs, one summary and a verdict when it ends.

Scrapy's LogStats already logs pages and items per minute; :class:`CrawlReport` adds the queue
size to that rhythm, and at the end logs the summary (new, updated, unchanged, gone, failed,
skipped by robots, archive totals), stores the verdict (``blade/exit_status``) that
``scrapy crawl``/``blade crawl`` turn into the process exit status, and removes the JOBDIR of a
crawl that finished (so the next scheduled run starts fresh, while a killed one resumes).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call

from blade_spider.archive.report import write_output_readme
from blade_spider.archive.state import StateStore
from blade_spider.archive.store import WRITE_ERRORS, Archive, write_problem
from blade_spider.crawl.health import ARCHIVE_ERROR, FATAL, OK, Verdict, assess

logger = logging.getLogger(__name__)


class CrawlReport:
    """Progress lines, the closing summary and the run's verdict."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("LOGSTATS_INTERVAL", 60.0)
        self.task: AsyncioLoopingCall | Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        report = cls(crawler)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def spider_opened(self, spider: Spider) -> None:
        if self.interval > 0:
            self.task = create_looping_call(self.progress)
            self.task.start(self.interval, now=False)

    def queue_size(self) -> int:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        return len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0

    def progress(self) -> None:
        stats = self.crawler.stats
        logger.info(
            "Progress: %s pages fetched, %s articles new, %s updated, %s unchanged, "
            "%s failed, %s requests queued",
            stats.get_value("response_received_count", 0),
            stats.get_value("blade/archive/new", 0), stats.get_value("blade/archive/updated", 0),
            stats.get_value("blade/archive/unchanged", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/failures/")),
            self.queue_size(),
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        stats = self.crawler.stats
        stats.set_value("finish_reason", reason)
        verdict = assess(stats.get_stats())
        stats.set_value("blade/exit_status", verdict.status)
        try:
            self.conclude(verdict)
        except WRITE_ERRORS as exc:  # e.g. the disk that stopped the crawl is still full
            output = Path(self.crawler.settings.get("BLADE_OUTPUT_DIR"))
            logger.error("Could not record the verdict in the archive: %s",
                         write_problem(exc, output))
        get = stats.get_value
        logger.info(
            "Crawl summary: %s new, %s updated, %s unchanged, %s gone, %s failed, %s rejected, "
            "%s skipped by robots.txt, %s not articles; archive holds %s articles. Verdict: %s",
            get("blade/archive/new", 0), get("blade/archive/updated", 0),
            get("blade/archive/unchanged", 0), get("blade/archive/gone", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/failures/")),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/rejected/")),
            get("robotstxt/forbidden", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/not_article/")),
            get("blade/archive_articles", "?"),
            "OK" if verdict.status == 0 else "; ".join(verdict.problems),
        )
        for problem in verdict.problems:
            logger.error("Run problem: %s", problem)
        jobdir = self.crawler.settings.get("JOBDIR")
        # A run stopped by its archive (a full disk...) may have left the queue torn: the next
        # run starts fresh too (it looks as far back again, so nothing is missed).
        if jobdir and ((reason == "finished" and verdict.status < FATAL)
                       or stats.get_value("blade/stop_reason") == ARCHIVE_ERROR):
            shutil.rmtree(Path(jobdir), ignore_errors=True)

    def conclude(self, verdict: Verdict) -> None:
        """Record the verdict with the crawl (state and manifest). Only a clean run moves the
        incremental watermark: after a failed one the next run looks as far back again."""
        crawl_id = self.crawler.stats.get_value("blade/crawl_id")
        if crawl_id is None:
            return  # the archive was never opened (locked by another run)
        output = Path(self.crawler.settings.get("BLADE_OUTPUT_DIR"))
        outcome = {"exit_status": verdict.status, "problems": verdict.problems}
        state = StateStore(output / "state.sqlite3")
        try:
            state.conclude_crawl(crawl_id, "finished" if verdict.status == OK else "failed",
                                 outcome)
        finally:
            state.close()
        archive = Archive(output)
        manifest = archive.read_manifest() or {}
        manifest = archive.write_manifest(
            last_crawl={**(manifest.get("last_crawl") or {}), **outcome})
        write_output_readme(output, manifest)
